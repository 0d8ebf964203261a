/* What bcq and rem converge to on a tiny MDP (the reference's --selftest
 * MDP: 3 states, 4 actions, stochastic transitions and termination, a
 * behaviour policy in which the best action of state 0 is rare). The targets
 * come from value iteration on the empirical MDP of the log: Q* for bcq with
 * threshold 0 and for rem's mean head; the batch-constrained Q (max over the
 * actions with beta(a|s) / max beta > threshold) for bcq at 0.3 and 0.99.
 * State s is the one-item history {s}; full-batch training, 1,500 steps, Adam
 * lr 0.01 then 0.001 for the last third, target copy every 50 steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/rng.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/tq_net_internal.h"

enum { NS = 3, NA = 4, T = 2, MAXN = 1400, STEPS = 1500 };
static const double R[NS][NA] = {{0.2, 0.0, 0.1, 1.0}, {0.0, 0.5, 0.2, 0.0}, {0.3, 0.0, 1.0, 0.1}};
/* P[s][a] = probabilities of next state 0, 1, 2 and of the end. */
static const double P[NS][NA][4] = {
    {{0.1, 0.6, 0.2, 0.1}, {0.0, 0.2, 0.7, 0.1}, {0.5, 0.3, 0.1, 0.1}, {0.0, 0.1, 0.1, 0.8}},
    {{0.3, 0.1, 0.5, 0.1}, {0.1, 0.1, 0.1, 0.7}, {0.1, 0.1, 0.7, 0.1}, {0.6, 0.2, 0.1, 0.1}},
    {{0.7, 0.1, 0.1, 0.1}, {0.2, 0.6, 0.1, 0.1}, {0.1, 0.1, 0.2, 0.6}, {0.3, 0.3, 0.3, 0.1}}};
static const double BETA[NS][NA] = {
    {0.45, 0.30, 0.20, 0.05}, {0.25, 0.25, 0.25, 0.25}, {0.10, 0.50, 0.30, 0.10}};
static const double START[NS] = {0.5, 0.3, 0.2};
static const double GAMMA = 0.5;

typedef struct mdp_log {
    int n;
    int32_t states[MAXN * T], lens[MAXN], actions[MAXN], next_states[MAXN * T], next_lens[MAXN];
    float rewards[MAXN];
    uint8_t done[MAXN];
    /* the empirical MDP */
    double cnt[NS][NA], r[NS][NA], p[NS][NA][NS], beta[NS][NA];
} mdp_log;

static int draw(orl_rng *g, const double *p, int n)
{
    double u = orl_rng_uniform_double(g), acc = 0.0;
    for (int i = 0; i < n - 1; i++)
        if (u < (acc += p[i])) return i;
    return n - 1;
}

static void set_state(int32_t *row, int32_t *len, int s)
{
    row[0] = s;
    row[1] = NA; /* padding */
    *len = 1;
}

/* Whole episodes while they fit in MAXN transitions (at least 1,200). */
static void make_log(mdp_log *d, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    orl_rng g;
    orl_rng_init(&g, seed, 0);
    while (d->n < 1200) {
        int s = draw(&g, START, NS);
        for (;;) {
            assert_true(d->n < MAXN);
            int a = draw(&g, BETA[s], NA), nx = draw(&g, P[s][a], 4), i = d->n++;
            set_state(d->states + i * T, d->lens + i, s);
            set_state(d->next_states + i * T, d->next_lens + i, nx == 3 ? 0 : nx);
            d->actions[i] = a;
            d->rewards[i] = (float)R[s][a];
            d->done[i] = nx == 3;
            d->cnt[s][a] += 1;
            d->r[s][a] += R[s][a];
            if (nx != 3) d->p[s][a][nx] += 1;
            if (nx == 3) break;
            s = nx;
        }
    }
    for (int s = 0; s < NS; s++) {
        double tot = 0;
        for (int a = 0; a < NA; a++) tot += d->cnt[s][a];
        for (int a = 0; a < NA; a++) {
            assert_true(d->cnt[s][a] > 0);
            d->r[s][a] /= d->cnt[s][a];
            for (int x = 0; x < NS; x++) d->p[s][a][x] /= d->cnt[s][a];
            d->beta[s][a] = d->cnt[s][a] / tot;
        }
    }
}

/* Q = r + gamma P max_{allowed} Q; allowed(s, a) <=> beta(a|s) / max beta > thr. */
static void value_iteration(const mdp_log *d, double thr, double q[NS][NA])
{
    memset(q, 0, sizeof(double) * NS * NA);
    for (int it = 0; it < 400; it++) {
        double v[NS];
        for (int s = 0; s < NS; s++) {
            double bmax = 0;
            for (int a = 0; a < NA; a++) bmax = fmax(bmax, d->beta[s][a]);
            v[s] = -INFINITY;
            for (int a = 0; a < NA; a++)
                if (d->beta[s][a] / bmax > thr) v[s] = fmax(v[s], q[s][a]);
        }
        for (int s = 0; s < NS; s++)
            for (int a = 0; a < NA; a++) {
                double y = d->r[s][a];
                for (int x = 0; x < NS; x++) y += GAMMA * d->p[s][a][x] * v[x];
                q[s][a] = y;
            }
    }
}

static orl_tq_net *train_with(const mdp_log *d, int algorithm, float threshold, float tau,
                              const orl_tq_net *g);

static orl_tq_net *train(const mdp_log *d, int algorithm, float threshold, float tau)
{
    return train_with(d, algorithm, threshold, tau, NULL);
}

/* g: a trained BCQ net whose online store (encoder + G head) is the fixed
 * generative model, or NULL. */
static orl_tq_net *train_with(const mdp_log *d, int algorithm, float threshold, float tau,
                              const orl_tq_net *g)
{
    orl_tq_config c;
    memset(&c, 0, sizeof c);
    c.algorithm = algorithm;
    c.n_items = NA;
    c.max_batch = d->n;
    c.gamma = (float)GAMMA;
    c.threshold = threshold;
    c.reg = 0.01f;
    c.heads = 4;
    c.target_update = 50;
    c.tau = tau;
    orl_encoder_spec_default(&c.encoder);
    c.encoder.embed_dim = 8;
    c.encoder.hidden_dim = 16;
    c.encoder.window = T;
    if (g) {
        c.generative = &g->on;
        c.generative_encoder = g->cfg.encoder;
        c.encoder.hidden_dim = 12; /* its own encoder, of another size */
    }
    orl_tq_net *net = NULL;
    assert_orl_ok(orl_tq_net_create(&c, 11, 2, &net));
    for (int t = 0; t < STEPS; t++) {
        float lr = t < 2 * STEPS / 3 ? 0.01f : 0.001f;
        assert_orl_ok(orl_tq_net_train_step(net, d->states, d->lens, d->actions, d->rewards,
                                            d->next_states, d->next_lens, d->done, d->n, lr, NULL));
    }
    return net;
}

/* The online network's heads at the three states: G logits (BCQ), Q (BCQ's
 * Q head, or REM's mean over heads). */
static void heads_at_states(orl_tq_net *net, double z[NS][NA], double q[NS][NA])
{
    int32_t st[NS * T], len[NS];
    for (int s = 0; s < NS; s++) set_state(st + s * T, len + s, s);
    const int H = net->enc.state_dim;
    float h[NS * 64];
    assert_true(H <= 64);
    net->enc.cls->forward(NULL, &net->on, &net->enc, net->work_ng, st, len, NS, NULL, h);
    const orl_params *p = orl_tq_net_policy(net);
    const float *qw = orl_params_at(p, p->value, ORL_Q_HEAD_W);
    const float *qb = orl_params_at(p, p->value, ORL_Q_HEAD_B);
    const float *gw = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *gb = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) {
            double vq = qb[a], vz = gb[a];
            for (int k = 0; k < H; k++) {
                vq += (double)h[s * H + k] * qw[a * H + k];
                vz += (double)h[s * H + k] * gw[a * H + k];
            }
            q[s][a] = vq;
            z[s][a] = vz;
        }
}

static double max_err(double a[NS][NA], double b[NS][NA])
{
    double e = 0;
    for (int s = 0; s < NS; s++)
        for (int x = 0; x < NA; x++) e = fmax(e, fabs(a[s][x] - b[s][x]));
    return e;
}

static mdp_log log_data;

static void check_bcq(double threshold, float tau, const char *what)
{
    double target[NS][NA], z[NS][NA], q[NS][NA];
    value_iteration(&log_data, threshold, target);
    orl_tq_net *net = train(&log_data, ORL_TQ_BCQ, (float)threshold, tau);
    heads_at_states(net, z, q);
    double e = max_err(q, target), g_err = 0;
    int mask_ok = 1, argmax_ok = 1;
    for (int s = 0; s < NS; s++) {
        double zm = -INFINITY, sum = 0, bmax = 0;
        int ga = 0, ba = 0;
        for (int a = 0; a < NA; a++) {
            if (z[s][a] > zm) zm = z[s][a], ga = a;
            if (log_data.beta[s][a] > bmax) bmax = log_data.beta[s][a], ba = a;
        }
        for (int a = 0; a < NA; a++) sum += exp(z[s][a] - zm);
        for (int a = 0; a < NA; a++) {
            g_err = fmax(g_err, fabs(exp(z[s][a] - zm) / sum - log_data.beta[s][a]));
            int net_allows = z[s][a] - zm > log(threshold);
            int data_allows = log_data.beta[s][a] / bmax > threshold;
            mask_ok &= net_allows == data_allows;
        }
        argmax_ok &= ga == ba;
    }
    printf("bcq %s: max |Q - target| %.4g, max |G - beta| %.4g, mask %s, G argmax %s, syncs %lld\n",
           what, e, g_err, mask_ok ? "= data" : "DIFFERS", argmax_ok ? "= data" : "DIFFERS",
           (long long)orl_tq_net_target_syncs(net));
    assert_true(e <= 0.05);
    assert_true(g_err <= 0.05); /* G learns the behaviour policy */
    if (threshold > 0) assert_true(mask_ok);
    assert_true(argmax_ok);
    orl_tq_net_free(net);
}

static int setup(void **state)
{
    (void)state;
    make_log(&log_data, 1);
    return 0;
}

/* The three targets are far apart, so a method checked against the wrong one fails. */
static void test_targets_differ(void **state)
{
    (void)state;
    double qs[NS][NA], q3[NS][NA], q99[NS][NA];
    value_iteration(&log_data, 0.0, qs);
    value_iteration(&log_data, 0.3, q3);
    value_iteration(&log_data, 0.99, q99);
    printf("transitions %d; max |Q_0.3 - Q*| %.3f, max |Q_0.99 - Q_0.3| %.3f\n", log_data.n,
           max_err(qs, q3), max_err(q3, q99));
    assert_true(max_err(qs, q3) > 0.15);
    assert_true(max_err(q3, q99) > 0.15);
}

static void test_bcq_threshold_0_reaches_q_star(void **state)
{
    (void)state;
    check_bcq(0.0, 0.0f, "threshold 0");
}

static void test_bcq_threshold_03_reaches_batch_constrained_q(void **state)
{
    (void)state;
    check_bcq(0.3, 0.0f, "threshold 0.3");
    check_bcq(0.3, 0.05f, "threshold 0.3, Polyak 0.05");
}

/* Near 1 only G's argmax passes: Q is valued by G's choice, ranking like G. */
static void test_bcq_threshold_099_follows_g(void **state)
{
    (void)state;
    check_bcq(0.99, 0.0f, "threshold 0.99");
}

static void test_rem_mean_reaches_q_star(void **state)
{
    (void)state;
    double qs[NS][NA], z[NS][NA], q[NS][NA];
    value_iteration(&log_data, 0.0, qs);
    orl_tq_net *net = train(&log_data, ORL_TQ_REM, 0.0f, 0.0f);
    heads_at_states(net, z, q);
    double e = max_err(q, qs);
    printf("rem: max |mean head - Q*| %.4g\n", e);
    assert_true(e <= 0.05);
    orl_tq_net_free(net);
}

/* G fixed (a BCQ net trained before, its own encoder): only Q trains, to the
 * same batch-constrained value; the store holds the Q network alone. */
static void test_bcq_with_a_fixed_generative_model(void **state)
{
    (void)state;
    double target[NS][NA], z[NS][NA], q[NS][NA];
    value_iteration(&log_data, 0.3, target);
    orl_tq_net *g = train(&log_data, ORL_TQ_BCQ, 0.3f, 0.0f);
    float *g_before = malloc(sizeof(float) * g->on.count);
    memcpy(g_before, g->on.value, sizeof(float) * g->on.count);
    orl_tq_net *net = train_with(&log_data, ORL_TQ_BCQ, 0.3f, 0.0f, g);
    assert_null(orl_params_find(&net->on, ORL_CE_HEAD_W));
    assert_int_equal(net->enc.state_dim, 12);
    assert_memory_equal(g_before, g->on.value, sizeof(float) * g->on.count); /* never trained */
    /* Q from the net's own encoder and Q head. */
    int32_t st[NS * T], len[NS];
    for (int s = 0; s < NS; s++) set_state(st + s * T, len + s, s);
    float h[NS * 12];
    net->enc.cls->forward(NULL, &net->on, &net->enc, net->work_ng, st, len, NS, NULL, h);
    const float *qw = orl_params_at(&net->on, net->on.value, ORL_Q_HEAD_W);
    const float *qb = orl_params_at(&net->on, net->on.value, ORL_Q_HEAD_B);
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) {
            double v = qb[a];
            for (int k = 0; k < 12; k++) v += (double)h[s * 12 + k] * qw[a * 12 + k];
            q[s][a] = v;
        }
    (void)z;
    double e = max_err(q, target);
    printf("bcq with a fixed G: max |Q - batch-constrained VI| %.4g\n", e);
    assert_true(e <= 0.05);
    free(g_before);
    orl_tq_net_free(net);
    orl_tq_net_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_targets_differ),
        cmocka_unit_test(test_bcq_threshold_0_reaches_q_star),
        cmocka_unit_test(test_bcq_threshold_03_reaches_batch_constrained_q),
        cmocka_unit_test(test_bcq_threshold_099_follows_g),
        cmocka_unit_test(test_rem_mean_reaches_q_star),
        cmocka_unit_test(test_bcq_with_a_fixed_generative_model),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
