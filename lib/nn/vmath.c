/* Loops here must vectorise: allow reassociating the reductions and
 * if-converting the clamps (the inputs are finite by construction). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "associative-math", "no-signed-zeros", "finite-math-only")
#endif

#include "nn/vmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Not under the sanitizers: their instrumented ifunc resolvers run before
 * the runtime is initialised (ThreadSanitizer crashes at load time). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define ORL_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ORL_CLONES
#endif

/* exp by range reduction x = k ln2 + r, |r| <= ln2/2, and a degree-6
 * polynomial for e^r; 2^k is built in the exponent bits. Written so that GCC
 * vectorises it inside the loops below (no branches, no libm calls). */
static inline float exp_core(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: rounds to nearest integer */
    float t = x * 1.44269504088896341f + shifter;
    int32_t ki;
    memcpy(&ki, &t, sizeof ki);
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
    uint32_t e = ((uint32_t)ki - 0x4B400000u + 127u) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return p * s;
}

float orl_fast_expf(float x)
{
    return exp_core(x);
}

ORL_CLONES static float orl_vec_max_bias_clones(const float *z, const float *b, size_t n)
{
    float m = -INFINITY;
    if (b) {
        for (size_t j = 0; j < n; j++) {
            float v = z[j] + b[j];
            m = v > m ? v : m;
        }
    } else {
        for (size_t j = 0; j < n; j++) m = z[j] > m ? z[j] : m;
    }
    return m;
}

ORL_CLONES static float orl_vec_sumexp_bias_clones(const float *z, const float *b, size_t n,
                                                   float shift)
{
    float s = 0.0f;
    if (b) {
        for (size_t j = 0; j < n; j++) s += exp_core(z[j] + b[j] - shift);
    } else {
        for (size_t j = 0; j < n; j++) s += exp_core(z[j] - shift);
    }
    return s;
}

ORL_CLONES static void orl_vec_exp_bias_scale_clones(float *z, const float *b, size_t n,
                                                     float shift, float scale)
{
    if (b) {
        for (size_t j = 0; j < n; j++) z[j] = exp_core(z[j] + b[j] - shift) * scale;
    } else {
        for (size_t j = 0; j < n; j++) z[j] = exp_core(z[j] - shift) * scale;
    }
}

ORL_CLONES static void orl_vec_add_clones(float *y, const float *x, size_t n)
{
    for (size_t j = 0; j < n; j++) y[j] += x[j];
}

ORL_CLONES static void orl_vec_sigmoid_clones(float *x, size_t n)
{
    for (size_t j = 0; j < n; j++) x[j] = 1.0f / (1.0f + exp_core(-x[j]));
}

ORL_CLONES static void orl_vec_tanh_clones(float *x, size_t n)
{
    /* tanh(x) = 1 - 2 / (exp(2x) + 1): exact limits at both ends. */
    for (size_t j = 0; j < n; j++) x[j] = 1.0f - 2.0f / (exp_core(2.0f * x[j]) + 1.0f);
}

ORL_CLONES static float orl_vec_dot_clones(const float *x, const float *y, size_t n)
{
    float s = 0.0f;
    for (size_t j = 0; j < n; j++) s += x[j] * y[j];
    return s;
}

ORL_CLONES static void orl_matvec_clones(float *y, const float *w, const float *x, const float *b,
                                         size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        const float *wi = w + i * cols;
        float s = 0.0f;
        for (size_t j = 0; j < cols; j++) s += wi[j] * x[j];
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
