/* The kernels behind softmax targets without probability rows:
 * orl_gemm_fma_t (its AVX-512 tile and the portable loop equal bit for bit,
 * and orl_dot_fma per output; within 1e-5 of orl_matvec) and
 * orl_softmax_stats (max, sums of exp terms and of those times q, folded
 * chunk by chunk, against a double-precision softmax within 1e-5 relative;
 * a row's statistics the same whichever rows share the call; infinite and
 * NaN scores leave the row undefined, for the rule). Native and portable. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/rng.h"
#include "nn/gemm_fma.h"
#include "nn/matvec_multi.h"
#include "nn/softmax_stats.h"
#include "nn/vmath.h"
#include "test_support.h"

static void gemm_case(orl_rng *rng, size_t rows, size_t cols);

static void test_gemm_paths_agree_bit_for_bit(void **state)
{
    (void)state;
    orl_rng r;
    orl_rng_init(&r, 5, 0);
    const size_t rows = 77;                        /* 12 tiles of 6 and 5 single rows */
    for (size_t cols = 48; cols <= 64; cols += 16) /* 64: the unrolled form */
        gemm_case(&r, rows, cols);
}

static void gemm_case(orl_rng *rng, size_t rows, size_t cols)
{
    float *w = malloc(sizeof(float) * rows * cols), *b = malloc(sizeof(float) * rows);
    float *x = malloc(sizeof(float) * 64 * cols), *xt = malloc(sizeof(float) * 64 * cols);
    float *a = malloc(sizeof(float) * rows * 64), *c = malloc(sizeof(float) * rows * 64);
    for (size_t i = 0; i < rows * cols; i++) w[i] = orl_rng_normal(rng);
    for (size_t i = 0; i < rows; i++) b[i] = orl_rng_normal(rng);
    for (size_t i = 0; i < 64 * cols; i++) x[i] = orl_rng_normal(rng);
    const int ns[4] = {1, 17, 40, 64};
    for (int k = 0; k < 4; k++) {
        int n = ns[k];
        size_t np = ((size_t)n + 15) & ~(size_t)15;
        orl_matvec_multi_prep(xt, x, n, cols);
        orl_gemm_fma_t(a, np, w, k % 2 ? b : NULL, rows, cols, xt, np);
        orl_gemm_fma_t_portable(c, np, w, k % 2 ? b : NULL, rows, cols, xt, np);
        for (size_t i = 0; i < rows; i++)
            for (int j = 0; j < n; j++) {
                float got = a[i * np + (size_t)j], port = c[i * np + (size_t)j];
                float one =
                    orl_dot_fma(w + i * cols, x + (size_t)j * cols, cols, k % 2 ? b[i] : 0.0f);
                assert_true(memcmp(&got, &port, sizeof got) == 0);
                assert_true(memcmp(&got, &one, sizeof got) == 0);
                float ref;
                orl_matvec(&ref, w + i * cols, x + (size_t)j * cols, k % 2 ? b + i : NULL, 1, cols);
                assert_true(fabsf(got - ref) <= 1e-5f * (1.0f + fabsf(ref)));
            }
    }
    free(w), free(b), free(x), free(xt), free(a), free(c);
}

typedef void (*add_fn)(orl_softmax_stats *, const float *, size_t, size_t, const float *);

/* Rows of scores z [items x ld] folded in chunks of `chunk` items. */
static void fold(add_fn add, orl_softmax_stats *st, const float *z, size_t ld, size_t items,
                 size_t chunk, const float *q)
{
    for (size_t i0 = 0; i0 < items; i0 += chunk) {
        size_t m = items - i0 < chunk ? items - i0 : chunk;
        add(st, z + i0 * ld, ld, m, q ? q + i0 : NULL);
    }
}

static void check_against_double(add_fn add, const char *path)
{
    orl_rng r;
    orl_rng_init(&r, 11, 0);
    const size_t I = 3001, ld = 64;
    float *z = malloc(sizeof(float) * I * ld), *q = malloc(sizeof(float) * I);
    for (size_t i = 0; i < I; i++) q[i] = orl_rng_uniform(&r) - 0.3f;
    const double temps[3] = {0.05, 1.0, 20.0};
    for (int k = 0; k < 3; k++) {
        /* Scores rising along the catalogue for some rows (the max moves
         * chunk after chunk: every rescale runs), falling for others. */
        for (size_t i = 0; i < I; i++)
            for (size_t j = 0; j < ld; j++)
                z[i * ld + j] = 3.0f * orl_rng_normal(&r) +
                                (j % 3 == 0 ? 0.004f : -0.002f) * (float)i * (float)(j % 5);
        orl_softmax_stats st;
        orl_softmax_stats_init(&st, 64, (float)(1.0 / temps[k]));
        fold(add, &st, z, ld, I, k == 1 ? 256 : 97, q);
        for (int j = 0; j < 64; j++) {
            double m = -INFINITY, s = 0.0, sq = 0.0;
            for (size_t i = 0; i < I; i++) m = fmax(m, z[i * ld + (size_t)j]);
            for (size_t i = 0; i < I; i++) {
                double e = exp((z[i * ld + (size_t)j] - m) / temps[k]);
                s += e;
                sq += e * q[i];
            }
            assert_true(orl_softmax_stats_defined(&st, j));
            assert_true(st.max[j] == (float)m);
            /* pi of the row's every item, and V = sum pi q. */
            double qmax = 1.0;
            for (size_t i = 0; i < I; i += 7) {
                float x = (z[i * ld + (size_t)j] - st.max[j]) * st.inv_t;
                double got = orl_fast_expf(x) / st.sum[j];
                double want = exp((z[i * ld + (size_t)j] - m) / temps[k]) / s;
                if (fabs(got - want) > 1e-5 * want + 1e-30)
                    fail_msg("%s T %g row %d item %zu: pi %.9g vs %.9g", path, temps[k], j, i, got,
                             want);
            }
            if (fabs(st.sumq[j] / st.sum[j] - sq / s) > 1e-5 * qmax)
                fail_msg("%s T %g row %d: V %.9g vs %.9g", path, temps[k], j,
                         st.sumq[j] / st.sum[j], sq / s);
        }
        /* Row j alone (one lane, a narrower chunk) gives the same statistics. */
        float *col = malloc(sizeof(float) * I * 16);
        for (int j = 0; j < 64; j += 21) {
            memset(col, 0, sizeof(float) * I * 16);
            for (size_t i = 0; i < I; i++) col[i * 16] = z[i * ld + (size_t)j];
            orl_softmax_stats one;
            orl_softmax_stats_init(&one, 1, st.inv_t);
            fold(add, &one, col, 16, I, k == 1 ? 256 : 97, q);
            assert_true(one.max[0] == st.max[j] && one.sum[0] == st.sum[j] &&
                        one.sumq[0] == st.sumq[j]);
        }
        free(col);
    }
    free(z);
    free(q);
}

static void test_stats_match_double_softmax(void **state)
{
    (void)state;
    check_against_double(orl_softmax_stats_add_portable, "portable");
    if (orl_cpu_has_avx512f())
        check_against_double(orl_softmax_stats_add, "avx512");
    else
        print_message("no AVX-512 here: orl_softmax_stats_add is the portable path\n");
}

static void nonfinite(add_fn add)
{
    enum { I = 600, LD = 16 };
    float *z = calloc(I * LD, sizeof(float));
    for (size_t i = 0; i < I; i++)
        for (size_t j = 0; j < LD; j++) z[i * LD + j] = (float)((i * 7 + j) % 13) * 0.1f;
    z[5 * LD + 0] = NAN;                                        /* row 0: a NaN */
    z[300 * LD + 1] = INFINITY;                                 /* row 1: +inf */
    for (size_t i = 0; i < I; i++) z[i * LD + 2] = -INFINITY;   /* row 2: all -inf */
    for (size_t i = 0; i < 300; i++) z[i * LD + 3] = -INFINITY; /* row 3: -inf, then finite */
    orl_softmax_stats st;
    orl_softmax_stats_init(&st, 5, 1.0f);
    fold(add, &st, z, LD, I, 256, NULL);
    assert_false(orl_softmax_stats_defined(&st, 0));
    assert_false(orl_softmax_stats_defined(&st, 1));
    assert_false(orl_softmax_stats_defined(&st, 2));
    assert_true(orl_softmax_stats_defined(&st, 3));
    assert_true(orl_softmax_stats_defined(&st, 4));
    double s = 0.0, m = 1.2;
    for (size_t i = 300; i < I; i++) s += exp(z[i * LD + 3] - m);
    assert_true(fabs(st.sum[3] - s) < 1e-5 * s); /* the -inf terms count 0 */
    /* A temperature so small that max / T overflows: undefined too. */
    orl_softmax_stats_init(&st, 5, 3e38f);
    fold(add, &st, z, LD, I, 256, NULL);
    assert_false(orl_softmax_stats_defined(&st, 4));
    free(z);
}

static void test_infinite_and_nan_scores_are_left_to_the_rule(void **state)
{
    (void)state;
    nonfinite(orl_softmax_stats_add_portable);
    nonfinite(orl_softmax_stats_add);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_paths_agree_bit_for_bit),
        cmocka_unit_test(test_stats_match_double_softmax),
        cmocka_unit_test(test_infinite_and_nan_scores_are_left_to_the_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
