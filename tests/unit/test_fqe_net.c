/* fqe_net: its loss against a naive double-precision reference on the same
 * encoder states, its gradient against central finite differences with the
 * target fixed (every parameter: Q head, encoder, embeddings), the hard
 * target copy every N steps, the row-sparse Adam equal to the dense one,
 * refused steps that change nothing, and Q values for whole rows against the
 * naive product. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/alloc.h"
#include "core/rng.h"
#include "models/fqe_net_internal.h"
#include "models/q_head.h"

enum { TB = 5, TI = 7, TT = 3, TE = 4, TH = 5 };
static const float GAMMA = 0.7f;

typedef struct fqe_case {
    orl_fqe_net *net;
    int32_t states[TB * TT], lens[TB], actions[TB], next_states[TB * TT], next_lens[TB];
    float rewards[TB], probs[TB * TI];
    uint8_t done[TB];
    orl_fqe_inputs in;
} fqe_case;

static void fill(float *x, size_t n, float scale, orl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * (2.0f * orl_rng_uniform(r) - 1.0f);
}

static void fill_tensor(orl_params *p, const char *name, float scale, orl_rng *r)
{
    const orl_param_view *v = orl_params_find(p, name);
    assert_non_null(v);
    fill(p->value + v->offset, v->rows * v->cols, scale, r);
}

static orl_fqe_net *make_net(float gamma, int64_t period, int max_batch, uint64_t seed)
{
    orl_fqe_net_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.n_items = TI;
    cfg.max_batch = max_batch;
    cfg.gamma = gamma;
    cfg.target_update = period;
    orl_encoder_spec_default(&cfg.encoder);
    cfg.encoder.embed_dim = TE;
    cfg.encoder.hidden_dim = TH;
    cfg.encoder.window = TT;
    orl_fqe_net *net = NULL;
    assert_orl_ok(orl_fqe_net_create(&cfg, seed, 1, &net));
    return net;
}

static void make_case(fqe_case *c, float gamma, uint64_t seed)
{
    c->net = make_net(gamma, 100, TB, seed);
    orl_rng r;
    orl_rng_init(&r, seed, 9);
    /* Larger weights so every term carries real gradient; the target differs
     * from the online network. */
    orl_params *stores[2] = {&c->net->on, &c->net->tgt};
    for (int s = 0; s < 2; s++) {
        fill_tensor(stores[s], ORL_ENC_EMB, 0.8f, &r);
        fill_tensor(stores[s], ORL_Q_HEAD_W, 1.0f, &r);
        fill_tensor(stores[s], ORL_Q_HEAD_B, 1.0f, &r);
    }
    static const int32_t lens[TB] = {1, 2, 3, 3, 2};
    for (int b = 0; b < TB; b++) {
        c->lens[b] = lens[b];
        c->actions[b] = (int32_t)orl_rng_below(&r, TI);
        for (int t = 0; t < TT; t++)
            c->states[b * TT + t] = t < lens[b] ? (int32_t)orl_rng_below(&r, TI) : TI;
        int32_t seq[TT + 1];
        int n = 0;
        for (int t = 0; t < lens[b]; t++) seq[n++] = c->states[b * TT + t];
        seq[n++] = c->actions[b];
        int first = n > TT ? n - TT : 0;
        c->next_lens[b] = n - first;
        for (int t = 0; t < TT; t++)
            c->next_states[b * TT + t] = t < n - first ? seq[first + t] : TI;
        c->rewards[b] = b % 2 ? 1.0f : 0.2f;
        c->done[b] = (uint8_t)(b == 2);
        /* A stochastic policy row (terminal rows hold NaN: never read). */
        double sum = 0.0;
        for (int i = 0; i < TI; i++) sum += c->probs[b * TI + i] = 0.05f + orl_rng_uniform(&r);
        for (int i = 0; i < TI; i++)
            c->probs[b * TI + i] = c->done[b] ? NAN : (float)(c->probs[b * TI + i] / sum);
    }
    orl_fqe_inputs in = {c->states,    c->lens, c->actions, c->rewards, c->next_states,
                         c->next_lens, c->done, c->probs,   TB};
    c->in = in;
}

static float eval_loss(fqe_case *c)
{
    memset(c->net->on.grad, 0, sizeof(float) * c->net->on.count);
    float loss;
    assert_orl_ok(orl_fqe_net_loss_grad(c->net, &c->in, &loss));
    return loss;
}

/* Row `item` of W h + b, in double. */
static double lin(const float *h, const orl_params *p, int item)
{
    const float *w = orl_params_at(p, p->value, ORL_Q_HEAD_W);
    double s = orl_params_at(p, p->value, ORL_Q_HEAD_B)[item];
    for (int k = 0; k < TH; k++) s += (double)h[k] * w[item * TH + k];
    return s;
}

static double naive_loss(fqe_case *c, double gamma)
{
    orl_fqe_net *net = c->net;
    float hs[TB * TH], hn[TB * TH];
    net->enc.cls->forward(NULL, &net->on, &net->enc, net->work_ng, c->states, c->lens, TB, NULL,
                          hs);
    net->enc.cls->forward(NULL, &net->tgt, &net->enc, net->work_ng, c->next_states, c->next_lens,
                          TB, NULL, hn);
    double total = 0.0;
    for (int b = 0; b < TB; b++) {
        double v = 0.0;
        if (!c->done[b])
            for (int i = 0; i < TI; i++) v += c->probs[b * TI + i] * lin(hn + b * TH, &net->tgt, i);
        double e = lin(hs + b * TH, &net->on, c->actions[b]) - (c->rewards[b] + gamma * v);
        total += 0.5 * e * e;
    }
    return total / TB;
}

static void test_loss_and_gradient(void **state)
{
    (void)state;
    const float gammas[2] = {GAMMA, 0.0f};
    for (int gi = 0; gi < 2; gi++)
        for (uint64_t seed = 1; seed <= 3; seed++) {
            fqe_case c;
            make_case(&c, gammas[gi], seed);
            if (gammas[gi] == 0.0f) c.in.next_probs = NULL; /* a reward model needs no pi */
            const float loss = eval_loss(&c);
            const double ref = naive_loss(&c, gammas[gi]);
            if (fabs(loss - ref) > 1e-5 * (1 + fabs(ref)))
                fail_msg("gamma %g seed %d: loss %.8g, reference %.8g", (double)gammas[gi],
                         (int)seed, (double)loss, ref);
            orl_params *p = &c.net->on;
            float *grad = malloc(sizeof(float) * p->count);
            assert_non_null(grad);
            eval_loss(&c);
            memcpy(grad, p->grad, sizeof(float) * p->count);
            const orl_param_view *emb = orl_params_find(p, ORL_ENC_EMB);
            const double eps = 2e-3;
            int compared = 0, n_emb = 0, n_nonzero = 0;
            double worst = 0.0, worst_abs = 0.0, largest = 0.0;
            for (int v = 0; v < p->n_views; v++) {
                const orl_param_view *view = &p->views[v];
                for (size_t i = view->offset; i < view->offset + view->rows * view->cols; i++) {
                    const float keep = p->value[i];
                    p->value[i] = keep + (float)eps;
                    const double lp = eval_loss(&c);
                    p->value[i] = keep - (float)eps;
                    const double lm = eval_loss(&c);
                    p->value[i] = keep;
                    const double fd = (lp - lm) / (2 * eps);
                    const double err = fabs(grad[i] - fd) / (1e-3 + fabs(fd));
                    worst = err > worst ? err : worst;
                    worst_abs = fmax(worst_abs, fabs(grad[i] - fd));
                    largest = fmax(largest, fabs(fd));
                    if (fabs(grad[i] - fd) > 2e-3 + 2e-2 * fabs(fd))
                        fail_msg("tensor %s index %zu: analytic %g, numeric %g", view->name,
                                 i - view->offset, (double)grad[i], fd);
                    compared++;
                    n_nonzero += grad[i] != 0.0f;
                    if (view == emb && grad[i] != 0.0f) n_emb++;
                }
            }
            print_message("gamma %g seed %d: loss %.6f (ref %.6f), %d coordinates, %d nonzero, "
                          "max |analytic - numeric| %.2e (largest |gradient| %.3f), max of "
                          "|difference| / (1e-3 + |numeric|) %.2e\n",
                          (double)gammas[gi], (int)seed, (double)loss, ref, compared, n_nonzero,
                          worst_abs, largest, worst);
            assert_true(n_emb > 10); /* through the encoder */
            assert_true(n_nonzero > 50);
            free(grad);
            orl_fqe_net_free(c.net);
        }
}

/* The expectation over pi is what the target uses: a policy that moves its
 * mass changes the loss by exactly the naive amount (not the max). */
static void test_target_is_the_expectation(void **state)
{
    (void)state;
    fqe_case c;
    make_case(&c, GAMMA, 4);
    const double before = naive_loss(&c, GAMMA);
    assert_true(fabs(eval_loss(&c) - before) < 1e-5 * (1 + before));
    for (int b = 0; b < TB; b++)
        if (!c.done[b])
            for (int i = 0; i < TI; i++) c.probs[b * TI + i] = i == b % TI ? 1.0f : 0.0f;
    const double after = naive_loss(&c, GAMMA);
    assert_true(fabs(after - before) > 1e-3);
    assert_true(fabs(eval_loss(&c) - after) < 1e-5 * (1 + after));
    orl_fqe_net_free(c.net);
}

static int step(fqe_case *c, float lr)
{
    return orl_fqe_net_train_step(c->net, c->states, c->lens, c->actions, c->rewards,
                                  c->next_states, c->next_lens, c->done, c->probs, TB, lr, NULL);
}

static int same_target(const orl_fqe_net *net)
{
    return memcmp(net->on.value, net->tgt.value, sizeof(float) * net->on.count) == 0;
}

static void test_target_copied_every_period(void **state)
{
    (void)state;
    for (int64_t period = 1; period <= 4; period += 3) {
        fqe_case c;
        make_case(&c, GAMMA, 5);
        orl_fqe_net_free(c.net);
        c.net = make_net(GAMMA, period, TB, 5);
        assert_true(same_target(c.net)); /* starts as a copy */
        float *last = malloc(sizeof(float) * c.net->tgt.count);
        assert_non_null(last);
        memcpy(last, c.net->tgt.value, sizeof(float) * c.net->tgt.count);
        for (int t = 1; t <= 12; t++) {
            assert_orl_ok(step(&c, 0.01f));
            if (t % period == 0) {
                assert_true(same_target(c.net));
                memcpy(last, c.net->tgt.value, sizeof(float) * c.net->tgt.count);
            } else {
                assert_false(same_target(c.net));
                assert_memory_equal(last, c.net->tgt.value, sizeof(float) * c.net->tgt.count);
            }
        }
        assert_int_equal(orl_fqe_net_target_syncs(c.net), 12 / period);
        assert_int_equal(orl_fqe_net_steps(c.net), 12);
        free(last);
        orl_fqe_net_free(c.net);
    }
}

static void test_sparse_adam_equals_dense(void **state)
{
    (void)state;
    fqe_case a, d;
    make_case(&a, GAMMA, 6);
    make_case(&d, GAMMA, 6);
    d.net->dense_adam = 1;
    for (int t = 0; t < 6; t++) {
        assert_orl_ok(step(&a, 0.01f));
        assert_orl_ok(step(&d, 0.01f));
        /* a different batch of actions each step, so rows go untouched */
        for (int b = 0; b < TB; b++) {
            a.actions[b] = d.actions[b] = (a.actions[b] + 2) % TI;
        }
    }
    const orl_params *pa = &a.net->on, *pd = &d.net->on;
    assert_memory_equal(pa->value, pd->value, sizeof(float) * pa->count);
    assert_memory_equal(pa->m, pd->m, sizeof(float) * pa->count);
    assert_memory_equal(pa->v, pd->v, sizeof(float) * pa->count);
    orl_fqe_net_free(a.net);
    orl_fqe_net_free(d.net);
}

static void test_refused_steps_change_nothing(void **state)
{
    (void)state;
    fqe_case c;
    make_case(&c, GAMMA, 7);
    const size_t bytes = sizeof(float) * c.net->on.count;
    float *keep = malloc(bytes);
    assert_non_null(keep);
    memcpy(keep, c.net->on.value, bytes);
    c.actions[1] = TI;
    assert_int_equal(step(&c, 0.01f), ORL_E_OUT_OF_RANGE);
    c.actions[1] = 0;
    c.lens[0] = 0;
    assert_int_equal(step(&c, 0.01f), ORL_E_OUT_OF_RANGE);
    c.lens[0] = 1;
    c.rewards[0] = INFINITY;
    assert_int_equal(step(&c, 0.01f), ORL_E_OUT_OF_RANGE);
    c.rewards[0] = 1e30f; /* the squared error overflows */
    assert_int_equal(step(&c, 0.01f), ORL_E_NUMERIC);
    c.rewards[0] = 0.2f;
    assert_int_equal(step(&c, 0.0f), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_fqe_net_train_step(c.net, c.states, c.lens, c.actions, c.rewards,
                                            c.next_states, c.next_lens, c.done, NULL, TB, 0.01f,
                                            NULL),
                     ORL_E_INVALID_ARGUMENT); /* gamma > 0 needs pi */
    assert_int_equal(orl_fqe_net_train_step(c.net, c.states, c.lens, c.actions, c.rewards,
                                            c.next_states, c.next_lens, c.done, c.probs, TB + 1,
                                            0.01f, NULL),
                     ORL_E_OUT_OF_RANGE);
    assert_memory_equal(keep, c.net->on.value, bytes);
    assert_int_equal(orl_fqe_net_steps(c.net), 0);
    assert_int_equal(c.net->on.step, 0);
    free(keep);
    orl_fqe_net_free(c.net);
}

/* Whole rows: n histories over several passes of max_batch against the
 * naive product on the inference encoder's states. */
static void test_q_values(void **state)
{
    (void)state;
    enum { N = 11 };
    orl_fqe_net *net = make_net(GAMMA, 10, 4, 8);
    orl_rng r;
    orl_rng_init(&r, 8, 3);
    fill_tensor(&net->on, ORL_Q_HEAD_B, 1.0f, &r);
    int32_t st[N * TT], ln[N];
    for (int b = 0; b < N; b++) {
        ln[b] = 1 + b % TT;
        for (int t = 0; t < TT; t++)
            st[b * TT + t] = t < ln[b] ? (int32_t)orl_rng_below(&r, TI) : TI;
    }
    const size_t bytes = orl_fqe_net_q_scratch_bytes(net);
    void *scratch = orl_aligned_alloc(bytes);
    assert_non_null(scratch);
    float q[N * TI], h[TH];
    assert_orl_ok(orl_fqe_net_q_values(net, orl_fqe_net_pool(net), st, ln, N, scratch, q));
    for (int b = 0; b < N; b++) {
        net->enc.cls->forward(NULL, &net->on, &net->enc, net->work_ng, st + b * TT, ln + b, 1, NULL,
                              h);
        for (int i = 0; i < TI; i++) assert_true(fabs(q[b * TI + i] - lin(h, &net->on, i)) < 1e-5);
    }
    ln[3] = TT + 1;
    assert_int_equal(orl_fqe_net_q_values(net, NULL, st, ln, N, scratch, q), ORL_E_OUT_OF_RANGE);
    orl_aligned_free(scratch);
    orl_fqe_net_free(net);
}

static void test_bad_config(void **state)
{
    (void)state;
    orl_fqe_net_config c;
    memset(&c, 0, sizeof c);
    c.n_items = 5;
    c.max_batch = 4;
    c.gamma = 0.5f;
    c.target_update = 1;
    assert_orl_ok(orl_fqe_net_check_config(&c));
    orl_fqe_net_config bad = c;
    bad.gamma = 1.5f;
    assert_int_equal(orl_fqe_net_check_config(&bad), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "gamma"));
    bad = c;
    bad.target_update = 0;
    assert_int_equal(orl_fqe_net_check_config(&bad), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "target_update"));
    bad = c;
    bad.max_batch = 0;
    orl_fqe_net *net = (orl_fqe_net *)&bad; /* untouched on failure */
    assert_int_equal(orl_fqe_net_create(&bad, 1, 1, &net), ORL_E_OUT_OF_RANGE);
    assert_ptr_equal(net, (orl_fqe_net *)&bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_and_gradient),
        cmocka_unit_test(test_target_is_the_expectation),
        cmocka_unit_test(test_target_copied_every_period),
        cmocka_unit_test(test_sparse_adam_equals_dense),
        cmocka_unit_test(test_refused_steps_change_nothing),
        cmocka_unit_test(test_q_values),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
