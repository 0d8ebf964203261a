/* The estimators' statistics on logs drawn from known worlds: unbiasedness
 * (the mean over many independent logs within 3 standard errors of the
 * truth, the truth inside most intervals), DR exact with an exact reward
 * model, the sequential forms on a tiny MDP whose value is solved exactly,
 * and the coverage of the normal and bootstrap intervals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "eval/ope.h"
#include "test_support.h"

/* |a - b| <= eps, printing both on failure. */
#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double x_ = (a), y_ = (b);                                                                 \
        if (!(fabs(x_ - y_) <= (eps))) fail_msg("%s = %.17g, expected %.17g", #a, x_, y_);         \
    } while (0)

enum { C = 5, K = 4 }; /* contexts and actions of the bandit */

typedef struct world {
    double beta[C][K], pi[C][K], mu[C][K];
} world;

static void softmax_row(double *p, orl_rng *r, double scale)
{
    double z = 0;
    for (int a = 0; a < K; a++) z += (p[a] = exp(scale * orl_rng_normal(r)));
    for (int a = 0; a < K; a++) p[a] /= z;
}

/* target_is_logging: pi = beta. */
static void make_world(world *w, int target_is_logging)
{
    orl_rng r;
    orl_rng_init(&r, 11, 0);
    for (int x = 0; x < C; x++) {
        softmax_row(w->beta[x], &r, 0.5);
        softmax_row(w->pi[x], &r, 1.0);
        if (target_is_logging) memcpy(w->pi[x], w->beta[x], sizeof w->pi[x]);
        for (int a = 0; a < K; a++) w->mu[x][a] = 0.1 + 0.8 * orl_rng_uniform_double(&r);
    }
}

static double truth_per_step(const world *w)
{
    double v = 0;
    for (int x = 0; x < C; x++)
        for (int a = 0; a < K; a++) v += w->pi[x][a] * w->mu[x][a] / C;
    return v;
}

static int draw(const double *p, orl_rng *r)
{
    double u = orl_rng_uniform_double(r), acc = 0;
    for (int a = 0; a < K - 1; a++)
        if (u < (acc += p[a])) return a;
    return K - 1;
}

typedef struct logset {
    uint64_t n_sessions, n;
    uint64_t *off;
    double *r, *beta, *pi, *q, *v, *truth_v; /* truth_v: V of the exact model at each step */
} logset;

/* Sessions of 1..4 steps, each step an independent context. The reward is
 * Bernoulli(mu) (deterministic: mu itself); the model is mu + model_bias. */
static void make_log(logset *L, const world *w, uint64_t sessions, uint64_t seed, int deterministic,
                     double model_bias)
{
    orl_rng r;
    orl_rng_init(&r, seed, 1);
    L->n_sessions = sessions;
    L->off = malloc(sizeof(uint64_t) * (sessions + 1));
    size_t cap = sessions * 4;
    L->r = malloc(sizeof(double) * cap * 6);
    L->beta = L->r + cap, L->pi = L->beta + cap, L->q = L->pi + cap, L->v = L->q + cap;
    L->truth_v = L->v + cap;
    uint64_t n = 0;
    for (uint64_t s = 0; s < sessions; s++) {
        L->off[s] = n;
        uint32_t len = 1 + orl_rng_below(&r, 4);
        for (uint32_t t = 0; t < len; t++, n++) {
            int x = (int)orl_rng_below(&r, C), a = draw(w->beta[x], &r);
            double m = w->mu[x][a];
            L->r[n] = deterministic ? m : (orl_rng_uniform_double(&r) < m ? 1.0 : 0.0);
            L->beta[n] = w->beta[x][a];
            L->pi[n] = w->pi[x][a];
            L->q[n] = m + model_bias;
            double vv = 0, tv = 0;
            for (int b = 0; b < K; b++) {
                vv += w->pi[x][b] * (w->mu[x][b] + model_bias);
                tv += w->pi[x][b] * w->mu[x][b];
            }
            L->v[n] = vv;
            L->truth_v[n] = tv;
        }
    }
    L->off[sessions] = n;
    L->n = n;
}

static void free_log(logset *L)
{
    free(L->off);
    free(L->r);
}

static orl_ope_steps steps_of(const logset *L)
{
    orl_ope_steps d = {L->n_sessions, L->off, L->r, L->beta, L->pi, L->q, L->v, NULL, NULL};
    return d;
}

static const orl_ope_config CFG = {10.0, 10.0, 1.0};

/* Over `logs` logs: the mean estimate within 3 se of the truth, and the
 * share of normal intervals covering it within [lo, hi]. */
static void check_unbiased(const world *w, orl_ope_value_fn fn, int logs, uint64_t sessions,
                           double model_bias, double lo, double hi)
{
    double truth = truth_per_step(w), sum = 0, sum2 = 0;
    int covered = 0;
    for (int k = 0; k < logs; k++) {
        logset L;
        make_log(&L, w, sessions, 100 + (uint64_t)k, 0, model_bias);
        orl_ope_steps d = steps_of(&L);
        orl_ope_bound b = {&d, &CFG, fn};
        orl_ope_interval iv;
        assert_int_equal(orl_ope_interval_normal(orl_ope_on_steps, &b, d.n_sessions, 0.95, &iv),
                         ORL_OK);
        sum += iv.value;
        sum2 += iv.value * iv.value;
        covered += iv.low <= truth && truth <= iv.high;
        free_log(&L);
    }
    double mean = sum / logs, sd = sqrt((sum2 - logs * mean * mean) / (logs - 1));
    double share = (double)covered / logs;
    print_message("truth %.4f mean %.4f se %.4f coverage %.3f\n", truth, mean, sd / sqrt(logs),
                  share);
    assert_true(fabs(mean - truth) <= 3 * sd / sqrt(logs));
    assert_true(share >= lo && share <= hi);
}

static void test_ips_snips_dr_unbiased_when_target_is_logging(void **state)
{
    (void)state;
    world w;
    make_world(&w, 1);
    check_unbiased(&w, orl_ope_ips, 200, 200, 0.0, 0.9, 0.99);
    check_unbiased(&w, orl_ope_snips, 200, 200, 0.0, 0.9, 0.99);
    check_unbiased(&w, orl_ope_dr, 200, 200, 0.15, 0.9, 0.99); /* a biased model */
}

static void test_ips_dr_unbiased_for_another_target(void **state)
{
    (void)state;
    world w;
    make_world(&w, 0);
    check_unbiased(&w, orl_ope_ips, 200, 300, 0.0, 0.9, 0.99);
    check_unbiased(&w, orl_ope_dr, 200, 300, -0.2, 0.9, 0.99);
    check_unbiased(&w, orl_ope_switch_dr, 200, 300, 0.0, 0.9, 0.99); /* no weight above 10 */
}

static void test_dr_exact_with_an_exact_model(void **state)
{
    (void)state;
    world w;
    make_world(&w, 0);
    for (int k = 0; k < 20; k++) {
        logset L;
        make_log(&L, &w, 100, 500 + (uint64_t)k, 1, 0.0);
        orl_ope_steps d = steps_of(&L);
        double truth = 0, v;
        for (uint64_t t = 0; t < L.n; t++) truth += L.truth_v[t] / (double)L.n;
        assert_int_equal(orl_ope_dr(&d, &CFG, NULL, &v, NULL), ORL_OK);
        assert_near(v, truth, 1e-12);
        assert_int_equal(orl_ope_sndr(&d, &CFG, NULL, &v, NULL), ORL_OK);
        assert_near(v, truth, 1e-12);
        assert_int_equal(orl_ope_switch_dr(&d, &CFG, NULL, &v, NULL), ORL_OK);
        assert_near(v, truth, 1e-12);
        free_log(&L);
    }
}

/* ---- a tiny MDP: the state is the previous action (0 at the start), two
 * actions, Bernoulli rewards mu(s, a), the session goes on after action a
 * with probability go[a], at most H steps. */
enum { H = 5 };
static const double MB[2] = {0.6, 0.4};                  /* logging, any state */
static const double MP[2][2] = {{0.3, 0.7}, {0.5, 0.5}}; /* target by state */
static const double MMU[2][2] = {{0.2, 0.5}, {0.7, 0.1}};
static const double GO[2] = {0.9, 0.7};

/* Q_t(s, a) and V_t(s) by backward induction. */
static void solve(double gamma, double q[H + 1][2][2], double v[H + 1][2])
{
    for (int s = 0; s < 2; s++) v[H][s] = 0;
    for (int t = H - 1; t >= 0; t--)
        for (int s = 0; s < 2; s++) {
            v[t][s] = 0;
            for (int a = 0; a < 2; a++) {
                q[t][s][a] = MMU[s][a] + gamma * GO[a] * v[t + 1][a];
                v[t][s] += MP[s][a] * q[t][s][a];
            }
        }
}

typedef struct mdp_log {
    uint64_t off[401];
    double r[400 * H], beta[400 * H], pi[400 * H], q[400 * H], v[400 * H];
} mdp_log;

static void mdp_sample(mdp_log *L, uint64_t sessions, uint64_t seed, double gamma)
{
    double q[H + 1][2][2], v[H + 1][2];
    solve(gamma, q, v);
    orl_rng r;
    orl_rng_init(&r, seed, 2);
    uint64_t n = 0;
    for (uint64_t i = 0; i < sessions; i++) {
        L->off[i] = n;
        int s = 0;
        for (int t = 0; t < H; t++, n++) {
            int a = orl_rng_uniform_double(&r) < MB[0] ? 0 : 1;
            L->r[n] = orl_rng_uniform_double(&r) < MMU[s][a] ? 1.0 : 0.0;
            L->beta[n] = MB[a];
            L->pi[n] = MP[s][a];
            L->q[n] = q[t][s][a];
            L->v[n] = v[t][s];
            s = a;
            if (orl_rng_uniform_double(&r) >= GO[a]) {
                n++;
                break;
            }
        }
    }
    L->off[sessions] = n;
}

static void test_sequential_forms_on_a_tiny_mdp(void **state)
{
    (void)state;
    const double gammas[2] = {1.0, 0.8};
    for (int g = 0; g < 2; g++) {
        double q[H + 1][2][2], v[H + 1][2];
        solve(gammas[g], q, v);
        double truth = v[0][0];
        orl_ope_config cfg = CFG;
        cfg.gamma = gammas[g];
        orl_ope_value_fn fns[3] = {orl_ope_pdis, orl_ope_wpdis, orl_ope_seq_dr};
        double sum[3] = {0}, sum2[3] = {0};
        int covered[3] = {0};
        const int logs = 200;
        mdp_log *L = malloc(sizeof *L);
        for (int k = 0; k < logs; k++) {
            mdp_sample(L, 400, 900 + (uint64_t)k, gammas[g]);
            orl_ope_steps d = {400, L->off, L->r, L->beta, L->pi, NULL, NULL, L->q, L->v};
            double f;
            assert_int_equal(orl_ope_fqe(&d, &cfg, NULL, &f, NULL), ORL_OK);
            assert_near(f, truth, 1e-12); /* exact Q: FQE's value is the truth */
            for (int e = 0; e < 3; e++) {
                orl_ope_bound b = {&d, &cfg, fns[e]};
                orl_ope_interval iv;
                assert_int_equal(orl_ope_interval_normal(orl_ope_on_steps, &b, 400, 0.95, &iv),
                                 ORL_OK);
                sum[e] += iv.value;
                sum2[e] += iv.value * iv.value;
                covered[e] += iv.low <= truth && truth <= iv.high;
            }
        }
        free(L);
        double sd[3];
        for (int e = 0; e < 3; e++) {
            double mean = sum[e] / logs;
            sd[e] = sqrt((sum2[e] - logs * mean * mean) / (logs - 1));
            print_message("gamma %.1f %s: truth %.4f mean %.4f sd %.4f coverage %.3f\n", gammas[g],
                          e == 0   ? "pdis"
                          : e == 1 ? "wpdis"
                                   : "seq_dr",
                          truth, mean, sd[e], (double)covered[e] / logs);
            /* WPDIS is consistent, not unbiased: its bias at 400 sessions is
             * well below one standard error of a single log. */
            double tol = 3 * sd[e] / sqrt(logs) + (e == 1 ? 0.2 * sd[e] : 0.0);
            assert_true(fabs(mean - truth) <= tol);
            assert_true((double)covered[e] / logs >= 0.88);
        }
        /* An exact Q takes part of PDIS's variance away (the rest is the rewards' and the
         * session ends' own noise). */
        assert_true(sd[2] < 0.9 * sd[0]);
    }
}

static void test_bootstrap_coverage(void **state)
{
    (void)state;
    world w;
    make_world(&w, 0);
    double truth = truth_per_step(&w);
    int covered[2] = {0}, logs = 200;
    for (int k = 0; k < logs; k++) {
        logset L;
        make_log(&L, &w, 300, 2000 + (uint64_t)k, 0, 0.1);
        orl_ope_steps d = steps_of(&L);
        orl_ope_value_fn fns[2] = {orl_ope_snips, orl_ope_dr};
        for (int e = 0; e < 2; e++) {
            orl_ope_bound b = {&d, &CFG, fns[e]};
            orl_ope_interval iv;
            assert_int_equal(orl_ope_interval_bootstrap(orl_ope_on_steps, &b, d.n_sessions, 200,
                                                        0.95, (uint64_t)k, 2, &iv),
                             ORL_OK);
            covered[e] += iv.low <= truth && truth <= iv.high;
        }
        free_log(&L);
    }
    print_message("bootstrap coverage: snips %.3f dr %.3f\n", (double)covered[0] / logs,
                  (double)covered[1] / logs);
    for (int e = 0; e < 2; e++) {
        assert_true(covered[e] >= 0.88 * logs);
        assert_true(covered[e] <= 0.99 * logs);
    }
}

/* The mean of a sample as an orl_ope_sessions_fn: value sum sw x / sum sw,
 * pseudo-values x (its influence plus the mean). */
typedef struct sample {
    const double *x;
    uint64_t n;
} sample;

static int sample_mean(const void *ctx, const double *sw, double *out, double *pseudo)
{
    const sample *s = ctx;
    double num = 0.0, den = 0.0;
    for (uint64_t i = 0; i < s->n; i++) {
        double w = sw ? sw[i] : 1.0;
        num += w * s->x[i];
        den += w;
    }
    *out = num / den;
    for (uint64_t i = 0; pseudo && i < s->n; i++) pseudo[i] = s->x[i];
    return ORL_OK;
}

/* Heavy right tails (log-normal values, as importance weights give): the
 * percentile bootstrap under-covers the mean; BCa, on the same resamples,
 * moves both ends up and covers more often. Paired over 2,000 samples. */
static void test_bca_covers_skewed_means_better(void **state)
{
    (void)state;
    const int logs = 2000, n = 25;
    const double truth = exp(0.5 * 1.2 * 1.2); /* E exp(N(0, 1.2^2)) */
    int covered[2] = {0}, only_bca = 0, only_pct = 0, raised = 0;
    double x[25];
    for (int k = 0; k < logs; k++) {
        orl_rng r;
        orl_rng_init(&r, 77, (uint64_t)k);
        for (int i = 0; i < n; i++) {
            double u1 = orl_rng_uniform_double(&r), u2 = orl_rng_uniform_double(&r);
            x[i] = exp(1.2 * sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2));
        }
        sample s = {x, (uint64_t)n};
        orl_ope_interval pct, bca;
        assert_int_equal(orl_ope_interval_bootstrap(sample_mean, &s, n, 400, 0.95, k, 1, &pct),
                         ORL_OK);
        assert_int_equal(orl_ope_interval_bca(sample_mean, &s, n, 400, 0.95, k, 1, &bca), ORL_OK);
        assert_true(bca.value == pct.value && bca.std_error == pct.std_error);
        int cp = pct.low <= truth && truth <= pct.high, cb = bca.low <= truth && truth <= bca.high;
        covered[0] += cp;
        covered[1] += cb;
        only_bca += cb && !cp;
        only_pct += cp && !cb;
        raised += bca.high > pct.high;
    }
    print_message("skewed means: percentile %.3f bca %.3f (bca only %d, percentile only %d, "
                  "upper end raised %d of %d)\n",
                  (double)covered[0] / logs, (double)covered[1] / logs, only_bca, only_pct, raised,
                  logs);
    /* Positive skew: the upper end goes up in nearly every sample. */
    assert_true(raised >= 0.9 * logs);
    /* Sign test on the discordant pairs: BCa's gain is beyond 3 sd of a fair coin. */
    double m = only_bca + only_pct;
    assert_true(m > 0 && only_bca - 0.5 * m > 3.0 * sqrt(0.25 * m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ips_snips_dr_unbiased_when_target_is_logging),
        cmocka_unit_test(test_ips_dr_unbiased_for_another_target),
        cmocka_unit_test(test_dr_exact_with_an_exact_model),
        cmocka_unit_test(test_sequential_forms_on_a_tiny_mdp),
        cmocka_unit_test(test_bootstrap_coverage),
        cmocka_unit_test(test_bca_covers_skewed_means_better),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
