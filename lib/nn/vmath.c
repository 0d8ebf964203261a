/* Loops here must vectorise: allow if-converting the clamps (the inputs are
 * finite by construction). No reassociation: it would fold exp's range
 * reduction; the reductions keep 8 explicit lanes instead. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "no-signed-zeros", "finite-math-only", "no-math-errno")
#endif

#include "nn/vmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
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
    int32_t e = (ki + 127) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return p * s;
}

float orl_fast_expf(float x)
{
    return exp_core(x);
}

enum { LANES = 8 };

ORL_CLONES float orl_vec_max_bias(const float *z, const float *b, size_t n)
{
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

ORL_CLONES float orl_vec_sumexp_bias(const float *z, const float *b, size_t n, float shift)
{
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

ORL_CLONES void orl_vec_exp_bias_scale(float *z, const float *b, size_t n, float shift, float scale)
{
    if (b) {
        for (size_t j = 0; j < n; j++) z[j] = exp_core(z[j] + b[j] - shift) * scale;
    } else {
        for (size_t j = 0; j < n; j++) z[j] = exp_core(z[j] - shift) * scale;
    }
}

ORL_CLONES void orl_vec_add(float *y, const float *x, size_t n)
{
    for (size_t j = 0; j < n; j++) y[j] += x[j];
}

ORL_CLONES void orl_vec_sigmoid(float *x, size_t n)
{
    for (size_t j = 0; j < n; j++) x[j] = 1.0f / (1.0f + exp_core(-x[j]));
}

ORL_CLONES void orl_vec_tanh(float *x, size_t n)
{
    /* tanh(x) = 1 - 2 / (exp(2x) + 1): exact limits at both ends. */
    for (size_t j = 0; j < n; j++) x[j] = 1.0f - 2.0f / (exp_core(2.0f * x[j]) + 1.0f);
}

ORL_CLONES float orl_vec_dot(const float *x, const float *y, size_t n)
{
    float acc[LANES] = {0};
    size_t j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) acc[l] += x[j + l] * y[j + l];
    float s = 0.0f;
    for (; j < n; j++) s += x[j] * y[j];
    for (int l = 0; l < LANES; l++) s += acc[l];
    return s;
}

ORL_CLONES void orl_matvec(float *y, const float *w, const float *x, const float *b, size_t rows,
                           size_t cols)
{
    for (size_t i = 0; i < rows; i++) {
        float s = orl_vec_dot(w + i * cols, x, cols);
        y[i] = b ? s + b[i] : s;
    }
}
