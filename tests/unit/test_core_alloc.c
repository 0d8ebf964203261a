/* The allocation wrapper and its failure injection. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/pool.h"
#include "offlinerl/offlinerl.h"
#include "test_support.h"

static void test_fail_after_refuses_exactly_the_nth(void **state)
{
    (void)state;
    uint64_t before = orl_alloc_injected_failures();
    orl_alloc_fail_after(2);
    void *a = orl_malloc(8), *b = orl_malloc(8), *c = orl_malloc(8), *d = orl_malloc(8);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_non_null(d); /* injection fires once, then allocation works again */
    assert_int_equal(orl_alloc_injected_failures(), before + 1);
    orl_free(a);
    orl_free(b);
    orl_free(d);
}

static void test_live_block_count_tracks_every_path(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    void *a = orl_malloc(16);
    void *b = orl_calloc(4, 4);
    void *c = orl_realloc(NULL, 10);
    c = orl_realloc(c, 1000);
    void *d = orl_aligned_alloc(100);
    char *e = orl_strdup("hello");
    assert_int_equal(((uintptr_t)d) % 64, 0);
    assert_string_equal(e, "hello");
    assert_int_equal(orl_alloc_live_blocks(), base + 5);
    orl_free(a);
    orl_free(b);
    orl_free(c);
    orl_aligned_free(d);
    orl_free(e);
    orl_free(NULL);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_overflowing_sizes_fail_cleanly(void **state)
{
    (void)state;
    assert_null(orl_calloc(SIZE_MAX / 2, 4));
    void *p = orl_malloc(4);
    assert_null(orl_realloc_array(p, SIZE_MAX / 2, 8));
    orl_free(p); /* the original block is kept on failure */
}

/* Every allocation inside pool creation, failed in turn, gives ORL_E_NOMEM
 * and leaves no block behind. */
static void test_pool_create_survives_every_allocation_failure(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_pool *pool = NULL;
        orl_alloc_fail_after(n);
        int s = orl_pool_create(3, &pool);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            orl_pool_free(pool);
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_null(pool);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_true(failures >= 3); /* pool, worker array, worker arguments */
    assert_int_equal(orl_alloc_live_blocks(), base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_after_refuses_exactly_the_nth),
        cmocka_unit_test(test_live_block_count_tracks_every_path),
        cmocka_unit_test(test_overflowing_sizes_fail_cleanly),
        cmocka_unit_test(test_pool_create_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
