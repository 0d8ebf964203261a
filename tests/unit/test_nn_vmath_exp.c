/* Accuracy of the vectorised exp kernels against libm (they feed softmax, the
 * GRU gates and tanh). A regression test: under the file's associative-math,
 * GCC once folded the rounding step away and exp returned powers of two. */
#include <math.h>
#include <stdlib.h>

#include "test_support.h"

#include "nn/vmath.h"

static void test_fast_expf_is_accurate(void **state)
{
    (void)state;
    double worst = 0.0;
    for (double x = -87.0; x <= 88.0; x += 0.0137) {
        double want = exp(x), got = orl_fast_expf((float)x);
        double rel = fabs(got - want) / want;
        worst = rel > worst ? rel : worst;
    }
    assert_true(worst < 1e-5); /* Cody-Waite terms get reassociated: ~5e-6 */
    assert_true(orl_fast_expf(0.0f) == 1.0f);
    assert_true(orl_fast_expf(-1000.0f) < 1e-37f);
    assert_true(isfinite(orl_fast_expf(1000.0f)));
}

static void test_vector_kernels_match_libm(void **state)
{
    (void)state;
    enum { N = 1003 };
    float *z = malloc(sizeof(float) * N), *b = malloc(sizeof(float) * N);
    float *s = malloc(sizeof(float) * N), *t = malloc(sizeof(float) * N);
    double sum = 0.0;
    for (int i = 0; i < N; i++) {
        z[i] = -20.0f + 25.0f * (float)i / N;
        b[i] = 0.5f * sinf((float)i);
        s[i] = t[i] = z[i] / 4.0f;
        sum += exp((double)z[i] + b[i] - 3.0);
    }
    float got = orl_vec_sumexp_bias(z, b, N, 3.0f);
    assert_true(fabs(got - sum) / sum < 1e-5);
    orl_vec_sigmoid(s, N);
    orl_vec_tanh(t, N);
    for (int i = 0; i < N; i++) {
        double x = z[i] / 4.0;
        assert_true(fabs(s[i] - 1.0 / (1.0 + exp(-x))) < 1e-6);
        assert_true(fabs(t[i] - tanh(x)) < 2e-6);
    }
    orl_vec_exp_bias_scale(z, b, N, 3.0f, 0.5f);
    for (int i = 0; i < N; i++) {
        double want = 0.5 * exp(-20.0 + 25.0 * i / N + b[i] - 3.0);
        assert_true(fabs(z[i] - want) <= 1e-5 * want);
    }
    free(z);
    free(b);
    free(s);
    free(t);
}

/* The gate kernels (16 lanes by hand where the CPU has AVX-512, else the
 * compiler's loop) equal the scalar formulas over orl_fast_expf bit for bit,
 * at every length (masked tails) and through both clamps of exp. */
static void test_gate_kernels_equal_scalar_formula(void **state)
{
    (void)state;
    enum { N = 200 };
    float s[N], t[N], x[N];
    for (int n = 1; n <= N; n += (n < 40 ? 1 : 23)) {
        for (int i = 0; i < n; i++) {
            x[i] = -100.0f + 200.0f * (float)((i * 37 + n * 11) % 1000) / 999.0f;
            if (i % 7 == 3) x[i] *= 0.01f;
            if (i % 11 == 5) x[i] = 0.0f;
            s[i] = t[i] = x[i];
        }
        orl_vec_sigmoid(s, (size_t)n);
        orl_vec_tanh(t, (size_t)n);
        for (int i = 0; i < n; i++) {
            float ws = 1.0f / (1.0f + orl_fast_expf(-x[i]));
            float wt = 1.0f - 2.0f / (orl_fast_expf(2.0f * x[i]) + 1.0f);
            assert_memory_equal(&s[i], &ws, sizeof(float));
            assert_memory_equal(&t[i], &wt, sizeof(float));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_expf_is_accurate),
        cmocka_unit_test(test_vector_kernels_match_libm),
        cmocka_unit_test(test_gate_kernels_equal_scalar_formula),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
