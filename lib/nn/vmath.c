/* Loops here must vectorise: allow if-converting the clamps (the inputs are
 * finite by construction). No reassociation: it would fold exp's range
 * reduction; the reductions keep 8 explicit lanes instead. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "no-signed-zeros", "finite-math-only", "no-math-errno")
#endif

#include "nn/vmath.h"

#include "core/clones.h"
#include "core/cpu.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp by range reduction x = k ln2 + r, |r| <= ln2/2, and a degree-6
 * polynomial for e^r; 2^k is built in the exponent bits. Written so that GCC
 * vectorises it inside the loops below (no branches, no libm calls). */
__attribute__((always_inline)) static inline float exp_core(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: t's low bits hold round(x / ln2) */
    float t = x * 1.44269504088896341f + shifter;
    int32_t ki;
    memcpy(&ki, &t, sizeof ki);
    ki -= 0x4B400000;
    float k = t - shifter;
    float r = x - k * 0.693145751953125f;
    r = r - k * 1.428606765330187045e-06f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    /* Unsigned: a NaN input (diverged training) gives any bits in ki, and a
     * signed shift of a negative value is undefined behaviour. */
    uint32_t e = ((uint32_t)ki + 127u) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return p * s;
}

float orl_fast_expf(float x)
{
    return exp_core(x);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ORL_VMATH_AVX512 1

/* Hand-written AVX-512 forms of the softmax loops: 16 lanes, FMA range
 * reduction and scalef for 2^k (nn/exp16.h). Picked at run time when the CPU
 * has AVX-512. */
#include "nn/exp16.h"
#define exp16 orl_exp16

__attribute__((target("avx512f"))) static float max_bias_512(const float *z, const float *b,
                                                             size_t n)
{
    __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0;
    size_t j = 0;
    for (; j + 32 <= n; j += 32) {
        m0 = _mm512_max_ps(m0, _mm512_add_ps(_mm512_loadu_ps(z + j), _mm512_loadu_ps(b + j)));
        m1 = _mm512_max_ps(m1,
                           _mm512_add_ps(_mm512_loadu_ps(z + j + 16), _mm512_loadu_ps(b + j + 16)));
    }
    for (; j < n; j += 16) {
        __mmask16 mk = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1);
        __m512 v =
            _mm512_add_ps(_mm512_maskz_loadu_ps(mk, z + j), _mm512_maskz_loadu_ps(mk, b + j));
        m0 = _mm512_mask_max_ps(m0, mk, m0, v);
    }
    return _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
}

__attribute__((target("avx512f"))) static float sumexp_bias_512(const float *z, const float *b,
                                                                size_t n, float shift)
{
    const __m512 sh = _mm512_set1_ps(shift);
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;
    size_t j = 0;
    for (; j + 32 <= n; j += 32) {
        __m512 a = _mm512_add_ps(_mm512_loadu_ps(z + j), _mm512_loadu_ps(b + j));
        __m512 c = _mm512_add_ps(_mm512_loadu_ps(z + j + 16), _mm512_loadu_ps(b + j + 16));
        s0 = _mm512_add_ps(s0, exp16(_mm512_sub_ps(a, sh)));
        s1 = _mm512_add_ps(s1, exp16(_mm512_sub_ps(c, sh)));
    }
    for (; j < n; j += 16) {
        __mmask16 mk = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1);
        __m512 a =
            _mm512_add_ps(_mm512_maskz_loadu_ps(mk, z + j), _mm512_maskz_loadu_ps(mk, b + j));
        s0 = _mm512_mask_add_ps(s0, mk, s0, exp16(_mm512_sub_ps(a, sh)));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

__attribute__((target("avx512f"))) static void
exp_bias_scale_512(float *z, const float *b, size_t n, float shift, float scale)
{
    const __m512 sh = _mm512_set1_ps(shift), sc = _mm512_set1_ps(scale);
    for (size_t j = 0; j < n; j += 16) {
        __mmask16 mk = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1);
        __m512 a =
            _mm512_add_ps(_mm512_maskz_loadu_ps(mk, z + j), _mm512_maskz_loadu_ps(mk, b + j));
        _mm512_mask_storeu_ps(z + j, mk, _mm512_mul_ps(exp16(_mm512_sub_ps(a, sh)), sc));
    }
}

/* y[i] = W[i] . x (+ b[i]) for cols % 16 == 0: four rows at a time so the
 * loads of x are shared and the horizontal sums overlap. */
__attribute__((target("avx512f"))) static void matvec_512(float *y, const float *w, const float *x,
                                                          const float *b, size_t rows, size_t cols)
{
    size_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *w0 = w + i * cols;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (size_t j = 0; j < cols; j += 16) {
            __m512 xv = _mm512_loadu_ps(x + j);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + j), xv, a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + cols + j), xv, a1);
            a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + 2 * cols + j), xv, a2);
            a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + 3 * cols + j), xv, a3);
        }
        y[i] = _mm512_reduce_add_ps(a0) + (b ? b[i] : 0.0f);
        y[i + 1] = _mm512_reduce_add_ps(a1) + (b ? b[i + 1] : 0.0f);
        y[i + 2] = _mm512_reduce_add_ps(a2) + (b ? b[i + 2] : 0.0f);
        y[i + 3] = _mm512_reduce_add_ps(a3) + (b ? b[i + 3] : 0.0f);
    }
    for (; i < rows; i++) {
        __m512 a0 = _mm512_setzero_ps();
        for (size_t j = 0; j < cols; j += 16)
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w + i * cols + j), _mm512_loadu_ps(x + j), a0);
        y[i] = _mm512_reduce_add_ps(a0) + (b ? b[i] : 0.0f);
    }
}

__attribute__((target("avx512f"))) static void
exp_bias_scale_acc_512(float *z, const float *b, size_t n, float shift, float scale, float *acc)
{
    const __m512 sh = _mm512_set1_ps(shift), sc = _mm512_set1_ps(scale);
    for (size_t j = 0; j < n; j += 16) {
        __mmask16 mk = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1);
        __m512 a =
            _mm512_add_ps(_mm512_maskz_loadu_ps(mk, z + j), _mm512_maskz_loadu_ps(mk, b + j));
        __m512 e = _mm512_mul_ps(exp16(_mm512_sub_ps(a, sh)), sc);
        _mm512_mask_storeu_ps(z + j, mk, e);
        _mm512_mask_storeu_ps(acc + j, mk, _mm512_add_ps(_mm512_maskz_loadu_ps(mk, acc + j), e));
    }
}

/* exp_core on 16 lanes with the same operations in the same order (separate
 * multiplies and adds, as the scalar code compiles under ISO C's
 * fp-contract=off), so the GRU gates below equal the scalar loops bit for bit. */
__attribute__((target("avx512f"), always_inline)) static inline __m512 exp_core16(__m512 x)
{
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.0f));
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), shifter);
    __m512i ki = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000));
    __m512 k = _mm512_sub_ps(t, shifter);
    __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(k, _mm512_set1_ps(0.693145751953125f)));
    r = _mm512_sub_ps(r, _mm512_mul_ps(k, _mm512_set1_ps(1.428606765330187045e-06f)));
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(0.5f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(ki, _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}

/* x = 1 / (1 + exp(-x)) in place. */
__attribute__((target("avx512f"))) static void sigmoid_512(float *x, size_t n)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    for (size_t j = 0; j < n; j += 16) {
        __mmask16 mk = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(mk, x + j);
        __m512 neg = _mm512_castsi512_ps(
            _mm512_xor_si512(_mm512_castps_si512(v), _mm512_set1_epi32((int)0x80000000u)));
        __m512 e = exp_core16(neg);
        _mm512_mask_storeu_ps(x + j, mk, _mm512_div_ps(one, _mm512_add_ps(one, e)));
    }
}

/* x = 1 - 2 / (exp(2x) + 1) in place. */
__attribute__((target("avx512f"))) static void tanh_512(float *x, size_t n)
{
    const __m512 one = _mm512_set1_ps(1.0f), two = _mm512_set1_ps(2.0f);
    for (size_t j = 0; j < n; j += 16) {
        __mmask16 mk = n - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (n - j)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(mk, x + j);
        __m512 e = exp_core16(_mm512_mul_ps(two, v));
        _mm512_mask_storeu_ps(x + j, mk,
                              _mm512_sub_ps(one, _mm512_div_ps(two, _mm512_add_ps(e, one))));
    }
}

/* The GRU cell of one row (see orl_vec_gru_cell) in 16-lane segments with
 * the scalar code's operations in order. */
__attribute__((target("avx512f"))) static void gru_cell_512(float *h_next, float *g, float *hn,
                                                            float *gi, const float *wk,
                                                            const float *h_prev, const float *b_ih,
                                                            const float *b_hh, size_t H)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    for (size_t j = 0; j < 3 * H; j += 16) {
        __mmask16 mk = 3 * H - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (3 * H - j)) - 1);
        _mm512_mask_storeu_ps(
            gi + j, mk,
            _mm512_add_ps(_mm512_maskz_loadu_ps(mk, gi + j), _mm512_maskz_loadu_ps(mk, b_ih + j)));
    }
    for (size_t j = 0; j < 2 * H; j += 16) {
        __mmask16 mk = 2 * H - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (2 * H - j)) - 1);
        __m512 v = _mm512_add_ps(
            _mm512_add_ps(_mm512_maskz_loadu_ps(mk, gi + j), _mm512_maskz_loadu_ps(mk, wk + j)),
            _mm512_maskz_loadu_ps(mk, b_hh + j));
        _mm512_mask_storeu_ps(g + j, mk, v);
    }
    sigmoid_512(g, 2 * H);
    for (size_t j = 0; j < H; j += 16) {
        __mmask16 mk = H - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (H - j)) - 1);
        __m512 h = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, wk + 2 * H + j),
                                 _mm512_maskz_loadu_ps(mk, b_hh + 2 * H + j));
        _mm512_mask_storeu_ps(hn + j, mk, h);
        __m512 n = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, gi + 2 * H + j),
                                 _mm512_mul_ps(_mm512_maskz_loadu_ps(mk, g + j), h));
        _mm512_mask_storeu_ps(g + 2 * H + j, mk, n);
    }
    tanh_512(g + 2 * H, H);
    for (size_t j = 0; j < H; j += 16) {
        __mmask16 mk = H - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (H - j)) - 1);
        __m512 z = _mm512_maskz_loadu_ps(mk, g + H + j),
               n = _mm512_maskz_loadu_ps(mk, g + 2 * H + j);
        __m512 a = _mm512_mul_ps(_mm512_sub_ps(one, z), n);
        __m512 b = _mm512_mul_ps(z, _mm512_maskz_loadu_ps(mk, h_prev + j));
        _mm512_mask_storeu_ps(h_next + j, mk, _mm512_add_ps(a, b));
    }
}

/* The GRU backward of one row and step (see orl_vec_gru_cell_backward). */
__attribute__((target("avx512f"))) static void gru_cell_backward_512(float *dgi, float *dgh,
                                                                     float *dh, const float *g,
                                                                     const float *hn,
                                                                     const float *hp, size_t H)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    for (size_t j = 0; j < H; j += 16) {
        __mmask16 mk = H - j >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (H - j)) - 1);
        __m512 r = _mm512_maskz_loadu_ps(mk, g + j), z = _mm512_maskz_loadu_ps(mk, g + H + j);
        __m512 n = _mm512_maskz_loadu_ps(mk, g + 2 * H + j);
        __m512 dhv = _mm512_maskz_loadu_ps(mk, dh + j);
        __m512 dn = _mm512_mul_ps(_mm512_mul_ps(dhv, _mm512_sub_ps(one, z)),
                                  _mm512_sub_ps(one, _mm512_mul_ps(n, n)));
        __m512 dz = _mm512_mul_ps(
            _mm512_mul_ps(_mm512_mul_ps(dhv, _mm512_sub_ps(_mm512_maskz_loadu_ps(mk, hp + j), n)),
                          z),
            _mm512_sub_ps(one, z));
        __m512 dr =
            _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(dn, _mm512_maskz_loadu_ps(mk, hn + j)), r),
                          _mm512_sub_ps(one, r));
        _mm512_mask_storeu_ps(dgi + j, mk, dr);
        _mm512_mask_storeu_ps(dgi + H + j, mk, dz);
        _mm512_mask_storeu_ps(dgi + 2 * H + j, mk, dn);
        _mm512_mask_storeu_ps(dgh + j, mk, dr);
        _mm512_mask_storeu_ps(dgh + H + j, mk, dz);
        _mm512_mask_storeu_ps(dgh + 2 * H + j, mk, _mm512_mul_ps(dn, r));
        _mm512_mask_storeu_ps(dh + j, mk, _mm512_mul_ps(dhv, z));
    }
}

static int have_avx512(void)
{
    return orl_cpu_has_avx512f();
}
#endif

enum { LANES = 8 };

ORL_CLONES static float orl_vec_max_bias_clones(const float *z, const float *b, size_t n)
{
#ifdef ORL_VMATH_AVX512
    if (b && have_avx512()) return max_bias_512(z, b, n);
#endif
    float acc[LANES];
    for (int l = 0; l < LANES; l++) acc[l] = -INFINITY;
    size_t j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) {
            float v = z[j + l] + (b ? b[j + l] : 0.0f);
            acc[l] = v > acc[l] ? v : acc[l];
        }
    float m = -INFINITY;
    for (; j < n; j++) {
        float v = z[j] + (b ? b[j] : 0.0f);
        m = v > m ? v : m;
    }
    for (int l = 0; l < LANES; l++) m = acc[l] > m ? acc[l] : m;
    return m;
}

ORL_CLONES static float orl_vec_sumexp_bias_clones(const float *z, const float *b, size_t n,
                                                   float shift)
{
#ifdef ORL_VMATH_AVX512
    if (b && have_avx512()) return sumexp_bias_512(z, b, n, shift);
#endif
    float acc[LANES] = {0};
    size_t j = 0;
    if (b) {
        for (; j + LANES <= n; j += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += exp_core(z[j + l] + b[j + l] - shift);
    } else {
        for (; j + LANES <= n; j += LANES)
            for (int l = 0; l < LANES; l++) acc[l] += exp_core(z[j + l] - shift);
    }
    float s = 0.0f;
    for (; j < n; j++) s += exp_core(z[j] + (b ? b[j] : 0.0f) - shift);
    for (int l = 0; l < LANES; l++) s += acc[l];
    return s;
}

ORL_CLONES static void orl_vec_exp_bias_scale_clones(float *z, const float *b, size_t n,
                                                     float shift, float scale)
{
#ifdef ORL_VMATH_AVX512
    if (b && have_avx512()) {
        exp_bias_scale_512(z, b, n, shift, scale);
        return;
    }
#endif
    if (b) {
        for (size_t j = 0; j < n; j++) z[j] = exp_core(z[j] + b[j] - shift) * scale;
    } else {
        for (size_t j = 0; j < n; j++) z[j] = exp_core(z[j] - shift) * scale;
    }
}

ORL_CLONES static void orl_vec_exp_bias_scale_acc_clones(float *z, const float *b, size_t n,
                                                         float shift, float scale, float *acc)
{
#ifdef ORL_VMATH_AVX512
    if (have_avx512()) {
        exp_bias_scale_acc_512(z, b, n, shift, scale, acc);
        return;
    }
#endif
    for (size_t j = 0; j < n; j++) {
        float e = exp_core(z[j] + b[j] - shift) * scale;
        z[j] = e;
        acc[j] += e;
    }
}

ORL_CLONES static void orl_vec_add_clones(float *y, const float *x, size_t n)
{
    for (size_t j = 0; j < n; j++) y[j] += x[j];
}

ORL_CLONES static void orl_vec_sigmoid_clones(float *x, size_t n)
{
#ifdef ORL_VMATH_AVX512
    /* GCC leaves this loop scalar (the exponent bit tricks): 16 lanes by hand. */
    if (have_avx512()) {
        sigmoid_512(x, n);
        return;
    }
#endif
    for (size_t j = 0; j < n; j++) x[j] = 1.0f / (1.0f + exp_core(-x[j]));
}

ORL_CLONES static void orl_vec_tanh_clones(float *x, size_t n)
{
    /* tanh(x) = 1 - 2 / (exp(2x) + 1): exact limits at both ends. */
#ifdef ORL_VMATH_AVX512
    if (have_avx512()) {
        tanh_512(x, n);
        return;
    }
#endif
    for (size_t j = 0; j < n; j++) x[j] = 1.0f - 2.0f / (exp_core(2.0f * x[j]) + 1.0f);
}

ORL_CLONES static float orl_vec_dot_clones(const float *x, const float *y, size_t n)
{
#ifdef ORL_VMATH_AVX512
    if (n % 16 == 0 && have_avx512()) {
        float r;
        matvec_512(&r, x, y, NULL, 1, n);
        return r;
    }
#endif
    float acc[LANES] = {0};
    size_t j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) acc[l] += x[j + l] * y[j + l];
    float s = 0.0f;
    for (; j < n; j++) s += x[j] * y[j];
    for (int l = 0; l < LANES; l++) s += acc[l];
    return s;
}

ORL_CLONES static void orl_matvec_clones(float *y, const float *w, const float *x, const float *b,
                                         size_t rows, size_t cols)
{
#ifdef ORL_VMATH_AVX512
    if (cols % 16 == 0 && have_avx512()) {
        matvec_512(y, w, x, b, rows, cols);
        return;
    }
#endif
    for (size_t i = 0; i < rows; i++) {
        float s = orl_vec_dot_clones(w + i * cols, x, cols);
        y[i] = b ? s + b[i] : s;
    }
}

/* Hidden entry points over the static clones (see ORL_CLONES). */
float orl_vec_max_bias(const float *z, const float *b, size_t n)
{
    return orl_vec_max_bias_clones(z, b, n);
}

float orl_vec_sumexp_bias(const float *z, const float *b, size_t n, float shift)
{
    return orl_vec_sumexp_bias_clones(z, b, n, shift);
}

void orl_vec_exp_bias_scale(float *z, const float *b, size_t n, float shift, float scale)
{
    orl_vec_exp_bias_scale_clones(z, b, n, shift, scale);
}

void orl_vec_exp_bias_scale_acc(float *z, const float *b, size_t n, float shift, float scale,
                                float *acc)
{
    orl_vec_exp_bias_scale_acc_clones(z, b, n, shift, scale, acc);
}

void orl_vec_add(float *y, const float *x, size_t n)
{
    orl_vec_add_clones(y, x, n);
}

void orl_vec_sigmoid(float *x, size_t n)
{
    orl_vec_sigmoid_clones(x, n);
}

void orl_vec_tanh(float *x, size_t n)
{
    orl_vec_tanh_clones(x, n);
}

float orl_vec_dot(const float *x, const float *y, size_t n)
{
    return orl_vec_dot_clones(x, y, n);
}

void orl_matvec(float *y, const float *w, const float *x, const float *b, size_t rows, size_t cols)
{
    orl_matvec_clones(y, w, x, b, rows, cols);
}

int orl_vec_gru_cell(float *h_next, float *g, float *hn, float *gi, const float *wk,
                     const float *h_prev, const float *b_ih, const float *b_hh, size_t H)
{
#ifdef ORL_VMATH_AVX512
    if (have_avx512()) {
        gru_cell_512(h_next, g, hn, gi, wk, h_prev, b_ih, b_hh, H);
        return 1;
    }
#endif
    (void)h_next, (void)g, (void)hn, (void)gi, (void)wk, (void)h_prev, (void)b_ih, (void)b_hh,
        (void)H;
    return 0;
}

int orl_vec_gru_cell_backward(float *dgi, float *dgh, float *dh, const float *g, const float *hn,
                              const float *hp, size_t H)
{
#ifdef ORL_VMATH_AVX512
    if (have_avx512()) {
        gru_cell_backward_512(dgi, dgh, dh, g, hn, hp, H);
        return 1;
    }
#endif
    (void)dgi, (void)dgh, (void)dh, (void)g, (void)hn, (void)hp, (void)H;
    return 0;
}
