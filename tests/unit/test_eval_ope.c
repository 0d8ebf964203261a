/* The off-policy estimators on a tiny logged set whose values are worked out
 * by hand below, and their intervals (normal, bootstrap) on it. */
#include <math.h>
#include <string.h>

#include "eval/ope.h"
#include "test_support.h"

/* |a - b| <= eps, printing both on failure. */
#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double x_ = (a), y_ = (b);                                                                 \
        if (!(fabs(x_ - y_) <= (eps))) fail_msg("%s = %.17g, expected %.17g", #a, x_, y_);         \
    } while (0)

/* Three sessions: steps 0-1, 2-4 and 5.
 *   step      0     1     2     3     4     5
 *   reward    1     1     0     1     1     0
 *   beta      0.5   0.25  0.5   0.5   0.25  0.5
 *   pi        1     0.5   0.5   0.5   1     0.25
 *   w=pi/beta 2     2     1     1     4     0.5
 *   q         0.5   0.2   0.4   0.6   0.5   0.1
 *   V         0.6   0.3   0.2   0.5   0.7   0.2
 *   Q (FQE)   1.5   0.8   1.0   1.2   0.6   0.3
 *   V (FQE)   1.6   0.9   1.1   1.0   0.7   0.4 */
static const uint64_t OFF[4] = {0, 2, 5, 6};
static const double R[6] = {1, 1, 0, 1, 1, 0};
static const double BETA[6] = {0.5, 0.25, 0.5, 0.5, 0.25, 0.5};
static const double PI[6] = {1, 0.5, 0.5, 0.5, 1, 0.25};
static const double Q[6] = {0.5, 0.2, 0.4, 0.6, 0.5, 0.1};
static const double V[6] = {0.6, 0.3, 0.2, 0.5, 0.7, 0.2};
static const double QS[6] = {1.5, 0.8, 1.0, 1.2, 0.6, 0.3};
static const double VS[6] = {1.6, 0.9, 1.1, 1.0, 0.7, 0.4};

static orl_ope_steps tiny(void)
{
    orl_ope_steps d = {3, OFF, R, BETA, PI, Q, V, QS, VS};
    return d;
}

static const orl_ope_config CFG = {3.0, 3.0, 1.0}; /* clip 3, tau 3, gamma 1 */

static double run(orl_ope_value_fn fn, const orl_ope_config *c)
{
    orl_ope_steps d = tiny();
    double v = NAN;
    assert_int_equal(fn(&d, c, NULL, &v, NULL), ORL_OK);
    return v;
}

static void test_per_step_forms_by_hand(void **state)
{
    (void)state;
    /* sum w r = 2 + 2 + 0 + 1 + 4 + 0 = 9 over 6 steps */
    assert_near(run(orl_ope_ips, &CFG), 9.0 / 6.0, 1e-12);
    /* weights capped at 3: 2 + 2 + 0 + 1 + 3 + 0 = 8 */
    assert_near(run(orl_ope_clipped_ips, &CFG), 8.0 / 6.0, 1e-12);
    /* sum w = 10.5 */
    assert_near(run(orl_ope_snips, &CFG), 9.0 / 10.5, 1e-12);
    /* sum V = 2.5 */
    assert_near(run(orl_ope_dm, &CFG), 2.5 / 6.0, 1e-12);
    /* w (r - q) = 1, 1.6, -0.4, 0.4, 2, -0.05: sum 4.55 */
    assert_near(run(orl_ope_dr, &CFG), (2.5 + 4.55) / 6.0, 1e-12);
    assert_near(run(orl_ope_sndr, &CFG), 2.5 / 6.0 + 4.55 / 10.5, 1e-12);
    /* step 4 (w = 4 > tau = 3) keeps V alone: its residual 2 drops out */
    assert_near(run(orl_ope_switch_dr, &CFG), (2.5 + 2.55) / 6.0, 1e-12);
}

static void test_sequential_forms_by_hand(void **state)
{
    (void)state;
    /* cumulative weights: session 0: 2, 4; session 1: 1, 1, 4; session 2: 0.5.
     * PDIS, gamma 1: (2 + 4) + (0 + 1 + 4) + 0 = 11 over 3 sessions */
    assert_near(run(orl_ope_pdis, &CFG), 11.0 / 3.0, 1e-12);
    orl_ope_config half = CFG;
    half.gamma = 0.5; /* (2 + 0.5 * 4) + (0 + 0.5 * 1 + 0.25 * 4) + 0 = 5.5 */
    assert_near(run(orl_ope_pdis, &half), 5.5 / 3.0, 1e-12);
    /* WPDIS: step 0: (2 * 1 + 1 * 0 + 0.5 * 0) / (2 + 1 + 0.5) = 4/7;
     * step 1 (session 2 absorbed at 0.5): (4 + 1 + 0) / (4 + 1 + 0.5) = 10/11;
     * step 2 (session 0 absorbed at 4): (0 + 4 + 0) / (4 + 4 + 0.5) = 8/17 */
    assert_near(run(orl_ope_wpdis, &CFG), 4.0 / 7 + 10.0 / 11 + 8.0 / 17, 1e-12);
    assert_near(run(orl_ope_wpdis, &half), 4.0 / 7 + 0.5 * 10 / 11 + 0.25 * 8 / 17, 1e-12);
    /* seq DR: sum_t rho_t (r_t - Q_t) + rho_{t-1} V_t
     * session 0: 2 (1 - 1.5) + 1.6 = 0.6; 4 (1 - 0.8) + 2 * 0.9 = 2.6 -> 3.2
     * session 1: (0 - 1) + 1.1 = 0.1; (1 - 1.2) + 1.0 = 0.8; 4 (1 - 0.6) + 0.7 = 2.3 -> 3.2
     * session 2: 0.5 (0 - 0.3) + 0.4 = 0.25 */
    assert_near(run(orl_ope_seq_dr, &CFG), 6.65 / 3.0, 1e-12);
    /* gamma 0.5: session 0: 0.6 + 0.5 * 2.6; session 1: 0.1 + 0.5 * 0.8 + 0.25 * 2.3 */
    assert_near(run(orl_ope_seq_dr, &half), (1.9 + 1.075 + 0.25) / 3.0, 1e-12);
    /* FQE: V of the first states 1.6, 1.1, 0.4 */
    assert_near(run(orl_ope_fqe, &CFG), 3.1 / 3.0, 1e-12);
}

static void test_session_weights_are_resampling(void **state)
{
    (void)state;
    /* Counting session 1 twice and session 2 not at all is the log of
     * sessions 0, 1, 1: IPS = (4 + 5 + 5) / (2 + 3 + 3). */
    orl_ope_steps d = tiny();
    const double sw[3] = {1, 2, 0};
    double v;
    assert_int_equal(orl_ope_ips(&d, &CFG, sw, &v, NULL), ORL_OK);
    assert_near(v, 14.0 / 8.0, 1e-12);
    assert_int_equal(orl_ope_pdis(&d, &CFG, sw, &v, NULL), ORL_OK);
    assert_near(v, (6.0 + 2 * 5.0) / 3.0, 1e-12);
    /* WPDIS on 0, 1, 1: step 0: (2 + 0) / (2 + 1 + 1); step 1: (4 + 1 + 1) / 6;
     * step 2 (session 0 absorbed at 4): (4 + 4) / (4 + 4 + 4) */
    assert_int_equal(orl_ope_wpdis(&d, &CFG, sw, &v, NULL), ORL_OK);
    assert_near(v, 0.5 + 1.0 + 8.0 / 12.0, 1e-12);
}

static void test_diagnostics_by_hand(void **state)
{
    (void)state;
    orl_ope_steps d = tiny();
    orl_ope_diag g;
    orl_ope_diag_steps(&d, &CFG, &g); /* 10.5^2 / (4 + 4 + 1 + 1 + 16 + 0.25) */
    assert_near(g.ess, 110.25 / 26.25, 1e-12);
    assert_near(g.clipped_share, 0.0, 0);
    orl_ope_diag_clipped(&d, &CFG, &g); /* 9.5^2 / (4 + 4 + 1 + 1 + 9 + 0.25) */
    assert_near(g.ess, 90.25 / 19.25, 1e-12);
    assert_near(g.clipped_share, 1.0 / 6.0, 1e-12);
    orl_ope_diag_switch(&d, &CFG, &g); /* step 4 switched: 6.5^2 / 10.25 */
    assert_near(g.ess, 42.25 / 10.25, 1e-12);
    assert_near(g.clipped_share, 1.0 / 6.0, 1e-12);
    orl_ope_diag_sessions(&d, &CFG, &g); /* cumulative weights 2, 4, 1, 1, 4, 0.5 */
    assert_near(g.ess, 12.5 * 12.5 / 38.25, 1e-12);
}

static void test_normal_interval_by_hand(void **state)
{
    (void)state;
    assert_near(orl_ope_normal_quantile(0.95), 1.959963984540054, 1e-12);
    assert_near(orl_ope_normal_quantile(0.9), 1.6448536269514722, 1e-12);
    /* IPS pseudo-values v + (A_i - v N_i) / mean N with A = 4, 5, 0, N = 2, 3, 1,
     * v = 1.5: 2.0, 1.75, 0.75; their variance 0.4375, se sqrt(0.4375 / 3). */
    orl_ope_steps d = tiny();
    orl_ope_bound b = {&d, &CFG, orl_ope_ips};
    orl_ope_interval iv;
    assert_int_equal(orl_ope_interval_normal(orl_ope_on_steps, &b, 3, 0.95, &iv), ORL_OK);
    double se = sqrt(0.4375 / 3.0);
    assert_near(iv.value, 1.5, 1e-12);
    assert_near(iv.std_error, se, 1e-12);
    assert_near(iv.low, 1.5 - 1.959963984540054 * se, 1e-9);
    assert_near(iv.high, 1.5 + 1.959963984540054 * se, 1e-9);
    /* PDIS: pseudo-values are the sessions' returns 6, 5, 0 (mean 11/3). */
    b.fn = orl_ope_pdis;
    assert_int_equal(orl_ope_interval_normal(orl_ope_on_steps, &b, 3, 0.95, &iv), ORL_OK);
    double m = 11.0 / 3, var = ((6 - m) * (6 - m) + (5 - m) * (5 - m) + m * m) / 2;
    assert_near(iv.std_error, sqrt(var / 3), 1e-12);
}

static void test_bootstrap_is_seeded_and_thread_independent(void **state)
{
    (void)state;
    orl_ope_steps d = tiny();
    for (size_t k = 0; k < orl_ope_estimator_count(); k++) {
        const orl_ope_estimator *e = orl_ope_estimator_at(k);
        if (!e->value) continue; /* slates */
        orl_ope_bound b = {&d, &CFG, e->value};
        orl_ope_interval one, two, other;
        assert_int_equal(orl_ope_interval_bootstrap(orl_ope_on_steps, &b, 3, 200, 0.95, 7, 1, &one),
                         ORL_OK);
        assert_int_equal(orl_ope_interval_bootstrap(orl_ope_on_steps, &b, 3, 200, 0.95, 7, 2, &two),
                         ORL_OK);
        assert_int_equal(
            orl_ope_interval_bootstrap(orl_ope_on_steps, &b, 3, 200, 0.95, 8, 2, &other), ORL_OK);
        assert_true(memcmp(&one, &two, sizeof one) == 0);
        assert_true(one.low != other.low || one.high != other.high ||
                    one.std_error != other.std_error);
        assert_true(one.low <= one.high);
        assert_near(one.value, run(e->value, &CFG), 0);
    }
}

static void test_registry_names(void **state)
{
    (void)state;
    const char *names[] = {"ips",  "clipped_ips", "snips",         "dm",    "dr",
                           "sndr", "switch_dr",   "pdis",          "wpdis", "seq_dr",
                           "fqe",  "iips",        "pseudo_inverse"};
    assert_int_equal(orl_ope_estimator_count(), 13);
    for (size_t i = 0; i < 13; i++) {
        const orl_ope_estimator *e = orl_ope_estimator_find(names[i], strlen(names[i]));
        assert_non_null(e);
        assert_string_equal(e->name, names[i]);
    }
    assert_null(orl_ope_estimator_find("ipsx", 4));
    assert_null(orl_ope_estimator_find("ip", 2));
}

/* Two slates of 2 positions in session 0, one of 3 in session 1.
 *   position     0    1  |  2    3  |  4    5    6
 *   reward       1    0  |  0    0  |  0    1    1
 *   pi_pos       0.5  0.2|  0.1  0.3|  0.4  0.6  0.2
 *   beta_pos     0.25 0.4|  0.2  0.3|  0.2  0.3  0.4
 *   w            2    0.5|  0.5  1  |  2    2    0.5
 * IIPS per slate: 2, 0, 2.5 -> 4.5 / 3 slates.
 * PI per slate: (2.5 - 1) * 1 = 1.5; (1.5 - 1) * 0 = 0; (4.5 - 2) * 2 = 5 -> 6.5 / 3. */
static void test_slates_by_hand(void **state)
{
    (void)state;
    const uint64_t soff[3] = {0, 2, 3}, poff[4] = {0, 2, 4, 7};
    const double r[7] = {1, 0, 0, 0, 0, 1, 1};
    const double pi[7] = {0.5, 0.2, 0.1, 0.3, 0.4, 0.6, 0.2};
    const double beta[7] = {0.25, 0.4, 0.2, 0.3, 0.2, 0.3, 0.4};
    orl_ope_slates s = {2, soff, poff, r, pi, beta};
    double v;
    assert_int_equal(orl_ope_slate_iips(&s, NULL, &v, NULL), ORL_OK);
    assert_near(v, 4.5 / 3.0, 1e-12);
    assert_int_equal(orl_ope_slate_pi(&s, NULL, &v, NULL), ORL_OK);
    assert_near(v, 6.5 / 3.0, 1e-12);
    orl_ope_interval iv;
    assert_int_equal(orl_ope_interval_normal(orl_ope_slate_pi_fn, &s, 2, 0.95, &iv), ORL_OK);
    assert_near(iv.value, 6.5 / 3.0, 1e-12);
    assert_true(iv.std_error > 0);
    /* weights 2, 0.5, 0.5, 1, 2, 2, 0.5: sum 8.5, squares 13.75 */
    assert_near(orl_ope_slate_ess(&s), 8.5 * 8.5 / 13.75, 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_step_forms_by_hand),
        cmocka_unit_test(test_sequential_forms_by_hand),
        cmocka_unit_test(test_session_weights_are_resampling),
        cmocka_unit_test(test_diagnostics_by_hand),
        cmocka_unit_test(test_normal_interval_by_hand),
        cmocka_unit_test(test_bootstrap_is_seeded_and_thread_independent),
        cmocka_unit_test(test_registry_names),
        cmocka_unit_test(test_slates_by_hand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
