/* The simulator's public API: parameter checks, bad arguments, allocation
 * failures, and logging into a dataset. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/sim_handle.h"
#include "core/alloc.h"
#include "sim/sim_log.h"
#include "test_support.h"

typedef void (*param_edit)(orl_sim_params *p);
static void few_items(orl_sim_params *p)
{
    p->n_items = 1;
}
static void many_clusters(orl_sim_params *p)
{
    p->n_clusters = p->n_items + 1;
}
static void big_dim(orl_sim_params *p)
{
    p->taste_dim = 65;
}
static void no_users(orl_sim_params *p)
{
    p->n_users = 0;
}
static void certain_leave(orl_sim_params *p)
{
    p->leave_prob = 1.0f;
}
static void cold_logging(orl_sim_params *p)
{
    p->log_temperature = 0.0f;
}
static void nan_click(orl_sim_params *p)
{
    p->click_bias = NAN;
}
static void inf_reward(orl_sim_params *p)
{
    p->reward_purchase = INFINITY;
}
static void min_over_max(orl_sim_params *p)
{
    p->min_steps = p->max_steps + 1;
}
static void skips_two(orl_sim_params *p)
{
    p->log_skips = 2;
}
static void eps_above_one(orl_sim_params *p)
{
    p->log_epsilon = 1.5f;
}
static void tiny_rollout_temp(orl_sim_params *p)
{
    p->rollout_temperature = 1e-6f;
}

static void test_bad_params_are_out_of_range_with_a_message(void **state)
{
    (void)state;
    const struct {
        param_edit edit;
        const char *field;
    } cases[] = {
        {few_items, "n_items"},         {many_clusters, "n_clusters"},
        {big_dim, "taste_dim"},         {no_users, "n_users"},
        {certain_leave, "leave_prob"},  {cold_logging, "log_temperature"},
        {nan_click, "click_bias"},      {inf_reward, "reward_purchase"},
        {min_over_max, "min_steps"},    {skips_two, "log_skips"},
        {eps_above_one, "log_epsilon"}, {tiny_rollout_temp, "rollout_temperature"},
    };
    int64_t base = orl_alloc_live_blocks();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orl_sim_params p;
        orl_sim_params_init(&p);
        cases[i].edit(&p);
        orl_sim *sim = (orl_sim *)&p; /* must stay untouched */
        assert_int_equal(orl_sim_create(&p, &sim), ORL_E_OUT_OF_RANGE);
        assert_ptr_equal(sim, (orl_sim *)&p);
        if (!strstr(orl_last_error(), cases[i].field))
            fail_msg("message '%s' does not name %s", orl_last_error(), cases[i].field);
    }
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.n_items = 50;
    p.n_users = 10;
    orl_sim *sim = NULL;
    assert_int_equal(orl_sim_create(&p, NULL), ORL_E_INVALID_ARGUMENT);
    p.struct_size = 8;
    assert_int_equal(orl_sim_create(&p, &sim), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "struct_size"));
    p.struct_size = sizeof p;
    assert_orl_ok(orl_sim_create(&p, &sim));

    size_t n = 0;
    assert_orl_ok(orl_sim_num_items(sim, &n));
    assert_int_equal(n, 50);
    assert_int_equal(orl_sim_num_items(NULL, &n), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_num_items((const orl_sim *)&p, &n), ORL_E_INVALID_ARGUMENT);

    orl_sim_rollout_result r = {.struct_size = sizeof r};
    assert_int_equal(orl_sim_rollout_logging(sim, 1, 0, &r), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sim_rollout_random(sim, 10, 0, NULL), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_rollout(sim, NULL, NULL, 10, 0, &r), ORL_E_INVALID_ARGUMENT);
    r.struct_size = 4;
    assert_int_equal(orl_sim_rollout_popularity(sim, 10, 0, &r), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "struct_size"));

    float probs[50];
    int64_t bad_hist[] = {3, 50};
    assert_int_equal(orl_sim_logging_probs(sim, 10, NULL, 0, probs, 50), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sim_logging_probs(sim, 0, NULL, 0, probs, 49), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(orl_sim_logging_probs(sim, 0, bad_hist, 2, probs, 50), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sim_logging_probs(sim, 0, NULL, 1, probs, 50), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_logging_probs(sim, 0, NULL, 0, NULL, 50), ORL_E_INVALID_ARGUMENT);

    char path[512];
    assert_int_equal(orl_sim_write_csv(sim, 0, orl_test_tmp_path("x.csv", path, sizeof path)),
                     ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_sim_write_csv(sim, 5, NULL), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_write_csv(sim, 5, "/nonexistent-dir/x.csv"), ORL_E_IO);
    assert_non_null(strstr(orl_last_error(), "/nonexistent-dir/x.csv"));
    assert_int_equal(orl_sim_generate(sim, 5, NULL), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_generate(NULL, 5, NULL), ORL_E_INVALID_ARGUMENT);
    orl_sim_free(sim);
    orl_sim_free(NULL);
}

/* Every allocation of create, of a rollout, of CSV writing and of dataset
 * logging, failed in turn, gives ORL_E_NOMEM and leaks nothing. */
static void test_allocation_failures(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.n_items = 40;
    p.n_users = 5;
    int failures = 0;
    orl_sim *sim = NULL;
    for (int64_t k = 0;; k++) {
        orl_alloc_fail_after(k);
        int s = orl_sim_create(&p, &sim);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) break;
        assert_int_equal(s, ORL_E_NOMEM);
        assert_null(sim);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_true(failures >= 15);

    int64_t with_sim = orl_alloc_live_blocks();
    orl_sim_rollout_result r = {.struct_size = sizeof r};
    for (int64_t k = 0;; k++) {
        orl_alloc_fail_after(k);
        int s = orl_sim_rollout_logging(sim, 20, 1, &r);
        orl_alloc_fail_after(-1);
        assert_int_equal(orl_alloc_live_blocks(), with_sim);
        if (s == ORL_OK) break;
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(r.n_sessions, 0);
    }
    char path[512];
    orl_test_tmp_path("sim_nomem.csv", path, sizeof path);
    for (int64_t k = 0;; k++) {
        orl_alloc_fail_after(k);
        int s = orl_sim_write_csv(sim, 30, path);
        orl_alloc_fail_after(-1);
        assert_int_equal(orl_alloc_live_blocks(), with_sim);
        if (s == ORL_OK) break;
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(sim->next_session, 0); /* failed calls do not use up sessions */
    }
    assert_int_equal(sim->next_session, 30);

    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    for (int64_t k = 0;; k++) {
        orl_alloc_fail_after(k);
        int s = orl_sim_generate(sim, 30, ds);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) break;
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(sim->next_session, 30);
        orl_dataset_stats st = {.struct_size = sizeof st};
        assert_orl_ok(orl_dataset_get_stats(ds, &st));
        assert_int_equal(st.n_events, 0); /* all or nothing */
    }
    assert_int_equal(sim->next_session, 60);
    orl_dataset_free(ds);
    orl_sim_free(sim);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

/* Logging into a dataset: the events of the internal logger, with their
 * propensities; same seed, same dataset; purchases flagged by the dataset. */
static void test_generate_into_dataset(void **state)
{
    (void)state;
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.n_items = 300;
    p.seed = 4;
    orl_sim *a = NULL, *b = NULL;
    assert_orl_ok(orl_sim_create(&p, &a));
    assert_orl_ok(orl_sim_create(&p, &b));
    orl_dataset *da = NULL, *db = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &da));
    assert_orl_ok(orl_dataset_create(NULL, &db));
    assert_orl_ok(orl_sim_generate(a, 1000, da));
    assert_orl_ok(orl_sim_generate(a, 500, da)); /* sessions 1000 .. 1499 */
    assert_orl_ok(orl_sim_generate(b, 1500, db));

    orl_sim_events ev;
    memset(&ev, 0, sizeof ev);
    assert_orl_ok(orl_sim_log_sessions(a->world, 0, 1500, &ev));
    size_t purchases = 0, sessions = 0;
    for (size_t j = 0; j < ev.n; j++) {
        purchases += ev.kind[j] == ORL_SIM_PURCHASE;
        sessions += j == 0 || ev.session[j] != ev.session[j - 1];
    }
    assert_orl_ok(orl_dataset_finalize(da));
    assert_orl_ok(orl_dataset_finalize(db));
    orl_dataset_stats sa = {.struct_size = sizeof sa}, sb = sa;
    assert_orl_ok(orl_dataset_get_stats(da, &sa));
    assert_orl_ok(orl_dataset_get_stats(db, &sb));
    assert_int_equal(sa.n_events, ev.n);
    assert_int_equal(sa.n_with_propensity, ev.n);
    assert_int_equal(sa.n_purchases, purchases);
    assert_int_equal(sa.n_sessions, sessions);
    assert_int_equal(sb.n_events, sa.n_events);
    assert_int_equal(sb.n_purchases, sa.n_purchases);
    assert_int_equal(sb.time_min, sa.time_min);
    assert_int_equal(sb.time_max, sa.time_max);
    assert_true(sa.mean_session_len > 2 && sa.mean_session_len < 20);
    uint64_t skips = 0;
    assert_int_equal(orl_dataset_count_events(da, "skip", &skips), ORL_E_NOT_FOUND);
    orl_sim_events_free(&ev);
    orl_dataset_free(da);
    orl_dataset_free(db);
    orl_sim_free(a);
    orl_sim_free(b);
}

/* The CSV is the canonical form: loaded with the default CSV params it gives
 * the dataset that orl_sim_generate gives for the same sessions. */
static void test_csv_loads_as_the_generated_dataset(void **state)
{
    (void)state;
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.n_items = 200;
    p.log_skips = 1;
    orl_sim *a = NULL, *b = NULL;
    assert_orl_ok(orl_sim_create(&p, &a));
    assert_orl_ok(orl_sim_create(&p, &b));
    char path[512];
    orl_test_tmp_path("sim_roundtrip.csv", path, sizeof path);
    assert_orl_ok(orl_sim_write_csv(a, 800, path));
    orl_dataset *from_csv = NULL, *direct = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &from_csv));
    assert_orl_ok(orl_dataset_create(NULL, &direct));
    orl_csv_params cp;
    orl_csv_params_init(&cp);
    assert_orl_ok(orl_dataset_load_csv(from_csv, path, &cp, NULL));
    assert_orl_ok(orl_sim_generate(b, 800, direct));
    assert_orl_ok(orl_dataset_finalize(from_csv));
    assert_orl_ok(orl_dataset_finalize(direct));
    orl_dataset_stats sc = {.struct_size = sizeof sc}, sd = sc;
    assert_orl_ok(orl_dataset_get_stats(from_csv, &sc));
    assert_orl_ok(orl_dataset_get_stats(direct, &sd));
    assert_true(sc.n_events > 800);
    assert_int_equal(sc.n_events, sd.n_events);
    assert_int_equal(sc.n_sessions, sd.n_sessions);
    assert_int_equal(sc.n_items, sd.n_items);
    assert_int_equal(sc.n_purchases, sd.n_purchases);
    assert_int_equal(sc.n_with_propensity, sd.n_events);
    assert_int_equal(sc.time_min, sd.time_min);
    assert_int_equal(sc.time_max, sd.time_max);
    uint64_t skips_c = 0, skips_d = 0;
    assert_orl_ok(orl_dataset_count_events(from_csv, "skip", &skips_c));
    assert_orl_ok(orl_dataset_count_events(direct, "skip", &skips_d));
    assert_true(skips_c > 0);
    assert_int_equal(skips_c, skips_d);
    orl_dataset_free(from_csv);
    orl_dataset_free(direct);
    orl_sim_free(a);
    orl_sim_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_params_are_out_of_range_with_a_message),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_allocation_failures),
        cmocka_unit_test(test_generate_into_dataset),
        cmocka_unit_test(test_csv_loads_as_the_generated_dataset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
