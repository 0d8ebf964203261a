#include "nn/kgemm.h"

#include "core/cpu.h"

#include <string.h>

#include "core/blas.h"

static int use_blas(int m, int n, int k, const float *a, int a_rs, int a_ps, const float *b,
                    int ldb, float *c, int ldc, int accumulate)
{
    /* A(r, p) with a_ps == 1 is row-major [M x K] (lda a_rs); with a_rs == 1
     * it is A^T row-major [K x M] (lda a_ps). */
    if (a_ps == 1)
        orl_sgemm(0, 0, m, n, k, 1.0f, a, a_rs, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
    else
        orl_sgemm(1, 0, m, n, k, 1.0f, a, a_ps, b, ldb, accumulate ? 1.0f : 0.0f, c, ldc);
    return 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define ORL_KGEMM_X86 1

#include <immintrin.h>

#include "nn/transpose16.h"

#define KG_TARGET __attribute__((target("avx512f"), always_inline)) static inline

/* One block: R rows (<= 6) x NV vectors of 16 columns (<= 4). R and NV are
 * compile-time constants at every call site, so acc[][] lives in registers. */
KG_TARGET void block(int R, int NV, int k, const float *a, int a_rs, int a_ps, const float *b,
                     int ldb, float *c, int ldc, int accumulate)
{
    __m512 acc[6][4];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * ldb;
        __m512 bv[4];
        for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(bp + 16 * v);
        const float *ap = a + (size_t)p * a_ps;
        for (int r = 0; r < R; r++) {
            __m512 s = _mm512_set1_ps(ap[(size_t)r * a_rs]);
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(s, bv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++) {
        float *cr = c + (size_t)r * ldc;
        for (int v = 0; v < NV; v++) {
            __m512 x = acc[r][v];
            if (accumulate) x = _mm512_add_ps(x, _mm512_loadu_ps(cr + 16 * v));
            _mm512_storeu_ps(cr + 16 * v, x);
        }
    }
}

#define KG_ROWS(NV)                                                                                \
    switch (rows) {                                                                                \
    case 6:                                                                                        \
        block(6, NV, k, ar, a_rs, a_ps, bc, ldb, cc, ldc, accumulate);                             \
        break;                                                                                     \
    case 5:                                                                                        \
        block(5, NV, k, ar, a_rs, a_ps, bc, ldb, cc, ldc, accumulate);                             \
        break;                                                                                     \
    case 4:                                                                                        \
        block(4, NV, k, ar, a_rs, a_ps, bc, ldb, cc, ldc, accumulate);                             \
        break;                                                                                     \
    case 3:                                                                                        \
        block(3, NV, k, ar, a_rs, a_ps, bc, ldb, cc, ldc, accumulate);                             \
        break;                                                                                     \
    case 2:                                                                                        \
        block(2, NV, k, ar, a_rs, a_ps, bc, ldb, cc, ldc, accumulate);                             \
        break;                                                                                     \
    default:                                                                                       \
        block(1, NV, k, ar, a_rs, a_ps, bc, ldb, cc, ldc, accumulate);                             \
        break;                                                                                     \
    }

__attribute__((target("avx512f"))) static void kgemm_avx512(int m, int n, int k, const float *a,
                                                            int a_rs, int a_ps, const float *b,
                                                            int ldb, float *c, int ldc,
                                                            int accumulate)
{
    /* Column panels of 64 outside, so a K x 64 panel of B stays in L1/L2
     * while every row block of A streams past it. */
    for (int j = 0; j < n; j += 64) {
        int nv = (n - j) >= 64 ? 4 : (n - j) / 16;
        const float *bc = b + j;
        for (int i = 0; i < m; i += 6) {
            int rows = m - i < 6 ? m - i : 6;
            const float *ar = a + (size_t)i * a_rs;
            float *cc = c + (size_t)i * ldc + j;
            switch (nv) {
            case 4:
                KG_ROWS(4) break;
            case 3:
                KG_ROWS(3) break;
            case 2:
                KG_ROWS(2) break;
            default:
                KG_ROWS(1) break;
            }
        }
    }
}
__attribute__((target("avx512f"))) static void pack_t_avx512(float *dst, int ld, const float *w,
                                                             int nt, int k)
{
    for (int i0 = 0; i0 < ld; i0 += 16) {
        const int nr = nt - i0 >= 16 ? 16 : (nt - i0 > 0 ? nt - i0 : 0);
        for (int k0 = 0; k0 < k; k0 += 16) {
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] =
                    i < nr ? _mm512_loadu_ps(w + (size_t)(i0 + i) * k + k0) : _mm512_setzero_ps();
            orl_transpose16(r);
            for (int c = 0; c < 16; c++) _mm512_storeu_ps(dst + (size_t)(k0 + c) * ld + i0, r[c]);
        }
    }
}
#endif

static int forced_blas = 0;

void orl_kgemm_force_blas(int on)
{
    __atomic_store_n(&forced_blas, on ? 1 : 0, __ATOMIC_RELAXED);
}

int orl_kgemm_native(void)
{
    if (__atomic_load_n(&forced_blas, __ATOMIC_RELAXED)) return 0;
#ifdef ORL_KGEMM_X86
    return orl_cpu_has_avx512f();
#else
    return 0;
#endif
}

void orl_kgemm(int m, int n, int k, const float *a, int a_rs, int a_ps, const float *b, int ldb,
               float *c, int ldc, int accumulate)
{
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        if (!accumulate)
            for (int i = 0; i < m; i++) memset(c + (size_t)i * ldc, 0, sizeof(float) * (size_t)n);
        return;
    }
#ifdef ORL_KGEMM_X86
    if (n % 16 == 0 && orl_kgemm_native()) {
        kgemm_avx512(m, n, k, a, a_rs, a_ps, b, ldb, c, ldc, accumulate);
        return;
    }
#endif
    use_blas(m, n, k, a, a_rs, a_ps, b, ldb, c, ldc, accumulate);
}

void orl_kgemm_pack_t(float *dst, int ld, const float *w, int nt, int k)
{
#ifdef ORL_KGEMM_X86
    if (k % 16 == 0 && ld % 16 == 0 && orl_kgemm_native()) {
        pack_t_avx512(dst, ld, w, nt, k);
        return;
    }
#endif
    for (int p = 0; p < k; p++) {
        float *row = dst + (size_t)p * ld;
        for (int i = 0; i < nt; i++) row[i] = w[(size_t)i * k + p];
        for (int i = nt; i < ld; i++) row[i] = 0.0f;
    }
}
