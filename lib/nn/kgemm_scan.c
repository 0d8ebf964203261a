#include "nn/kgemm_scan.h"

#include <math.h>

#include "nn/kgemm.h"

/* work: xt [hidden x 64] (x transposed, zero-padded), bar [64] (+inf padded),
 * row [64], chunk [ORL_KSCAN_CHUNK x 64] for the portable path. */
size_t orl_kgemm_scan_work_floats(int hidden)
{
    return (size_t)hidden * ORL_KSCAN_MAX_N + 2 * ORL_KSCAN_MAX_N +
           (size_t)ORL_KSCAN_CHUNK * ORL_KSCAN_MAX_N;
}

typedef struct scan_args {
    int n_items, hidden, n, np;
    const float *w, *b, *xt, *bar;
    float *bar_pad, *row;
    orl_kscan_fn fn;
    void *ctx;
} scan_args;

/* After fn: the bars may have risen. */
static void refresh_bar(const scan_args *a)
{
    for (int r = 0; r < a->n; r++) a->bar_pad[r] = a->bar[r];
}

static void scan_portable(const scan_args *a, float *chunk)
{
    const int H = a->hidden, np = a->np;
    for (int i0 = 0; i0 < a->n_items; i0 += ORL_KSCAN_CHUNK) {
        int m = a->n_items - i0 < ORL_KSCAN_CHUNK ? a->n_items - i0 : ORL_KSCAN_CHUNK;
        orl_kgemm(m, np, H, a->w + (size_t)i0 * H, H, 1, a->xt, np, chunk, np, 0);
        for (int i = 0; i < m; i++) {
            float *row = chunk + (size_t)i * np;
            const float bi = a->b[i0 + i];
            int any = 0;
            for (int r = 0; r < a->n; r++) {
                row[r] += bi;
                any |= !(row[r] <= a->bar_pad[r]);
            }
            if (any) {
                a->fn(a->ctx, (int32_t)(i0 + i), row);
                refresh_bar(a);
            }
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ORL_KSCAN_X86 1

#define KS_TARGET __attribute__((target("avx512f"), always_inline)) static inline

/* R items (<= 6) from item i x NV vectors of 16 inputs (<= 4), in registers;
 * then bias, compare and (rarely) fn, item by item. */
KS_TARGET void tile(int R, int NV, const scan_args *a, int i)
{
    const int H = a->hidden, np = a->np;
    const float *w = a->w + (size_t)i * H;
    __m512 acc[6][4];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < NV; v++) acc[r][v] = _mm512_setzero_ps();
    for (int p = 0; p < H; p++) {
        const float *xp = a->xt + (size_t)p * np;
        __m512 xv[4];
        for (int v = 0; v < NV; v++) xv[v] = _mm512_loadu_ps(xp + 16 * v);
        for (int r = 0; r < R; r++) {
            __m512 s = _mm512_set1_ps(w[(size_t)r * H + p]);
            for (int v = 0; v < NV; v++) acc[r][v] = _mm512_fmadd_ps(s, xv[v], acc[r][v]);
        }
    }
    for (int r = 0; r < R; r++) {
        const __m512 bi = _mm512_set1_ps(a->b[i + r]);
        __mmask16 any = 0;
        for (int v = 0; v < NV; v++) {
            acc[r][v] = _mm512_add_ps(acc[r][v], bi);
            any |= _mm512_cmp_ps_mask(acc[r][v], _mm512_loadu_ps(a->bar_pad + 16 * v), _CMP_NLE_UQ);
        }
        if (!any) continue;
        for (int v = 0; v < NV; v++) _mm512_storeu_ps(a->row + 16 * v, acc[r][v]);
        a->fn(a->ctx, (int32_t)(i + r), a->row);
        refresh_bar(a);
    }
}

#define KS_ROWS(NV)                                                                                \
    switch (rows) {                                                                                \
    case 6:                                                                                        \
        tile(6, NV, a, i);                                                                         \
        break;                                                                                     \
    case 5:                                                                                        \
        tile(5, NV, a, i);                                                                         \
        break;                                                                                     \
    case 4:                                                                                        \
        tile(4, NV, a, i);                                                                         \
        break;                                                                                     \
    case 3:                                                                                        \
        tile(3, NV, a, i);                                                                         \
        break;                                                                                     \
    case 2:                                                                                        \
        tile(2, NV, a, i);                                                                         \
        break;                                                                                     \
    default:                                                                                       \
        tile(1, NV, a, i);                                                                         \
        break;                                                                                     \
    }

__attribute__((target("avx512f"))) static void scan_512(const scan_args *a)
{
    const int nv = a->np / 16;
    for (int i = 0; i < a->n_items; i += 6) {
        int rows = a->n_items - i < 6 ? a->n_items - i : 6;
        switch (nv) {
        case 4:
            KS_ROWS(4) break;
        case 3:
            KS_ROWS(3) break;
        case 2:
            KS_ROWS(2) break;
        default:
            KS_ROWS(1) break;
        }
    }
}
#endif

void orl_kgemm_scan(int n_items, int hidden, const float *w, const float *b, const float *x, int n,
                    const float *bar, orl_kscan_fn fn, void *ctx, float *work)
{
    if (n_items <= 0 || n <= 0) return;
    const int np = (n + 15) & ~15;
    float *xt = work, *bar_pad = xt + (size_t)hidden * ORL_KSCAN_MAX_N;
    float *row = bar_pad + ORL_KSCAN_MAX_N, *chunk = row + ORL_KSCAN_MAX_N;
    for (int p = 0; p < hidden; p++)
        for (int r = 0; r < np; r++)
            xt[(size_t)p * np + r] = r < n ? x[(size_t)r * hidden + p] : 0.0f;
    for (int r = 0; r < np; r++) bar_pad[r] = r < n ? bar[r] : INFINITY;
    scan_args a = {n_items, hidden, n, np, w, b, xt, bar, bar_pad, row, fn, ctx};
#ifdef ORL_KSCAN_X86
    if (orl_kgemm_native()) {
        scan_512(&a);
        return;
    }
#endif
    scan_portable(&a, chunk);
}
