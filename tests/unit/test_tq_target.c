/* tq_net's target network: a hard copy exactly every target_update steps
 * (equal right after, different before), Polyak averaging by tau after every
 * step, and refused steps that change nothing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "models/ce_head.h"
#include "models/tq_net_internal.h"

enum { B = 6, T = 3, I = 9 };

typedef struct batch {
    int32_t s[B * T], ls[B], a[B], ns[B * T], nls[B];
    float r[B];
    uint8_t d[B];
} batch;

static void make_batch(batch *x)
{
    for (int b = 0; b < B; b++) {
        x->ls[b] = 1 + b % T;
        x->nls[b] = x->ls[b] < T ? x->ls[b] + 1 : T;
        for (int t = 0; t < T; t++) {
            x->s[b * T + t] = t < x->ls[b] ? (b + 2 * t) % I : I;
            x->ns[b * T + t] = t < x->nls[b] ? (b + 3 * t + 1) % I : I;
        }
        x->a[b] = (3 * b + 1) % I;
        x->r[b] = b % 2 ? 1.0f : 0.2f;
        x->d[b] = b == 4;
    }
}

static orl_tq_net *make_net(int algorithm, int64_t period, float tau)
{
    orl_tq_config c;
    memset(&c, 0, sizeof c);
    c.algorithm = algorithm;
    c.n_items = I;
    c.max_batch = B;
    c.gamma = 0.5f;
    c.threshold = 0.3f;
    c.reg = 0.01f;
    c.heads = 3;
    c.target_update = period;
    c.tau = tau;
    orl_encoder_spec_default(&c.encoder);
    c.encoder.embed_dim = c.encoder.hidden_dim = 6;
    c.encoder.window = T;
    orl_tq_net *net = NULL;
    assert_orl_ok(orl_tq_net_create(&c, 5, 1, &net));
    return net;
}

static int step(orl_tq_net *net, const batch *x)
{
    return orl_tq_net_train_step(net, x->s, x->ls, x->a, x->r, x->ns, x->nls, x->d, B, 0.01f, NULL);
}

static int same(const orl_tq_net *net)
{
    return memcmp(net->on.value, net->tgt.value, sizeof(float) * net->on.count) == 0;
}

static void test_hard_copy_every_period(void **state)
{
    (void)state;
    batch x;
    make_batch(&x);
    for (int alg = 0; alg < 2; alg++) {
        orl_tq_net *net = make_net(alg, 4, 0.0f);
        assert_true(same(net)); /* starts as a copy */
        float *initial = malloc(sizeof(float) * net->tgt.count);
        memcpy(initial, net->tgt.value, sizeof(float) * net->tgt.count);
        for (int t = 1; t <= 12; t++) {
            assert_orl_ok(step(net, &x));
            if (t % 4 == 0) {
                assert_true(same(net));
            } else {
                assert_false(same(net));
                if (t < 4) /* untouched until the first copy */
                    assert_memory_equal(initial, net->tgt.value, sizeof(float) * net->tgt.count);
            }
        }
        assert_int_equal(orl_tq_net_target_syncs(net), 3);
        free(initial);
        orl_tq_net_free(net);
    }
}

static void test_polyak_moves_by_tau(void **state)
{
    (void)state;
    batch x;
    make_batch(&x);
    for (int alg = 0; alg < 2; alg++) {
        orl_tq_net *net = make_net(alg, 1, 0.25f); /* tau > 0 replaces the hard copy */
        const size_t n = net->on.count;
        float *before = malloc(sizeof(float) * n);
        for (int t = 0; t < 3; t++) {
            memcpy(before, net->tgt.value, sizeof(float) * n);
            assert_orl_ok(step(net, &x));
            int moved = 0;
            for (size_t i = 0; i < n; i++) {
                float want = before[i] + 0.25f * (net->on.value[i] - before[i]);
                assert_true(fabsf(net->tgt.value[i] - want) <= 1e-6f * (1 + fabsf(want)));
                moved |= net->tgt.value[i] != before[i];
            }
            assert_true(moved);
            assert_false(same(net));
        }
        assert_int_equal(orl_tq_net_target_syncs(net), 0);
        free(before);
        orl_tq_net_free(net);
    }
}

/* A bad batch is refused naming the problem, and nothing changes. */
static void test_refused_steps_change_nothing(void **state)
{
    (void)state;
    batch x;
    make_batch(&x);
    for (int alg = 0; alg < 2; alg++) {
        orl_tq_net *net = make_net(alg, 2, 0.0f);
        assert_orl_ok(step(net, &x));
        float *keep = malloc(sizeof(float) * net->on.count);
        memcpy(keep, net->on.value, sizeof(float) * net->on.count);
        x.a[2] = I;
        assert_int_equal(step(net, &x), ORL_E_OUT_OF_RANGE);
        assert_non_null(strstr(orl_last_error(), "action"));
        x.a[2] = 0;
        x.r[1] = NAN;
        assert_int_equal(step(net, &x), ORL_E_OUT_OF_RANGE);
        x.r[1] = 0.2f;
        x.ls[0] = 0;
        assert_int_equal(step(net, &x), ORL_E_OUT_OF_RANGE);
        x.ls[0] = 1;
        assert_memory_equal(keep, net->on.value, sizeof(float) * net->on.count);
        assert_int_equal(orl_tq_net_steps(net), 1);
        free(keep);
        orl_tq_net_free(net);
    }
}

/* The row-sparse optimiser gives the dense update's result, bit for bit. */
static void test_sparse_adam_equals_dense(void **state)
{
    (void)state;
    batch x;
    make_batch(&x);
    for (int alg = 0; alg < 2; alg++) {
        orl_tq_net *a = make_net(alg, 2, 0.0f), *d = make_net(alg, 2, 0.0f);
        d->dense_adam = 1;
        for (int t = 0; t < 5; t++) {
            assert_orl_ok(step(a, &x));
            assert_orl_ok(step(d, &x));
            x.a[t % B] = (x.a[t % B] + 1) % I; /* other rows next time */
        }
        assert_memory_equal(a->on.value, d->on.value, sizeof(float) * a->on.count);
        assert_memory_equal(a->on.m, d->on.m, sizeof(float) * a->on.count);
        assert_memory_equal(a->on.v, d->on.v, sizeof(float) * a->on.count);
        orl_tq_net_free(a);
        orl_tq_net_free(d);
    }
}

static void test_config_is_checked(void **state)
{
    (void)state;
    orl_tq_config c;
    memset(&c, 0, sizeof c);
    c.algorithm = ORL_TQ_REM;
    c.n_items = 5;
    c.max_batch = 4;
    c.gamma = 0.5f;
    c.heads = 4;
    c.target_update = 10;
    assert_orl_ok(orl_tq_check_config(&c));
    const char *names[] = {"threshold", "heads", "target_update", "tau", "reg"};
    for (int k = 0; k < 5; k++) {
        orl_tq_config b = c;
        if (k == 0) b.threshold = 1.0f;
        if (k == 1) b.heads = 33;
        if (k == 2) b.target_update = 0;
        if (k == 3) b.tau = 1.5f;
        if (k == 4) b.reg = -1.0f;
        assert_int_equal(orl_tq_check_config(&b), ORL_E_OUT_OF_RANGE);
        assert_non_null(strstr(orl_last_error(), names[k]));
    }
}

/* A fixed G must carry its encoder's tensors and a CE head over the catalogue. */
static void test_generative_store_is_checked(void **state)
{
    (void)state;
    orl_tq_net *rem = make_net(ORL_TQ_REM, 2, 0.0f), *g = make_net(ORL_TQ_BCQ, 2, 0.0f);
    orl_tq_config c = g->cfg;
    c.generative = &rem->on; /* encoder, but no CE head */
    c.generative_encoder = rem->cfg.encoder;
    orl_tq_net *net = NULL;
    assert_int_equal(orl_tq_net_create(&c, 1, 1, &net), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "head.w"));
    assert_null(net);
    c.generative = &g->on;
    c.generative_encoder = g->cfg.encoder;
    c.generative_encoder.hidden_dim = 7; /* not the store's shapes */
    assert_int_equal(orl_tq_net_create(&c, 1, 1, &net), ORL_E_INVALID_ARGUMENT);
    c.generative_encoder = g->cfg.encoder;
    assert_orl_ok(orl_tq_net_create(&c, 1, 1, &net));
    batch x;
    make_batch(&x);
    orl_tq_losses l;
    assert_orl_ok(orl_tq_net_train_step(net, x.s, x.ls, x.a, x.r, x.ns, x.nls, x.d, B, 0.01f, &l));
    assert_true(isnan(l.ce) && l.total == l.td); /* no CE or regulariser term */
    orl_tq_net_free(net);
    orl_tq_net_free(rem);
    orl_tq_net_free(g);
}

/* REM's export: the ensemble as trained, its mean as the Q head (and under
 * the CE head's names), the encoder; refreshed after every step. */
static void test_rem_export_store(void **state)
{
    (void)state;
    batch x;
    make_batch(&x);
    orl_tq_net *net = make_net(ORL_TQ_REM, 2, 0.0f);
    for (int t = 0; t < 3; t++) {
        assert_orl_ok(step(net, &x));
        const orl_params *e = orl_tq_net_policy(net), *on = &net->on;
        const orl_param_view *ew = orl_params_find(e, ORL_Q_ENSEMBLE_W);
        const orl_param_view *eb = orl_params_find(e, ORL_Q_ENSEMBLE_B);
        assert_non_null(ew);
        assert_non_null(eb);
        assert_int_equal(ew->rows, 3 * I);
        assert_int_equal(eb->rows, 3 * I);
        assert_int_equal(eb->cols, 1);
        const size_t H = ew->cols;
        for (int v = 0; v < on->n_views; v++) { /* encoder and ensemble copied */
            const orl_param_view *src = &on->views[v], *dst = orl_params_find(e, src->name);
            assert_non_null(dst);
            assert_memory_equal(e->value + dst->offset, on->value + src->offset,
                                sizeof(float) * src->rows * src->cols);
        }
        const float *w = orl_params_at(on, on->value, ORL_Q_ENSEMBLE_W);
        const float *b = orl_params_at(on, on->value, ORL_Q_ENSEMBLE_B);
        const float *mw = orl_params_at(e, e->value, ORL_Q_HEAD_W);
        const float *mb = orl_params_at(e, e->value, ORL_Q_HEAD_B);
        const float *cw = orl_params_at(e, e->value, ORL_CE_HEAD_W);
        const float *cb = orl_params_at(e, e->value, ORL_CE_HEAD_B);
        for (size_t i = 0; i < I; i++) {
            float sb = (b[i] + b[I + i] + b[2 * I + i]) / 3.0f;
            assert_true(fabsf(mb[i] - sb) < 1e-6f && cb[i] == mb[i]);
            for (size_t j = 0; j < H; j++) {
                float sw = (w[i * H + j] + w[(I + i) * H + j] + w[(2 * I + i) * H + j]) / 3.0f;
                assert_true(fabsf(mw[i * H + j] - sw) < 1e-6f);
                assert_true(cw[i * H + j] == mw[i * H + j]);
            }
        }
    }
    orl_tq_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hard_copy_every_period),
        cmocka_unit_test(test_polyak_moves_by_tau),
        cmocka_unit_test(test_refused_steps_change_nothing),
        cmocka_unit_test(test_sparse_adam_equals_dense),
        cmocka_unit_test(test_config_is_checked),
        cmocka_unit_test(test_generative_store_is_checked),
        cmocka_unit_test(test_rem_export_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
