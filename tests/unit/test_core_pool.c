/* The thread pool: chunking, every item once, thread counts, FTZ. */
#include <float.h>
#include <stdatomic.h>
#include <string.h>

#include "core/pool.h"
#include "offlinerl/offlinerl.h"
#include "test_support.h"

typedef struct job {
    int *hits;
    _Atomic int calls;
    _Atomic int max_thread;
} job;

static void mark(void *ctx, size_t begin, size_t end, int thread_index)
{
    job *j = ctx;
    for (size_t i = begin; i < end; i++) j->hits[i]++;
    atomic_fetch_add(&j->calls, 1);
    if (thread_index > j->max_thread)
        j->max_thread = thread_index; /* racy max is fine: bound only */
}

static void test_chunks_partition_the_range(void **state)
{
    (void)state;
    for (size_t n = 0; n < 50; n++) {
        for (int parts = 1; parts <= 7; parts++) {
            size_t expect = 0;
            for (int k = 0; k < parts; k++) {
                size_t b, e;
                orl_pool_chunk(n, parts, k, &b, &e);
                assert_int_equal(b, expect);
                assert_true(e - b <= n / (size_t)parts + 1);
                expect = e;
            }
            assert_int_equal(expect, n);
        }
    }
}

static void test_every_item_runs_exactly_once(void **state)
{
    (void)state;
    int counts[] = {1, 2, 4, 0};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        orl_pool *pool = NULL;
        assert_orl_ok(orl_pool_create(counts[c], &pool));
        int expect_threads = counts[c] == 0 ? orl_cpu_count() : counts[c];
        assert_int_equal(orl_pool_threads(pool), expect_threads);
        for (int round = 0; round < 50; round++) {
            int hits[1000] = {0};
            job j = {hits, 0, 0};
            size_t n = (size_t)(round * 20 + 1);
            orl_pool_parallel_for(pool, n, mark, &j);
            for (size_t i = 0; i < n; i++) assert_int_equal(hits[i], 1);
            for (size_t i = n; i < 1000; i++) assert_int_equal(hits[i], 0);
            assert_true(j.max_thread < expect_threads);
        }
        orl_pool_free(pool);
    }
    orl_pool_free(NULL);
}

static void test_bad_thread_counts_are_refused(void **state)
{
    (void)state;
    orl_pool *pool = NULL;
    assert_int_equal(orl_pool_create(-1, &pool), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_pool_create(100000, &pool), ORL_E_OUT_OF_RANGE);
    assert_null(pool);
    assert_int_equal(orl_pool_create(1, NULL), ORL_E_INVALID_ARGUMENT);
}

static void denormal_probe(void *ctx, size_t begin, size_t end, int thread_index)
{
    volatile float tiny = FLT_MIN;
    float *out = ctx;
    for (size_t i = begin; i < end; i++) out[i] = tiny * 0.5f; /* denormal unless FTZ */
}

static void test_workers_flush_denormals_and_caller_state_is_restored(void **state)
{
    (void)state;
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    float out[64];
    orl_pool_parallel_for(pool, 64, denormal_probe, out);
#if defined(__x86_64__)
    for (int i = 0; i < 64; i++) assert_true(out[i] == 0.0f);
#endif
    volatile float tiny = FLT_MIN;
    float after = tiny * 0.5f;
    assert_true(after > 0.0f); /* the caller's own FP mode was put back */
    orl_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chunks_partition_the_range),
        cmocka_unit_test(test_every_item_runs_exactly_once),
        cmocka_unit_test(test_bad_thread_counts_are_refused),
        cmocka_unit_test(test_workers_flush_denormals_and_caller_state_is_restored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
