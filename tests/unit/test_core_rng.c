/* Determinism, independence of streams and distribution of the RNG. */
#include <math.h>
#include <string.h>

#include "core/rng.h"
#include "test_support.h"

static void test_same_seed_and_stream_repeat(void **state)
{
    (void)state;
    orl_rng a, b;
    orl_rng_init(&a, 42, 3);
    orl_rng_init(&b, 42, 3);
    for (int i = 0; i < 1000; i++) assert_true(orl_rng_next(&a) == orl_rng_next(&b));
}

static void test_streams_and_seeds_differ(void **state)
{
    (void)state;
    orl_rng a, b, c;
    orl_rng_init(&a, 42, 0);
    orl_rng_init(&b, 42, 1);
    orl_rng_init(&c, 43, 0);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = orl_rng_next(&a);
        same_ab += x == orl_rng_next(&b);
        same_ac += x == orl_rng_next(&c);
    }
    assert_int_equal(same_ab, 0);
    assert_int_equal(same_ac, 0);
}

static void test_split_is_deterministic_and_independent(void **state)
{
    (void)state;
    orl_rng p1, p2;
    orl_rng_init(&p1, 7, 0);
    orl_rng_init(&p2, 7, 0);
    orl_rng c1 = orl_rng_split(&p1), c2 = orl_rng_split(&p2);
    for (int i = 0; i < 100; i++) assert_true(orl_rng_next(&c1) == orl_rng_next(&c2));
    int same = 0;
    for (int i = 0; i < 100; i++) same += orl_rng_next(&p1) == orl_rng_next(&c1);
    assert_int_equal(same, 0);
}

static void test_below_is_uniform_and_in_range(void **state)
{
    (void)state;
    orl_rng r;
    orl_rng_init(&r, 1, 0);
    enum { K = 10, N = 100000 };
    int counts[K] = {0};
    for (int i = 0; i < N; i++) {
        uint32_t x = orl_rng_below(&r, K);
        assert_true(x < K);
        counts[x]++;
    }
    /* Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile. */
    double chi2 = 0;
    for (int k = 0; k < K; k++) chi2 += pow(counts[k] - N / K, 2) / (N / K);
    assert_true(chi2 < 27.9);
    for (int i = 0; i < 1000; i++) assert_true(orl_rng_below64(&r, 3) < 3);
    assert_int_equal(orl_rng_below(&r, 1), 0);
}

static void test_uniform_and_normal_moments(void **state)
{
    (void)state;
    orl_rng r;
    orl_rng_init(&r, 2, 0);
    double su = 0, sn = 0, sn2 = 0;
    enum { N = 200000 };
    for (int i = 0; i < N; i++) {
        float u = orl_rng_uniform(&r);
        assert_true(u >= 0.0f && u < 1.0f);
        su += u;
        float z = orl_rng_normal(&r);
        assert_true(isfinite(z));
        sn += z;
        sn2 += (double)z * z;
    }
    assert_true(fabs(su / N - 0.5) < 0.005);
    assert_true(fabs(sn / N) < 0.01);
    assert_true(fabs(sn2 / N - 1.0) < 0.02);
}

static void test_shuffle_is_a_permutation(void **state)
{
    (void)state;
    orl_rng r;
    orl_rng_init(&r, 3, 0);
    uint32_t v[100];
    for (uint32_t i = 0; i < 100; i++) v[i] = i;
    orl_rng_shuffle_u32(&r, v, 100);
    int seen[100] = {0}, moved = 0;
    for (uint32_t i = 0; i < 100; i++) {
        seen[v[i]]++;
        moved += v[i] != i;
    }
    for (int i = 0; i < 100; i++) assert_int_equal(seen[i], 1);
    assert_true(moved > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_and_stream_repeat),
        cmocka_unit_test(test_streams_and_seeds_differ),
        cmocka_unit_test(test_split_is_deterministic_and_independent),
        cmocka_unit_test(test_below_is_uniform_and_in_range),
        cmocka_unit_test(test_uniform_and_normal_moments),
        cmocka_unit_test(test_shuffle_is_a_permutation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
