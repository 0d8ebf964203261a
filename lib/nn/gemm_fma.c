/* Sequential-FMA products for a block of inputs (see the header). */
#include "nn/gemm_fma.h"

#include <math.h>

#include "core/clones.h"
#include "core/cpu.h"

float orl_dot_fma(const float *w, const float *x, size_t cols, float b)
{
    float acc = 0.0f;
    for (size_t p = 0; p < cols; p++) acc = fmaf(w[p], x[p], acc);
    return acc + b;
}

ORL_CLONES void orl_gemm_fma_t_portable(float *out, size_t ldo, const float *w, const float *b,
                                        size_t rows, size_t cols, const float *xt, size_t np)
{
    float acc[64];
    for (size_t i = 0; i < rows; i++) {
        for (size_t r = 0; r < np; r++) acc[r] = 0.0f;
        for (size_t p = 0; p < cols; p++) {
            const float wv = w[i * cols + p], *xp = xt + p * np;
            for (size_t r = 0; r < np; r++) acc[r] = fmaf(wv, xp[r], acc[r]);
        }
        const float bi = b ? b[i] : 0.0f;
        for (size_t r = 0; r < np; r++) out[i * ldo + r] = b ? acc[r] + bi : acc[r];
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* R rows x NV vectors of 16 inputs: R * NV accumulators (24 at most) in
 * registers, the inputs' column p loaded once per R rows. */
__attribute__((target("avx512f"), always_inline)) static inline void
tile(int R, int NV, float *out, size_t ldo, const float *w, const float *b, size_t cols,
     const float *xt, size_t np)
{
    __m512 acc[6][4];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (size_t p = 0; p < cols; p++) {
        __m512 x[4];
        for (int v = 0; v < NV; v++) x[v] = _mm512_loadu_ps(xt + p * np + 16 * (size_t)v);
        for (int r = 0; r < R; r++) {
            const __m512 wr = _mm512_set1_ps(w[(size_t)r * cols + p]);
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(wr, x[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) {
            __m512 y = b ? _mm512_add_ps(acc[r][v], _mm512_set1_ps(b[r])) : acc[r][v];
            _mm512_storeu_ps(out + (size_t)r * ldo + 16 * (size_t)v, y);
        }
}

#define GF_NV(R)                                                                                   \
    switch (nv) {                                                                                  \
    case 4:                                                                                        \
        tile(R, 4, o, ldo, wi, bi, cols, xt, np);                                                  \
        break;                                                                                     \
    case 3:                                                                                        \
        tile(R, 3, o, ldo, wi, bi, cols, xt, np);                                                  \
        break;                                                                                     \
    case 2:                                                                                        \
        tile(R, 2, o, ldo, wi, bi, cols, xt, np);                                                  \
        break;                                                                                     \
    default:                                                                                       \
        tile(R, 1, o, ldo, wi, bi, cols, xt, np);                                                  \
        break;                                                                                     \
    }

__attribute__((target("avx512f"), always_inline)) static inline void
gemm_cols(float *out, size_t ldo, const float *w, const float *b, size_t rows, size_t cols,
          const float *xt, size_t np)
{
    const int nv = (int)(np / 16);
    size_t i = 0;
    for (; i + 6 <= rows; i += 6) {
        float *o = out + i * ldo;
        const float *wi = w + i * cols, *bi = b ? b + i : NULL;
        GF_NV(6)
    }
    for (; i < rows; i++) {
        float *o = out + i * ldo;
        const float *wi = w + i * cols, *bi = b ? b + i : NULL;
        GF_NV(1)
    }
}

/* The state width of the reference shapes (64) unrolls completely. */
__attribute__((target("avx512f"))) static void gemm_512(float *out, size_t ldo, const float *w,
                                                        const float *b, size_t rows, size_t cols,
                                                        const float *xt, size_t np)
{
    if (cols == 64)
        gemm_cols(out, ldo, w, b, rows, 64, xt, np);
    else
        gemm_cols(out, ldo, w, b, rows, cols, xt, np);
}
#endif

void orl_gemm_fma_t(float *out, size_t ldo, const float *w, const float *b, size_t rows,
                    size_t cols, const float *xt, size_t np)
{
    if (rows == 0 || np == 0) return;
#if defined(__x86_64__) && defined(__GNUC__)
    if (np % 16 == 0 && np <= 64 && orl_cpu_has_avx512f()) {
        gemm_512(out, ldo, w, b, rows, cols, xt, np);
        return;
    }
#endif
    orl_gemm_fma_t_portable(out, ldo, w, b, rows, cols, xt, np);
}
