/* Rollouts: true values, the long-term effect, confidence intervals and the
 * host-callback policy interface. */
#include <math.h>
#include <string.h>

#include "api/sim_handle.h"
#include "sim/sim_rollout.h"
#include "test_support.h"

#define N_ITEMS 200

static orl_sim *make_sim(float rollout_temperature)
{
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.seed = 21;
    p.n_items = N_ITEMS;
    p.n_users = 300;
    p.rollout_temperature = rollout_temperature;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&p, &sim));
    return sim;
}

static orl_sim_rollout_result oracle_value(const orl_sim *sim, int kind, float sat_weight,
                                           uint64_t n, uint64_t seed)
{
    orl_sim_oracle o = {kind, sat_weight};
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_sim_rollout_run(sim->world, orl_sim_pick_oracle, &o, n, seed, &r));
    return r;
}

static void assert_better(const orl_sim_rollout_result *hi, const orl_sim_rollout_result *lo,
                          const char *what)
{
    if (!(hi->ci_low > lo->ci_high))
        fail_msg("%s: [%.3f, %.3f] does not beat [%.3f, %.3f]", what, hi->ci_low, hi->ci_high,
                 lo->ci_low, lo->ci_high);
}

static void test_oracle_beats_random_and_logging(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(0);
    orl_sim_rollout_result rnd = {.struct_size = sizeof rnd}, log = rnd, pop = rnd;
    assert_orl_ok(orl_sim_rollout_random(sim, 1000, 5, &rnd));
    assert_orl_ok(orl_sim_rollout_logging(sim, 1000, 5, &log));
    assert_orl_ok(orl_sim_rollout_popularity(sim, 1000, 5, &pop));
    orl_sim_rollout_result best = oracle_value(sim, ORL_SIM_ORACLE_VALUE, 0.5f, 1000, 5);
    assert_better(&best, &rnd, "oracle vs random");
    assert_better(&best, &log, "oracle vs logging");
    assert_better(&log, &rnd, "logging vs random");
    assert_true(rnd.ci_low < rnd.mean_return && rnd.mean_return < rnd.ci_high);
    assert_true(fabs(rnd.ci_high - rnd.ci_low - 2 * 1.96 * rnd.std_error) < 1e-9);
    assert_true(best.mean_purchases > log.mean_purchases);
    assert_true(rnd.mean_length >= 2 && rnd.mean_length <= 50);
    assert_true(rnd.mean_purchases <= rnd.mean_clicks && rnd.mean_clicks <= rnd.mean_length);
    orl_sim_free(sim);
}

/* The long-term effect: the policy that maximises the immediate click
 * probability loses to one that weighs satisfaction: click-bait lowers
 * satisfaction, purchases and session length. */
static void test_myopic_click_policy_is_not_optimal(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(0);
    orl_sim_rollout_result click = oracle_value(sim, ORL_SIM_ORACLE_CLICK, 0, 1500, 9);
    orl_sim_rollout_result farsighted = oracle_value(sim, ORL_SIM_ORACLE_VALUE, 0.5f, 1500, 9);
    assert_better(&farsighted, &click, "satisfaction-aware vs click-greedy");
    /* Click-greedy wins the immediate click rate but not the session. */
    assert_true(click.mean_clicks / click.mean_length >
                farsighted.mean_clicks / farsighted.mean_length);
    assert_true(click.mean_length < farsighted.mean_length);
    orl_sim_free(sim);
}

static void test_ci_shrinks_with_more_sessions(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(0);
    orl_sim_rollout_result small = {.struct_size = sizeof small}, big = small;
    assert_orl_ok(orl_sim_rollout_logging(sim, 500, 3, &small));
    assert_orl_ok(orl_sim_rollout_logging(sim, 8000, 3, &big));
    double ratio = big.std_error / small.std_error; /* about 1/4 */
    assert_true(ratio > 0.17 && ratio < 0.35);
    assert_true(big.ci_high - big.ci_low < small.ci_high - small.ci_low);
    assert_true(fabs(big.mean_return - small.mean_return) < 4 * small.std_error);
    orl_sim_free(sim);
}

static void test_rollouts_are_deterministic_by_seed(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(0);
    orl_sim_rollout_result a = {.struct_size = sizeof a}, b = a, c = a;
    assert_orl_ok(orl_sim_rollout_logging(sim, 300, 77, &a));
    assert_orl_ok(orl_sim_rollout_logging(sim, 300, 77, &b));
    assert_orl_ok(orl_sim_rollout_logging(sim, 300, 78, &c));
    assert_memory_equal(&a, &b, sizeof a);
    assert_true(a.mean_return != c.mean_return);
    orl_sim_free(sim);
}

/* A callback that ranks by the true popularity is the popularity policy:
 * with common random numbers, exactly the same result. */
static int score_by_popularity(const int64_t *history, size_t len, float *scores, size_t n,
                               void *user_data)
{
    const orl_sim_world *w = user_data;
    assert_true(len == 0 || history != NULL);
    for (size_t i = 0; i < n; i++) scores[i] = w->item_logpop[i];
    return 0;
}

static void test_callback_policy_matches_builtin(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(0);
    orl_sim_rollout_result a = {.struct_size = sizeof a}, b = a;
    assert_orl_ok(orl_sim_rollout(sim, score_by_popularity, sim->world, 400, 4, &a));
    assert_orl_ok(orl_sim_rollout_popularity(sim, 400, 4, &b));
    assert_memory_equal(&a, &b, sizeof a);
    orl_sim_free(sim);
}

/* Scores that prefer low keys: without repeats the shown items are 0, 1, 2,
 * ... so the clicked history is increasing; the history handed over is the
 * clicks so far. */
typedef struct {
    size_t calls, max_len;
    int bad_history;
} order_probe;

static int prefer_low_keys(const int64_t *history, size_t len, float *scores, size_t n,
                           void *user_data)
{
    order_probe *p = user_data;
    p->calls++;
    if (len > p->max_len) p->max_len = len;
    for (size_t k = 1; k < len; k++)
        if (history[k] <= history[k - 1]) p->bad_history = 1;
    for (size_t i = 0; i < n; i++) scores[i] = -(float)i;
    return 0;
}

static void test_callback_sees_click_history_and_no_repeats(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(0);
    order_probe probe = {0, 0, 0};
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_sim_rollout(sim, prefer_low_keys, &probe, 200, 1, &r));
    assert_false(probe.bad_history);
    assert_true(probe.max_len > 1);
    assert_int_equal((double)probe.calls, r.mean_length * 200); /* one call per shown item */
    orl_sim_free(sim);
}

static int cancel_at_third_call(const int64_t *history, size_t len, float *scores, size_t n,
                                void *user_data)
{
    int *calls = user_data;
    for (size_t i = 0; i < n; i++) scores[i] = 0;
    return ++*calls == 3 ? 7 : 0;
}

static int nan_score(const int64_t *history, size_t len, float *scores, size_t n, void *user_data)
{
    for (size_t i = 0; i < n; i++) scores[i] = i == 5 ? NAN : 1.0f;
    return 0;
}

static void test_callback_cancel_and_nan(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(0);
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    r.mean_return = 123;
    int calls = 0;
    assert_int_equal(orl_sim_rollout(sim, cancel_at_third_call, &calls, 50, 1, &r),
                     ORL_E_CANCELLED);
    assert_int_equal(calls, 3);
    assert_non_null(strstr(orl_last_error(), "returned 7"));
    assert_int_equal(orl_sim_rollout(sim, nan_score, NULL, 50, 1, &r), ORL_E_NUMERIC);
    assert_true(r.mean_return == 123); /* untouched on failure */
    orl_sim_free(sim);
}

/* With rollout_temperature > 0 the sim samples from softmax(scores / T):
 * flat scores then behave like a random policy without repeats, while the top
 * item of flat scores is always key 0, 1, 2, ... */
static int flat_scores(const int64_t *history, size_t len, float *scores, size_t n, void *ud)
{
    for (size_t i = 0; i < n; i++) scores[i] = 0;
    return 0;
}

static void test_softmax_rollout_samples(void **state)
{
    (void)state;
    orl_sim *greedy = make_sim(0), *soft = make_sim(1.0f);
    orl_sim_rollout_result g = {.struct_size = sizeof g}, s = g, rnd = g;
    assert_orl_ok(orl_sim_rollout(greedy, flat_scores, NULL, 600, 2, &g));
    assert_orl_ok(orl_sim_rollout(soft, flat_scores, NULL, 600, 2, &s));
    assert_orl_ok(orl_sim_rollout_random(soft, 600, 2, &rnd));
    assert_true(g.mean_return != s.mean_return);
    assert_true(fabs(s.mean_return - rnd.mean_return) < 4 * (s.std_error + rnd.std_error));
    orl_sim_free(greedy);
    orl_sim_free(soft);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oracle_beats_random_and_logging),
        cmocka_unit_test(test_myopic_click_policy_is_not_optimal),
        cmocka_unit_test(test_ci_shrinks_with_more_sessions),
        cmocka_unit_test(test_rollouts_are_deterministic_by_seed),
        cmocka_unit_test(test_callback_policy_matches_builtin),
        cmocka_unit_test(test_callback_sees_click_history_and_no_repeats),
        cmocka_unit_test(test_callback_cancel_and_nan),
        cmocka_unit_test(test_softmax_rollout_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
