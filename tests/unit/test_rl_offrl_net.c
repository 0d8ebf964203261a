/* rl_net's cql, sqn_cql and sqn_rem paths: the optimiser's fast path (the Q
 * head's Adam inside the CQL pass 2, the REM ensemble's row-sparse Adam)
 * equals the plain dense Adam; no allocation in a step; refused steps and
 * configurations; the derived mean of sqn_rem's heads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/alloc.h"
#include "models/q_head.h"
#include "models/rl_net_internal.h"

enum { BMAX = 16, T = 3 };

static const int ALGOS[] = {ORL_RL_CQL, ORL_RL_SQN_CQL, ORL_RL_SQN_REM};

static orl_rl_net_config small_config(int n_items, int algorithm)
{
    orl_rl_net_config c = orl_rl_net_config_default(n_items, algorithm);
    c.embed_dim = 8;
    c.hidden_dim = 8;
    c.window = T;
    c.max_batch = BMAX;
    c.cql_alpha = 0.5f;
    c.q_heads = 3;
    c.vpq_c = 2.0f;
    return c;
}

typedef struct batch {
    int32_t s[BMAX * T], ls[BMAX], a[BMAX], ns[BMAX * T], lns[BMAX];
    float r[BMAX];
    uint8_t d[BMAX];
} batch;

/* Transitions whose next state is the state with the action appended. */
static void make_batch(batch *x, int I, uint32_t salt)
{
    for (int b = 0; b < BMAX; b++) {
        int len = 1 + (int)((b + salt) % T);
        x->ls[b] = len;
        x->a[b] = (int32_t)((b * 7u + salt) % (uint32_t)I);
        for (int t = 0; t < T; t++)
            x->s[b * T + t] = t < len ? (int32_t)((b + 3u * t + salt) % (uint32_t)I) : I;
        x->lns[b] = len < T ? len + 1 : T;
        for (int t = 0; t < T; t++) {
            int32_t v;
            if (len < T)
                v = t < len ? x->s[b * T + t] : (t == len ? x->a[b] : I);
            else
                v = t < T - 1 ? x->s[b * T + t + 1] : x->a[b];
            x->ns[b * T + t] = v;
        }
        x->r[b] = (b % 3 == 0) ? 1.0f : 0.2f;
        x->d[b] = (uint8_t)(b % 5 == 4);
    }
}

static int step(orl_rl_net *net, const batch *x, orl_rl_losses *l)
{
    return orl_rl_net_train_step(net, x->s, x->ls, x->a, x->r, x->ns, x->lns, x->d, BMAX, 0.01f, l);
}

/* Largest difference between the two networks' stores of a and b. */
static double store_diff(const orl_rl_net *a, const orl_rl_net *b)
{
    double worst = 0.0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < a->qn[k].count; i++) {
            double d = fabs((double)a->qn[k].value[i] - b->qn[k].value[i]);
            worst = d > worst ? d : worst;
        }
    return worst;
}

/* 1,300 items: the CQL pass 2 covers several tiles on two threads. */
static void test_fast_optimiser_equals_dense_adam(void **state)
{
    (void)state;
    const int I = 1300;
    for (int i = 0; i < 3; i++) {
        orl_rl_net_config c = small_config(I, ALGOS[i]);
        orl_rl_net *fast = NULL, *dense = NULL;
        assert_orl_ok(orl_rl_net_create(&c, 3, 2, &fast));
        assert_orl_ok(orl_rl_net_create(&c, 3, 2, &dense));
        dense->dense_adam = 1;
        assert_true(store_diff(fast, dense) == 0.0);
        batch x;
        for (int s = 0; s < 6; s++) {
            make_batch(&x, I, (uint32_t)s);
            orl_rl_losses lf, ld;
            assert_orl_ok(step(fast, &x, &lf));
            assert_orl_ok(step(dense, &x, &ld));
            assert_true(fabs(lf.total - ld.total) <= 1e-5 * (1.0 + fabs(ld.total)));
        }
        double d = store_diff(fast, dense);
        print_message("%s: fast vs dense Adam, largest difference %.3g\n",
                      orl_rl_algo_name(ALGOS[i]), d);
        assert_true(d == 0.0); /* the same update, bit for bit */
        /* Both networks moved (the coin picks each). */
        orl_rl_net *fresh = NULL;
        assert_orl_ok(orl_rl_net_create(&c, 3, 2, &fresh));
        for (int k = 0; k < 2; k++)
            assert_true(memcmp(fresh->qn[k].value, fast->qn[k].value,
                               sizeof(float) * fast->qn[k].count) != 0);
        orl_rl_net_free(fresh);
        orl_rl_net_free(fast);
        orl_rl_net_free(dense);
    }
}

static void test_train_step_does_not_allocate(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        orl_rl_net_config c = small_config(40, ALGOS[i]);
        orl_rl_net *net = NULL;
        assert_orl_ok(orl_rl_net_create(&c, 1, 2, &net));
        batch x;
        make_batch(&x, 40, 4);
        assert_orl_ok(step(net, &x, NULL));
        int64_t live = orl_alloc_live_blocks();
        orl_alloc_fail_after(0);
        for (int k = 0; k < 3; k++) assert_orl_ok(step(net, &x, NULL));
        assert_non_null(orl_rl_net_policy_params(net)); /* refreshes sqn_rem's mean */
        orl_alloc_fail_after(-1);
        assert_int_equal(orl_alloc_live_blocks(), live);
        orl_rl_net_free(net);
    }
}

/* A refused step changes nothing, the REM draw included: the next steps
 * equal those of a net that never saw it. */
static void test_refused_step_changes_nothing(void **state)
{
    (void)state;
    for (int i = 0; i < 3; i++) {
        orl_rl_net_config c = small_config(40, ALGOS[i]);
        orl_rl_net *a = NULL, *b = NULL;
        assert_orl_ok(orl_rl_net_create(&c, 9, 1, &a));
        assert_orl_ok(orl_rl_net_create(&c, 9, 1, &b));
        batch x, bad;
        make_batch(&x, 40, 1);
        bad = x;
        bad.a[3] = 40;
        assert_int_equal(step(a, &bad, NULL), ORL_E_OUT_OF_RANGE);
        bad = x;
        bad.r[2] = NAN;
        assert_int_equal(step(a, &bad, NULL), ORL_E_OUT_OF_RANGE);
        for (int s = 0; s < 3; s++) {
            assert_orl_ok(step(a, &x, NULL));
            assert_orl_ok(step(b, &x, NULL));
        }
        assert_true(store_diff(a, b) == 0.0);
        orl_rl_net_free(a);
        orl_rl_net_free(b);
    }
}

static void expect_bad(orl_rl_net_config c, const char *field)
{
    orl_rl_net *net = NULL;
    assert_int_equal(orl_rl_net_create(&c, 1, 1, &net), ORL_E_OUT_OF_RANGE);
    assert_null(net);
    assert_non_null(strstr(orl_last_error(), field));
}

static void test_config_ranges(void **state)
{
    (void)state;
    orl_rl_net_config c = small_config(10, ORL_RL_CQL);
    c.cql_alpha = -1.0f;
    expect_bad(c, "cql_alpha");
    c.cql_alpha = NAN;
    expect_bad(c, "cql_alpha");
    c = small_config(10, ORL_RL_SQN_REM);
    c.q_heads = 1;
    expect_bad(c, "q_heads");
    c.q_heads = ORL_Q_ENSEMBLE_MAX + 1;
    expect_bad(c, "q_heads");
    c = small_config(10, ORL_RL_SQN_REM);
    c.vpq_c = -0.1f;
    expect_bad(c, "vpq_c");
    c = small_config(10, 7); /* between the families */
    expect_bad(c, "algorithm");
    /* Names round-trip; the JSON carries each family's own settings. */
    for (int i = 0; i < 3; i++) {
        int back = -1;
        assert_orl_ok(orl_rl_algo_from_name(orl_rl_algo_name(ALGOS[i]), &back));
        assert_int_equal(back, ALGOS[i]);
    }
    char json[1024];
    size_t len = 0;
    c = small_config(10, ORL_RL_SQN_REM);
    assert_orl_ok(orl_rl_net_config_json(&c, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"algorithm\":\"sqn_rem\""));
    assert_non_null(strstr(json, "\"q_heads\":3"));
    assert_non_null(strstr(json, "\"vpq_c\":2"));
    c = small_config(10, ORL_RL_SQN);
    assert_orl_ok(orl_rl_net_config_json(&c, json, sizeof json, &len));
    assert_null(strstr(json, "cql_alpha"));
    assert_null(strstr(json, "q_heads"));
}

/* sqn_rem: QN_1's Q head is refreshed to the exact mean of its heads when
 * read after steps, and the Q view scores with it. */
static void test_rem_mean_refreshed_for_the_policy(void **state)
{
    (void)state;
    const int I = 40, H = 8, K = 3;
    orl_rl_net_config c = small_config(I, ORL_RL_SQN_REM);
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 2, 1, &net));
    batch x;
    make_batch(&x, I, 2);
    for (int s = 0; s < 4; s++) assert_orl_ok(step(net, &x, NULL));
    const orl_params *raw = orl_rl_net_params_const(net, 0);
    const float *mean = orl_params_at(raw, raw->value, ORL_Q_HEAD_W);
    const float *w = orl_params_at(raw, raw->value, ORL_Q_ENSEMBLE_W);
    int stale = 0;
    for (int i = 0; i < I * H; i++) {
        float s = 0.0f;
        for (int k = 0; k < K; k++) s += w[(size_t)k * I * H + i];
        stale += mean[i] != s / (float)K;
    }
    assert_true(stale > 0); /* a cache, not updated by each step */
    const orl_sl_net *view = orl_rl_net_policy(net, ORL_RL_HEAD_Q);
    for (int i = 0; i < I * H; i++) {
        float s = 0.0f;
        for (int k = 0; k < K; k++) s += w[(size_t)k * I * H + i];
        assert_true(mean[i] == s / (float)K);
    }
    /* The view's scores are those of the mean head. */
    int32_t st[T] = {1, 2, I}, ln = 2;
    size_t bytes = orl_sl_net_scratch_bytes(view, 1);
    void *scratch = malloc(bytes);
    float scores[40], hidden[8];
    assert_orl_ok(orl_sl_net_scores(view, st, &ln, 1, scratch, bytes, scores));
    assert_orl_ok(orl_sl_net_encode(view, st, &ln, 1, scratch, bytes, hidden));
    const float *mb = orl_params_at(raw, raw->value, ORL_Q_HEAD_B);
    for (int i = 0; i < I; i++) {
        double q = mb[i];
        for (int h = 0; h < H; h++) q += (double)mean[i * H + h] * hidden[h];
        assert_true(fabs(q - scores[i]) < 1e-4);
    }
    free(scratch);
    orl_rl_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_optimiser_equals_dense_adam),
        cmocka_unit_test(test_train_step_does_not_allocate),
        cmocka_unit_test(test_refused_step_changes_nothing),
        cmocka_unit_test(test_config_ranges),
        cmocka_unit_test(test_rem_mean_refreshed_for_the_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
