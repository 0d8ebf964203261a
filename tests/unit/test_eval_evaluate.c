/* The evaluation engine over a dataset and a scoring callback. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/error.h"
#include "core/pool.h"
#include "core/rng.h"
#include "data/transitions.h"
#include "eval/evaluate.h"
#include "test_support.h"

enum { WINDOW = 5 };

/* Sessions that walk the catalogue: every session starts at item 0 and the
 * next item is always (last + 1) % n_items, so the state determines the
 * action. The first session visits every item (dense ids equal the keys). */
static orl_dataset *make_successor_dataset(uint32_t n_items, int sessions, uint64_t seed)
{
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = WINDOW;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&p, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    for (int s = 0; s < sessions; s++) {
        uint32_t len = s == 0 ? n_items : 1 + orl_rng_below(&rng, 2 * n_items);
        for (uint32_t i = 0; i < len; i++) {
            int64_t sk = s, ik = i % n_items, t = i;
            int32_t code = orl_rng_below(&rng, 4) == 0 ? buy : click;
            assert_orl_ok(orl_dataset_add_events_i64(ds, 1, &sk, &ik, &t, &code, NULL, NULL));
        }
    }
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(orl_dataset_item_count(ds), n_items);
    return ds;
}

/* Uniformly random items: states rarely repeat. */
static orl_dataset *make_random_dataset(uint32_t n_items, int sessions, uint64_t seed)
{
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = WINDOW;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&p, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    for (int s = 0; s < sessions; s++) {
        uint32_t len = 2 + orl_rng_below(&rng, 15);
        for (uint32_t i = 0; i < len; i++) {
            int64_t sk = s, ik = s == 0 ? (int64_t)(i % n_items) : orl_rng_below(&rng, n_items);
            int64_t t = i;
            int32_t code = orl_rng_below(&rng, 5) == 0 ? buy : click;
            assert_orl_ok(orl_dataset_add_events_i64(ds, 1, &sk, &ik, &t, &code, NULL, NULL));
        }
    }
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

typedef struct scorer {
    uint32_t n_items;
    int fail_on_call; /* -1: never */
    _Atomic int calls;
} scorer;

/* Knows the successor rule: the true next item scores 1, everything else 0. */
static int oracle_score(void *ctx, const int32_t *states, const int32_t *lens, size_t batch,
                        float *out)
{
    scorer *sc = ctx;
    for (size_t b = 0; b < batch; b++) {
        const int32_t *st = states + b * WINDOW;
        int32_t next = st[0] == (int32_t)sc->n_items ? 0 : (st[lens[b] - 1] + 1) % sc->n_items;
        float *row = out + b * sc->n_items;
        for (uint32_t j = 0; j < sc->n_items; j++) row[j] = 0.0f;
        row[next] = 1.0f;
    }
    return ORL_OK;
}

/* Pseudo-random scores that depend only on the state, so any thread count or
 * batching sees the same numbers. */
static int random_score(void *ctx, const int32_t *states, const int32_t *lens, size_t batch,
                        float *out)
{
    scorer *sc = ctx;
    int call = atomic_fetch_add(&sc->calls, 1);
    if (call == sc->fail_on_call) return orl_fail(ORL_E_NUMERIC, "scorer gave up at call %d", call);
    for (size_t b = 0; b < batch; b++) {
        orl_rng rng;
        orl_rng_init(&rng, orl_xxh64(states + b * WINDOW, WINDOW * sizeof *states, 1),
                     (uint64_t)lens[b]);
        float *row = out + b * sc->n_items;
        for (uint32_t j = 0; j < sc->n_items; j++) row[j] = orl_rng_uniform(&rng);
    }
    return ORL_OK;
}

static void test_oracle_scores_perfectly(void **state)
{
    (void)state;
    orl_dataset *ds = make_successor_dataset(40, 30, 1);
    scorer sc = {.n_items = 40, .fail_on_call = -1};
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    orl_eval_metrics m;
    assert_orl_ok(orl_eval_run(ds, NULL, oracle_score, &sc, pool, &m));
    assert_int_equal(m.count[0] + m.count[1], orl_dataset_transition_count(ds));
    assert_true(m.count[0] > 0 && m.count[1] > 0);
    for (int k = 0; k < ORL_EVAL_NUM_K; k++)
        for (int c = 0; c < 2; c++) {
            assert_true(m.hr[k][c] == 1.0);
            assert_true(m.ndcg[k][c] == 1.0);
        }
    orl_pool_free(pool);
    orl_dataset_free(ds);
}

static void test_random_scorer_hits_at_chance(void **state)
{
    (void)state;
    const uint32_t n_items = 100;
    orl_dataset *ds = make_random_dataset(n_items, 600, 2);
    uint64_t steps = orl_dataset_transition_count(ds);
    assert_true(steps > 4000);
    scorer sc = {.n_items = n_items, .fail_on_call = -1};
    orl_eval_metrics m;
    assert_orl_ok(orl_eval_run(ds, NULL, random_score, &sc, NULL, &m));
    double clicks = (double)m.count[0];
    for (int k = 0; k < ORL_EVAL_NUM_K; k++) {
        double p = (double)m.ks[k] / n_items, gain = 0.0;
        for (uint32_t r = 0; r < m.ks[k]; r++) gain += 1.0 / log2(r + 2.0);
        double sd = sqrt(p * (1 - p) / clicks);
        assert_true(fabs(m.hr[k][0] - p) < 4 * sd);
        assert_true(fabs(m.ndcg[k][0] - gain / n_items) < 4 * sd);
        assert_true(m.hr[k][1] > 0.0 && m.hr[k][1] < 3 * p); /* fewer purchases: loose */
    }
    orl_dataset_free(ds);
}

/* The engine equals the kernel applied to every transition in order. */
static void test_engine_matches_direct_kernel(void **state)
{
    (void)state;
    const uint32_t n_items = 30;
    orl_dataset *ds = make_random_dataset(n_items, 50, 3);
    uint64_t n = orl_dataset_transition_count(ds);
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, n, WINDOW));
    uint64_t *ids = orl_malloc(n * sizeof *ids);
    float *scores = orl_malloc(n * n_items * sizeof *scores);
    for (uint64_t i = 0; i < n; i++) ids[i] = i;
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, n, &b));
    scorer sc = {.n_items = n_items, .fail_on_call = -1};
    assert_orl_ok(random_score(&sc, b.states, b.state_len, n, scores));
    orl_eval_accum acc;
    orl_eval_accum_init(&acc);
    assert_orl_ok(orl_eval_accumulate(&acc, scores, n, n_items, b.actions, b.is_purchase));
    orl_eval_metrics want, got;
    orl_eval_finalize(&acc, n_items, &want);
    assert_orl_ok(orl_eval_run(ds, NULL, random_score, &sc, NULL, &got));
    assert_memory_equal(&want, &got, sizeof want);
    orl_batch_free(&b);
    orl_free(ids);
    orl_free(scores);
    orl_dataset_free(ds);
}

static void test_thread_count_and_batch_size_do_not_change_results(void **state)
{
    (void)state;
    const uint32_t n_items = 60;
    orl_dataset *ds = make_random_dataset(n_items, 200, 4);
    scorer sc = {.n_items = n_items, .fail_on_call = -1};
    orl_pool *one = NULL, *two = NULL;
    assert_orl_ok(orl_pool_create(1, &one));
    assert_orl_ok(orl_pool_create(2, &two));
    orl_eval_metrics ref, m;
    assert_orl_ok(orl_eval_run(ds, NULL, random_score, &sc, one, &ref));
    const size_t batches[] = {0, 1, 7, 1000};
    for (size_t i = 0; i < 4; i++) {
        orl_eval_options opt;
        orl_eval_options_init(&opt);
        opt.batch_size = batches[i];
        assert_orl_ok(orl_eval_run(ds, &opt, random_score, &sc, two, &m));
        assert_memory_equal(&ref, &m, sizeof m);
        assert_orl_ok(orl_eval_run(ds, &opt, random_score, &sc, NULL, &m));
        assert_memory_equal(&ref, &m, sizeof m);
    }
    orl_pool_free(one);
    orl_pool_free(two);
    orl_dataset_free(ds);
}

static void test_subset_and_argument_errors(void **state)
{
    (void)state;
    const uint32_t n_items = 20;
    orl_dataset *ds = make_random_dataset(n_items, 40, 5);
    scorer sc = {.n_items = n_items, .fail_on_call = -1};
    uint64_t n = orl_dataset_transition_count(ds);
    /* Only purchase steps. */
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 1, WINDOW));
    uint64_t *ids = orl_malloc(n * sizeof *ids), n_buy = 0;
    for (uint64_t i = 0; i < n; i++) {
        assert_orl_ok(orl_dataset_fill_batch(ds, &i, 1, &b));
        if (b.is_purchase[0]) ids[n_buy++] = i;
    }
    orl_eval_options opt;
    orl_eval_options_init(&opt);
    opt.transition_ids = ids;
    opt.n_transitions = n_buy;
    orl_eval_metrics m, untouched;
    assert_orl_ok(orl_eval_run(ds, &opt, random_score, &sc, NULL, &m));
    assert_int_equal(m.count[ORL_EVAL_CLICK], 0);
    assert_int_equal(m.count[ORL_EVAL_PURCHASE], n_buy);
    assert_true(m.hr[2][ORL_EVAL_CLICK] == 0.0);

    memset(&m, 0x5a, sizeof m);
    untouched = m;
    ids[0] = n; /* past the end */
    assert_int_equal(orl_eval_run(ds, &opt, random_score, &sc, NULL, &m), ORL_E_OUT_OF_RANGE);
    orl_eval_options_init(&opt);
    opt.n_items = n_items - 1; /* a scorer narrower than the catalogue */
    scorer narrow = {.n_items = n_items - 1, .fail_on_call = -1};
    assert_int_equal(orl_eval_run(ds, &opt, random_score, &narrow, NULL, &m), ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "outside [0, 19)"));
    assert_int_equal(orl_eval_run(ds, NULL, NULL, &sc, NULL, &m), ORL_E_INVALID_ARGUMENT);
    assert_memory_equal(&m, &untouched, sizeof m);

    orl_dataset *raw = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &raw));
    assert_int_equal(orl_eval_run(raw, NULL, random_score, &sc, NULL, &m), ORL_E_STATE);
    orl_dataset_free(raw);
    orl_batch_free(&b);
    orl_free(ids);
    orl_dataset_free(ds);
}

static void test_scorer_failure_stops_with_its_message(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    orl_dataset *ds = make_random_dataset(25, 100, 6);
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    for (int threads = 0; threads < 2; threads++) {
        scorer sc = {.n_items = 25, .fail_on_call = 3};
        orl_eval_options opt;
        orl_eval_options_init(&opt);
        opt.batch_size = 16;
        orl_eval_metrics m;
        memset(&m, 0x5a, sizeof m);
        orl_eval_metrics untouched = m;
        int s = orl_eval_run(ds, &opt, random_score, &sc, threads ? pool : NULL, &m);
        assert_int_equal(s, ORL_E_NUMERIC);
        assert_non_null(strstr(orl_last_error(), "scorer gave up at call 3"));
        assert_memory_equal(&m, &untouched, sizeof m);
    }
    orl_pool_free(pool);
    orl_dataset_free(ds);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_allocation_failures_leak_nothing(void **state)
{
    (void)state;
    orl_dataset *ds = make_random_dataset(25, 30, 7);
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    scorer sc = {.n_items = 25, .fail_on_call = -1};
    orl_eval_metrics ref, m;
    assert_orl_ok(orl_eval_run(ds, NULL, random_score, &sc, pool, &ref));
    /* Counted only now: a new pool's workers free their start-up argument
     * asynchronously, and every worker has started once a run completed. */
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t k = 0;; k++) {
        orl_alloc_fail_after(k);
        int s = orl_eval_run(ds, NULL, random_score, &sc, pool, &m);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) break;
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_true(failures >= 4); /* workers, and per thread a batch, scores, ids */
    assert_memory_equal(&ref, &m, sizeof m);
    orl_pool_free(pool);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oracle_scores_perfectly),
        cmocka_unit_test(test_random_scorer_hits_at_chance),
        cmocka_unit_test(test_engine_matches_direct_kernel),
        cmocka_unit_test(test_thread_count_and_batch_size_do_not_change_results),
        cmocka_unit_test(test_subset_and_argument_errors),
        cmocka_unit_test(test_scorer_failure_stops_with_its_message),
        cmocka_unit_test(test_allocation_failures_leak_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
