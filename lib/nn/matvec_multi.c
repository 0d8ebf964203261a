#include "nn/matvec_multi.h"

#include <stdint.h>

#include "core/cpu.h"
#include "nn/vmath.h"

size_t orl_matvec_multi_xt_floats(size_t cols)
{
    return cols * ORL_MATVEC_MULTI_MAX_N;
}

size_t orl_matvec_multi_work_floats(size_t rows, size_t cols)
{
    return rows * ORL_MATVEC_MULTI_MAX_N + orl_matvec_multi_xt_floats(cols);
}

/* One output at a time through orl_matvec itself (rows are independent there). */
static void multi_portable(float *out, size_t ldo, const float *w, const float *b, size_t rows,
                           size_t cols, const float *x, int n)
{
    for (size_t i = 0; i < rows; i++)
        for (int r = 0; r < n; r++)
            orl_matvec(out + i * ldo + (size_t)r, w + i * cols, x + (size_t)r * cols,
                       b ? b + i : NULL, 1, cols);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ORL_MM_X86 1

#include "nn/transpose16.h"

#define MM_TARGET __attribute__((target("avx512f"), always_inline)) static inline

/* Scan mode of the tiles (orl_matvec_multi_scan): scores go to fn instead of out. */
typedef struct mm_scan {
    const float *bar; /* np entries, +inf past n */
    orl_matvec_scan_fn fn;
    void *ctx;
    float *row; /* 64 floats */
} mm_scan;

/* Rows i .. i + R - 1 (R <= 3) x NV vectors of 16 inputs (NV <= 4). The 16
 * lanes of orl_matvec's accumulator are computed in pairs (l, l + 8), each
 * lane in registers as orl_kgemm's tiles (acc = 0, acc = fma(w[p], x[p], acc)
 * for p = l, l + 16, ...), and the pair summed at once: s_l = l_l + l_{l+8},
 * the first level of _mm512_reduce_add_ps's tree, kept in buf; then the rest
 * of the tree, t_j = s_j + s_{j+4}, e_q = t_q + t_{q+2}, e_0 + e_1, and the
 * bias. */
MM_TARGET void tile(int R, int NV, float *out, size_t ldo, const float *w, const float *b,
                    size_t cols, const float *xt, size_t np, int n, __m512 *buf, const mm_scan *sc,
                    size_t i0)
{
    for (size_t l = 0; l < 8; l++) {
        __m512 acc[3][4], acd[3][4];
        for (int r = 0; r < R; r++)
            for (int v = 0; v < NV; v++) acc[r][v] = acd[r][v] = _mm512_setzero_ps();
        for (size_t p = l; p < cols; p += 16) {
            __m512 xa[4], xb[4];
            for (int v = 0; v < NV; v++) {
                xa[v] = _mm512_loadu_ps(xt + p * np + 16 * (size_t)v);
                xb[v] = _mm512_loadu_ps(xt + (p + 8) * np + 16 * (size_t)v);
            }
            for (int r = 0; r < R; r++) {
                const __m512 sa = _mm512_set1_ps(w[(size_t)r * cols + p]);
                const __m512 sb = _mm512_set1_ps(w[(size_t)r * cols + p + 8]);
                for (int v = 0; v < NV; v++) {
                    acc[r][v] = _mm512_fmadd_ps(sa, xa[v], acc[r][v]);
                    acd[r][v] = _mm512_fmadd_ps(sb, xb[v], acd[r][v]);
                }
            }
        }
        for (int r = 0; r < R; r++)
            for (int v = 0; v < NV; v++)
                buf[(l * 3 + (size_t)r) * 4 + (size_t)v] = _mm512_add_ps(acc[r][v], acd[r][v]);
    }
    for (int r = 0; r < R; r++) {
        const __m512 bi = _mm512_set1_ps(b ? b[r] : 0.0f);
        __m512 ys[4];
        __mmask16 any = 0;
        for (int v = 0; v < NV; v++) {
#define MM_S(j) buf[((j)*3 + (size_t)r) * 4 + (size_t)v]
            __m512 t[4];
            for (int j = 0; j < 4; j++) t[j] = _mm512_add_ps(MM_S(j), MM_S(j + 4));
#undef MM_S
            __m512 e0 = _mm512_add_ps(t[0], t[2]), e1 = _mm512_add_ps(t[1], t[3]);
            __m512 y = _mm512_add_ps(_mm512_add_ps(e0, e1), bi);
            if (sc) {
                /* "Beats" is !(y <= bar): a NaN always reaches fn. */
                ys[v] = y;
                any |= _mm512_cmp_ps_mask(y, _mm512_loadu_ps(sc->bar + 16 * v), _CMP_NLE_UQ);
                continue;
            }
            int left = n - 16 * v;
            __mmask16 mk = left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
            _mm512_mask_storeu_ps(out + (size_t)r * ldo + 16 * (size_t)v, mk, y);
        }
        if (!sc || !any) continue;
        for (int v = 0; v < NV; v++) _mm512_storeu_ps(sc->row + 16 * v, ys[v]);
        sc->fn(sc->ctx, (int32_t)(i0 + (size_t)r), sc->row);
    }
}

#define MM_NV(R)                                                                                   \
    switch (nv) {                                                                                  \
    case 4:                                                                                        \
        tile(R, 4, o, ldo, wi, bi, cols, xt, np, n, buf, sc, i);                                   \
        break;                                                                                     \
    case 3:                                                                                        \
        tile(R, 3, o, ldo, wi, bi, cols, xt, np, n, buf, sc, i);                                   \
        break;                                                                                     \
    case 2:                                                                                        \
        tile(R, 2, o, ldo, wi, bi, cols, xt, np, n, buf, sc, i);                                   \
        break;                                                                                     \
    default:                                                                                       \
        tile(R, 1, o, ldo, wi, bi, cols, xt, np, n, buf, sc, i);                                   \
        break;                                                                                     \
    }

MM_TARGET void multi_cols(float *out, size_t ldo, const float *w, const float *b, size_t rows,
                          size_t cols, const float *xt, int n, const mm_scan *sc)
{
    const size_t np = ((size_t)n + 15) & ~(size_t)15;
    const int nv = (int)(np / 16);
    __m512 buf[8 * 3 * 4];
    size_t i = 0;
    for (; i + 3 <= rows; i += 3) {
        float *o = out ? out + i * ldo : NULL;
        const float *wi = w + i * cols, *bi = b ? b + i : NULL;
        MM_NV(3)
    }
    for (; i < rows; i++) {
        float *o = out ? out + i * ldo : NULL;
        const float *wi = w + i * cols, *bi = b ? b + i : NULL;
        MM_NV(1)
    }
}

/* The state width of the reference shapes (64) unrolls completely. */
__attribute__((target("avx512f"))) static void multi_512(float *out, size_t ldo, const float *w,
                                                         const float *b, size_t rows, size_t cols,
                                                         const float *xt, int n, const mm_scan *sc)
{
    if (cols == 64)
        multi_cols(out, ldo, w, b, rows, 64, xt, n, sc);
    else
        multi_cols(out, ldo, w, b, rows, cols, xt, n, sc);
}

/* dst[c * ldd + r] = src[r * lds + c] for r < nr (<= 16), c < 16; rows of
 * src past nr read as zero. */
__attribute__((target("avx512f"))) static void block_t(float *dst, size_t ldd, const float *src,
                                                       size_t lds, size_t nr, size_t nstore)
{
    __m512 v[16];
    for (size_t r = 0; r < 16; r++)
        v[r] = r < nr ? _mm512_loadu_ps(src + r * lds) : _mm512_setzero_ps();
    orl_transpose16(v);
    for (size_t c = 0; c < nstore; c++) _mm512_storeu_ps(dst + c * ldd, v[c]);
}

static int fast_t(size_t a, size_t b)
{
    return a % 16 == 0 && b % 16 == 0 && orl_cpu_has_avx512f();
}
#endif

void orl_matvec_multi_t(float *out, size_t ldo, const float *w, const float *b, size_t rows,
                        size_t cols, const float *x, const float *xt, int n)
{
    if (rows == 0 || n <= 0) return;
#ifdef ORL_MM_X86
    if (cols % 16 == 0 && cols > 0 && orl_cpu_has_avx512f()) {
        multi_512(out, ldo, w, b, rows, cols, xt, n, NULL);
        return;
    }
#endif
    multi_portable(out, ldo, w, b, rows, cols, x, n);
}

void orl_matvec_multi_prep(float *xt, const float *x, int n, size_t cols)
{
    const size_t np = ((size_t)n + 15) & ~(size_t)15;
#ifdef ORL_MM_X86
    if (fast_t(cols, 16)) {
        /* 16 inputs x 16 columns at a time; inputs past n are zero. */
        for (size_t r0 = 0; r0 < np; r0 += 16)
            for (size_t p0 = 0; p0 < cols; p0 += 16)
                block_t(xt + p0 * np + r0, np, x + r0 * cols + p0, cols,
                        (size_t)n - r0 < 16 ? (size_t)n - r0 : 16, 16);
        return;
    }
#endif
    for (size_t p = 0; p < cols; p++)
        for (size_t r = 0; r < np; r++) xt[p * np + r] = r < (size_t)n ? x[r * cols + p] : 0.0f;
}

void orl_matvec_multi(float *y, const float *w, const float *b, size_t rows, size_t cols,
                      const float *x, int n, float *work)
{
    if (rows == 0 || n <= 0) return;
    float *t = work, *xt = work + rows * ORL_MATVEC_MULTI_MAX_N;
    orl_matvec_multi_prep(xt, x, n, cols);
    const size_t np = ((size_t)n + 15) & ~(size_t)15;
    orl_matvec_multi_t(t, np, w, b, rows, cols, x, xt, n);
#ifdef ORL_MM_X86
    if (fast_t(rows, 16)) {
        for (size_t i0 = 0; i0 < rows; i0 += 16)
            for (size_t r0 = 0; r0 < (size_t)n; r0 += 16)
                block_t(y + r0 * rows + i0, rows, t + i0 * np + r0, np, 16,
                        (size_t)n - r0 < 16 ? (size_t)n - r0 : 16);
        return;
    }
#endif
    for (size_t i = 0; i < rows; i++)
        for (int r = 0; r < n; r++) y[(size_t)r * rows + i] = t[i * np + (size_t)r];
}

size_t orl_matvec_multi_scan_work_floats(void)
{
    return (size_t)ORL_MATVEC_SCAN_CHUNK * ORL_MATVEC_MULTI_MAX_N + ORL_MATVEC_MULTI_MAX_N;
}

void orl_matvec_multi_scan(const float *w, const float *b, size_t rows, size_t cols, const float *x,
                           const float *xt, int n, const float *bar, orl_matvec_scan_fn fn,
                           void *ctx, float *work)
{
    if (rows == 0 || n <= 0) return;
    const size_t np = ((size_t)n + 15) & ~(size_t)15;
#ifdef ORL_MM_X86
    if (cols % 16 == 0 && cols > 0 && orl_cpu_has_avx512f()) {
        mm_scan sc = {bar, fn, ctx, work};
        multi_512(NULL, 0, w, b, rows, cols, xt, n, &sc);
        return;
    }
#endif
    /* A chunk of scores at a time, then the same test per row. */
    float *chunk = work + ORL_MATVEC_MULTI_MAX_N;
    for (size_t i0 = 0; i0 < rows; i0 += ORL_MATVEC_SCAN_CHUNK) {
        size_t m = rows - i0 < ORL_MATVEC_SCAN_CHUNK ? rows - i0 : ORL_MATVEC_SCAN_CHUNK;
        orl_matvec_multi_t(chunk, np, w + i0 * cols, b ? b + i0 : NULL, m, cols, x, xt, n);
        for (size_t i = 0; i < m; i++) {
            const float *row = chunk + i * np;
            int any = 0;
            for (int r = 0; r < n; r++) any |= !(row[r] <= bar[r]);
            if (any) fn(ctx, (int32_t)(i0 + i), row);
        }
    }
}
