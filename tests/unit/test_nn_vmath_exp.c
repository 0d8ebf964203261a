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

/* nn/gru.c's scalar cell and cell backward (the path without AVX-512), as
 * references for the 16-lane kernels. */
static void cell_scalar(float *h_next, float *g, float *hn, float *gi, const float *wk,
                        const float *h_prev, const float *b_ih, const float *b_hh, int H)
{
    orl_vec_add(gi, b_ih, (size_t)(3 * H));
    for (int k = 0; k < 2 * H; k++) g[k] = gi[k] + wk[k] + b_hh[k];
    orl_vec_sigmoid(g, (size_t)(2 * H));
    for (int k = 0; k < H; k++) {
        hn[k] = wk[2 * H + k] + b_hh[2 * H + k];
        g[2 * H + k] = gi[2 * H + k] + g[k] * hn[k];
    }
    orl_vec_tanh(g + 2 * H, (size_t)H);
    for (int k = 0; k < H; k++) {
        float z = g[H + k], n = g[2 * H + k];
        h_next[k] = (1.0f - z) * n + z * h_prev[k];
    }
}

static void cell_backward_scalar(float *dgib, float *dghb, float *dhb, const float *g,
                                 const float *hn, const float *hp, int H)
{
    for (int k = 0; k < H; k++) {
        float r = g[k], z = g[H + k], n = g[2 * H + k], dhv = dhb[k];
        float dn = dhv * (1.0f - z) * (1.0f - n * n);
        float dz = dhv * (hp[k] - n) * z * (1.0f - z);
        float dr = dn * hn[k] * r * (1.0f - r);
        dgib[k] = dr;
        dgib[H + k] = dz;
        dgib[2 * H + k] = dn;
        dghb[k] = dr;
        dghb[H + k] = dz;
        dghb[2 * H + k] = dn * r;
        dhb[k] = dhv * z;
    }
}

static float wave(int i, float scale)
{
    return scale * sinf(0.37f * (float)i + 0.1f * (float)(i % 5));
}

/* The 16-lane GRU cell and its backward equal the scalar loops bit for bit
 * (every output array), for hidden sizes with and without a masked tail. */
static void test_gru_cell_kernels_equal_scalar(void **state)
{
    (void)state;
    enum { MAXH = 80 };
    const int sizes[] = {64, 16, 1, 5, 20, 33, 80};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        const int H = sizes[si];
        float gi[2][3 * MAXH], wk[3 * MAXH], bi[3 * MAXH], bh[3 * MAXH], hp[MAXH];
        float g[2][3 * MAXH], hn[2][MAXH], hx[2][MAXH];
        for (int k = 0; k < 3 * H; k++) {
            gi[0][k] = gi[1][k] = wave(k, 3.0f);
            wk[k] = wave(k + 101, 2.0f);
            bi[k] = wave(k + 7, 0.5f);
            bh[k] = wave(k + 13, 0.5f);
        }
        for (int k = 0; k < H; k++) hp[k] = wave(k + 29, 0.9f);
        if (!orl_vec_gru_cell(hx[0], g[0], hn[0], gi[0], wk, hp, bi, bh, (size_t)H)) {
            print_message("skipped: no AVX-512 on this CPU (the scalar path is the only one)\n");
            return;
        }
        cell_scalar(hx[1], g[1], hn[1], gi[1], wk, hp, bi, bh, H);
        assert_memory_equal(gi[0], gi[1], sizeof(float) * 3 * (size_t)H);
        assert_memory_equal(g[0], g[1], sizeof(float) * 3 * (size_t)H);
        assert_memory_equal(hn[0], hn[1], sizeof(float) * (size_t)H);
        assert_memory_equal(hx[0], hx[1], sizeof(float) * (size_t)H);

        float dgi[2][3 * MAXH], dgh[2][3 * MAXH], dh[2][MAXH];
        for (int k = 0; k < H; k++) dh[0][k] = dh[1][k] = wave(k + 57, 1.5f);
        assert_int_equal(
            orl_vec_gru_cell_backward(dgi[0], dgh[0], dh[0], g[0], hn[0], hp, (size_t)H), 1);
        cell_backward_scalar(dgi[1], dgh[1], dh[1], g[1], hn[1], hp, H);
        assert_memory_equal(dgi[0], dgi[1], sizeof(float) * 3 * (size_t)H);
        assert_memory_equal(dgh[0], dgh[1], sizeof(float) * 3 * (size_t)H);
        assert_memory_equal(dh[0], dh[1], sizeof(float) * (size_t)H);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_expf_is_accurate),
        cmocka_unit_test(test_vector_kernels_match_libm),
        cmocka_unit_test(test_gate_kernels_equal_scalar_formula),
        cmocka_unit_test(test_gru_cell_kernels_equal_scalar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
