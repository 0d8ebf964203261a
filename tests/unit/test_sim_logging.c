/* The simulator's logging policy and logs: exact propensities, determinism. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/sim_handle.h"
#include "core/alloc.h"
#include "sim/sim_log.h"
#include "test_support.h"

static orl_sim *make_sim(uint64_t seed, uint32_t n_items, int32_t log_skips)
{
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.seed = seed;
    p.n_items = n_items;
    p.n_users = 100;
    p.log_skips = log_skips;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&p, &sim));
    return sim;
}

/* Over every item, for users with and without a last click. */
static void test_logging_probs_sum_to_one(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(3, 500, 0);
    float *probs = malloc(500 * sizeof *probs);
    const int64_t history[] = {17, 4, 250};
    for (uint32_t user = 0; user < 100; user += 33) {
        for (size_t len = 0; len <= 3; len += 3) {
            assert_orl_ok(orl_sim_logging_probs(sim, user, history, len, probs, 500));
            double sum = 0, min = 1;
            for (int i = 0; i < 500; i++) {
                sum += probs[i];
                if (probs[i] < min) min = probs[i];
            }
            assert_true(fabs(sum - 1.0) < 1e-4);
            assert_true(min >= 0.1 / 500 * 0.999); /* epsilon exploration reaches every item */
        }
    }
    /* The last click's successors get the successor component's mass. */
    const orl_sim_world *w = sim->world;
    assert_orl_ok(orl_sim_logging_probs(sim, 0, history, 3, probs, 500));
    uint32_t s0 = w->succ[250 * ORL_SIM_N_SUCC];
    assert_true(probs[s0] > 0.9 * 0.3 * 0.5);
    free(probs);
    orl_sim_free(sim);
}

/* Sampled items follow the stated propensities (binomial 5-sigma bands),
 * and the propensity returned with each draw is the item's exact one. */
static void test_samples_match_propensities(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(5, 300, 0);
    const orl_sim_world *w = sim->world;
    double scratch[2 * 20];
    orl_sim_logctx lc;
    orl_sim_logctx_init(w, &lc, 7, scratch);
    orl_sim_logctx_set_last(w, &lc, 42);
    enum { DRAWS = 200000 };
    uint32_t *count = calloc(300, sizeof *count);
    orl_rng rng;
    orl_rng_init(&rng, 99, 0);
    for (int k = 0; k < DRAWS; k++) {
        double prob;
        uint32_t item = orl_sim_log_sample(w, &lc, &rng, &prob);
        assert_true(item < 300);
        assert_true(prob == orl_sim_log_prob(w, &lc, item));
        count[item]++;
    }
    double tv = 0;
    for (uint32_t i = 0; i < 300; i++) {
        double p = orl_sim_log_prob(w, &lc, i), f = (double)count[i] / DRAWS;
        double sd = sqrt(p * (1 - p) / DRAWS);
        if (fabs(f - p) > 5 * sd + 1e-6)
            fail_msg("item %u: frequency %.5f, propensity %.5f", (unsigned)i, f, p);
        tv += fabs(f - p) / 2;
    }
    assert_true(tv < 0.03);
    free(count);
    orl_sim_free(sim);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static char *csv_of(uint64_t seed, uint64_t sessions, int calls, const char *name)
{
    char path[512];
    orl_test_tmp_path(name, path, sizeof path);
    orl_sim *sim = make_sim(seed, 200, 0);
    for (int c = 0; c < calls; c++) assert_orl_ok(orl_sim_write_csv(sim, sessions, path));
    orl_sim_free(sim);
    return read_file(path);
}

static void test_csv_is_deterministic_by_seed(void **state)
{
    (void)state;
    char *a = csv_of(11, 300, 1, "sim_a.csv");
    char *b = csv_of(11, 300, 1, "sim_b.csv");
    char *c = csv_of(12, 300, 1, "sim_c.csv");
    char *d = csv_of(11, 300, 2, "sim_d.csv"); /* the second call's sessions */
    assert_string_equal(a, b);
    assert_true(strcmp(a, c) != 0);
    assert_true(strcmp(a, d) != 0);
    assert_true(strncmp(a, "session_id,timestamp,item_id,event,reward,propensity\n", 53) == 0);
    /* Rows parse, sessions are in order, times grow within a session, the
     * second call continues the session numbering. */
    long long prev_s = -1, prev_t = 0, rows = 0, purchases = 0;
    for (char *line = strchr(a, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        long long s, t, item;
        char ev[16];
        double r, p;
        assert_int_equal(sscanf(line, "%lld,%lld,%lld,%15[a-z],%lf,%lf", &s, &t, &item, ev, &r, &p),
                         6);
        assert_true(s >= prev_s && s < 300 && item >= 0 && item < 200);
        if (s == prev_s) assert_true(t > prev_t);
        assert_true(p > 0 && p <= 1);
        assert_true((strcmp(ev, "click") == 0 && fabs(r - 0.2) < 1e-6) ||
                    (strcmp(ev, "purchase") == 0 && fabs(r - 1.0) < 1e-6));
        purchases += ev[0] == 'p';
        prev_s = s;
        prev_t = t;
        rows++;
    }
    assert_true(rows > 300 && purchases > 0 && purchases < rows / 3);
    long long first_d;
    assert_int_equal(sscanf(strchr(d, '\n') + 1, "%lld,", &first_d), 1);
    assert_true(first_d >= 300);
    free(a);
    free(b);
    free(c);
    free(d);
}

/* With log_skips every shown item is an event; without, none is a skip. */
static void test_skips_are_logged_only_on_request(void **state)
{
    (void)state;
    orl_sim *quiet = make_sim(2, 200, 0), *loud = make_sim(2, 200, 1);
    orl_sim_events a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_orl_ok(orl_sim_log_sessions(quiet->world, 0, 500, &a));
    assert_orl_ok(orl_sim_log_sessions(loud->world, 0, 500, &b));
    assert_int_equal(a.shown, b.shown); /* same sessions */
    assert_int_equal(b.n, b.shown);
    size_t skips = 0;
    for (size_t j = 0; j < a.n; j++) assert_int_not_equal(a.kind[j], ORL_SIM_SKIP);
    for (size_t j = 0; j < b.n; j++) {
        if (b.kind[j] == ORL_SIM_SKIP) {
            skips++;
            assert_true(b.reward[j] == 0.0f);
        }
    }
    assert_int_equal(a.n + skips, b.n);
    assert_true(skips > 0 && a.n > 0);
    orl_sim_events_free(&a);
    orl_sim_events_free(&b);
    orl_sim_free(quiet);
    orl_sim_free(loud);
}

/* The logging policy's true value equals the mean logged reward per session
 * (independent sessions, so within a few standard errors). */
static void test_logging_value_matches_logged_rewards(void **state)
{
    (void)state;
    orl_sim *sim = make_sim(8, 200, 0);
    orl_sim_events e;
    memset(&e, 0, sizeof e);
    enum { N = 4000 };
    assert_orl_ok(orl_sim_log_sessions(sim->world, 0, N, &e));
    double total = 0;
    for (size_t j = 0; j < e.n; j++) total += e.reward[j];
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_sim_rollout_logging(sim, N, 1, &r));
    double logged = total / N;
    if (fabs(logged - r.mean_return) > 4 * sqrt(2.0) * r.std_error)
        fail_msg("logged %.4f vs rollout %.4f +- %.4f", logged, r.mean_return, r.std_error);
    orl_sim_events_free(&e);
    orl_sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logging_probs_sum_to_one),
        cmocka_unit_test(test_samples_match_propensities),
        cmocka_unit_test(test_csv_is_deterministic_by_seed),
        cmocka_unit_test(test_skips_are_logged_only_on_request),
        cmocka_unit_test(test_logging_value_matches_logged_rewards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
