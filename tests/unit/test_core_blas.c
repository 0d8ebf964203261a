/* The CBLAS wrapper against a naive product, with and without the pool. */
#include <math.h>

#include "core/alloc.h"
#include "core/blas.h"
#include "core/rng.h"
#include "test_support.h"

static float at(const float *m, int ld, int trans, int r, int c)
{
    return trans ? m[(size_t)c * ld + r] : m[(size_t)r * ld + c];
}

static void check_gemm(orl_pool *pool, int ta, int tb, int m, int n, int k)
{
    orl_rng r;
    orl_rng_init(&r, (uint64_t)(m * 131 + n * 7 + k), (uint64_t)(ta * 2 + tb));
    int lda = ta ? m : k, ldb = tb ? k : n;
    float *a = orl_malloc(sizeof(float) * (size_t)m * k);
    float *b = orl_malloc(sizeof(float) * (size_t)k * n);
    float *c = orl_malloc(sizeof(float) * (size_t)m * n);
    for (int i = 0; i < m * k; i++) a[i] = orl_rng_normal(&r);
    for (int i = 0; i < k * n; i++) b[i] = orl_rng_normal(&r);
    for (int i = 0; i < m * n; i++) c[i] = 1.0f;
    orl_sgemm_pool(pool, ta, tb, m, n, k, 2.0f, a, lda, b, ldb, 0.5f, c, n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int q = 0; q < k; q++) s += at(a, lda, ta, i, q) * at(b, ldb, tb, q, j);
            assert_true(fabs(c[(size_t)i * n + j] - (2.0 * s + 0.5)) < 1e-3 * (1 + fabs(s)));
        }
    orl_free(a);
    orl_free(b);
    orl_free(c);
}

static void test_gemm_all_transposes_serial_and_pooled(void **state)
{
    (void)state;
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    const int shapes[][3] = {{3, 5, 4}, {64, 300, 32}, {300, 64, 32}, {7, 1000, 40}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                check_gemm(NULL, ta, tb, shapes[s][0], shapes[s][1], shapes[s][2]);
                check_gemm(pool, ta, tb, shapes[s][0], shapes[s][1], shapes[s][2]);
            }
    orl_pool_free(pool);
}

static void test_gemv_matches_naive(void **state)
{
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}; /* 2 x 3 */
    float x3[3] = {1, 1, 1}, y2[2] = {1, 1};
    orl_sgemv(0, 2, 3, 1.0f, a, 3, x3, 2.0f, y2);
    assert_float_equal(y2[0], 8.0f, 1e-6);
    assert_float_equal(y2[1], 17.0f, 1e-6);
    float x2[2] = {1, 2}, y3[3] = {0, 0, 0};
    orl_sgemv(1, 2, 3, 1.0f, a, 3, x2, 0.0f, y3);
    assert_float_equal(y3[0], 9.0f, 1e-6);
    assert_float_equal(y3[2], 15.0f, 1e-6);
    assert_non_null(orl_blas_name());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_all_transposes_serial_and_pooled),
        cmocka_unit_test(test_gemv_matches_naive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
