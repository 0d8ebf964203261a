/* rl_net behaviour: the double-Q target on a hand example, negatives, a tiny
 * MDP whose Q values the Q head must reach, warm-up phases and optimisers,
 * determinism by seed, the policy views, bad arguments and allocation
 * failures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/alloc.h"
#include "models/q_head.h"
#include "models/rl_net_internal.h"

static orl_rl_net_config small_config(int n_items, int algorithm)
{
    orl_rl_net_config c = orl_rl_net_config_default(n_items, algorithm);
    c.embed_dim = 8;
    c.hidden_dim = 8;
    c.window = 3;
    c.max_batch = 16;
    c.n_neg = 4;
    return c;
}

/* A batch of B transitions over n_items with ids from a fixed pattern. */
typedef struct batch {
    int32_t s[16 * 3], ls[16], a[16], ns[16 * 3], lns[16];
    float r[16];
    uint8_t d[16];
} batch;

static void make_batch(batch *x, int B, int I, int T, uint32_t salt)
{
    for (int b = 0; b < B; b++) {
        int len = 1 + (int)((b + salt) % (uint32_t)T);
        x->ls[b] = len;
        x->a[b] = (int32_t)((b * 7u + salt) % (uint32_t)I);
        for (int t = 0; t < T; t++)
            x->s[b * T + t] = t < len ? (int32_t)((b + 3u * t + salt) % (uint32_t)I) : I;
        int nl = len < T ? len + 1 : T;
        x->lns[b] = nl;
        for (int t = 0; t < T; t++) {
            int32_t v = I;
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

static int step(orl_rl_net *net, const batch *x, int B, orl_rl_losses *l)
{
    return orl_rl_net_train_step(net, x->s, x->ls, x->a, x->r, x->ns, x->lns, x->d, B, 0.01f, l);
}

/* ---------------------------------------------------------------- double Q */

static void set_q_head(orl_params *p, int I, int H, const float *bias)
{
    memset(orl_params_at(p, p->value, ORL_Q_HEAD_W), 0, sizeof(float) * (size_t)I * H);
    memcpy(orl_params_at(p, p->value, ORL_Q_HEAD_B), bias, sizeof(float) * (size_t)I);
}

static void test_double_q_target_on_hand_example(void **state)
{
    (void)state;
    orl_rl_net_config c = small_config(3, ORL_RL_SNQN);
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 1, 1, &net));
    /* Q heads independent of the state: main prefers item 1 (Q 3), which the
     * target values at 2; the target's own maximum (7) must not be used. */
    const float main_q[3] = {0.0f, 3.0f, 1.0f}, tgt_q[3] = {5.0f, 2.0f, 7.0f};
    set_q_head(&net->qn[0], 3, 8, main_q);
    set_q_head(&net->qn[1], 3, 8, tgt_q);
    batch x;
    make_batch(&x, 6, 3, 3, 0);
    orl_rl_inputs in = {x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, NULL, 6};
    int32_t neg[6 * 4];
    orl_rl_net_sample_negatives(net, x.a, 6, neg);
    orl_rl_losses l;
    assert_orl_ok(orl_rl_net_loss_grad(net, 0, 0, &in, neg, NULL, &l));
    double td = 0.0, tdn = 0.0;
    for (int b = 0; b < 6; b++) {
        assert_int_equal(net->a_star[b], 1);
        assert_int_equal(net->a_star_c[b], 1);
        float want = x.r[b] + (x.d[b] ? 0.0f : 0.5f * 2.0f);
        assert_true(fabs(net->y[b] - want) < 1e-6);
        assert_true(fabs(net->y_neg[b] - 0.5f * 2.0f) < 1e-6); /* r_neg 0, no done mask */
        td += 0.5 * pow(want - main_q[x.a[b]], 2);
        for (int j = 0; j < 4; j++) tdn += 0.5 * pow(1.0 - main_q[neg[b * 4 + j]], 2);
    }
    assert_true(fabs(l.td - td / 6) < 1e-5);
    assert_true(fabs(l.td_neg - tdn / 6) < 1e-5);
    assert_true(fabs(l.total - (l.ce + l.td + l.td_neg)) < 1e-4);
    /* Roles swapped: main = QN_2 picks item 2, which QN_1 values at 1. */
    memset(net->qn[1].grad, 0, sizeof(float) * net->qn[1].count);
    assert_orl_ok(orl_rl_net_loss_grad(net, 1, 0, &in, neg, NULL, &l));
    for (int b = 0; b < 6; b++) {
        assert_int_equal(net->a_star[b], 2);
        assert_true(fabs(net->y[b] - (x.r[b] + (x.d[b] ? 0.0f : 0.5f))) < 1e-6);
    }
    orl_rl_net_free(net);
}

static void test_negatives_never_equal_the_positive_and_are_uniform(void **state)
{
    (void)state;
    for (int I = 2; I <= 6; I++) {
        orl_rl_net_config c = small_config(I, ORL_RL_SA2C);
        orl_rl_net *net = NULL;
        assert_orl_ok(orl_rl_net_create(&c, 9, 1, &net));
        int32_t a[16], neg[16 * 4];
        long count[6] = {0};
        for (int rep = 0; rep < 500; rep++) {
            for (int b = 0; b < 16; b++) a[b] = (b + rep) % I;
            orl_rl_net_sample_negatives(net, a, 16, neg);
            for (int b = 0; b < 16; b++)
                for (int j = 0; j < 4; j++) {
                    assert_true(neg[b * 4 + j] >= 0 && neg[b * 4 + j] < I);
                    assert_int_not_equal(neg[b * 4 + j], a[b]);
                    if (a[b] == 0) count[neg[b * 4 + j]]++;
                }
        }
        /* Given action 0, the others are equally likely (within 15%). */
        long total = 0;
        for (int i = 1; i < I; i++) total += count[i];
        for (int i = 1; i < I; i++)
            assert_true(fabs((double)count[i] / total - 1.0 / (I - 1)) < 0.15 / (I - 1));
        orl_rl_net_free(net);
    }
}

/* ---------------------------------------------------------------- tiny MDP */

/* Items 0..2, window 1: the state is the last item (or padding, id 3). Every
 * (state, action) pair is logged; reward R[s][a]; the next state is [a];
 * action 2 ends the session. Q*(s, a) = R[s][a] + 0.5 (a != 2) max_b Q*(a, b). */
static void test_q_head_learns_the_values_of_a_tiny_mdp(void **state)
{
    (void)state;
    enum { I = 3, S = 4, B = 12 };
    static const float R[S][I] = {
        {0.0f, 1.0f, 0.2f}, {0.5f, 0.0f, 1.0f}, {1.0f, 0.3f, 0.0f}, {0.2f, 0.2f, 0.6f}};
    double q[S][I] = {{0}};
    for (int it = 0; it < 200; it++)
        for (int s = 0; s < S; s++)
            for (int a = 0; a < I; a++) {
                double v = -INFINITY;
                for (int b = 0; b < I; b++) v = q[a][b] > v ? q[a][b] : v;
                q[s][a] = R[s][a] + (a == 2 ? 0.0 : 0.5 * v);
            }
    orl_rl_net_config c = orl_rl_net_config_default(I, ORL_RL_SQN);
    c.embed_dim = c.hidden_dim = 16;
    c.window = 1;
    c.max_batch = B;
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 4, 1, &net));
    int32_t st[B], ls[B], ac[B], ns[B], lns[B];
    float rw[B];
    uint8_t dn[B];
    for (int s = 0, b = 0; s < S; s++)
        for (int a = 0; a < I; a++, b++) {
            st[b] = s == 3 ? I : s; /* state index 3 = the empty history */
            ls[b] = lns[b] = 1;
            ac[b] = ns[b] = a;
            rw[b] = R[s][a];
            dn[b] = (uint8_t)(a == 2);
        }
    for (int k = 0; k < 3000; k++)
        assert_orl_ok(orl_rl_net_train_step(net, st, ls, ac, rw, ns, lns, dn, B, 0.01f, NULL));
    const orl_sl_net *qv = orl_rl_net_policy(net, ORL_RL_HEAD_Q);
    int32_t states[S] = {0, 1, 2, I}, lens[S] = {1, 1, 1, 1};
    size_t bytes = orl_sl_net_scratch_bytes(qv, S);
    void *scratch = malloc(bytes);
    float scores[S * I];
    assert_orl_ok(orl_sl_net_scores(qv, states, lens, S, scratch, bytes, scores));
    for (int s = 0; s < S; s++)
        for (int a = 0; a < I; a++)
            if (fabs(scores[s * I + a] - q[s][a]) > 0.05)
                fail_msg("Q(%d, %d) = %g, expected %g", s, a, (double)scores[s * I + a], q[s][a]);
    free(scratch);
    orl_rl_net_free(net);
}

/* ---------------------------------------------------------------- phases */

static void test_warmup_switches_phase_and_optimiser(void **state)
{
    (void)state;
    for (int alg = ORL_RL_SAC; alg <= ORL_RL_SA2C; alg += 2) {
        orl_rl_net_config c = small_config(20, alg);
        c.warmup_steps = 4;
        orl_rl_net *net = NULL;
        assert_orl_ok(orl_rl_net_create(&c, 2, 2, &net));
        batch x;
        make_batch(&x, 16, 20, 3, 1);
        orl_rl_losses l;
        for (int k = 0; k < 10; k++) {
            int64_t s1[2] = {net->qn[0].step, net->qn[1].step};
            int64_t s2[2] = {net->step2[0], net->step2[1]};
            assert_orl_ok(step(net, &x, 16, &l));
            assert_int_equal(l.phase, k >= 4);
            int m = l.main_net;
            /* Only the main network moved, with the optimiser of its phase. */
            int second = alg == ORL_RL_SA2C && k >= 4;
            assert_int_equal(net->qn[m].step, s1[m] + !second);
            assert_int_equal(net->step2[m], s2[m] + second);
            assert_int_equal(net->qn[1 - m].step, s1[1 - m]);
            if (l.phase == 0) assert_true(l.ce_weight == 1.0f);
            if (alg == ORL_RL_SAC && l.phase) assert_true(fabs(l.ce_weight - l.q_sa) < 1e-5);
            if (alg == ORL_RL_SA2C && l.phase) assert_true(l.ce_weight >= 0.0f);
            assert_true(isfinite(l.total) && l.td >= 0.0f);
        }
        assert_int_equal(orl_rl_net_steps(net), 10);
        orl_rl_net_free(net);
    }
}

static void test_coin_updates_both_networks(void **state)
{
    (void)state;
    orl_rl_net_config c = small_config(30, ORL_RL_SQN);
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 3, 1, &net));
    batch x;
    make_batch(&x, 16, 30, 3, 2);
    int used[2] = {0, 0};
    float first = 0.0f, last = 0.0f;
    for (int k = 0; k < 200; k++) {
        orl_rl_losses l;
        assert_orl_ok(step(net, &x, 16, &l));
        used[l.main_net]++;
        if (k == 0) first = l.ce;
        last = l.ce;
    }
    assert_true(used[0] > 60 && used[1] > 60);
    assert_int_equal(net->qn[0].step + net->qn[1].step, 200);
    assert_true(last < 0.5f * first); /* it learns the fixed batch */
    orl_rl_net_free(net);
}

/* ---------------------------------------------------------------- seeds */

static void run_steps(uint64_t seed, int alg, int threads, float *losses, orl_rl_net **out)
{
    orl_rl_net_config c = small_config(40, alg);
    c.warmup_steps = 3;
    c.ips_smooth = 1.0f;
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, seed, threads, &net));
    float pop[40];
    for (int i = 0; i < 40; i++) pop[i] = (float)(i + 1) / 820.0f;
    assert_orl_ok(orl_rl_net_set_behaviour(net, pop));
    batch x;
    for (int k = 0; k < 8; k++) {
        make_batch(&x, 16, 40, 3, (uint32_t)k);
        orl_rl_losses l;
        assert_orl_ok(step(net, &x, 16, &l));
        losses[k] = l.total;
    }
    *out = net;
}

static void test_determinism_by_seed(void **state)
{
    (void)state;
    for (int alg = 0; alg < 4; alg++) {
        float l1[8], l2[8], l3[8];
        orl_rl_net *a, *b, *c;
        run_steps(7, alg, 2, l1, &a);
        run_steps(7, alg, 2, l2, &b);
        run_steps(8, alg, 2, l3, &c);
        assert_memory_equal(l1, l2, sizeof l1);
        for (int k = 0; k < 2; k++)
            assert_memory_equal(a->qn[k].value, b->qn[k].value, sizeof(float) * a->qn[k].count);
        assert_true(memcmp(l1, l3, sizeof l1) != 0);
        assert_true(memcmp(a->qn[0].value, c->qn[0].value, sizeof(float) * a->qn[0].count) != 0);
        orl_rl_net_free(a);
        orl_rl_net_free(b);
        orl_rl_net_free(c);
    }
}

/* ---------------------------------------------------------------- views */

static void test_policy_views_score_with_each_head(void **state)
{
    (void)state;
    orl_rl_net_config c = small_config(50, ORL_RL_SQN);
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 5, 1, &net));
    batch x;
    make_batch(&x, 16, 50, 3, 0);
    for (int k = 0; k < 5; k++) assert_orl_ok(step(net, &x, 16, NULL));
    const orl_sl_net *ce = orl_rl_net_policy(net, ORL_RL_HEAD_CE);
    const orl_sl_net *qv = orl_rl_net_policy(net, ORL_RL_HEAD_Q);
    assert_null(orl_rl_net_policy(net, 2));
    size_t bytes = orl_sl_net_scratch_bytes(ce, 4);
    void *scratch = malloc(bytes);
    float h[4 * 8], sc[4 * 50], sq[4 * 50];
    assert_orl_ok(orl_sl_net_encode(ce, x.s, x.ls, 4, scratch, bytes, h));
    assert_orl_ok(orl_sl_net_scores(ce, x.s, x.ls, 4, scratch, bytes, sc));
    assert_orl_ok(orl_sl_net_scores(qv, x.s, x.ls, 4, scratch, bytes, sq));
    const orl_params *p = orl_rl_net_params_const(net, 0);
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < 50; i++) {
            double zc = orl_params_at(p, p->value, ORL_CE_HEAD_B)[i];
            double zq = orl_params_at(p, p->value, ORL_Q_HEAD_B)[i];
            for (int k = 0; k < 8; k++) {
                zc += (double)h[r * 8 + k] * orl_params_at(p, p->value, ORL_CE_HEAD_W)[i * 8 + k];
                zq += (double)h[r * 8 + k] * orl_params_at(p, p->value, ORL_Q_HEAD_W)[i * 8 + k];
            }
            assert_true(fabs(sc[r * 50 + i] - zc) < 1e-4);
            assert_true(fabs(sq[r * 50 + i] - zq) < 1e-4);
        }
    int32_t ids[4 * 3];
    assert_orl_ok(orl_sl_net_topk(qv, x.s, x.ls, 4, 3, scratch, bytes, ids, NULL));
    for (int r = 0; r < 4; r++)
        for (int i = 0; i < 50; i++) assert_true(sq[r * 50 + i] <= sq[r * 50 + ids[r * 3]]);
    free(scratch);
    orl_rl_net_free(net);
}

/* ---------------------------------------------------------------- errors */

static void test_config_ranges(void **state)
{
    (void)state;
    orl_rl_net *net = NULL;
    orl_rl_net_config c;
#define EXPECT_BAD(field, value)                                                                   \
    do {                                                                                           \
        c = small_config(10, ORL_RL_SA2C);                                                         \
        c.field = value;                                                                           \
        assert_int_equal(orl_rl_net_create(&c, 1, 1, &net), ORL_E_OUT_OF_RANGE);                   \
        assert_null(net);                                                                          \
    } while (0)
    EXPECT_BAD(algorithm, 4);
    EXPECT_BAD(n_items, 1); /* negatives need another item */
    EXPECT_BAD(hidden_dim, 0);
    EXPECT_BAD(window, 0);
    EXPECT_BAD(max_batch, -1);
    EXPECT_BAD(gamma, 1.5f);
    EXPECT_BAD(gamma, NAN);
    EXPECT_BAD(n_neg, 0);
    EXPECT_BAD(r_neg, INFINITY);
    EXPECT_BAD(warmup_steps, -1);
    EXPECT_BAD(lr2, 0.0f);
    EXPECT_BAD(adv_clip_lo, 11.0f);
    EXPECT_BAD(adv_clip_hi, NAN);
    EXPECT_BAD(weight, -1.0f);
    EXPECT_BAD(ips_smooth, -0.5f);
    EXPECT_BAD(ips_clip_lo, 0.0f);
    EXPECT_BAD(ips_clip_hi, 0.01f);
#undef EXPECT_BAD
    c = small_config(1, ORL_RL_SQN); /* one item is fine without negatives */
    assert_orl_ok(orl_rl_net_create(&c, 1, 1, &net));
    orl_rl_net_free(net);
    assert_int_equal(orl_rl_net_create(NULL, 1, 1, &net), ORL_E_INVALID_ARGUMENT);
    int alg = -1;
    assert_orl_ok(orl_rl_algo_from_name("sa2c", &alg));
    assert_int_equal(alg, ORL_RL_SA2C);
    assert_string_equal(orl_rl_algo_name(ORL_RL_SNQN), "snqn");
    assert_int_equal(orl_rl_algo_from_name("dqn", &alg), ORL_E_NOT_FOUND);
    assert_null(orl_rl_algo_name(7));
}

static void test_bad_batches_change_nothing(void **state)
{
    (void)state;
    orl_rl_net_config c = small_config(10, ORL_RL_SA2C);
    c.warmup_steps = 0;
    orl_rl_net *net = NULL, *twin = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 6, 1, &net));
    assert_orl_ok(orl_rl_net_create(&c, 6, 1, &twin));
    batch x;
    make_batch(&x, 16, 10, 3, 0);
    const int B = 16;
#define EXPECT_FAIL(code, ...) assert_int_equal(orl_rl_net_train_step(__VA_ARGS__), code)
    EXPECT_FAIL(ORL_E_INVALID_ARGUMENT, net, NULL, x.ls, x.a, x.r, x.ns, x.lns, x.d, B, 0.01f,
                NULL);
    EXPECT_FAIL(ORL_E_INVALID_ARGUMENT, net, x.s, x.ls, x.a, x.r, x.ns, x.lns, NULL, B, 0.01f,
                NULL);
    EXPECT_FAIL(ORL_E_OUT_OF_RANGE, net, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, 0, 0.01f, NULL);
    EXPECT_FAIL(ORL_E_OUT_OF_RANGE, net, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, 17, 0.01f, NULL);
    EXPECT_FAIL(ORL_E_OUT_OF_RANGE, net, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, B, 0.0f, NULL);
    batch y = x;
    y.a[3] = 10;
    EXPECT_FAIL(ORL_E_OUT_OF_RANGE, net, y.s, y.ls, y.a, y.r, y.ns, y.lns, y.d, B, 0.01f, NULL);
    y = x;
    y.ns[5] = 11;
    EXPECT_FAIL(ORL_E_OUT_OF_RANGE, net, y.s, y.ls, y.a, y.r, y.ns, y.lns, y.d, B, 0.01f, NULL);
    y = x;
    y.lns[2] = 0;
    EXPECT_FAIL(ORL_E_OUT_OF_RANGE, net, y.s, y.ls, y.a, y.r, y.ns, y.lns, y.d, B, 0.01f, NULL);
    y = x;
    y.r[0] = NAN;
    EXPECT_FAIL(ORL_E_OUT_OF_RANGE, net, y.s, y.ls, y.a, y.r, y.ns, y.lns, y.d, B, 0.01f, NULL);
    float beh[16];
    for (int b = 0; b < 16; b++) beh[b] = 0.1f;
    beh[4] = 0.0f;
    assert_int_equal(
        orl_rl_net_train_step_ex(net, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, beh, B, 0.01f, NULL),
        ORL_E_OUT_OF_RANGE);
    /* A finite reward whose TD loss overflows: ORL_E_NUMERIC, nothing moved. */
    y = x;
    y.r[1] = 3e38f;
    EXPECT_FAIL(ORL_E_NUMERIC, net, y.s, y.ls, y.a, y.r, y.ns, y.lns, y.d, B, 0.01f, NULL);
#undef EXPECT_FAIL
    float pop[10] = {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, -1.0f};
    assert_int_equal(orl_rl_net_set_behaviour(net, pop), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_rl_net_steps(net), 0);
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < net->qn[k].count; i++) assert_true(net->qn[k].grad[i] == 0.0f);
        assert_memory_equal(net->qn[k].value, twin->qn[k].value, sizeof(float) * net->qn[k].count);
    }
    /* The same next step as a twin that never saw the bad batches. */
    orl_rl_losses l1, l2;
    assert_orl_ok(step(net, &x, B, &l1));
    assert_orl_ok(step(twin, &x, B, &l2));
    assert_memory_equal(&l1, &l2, sizeof l1);
    orl_rl_net_free(net);
    orl_rl_net_free(twin);
}

static void test_allocation_failures_leak_nothing(void **state)
{
    (void)state;
    for (int alg = 0; alg < 4; alg++) {
        orl_rl_net_config c = small_config(12, alg);
        int64_t live = orl_alloc_live_blocks();
        int succeeded = 0;
        for (int64_t n = 0; n < 100 && !succeeded; n++) {
            orl_rl_net *net = NULL;
            orl_alloc_fail_after(n);
            int s = orl_rl_net_create(&c, 1, 2, &net);
            orl_alloc_fail_after(-1);
            if (s == ORL_OK) {
                succeeded = 1;
                float pop[12];
                for (int i = 0; i < 12; i++) pop[i] = 1.0f / 12;
                orl_alloc_fail_after(0);
                assert_int_equal(orl_rl_net_set_behaviour(net, pop), ORL_E_NOMEM);
                orl_alloc_fail_after(-1);
                assert_orl_ok(orl_rl_net_set_behaviour(net, pop));
                orl_rl_net_free(net);
            } else {
                assert_int_equal(s, ORL_E_NOMEM);
                assert_null(net);
            }
            assert_int_equal(orl_alloc_live_blocks(), live);
        }
        assert_true(succeeded);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_q_target_on_hand_example),
        cmocka_unit_test(test_negatives_never_equal_the_positive_and_are_uniform),
        cmocka_unit_test(test_q_head_learns_the_values_of_a_tiny_mdp),
        cmocka_unit_test(test_warmup_switches_phase_and_optimiser),
        cmocka_unit_test(test_coin_updates_both_networks),
        cmocka_unit_test(test_determinism_by_seed),
        cmocka_unit_test(test_policy_views_score_with_each_head),
        cmocka_unit_test(test_config_ranges),
        cmocka_unit_test(test_bad_batches_change_nothing),
        cmocka_unit_test(test_allocation_failures_leak_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
