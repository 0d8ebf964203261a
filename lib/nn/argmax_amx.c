#include "nn/argmax_amx.h"

#include <math.h>
#include <string.h>

#include "core/cpu.h"
#include "nn/linear_argmax.h"

/* Layout. The products are computed transposed: a tile of 16 items (rows)
 * x 16 states (columns), so the weights are the tile unit's A operand in
 * their own row order (bf16, no transpose) and one vector of a product tile
 * holds one item's outputs for 16 states, checked against those states'
 * 16 thresholds held in one register. */
enum {
    BLK = 16, /* items per block, states per block */
    CAP = 64, /* candidates kept per row and thread */
    TILE = ORL_ARGMAX_TILE
};

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Hidden size padded to the 32 bf16 of a tile row; rows to the 16 of a tile. */
static size_t hp_of(int hidden)
{
    return ((size_t)hidden + 31) & ~(size_t)31;
}

static size_t bp_of(int batch)
{
    return round16((size_t)batch);
}

/* Per thread: the tile's weights in bf16 (hp x TILE halves, 1 KB blocks),
 * bias [TILE], per block of 16 items the largest norm and |bias|, two
 * product tiles [2 x 16 x 16], and per row the best lower bound, result,
 * candidate count, candidates. */
static size_t thread_floats(int batch, int hidden)
{
    size_t bp = bp_of(batch);
    return hp_of(hidden) / 2 * TILE + TILE + 2 * round16(TILE / BLK) + 2 * BLK * BLK + 4 * bp +
           2 * bp * CAP;
}

size_t orl_argmax_amx_scratch_floats(int batch, int hidden, int threads)
{
    if (hidden < 1 || hidden > ORL_ARGMAX_AMX_MAX_HIDDEN || batch < 1) return 0;
    size_t bp = bp_of(batch);
    /* Shared: h in bf16 pairs [bp x hp / 2] and each row's bound coefficient. */
    return round16(bp * hp_of(hidden) / 2) + bp + (size_t)threads * thread_floats(batch, hidden);
}

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#include <immintrin.h>

#include "nn/transpose16.h"

#define LIMIT      4294967296.0f           /* 2^32: |h|, |w| the bound covers */
#define BIAS_LIMIT 18446744073709551616.0f /* 2^64 */

typedef struct amx_job {
    const float *h, *w, *bias;
    int batch, hidden, n_out, hp, nch; /* nch: k chunks of 32 */
    const uint32_t *hb;                /* h as bf16 pairs, 1 KB blocks (b_block) */
    const float *hr;                   /* [bp] bound coefficient times ||h_r|| */
    float cb, eps;                     /* bound terms: cb |b|max + eps */
    float *local;
    int abort;
} amx_job;

typedef struct amx_space {
    uint16_t *wb; /* the tile's weights in bf16, 1 KB blocks (a_block) */
    float *bias, *wn, *bm, *cbuf, *thr, *best, *cub;
    int32_t *idx, *cnt, *cidx;
} amx_space;

/* Tiles are loaded from contiguous 1 KB blocks (16 rows of 64 bytes), so a
 * tile's lines never crowd into a few L1 sets.
 * A block (items [16 p, +16) of the tile, k chunk c): 16 items x 32 bf16. */
static size_t a_block(const amx_job *j, int p, int c)
{
    return ((size_t)p * (size_t)j->nch + (size_t)c) * 512;
}

/* B block (states [16 rb, +16), k chunk c): 16 k pairs x 16 states. */
static size_t b_block(const amx_job *j, int rb, int c)
{
    return ((size_t)rb * (size_t)j->nch + (size_t)c) * 256;
}

static amx_space space_of(const amx_job *j, int t)
{
    const size_t bp = bp_of(j->batch);
    float *p = j->local + (size_t)t * thread_floats(j->batch, j->hidden);
    amx_space s;
    s.wb = (uint16_t *)(void *)p;
    p += (size_t)j->hp / 2 * TILE;
    s.bias = p;
    p += TILE;
    s.wn = p;
    p += round16(TILE / BLK);
    s.bm = p;
    p += round16(TILE / BLK);
    s.cbuf = p;
    p += 2 * BLK * BLK;
    s.thr = p;
    s.best = p + bp;
    s.idx = (int32_t *)(void *)(p + 2 * bp);
    s.cnt = (int32_t *)(void *)(p + 3 * bp);
    s.cidx = (int32_t *)(void *)(p + 4 * bp);
    s.cub = p + 4 * bp + bp * CAP;
    return s;
}

#define AVX __attribute__((target("avx512f,fma")))

/* Round to bf16 (nearest even; finite inputs below 2^32), then pack 32
 * floats lo:hi into 16 dwords: dword q holds elements 2q (low half), 2q+1. */
AVX static inline __m512i bf16_pairs(__m512 lo, __m512 hi)
{
    const __m512i half = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1);
    __m512i a = _mm512_castps_si512(lo), b = _mm512_castps_si512(hi);
    a = _mm512_srli_epi32(
        _mm512_add_epi32(a,
                         _mm512_add_epi32(half, _mm512_and_si512(_mm512_srli_epi32(a, 16), one))),
        16);
    b = _mm512_srli_epi32(
        _mm512_add_epi32(b,
                         _mm512_add_epi32(half, _mm512_and_si512(_mm512_srli_epi32(b, 16), one))),
        16);
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(a)),
                              _mm512_cvtepi32_epi16(b), 1);
}

static __mmask16 tail_mask(int n) /* the first min(n, 16) lanes, none when n <= 0 */
{
    return n >= 16 ? (__mmask16)0xffff : (n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1));
}

/* One row x[0..n) as bf16, chunk c of 32 at out + c * stride (halves), zero
 * past n; returns ||x|| rounded up, and clears *ok when some |x_k| > LIMIT
 * or is not finite. */
AVX static float row_to_bf16(const float *x, int n, int nch, uint16_t *out, size_t stride, int *ok)
{
    const __m512 limit = _mm512_set1_ps(LIMIT);
    __m512 acc = _mm512_setzero_ps();
    __mmask16 good = 0xffff;
    for (int c = 0; c < nch; c++) {
        const int k = 32 * c;
        __m512 lo = _mm512_maskz_loadu_ps(tail_mask(n - k), x + k);
        __m512 hi = _mm512_maskz_loadu_ps(tail_mask(n - k - 16), x + k + 16);
        acc = _mm512_fmadd_ps(hi, hi, _mm512_fmadd_ps(lo, lo, acc));
        good &= _mm512_cmp_ps_mask(_mm512_abs_ps(lo), limit, _CMP_LE_OQ) &
                _mm512_cmp_ps_mask(_mm512_abs_ps(hi), limit, _CMP_LE_OQ);
        _mm512_storeu_si512((void *)(out + (size_t)c * stride), bf16_pairs(lo, hi));
    }
    if (good != 0xffff) *ok = 0;
    /* The sum's and sqrt's rounding (< 2^-14 relative for n <= 512) padded. */
    return sqrtf(_mm512_reduce_add_ps(acc)) * (1.0f + 0x1p-12f);
}

/* The screen's copy of items [i0, i0 + nt): bf16 rows in A blocks (zero past
 * nt up to a multiple of 16, and past hidden), their bias, per block of 16
 * the largest norm and |bias|. 0 when an input is outside the bound's range. */
AVX static int pack_tile(const amx_job *j, const amx_space *s, size_t i0, int nt)
{
    const int H = j->hidden, n16 = (nt + BLK - 1) & ~(BLK - 1);
    int ok = 1;
    for (int p = 0; p < n16 / BLK; p++) s->wn[p] = s->bm[p] = 0.0f;
    for (int i = 0; i < n16; i++) {
        uint16_t *dst = s->wb + a_block(j, i / BLK, 0) + (size_t)(i % BLK) * 32;
        float b = 0.0f;
        if (i < nt) {
            float n = row_to_bf16(j->w + (i0 + (size_t)i) * (size_t)H, H, j->nch, dst, 512, &ok);
            b = j->bias ? j->bias[i0 + (size_t)i] : 0.0f;
            if (!(fabsf(b) <= BIAS_LIMIT)) ok = 0;
            s->wn[i / BLK] = fmaxf(s->wn[i / BLK], n);
            s->bm[i / BLK] = fmaxf(s->bm[i / BLK], fabsf(b));
        } else {
            for (int c = 0; c < j->nch; c++) memset(dst + (size_t)c * 512, 0, 64);
        }
        s->bias[i] = b;
    }
    return ok;
}

/* Appends candidate `item` of row r; when full, first drops the entries
 * whose upper bound fell below the row's best lower bound. 0 on overflow. */
static int append(const amx_space *s, int r, int32_t item, float ub)
{
    int32_t *ci = s->cidx + (size_t)r * CAP;
    float *cu = s->cub + (size_t)r * CAP;
    int n = s->cnt[r];
    if (n == CAP) {
        int kept = 0;
        for (int k = 0; k < n; k++)
            if (cu[k] >= s->thr[r]) {
                ci[kept] = ci[k];
                cu[kept] = cu[k];
                kept++;
            }
        n = kept;
        if (n == CAP) return 0;
    }
    ci[n] = item;
    cu[n] = ub;
    s->cnt[r] = n + 1;
    return 1;
}

/* One block of 16 items x 16 states whose products are in `prod` (row i:
 * item i's outputs for the 16 states). Each state's upper bounds against
 * its best lower bound; where one reaches it, the bound is raised by the
 * block's and every item still reaching it is kept. 0 on an overflow. */
AVX static int check_block(const amx_job *j, const amx_space *s, const float *prod, int p,
                           size_t item0, int n_items, int rb)
{
    const int rows = j->batch - 16 * rb < 16 ? j->batch - 16 * rb : 16;
    const __mmask16 live = tail_mask(rows);
    float *thr = s->thr + 16 * rb;
    const __m512 ev = _mm512_fmadd_ps(_mm512_loadu_ps(j->hr + 16 * rb), _mm512_set1_ps(s->wn[p]),
                                      _mm512_set1_ps(j->cb * s->bm[p] + j->eps));
    __m512 t = _mm512_loadu_ps(thr);
    const float *bias = s->bias + (size_t)p * BLK;
    __mmask16 any = 0;
    for (int i = 0; i < n_items; i++) {
        __m512 z = _mm512_add_ps(_mm512_loadu_ps(prod + i * BLK), _mm512_set1_ps(bias[i]));
        any |= _mm512_mask_cmp_ps_mask(live, _mm512_add_ps(z, ev), t, _CMP_GE_OQ);
    }
    if (!any) return 1;
    __m512 lb = _mm512_set1_ps(-INFINITY);
    for (int i = 0; i < n_items; i++) {
        __m512 z = _mm512_add_ps(_mm512_loadu_ps(prod + i * BLK), _mm512_set1_ps(bias[i]));
        lb = _mm512_max_ps(lb, _mm512_sub_ps(z, ev));
    }
    t = _mm512_mask_max_ps(t, live, t, lb);
    _mm512_mask_storeu_ps(thr, live, t);
    for (int i = 0; i < n_items; i++) {
        __m512 ub = _mm512_add_ps(
            _mm512_add_ps(_mm512_loadu_ps(prod + i * BLK), _mm512_set1_ps(bias[i])), ev);
        uint32_t k = _mm512_mask_cmp_ps_mask(live, ub, t, _CMP_GE_OQ);
        if (!k) continue;
        float u[BLK];
        _mm512_storeu_ps(u, ub);
        for (; k; k &= k - 1) {
            int lane = __builtin_ctz(k);
            if (!append(s, 16 * rb + lane, (int32_t)(item0 + (size_t)i), u[lane])) return 0;
        }
    }
    return 1;
}

/* The fp32 path's value of item i for row r: the FMA chain in k order, then
 * + b (nn/kgemm.c and orl_vec_max_bias). */
AVX static float exact_value(const amx_job *j, int r, int32_t i)
{
    const float *hr = j->h + (size_t)r * (size_t)j->hidden, *wi = j->w + (size_t)i * j->hidden;
    float acc = 0.0f;
    for (int k = 0; k < j->hidden; k++) acc = fmaf(hr[k], wi[k], acc);
    return acc + (j->bias ? j->bias[i] : 0.0f); /* as orl_vec_max_bias, b or not */
}

typedef struct tile_config {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} tile_config;

/* Every tile 16 rows x 64 bytes: 0-1 weights (16 items x 32 bf16, two k
 * chunks), 2-3 and 6-7 states (16 k pairs x 16 states, two blocks of
 * states x two chunks), 4-5 products (16 items x 16 states, fp32). */
__attribute__((target("amx-tile"))) static void configure_tiles(void)
{
    tile_config c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int k = 0; k < 8; k++) {
        c.colsb[k] = 64;
        c.rows[k] = 16;
    }
    _tile_loadconfig(&c);
}

/* One k chunk c of the products of item block p with state blocks rb (into
 * tile 4) and rb + 1 (tile 5, when `two`), the weights in tile TA and the
 * states in TB0, TB1 (tile numbers are immediates, hence macros). */
#define CHUNK(TA, TB0, TB1, p, rb, c, two)                                                         \
    do {                                                                                           \
        _tile_loadd(TA, s.wb + a_block(j, p, c), 64);                                              \
        _tile_loadd(TB0, j->hb + b_block(j, rb, c), 64);                                           \
        _tile_dpbf16ps(4, TA, TB0);                                                                \
        if (two) {                                                                                 \
            _tile_loadd(TB1, j->hb + b_block(j, (rb) + 1, c), 64);                                 \
            _tile_dpbf16ps(5, TA, TB1);                                                            \
        }                                                                                          \
    } while (0)

/* All k chunks: even ones in tiles 0, 2, 3 and odd ones in 1, 6, 7, so
 * consecutive chunks need no tile the previous products still read. */
#define PRODUCTS(p, rb, two)                                                                       \
    do {                                                                                           \
        _tile_zero(4);                                                                             \
        _tile_zero(5);                                                                             \
        int c_ = 0;                                                                                \
        for (; c_ + 1 < j->nch; c_ += 2) {                                                         \
            CHUNK(0, 2, 3, p, rb, c_, two);                                                        \
            CHUNK(1, 6, 7, p, rb, c_ + 1, two);                                                    \
        }                                                                                          \
        if (c_ < j->nch) CHUNK(0, 2, 3, p, rb, c_, two);                                           \
    } while (0)

/* One thread's share of the screen: tiles [begin, end) of TILE items. */
__attribute__((target("amx-tile,amx-bf16,avx512f,fma"))) static void
screen_tiles(void *ctx, size_t begin, size_t end, int thread_index)
{
    amx_job *j = ctx;
    amx_space s = space_of(j, thread_index);
    const int B = j->batch, nrb = (B + 15) / 16;
    for (int r = 0; r < (int)bp_of(B); r++) s.thr[r] = -INFINITY;
    for (int r = 0; r < B; r++) s.cnt[r] = 0;
    configure_tiles();
    for (size_t tile = begin; tile < end && !__atomic_load_n(&j->abort, __ATOMIC_RELAXED); tile++) {
        const size_t i0 = tile * TILE;
        const int nt = (int)((size_t)j->n_out - i0 < TILE ? (size_t)j->n_out - i0 : TILE);
        if (!pack_tile(j, &s, i0, nt)) {
            __atomic_store_n(&j->abort, 1, __ATOMIC_RELAXED);
            break;
        }
        for (int p = 0; p * BLK < nt; p++) {
            const int n_items = nt - p * BLK < BLK ? nt - p * BLK : BLK;
            const size_t item0 = i0 + (size_t)p * BLK;
            for (int rb = 0; rb < nrb; rb += 2) {
                const int two = rb + 1 < nrb;
                PRODUCTS(p, rb, two);
                _tile_stored(4, s.cbuf, 64);
                if (two) _tile_stored(5, s.cbuf + BLK * BLK, 64);
                if (!check_block(j, &s, s.cbuf, p, item0, n_items, rb) ||
                    (two && !check_block(j, &s, s.cbuf + BLK * BLK, p, item0, n_items, rb + 1))) {
                    __atomic_store_n(&j->abort, 1, __ATOMIC_RELAXED);
                    goto done;
                }
            }
        }
    }
done:
    _tile_release();
    if (__atomic_load_n(&j->abort, __ATOMIC_RELAXED)) return;
    for (int r = 0; r < B; r++) {
        const int32_t *ci = s.cidx + (size_t)r * CAP;
        const float *cu = s.cub + (size_t)r * CAP;
        for (int k = 0; k < s.cnt[r]; k++) {
            if (!(cu[k] >= s.thr[r])) continue;
            float z = exact_value(j, r, ci[k]);
            if (z > s.best[r]) { /* candidates ascend: ties keep the lower id */
                s.best[r] = z;
                s.idx[r] = ci[k];
            }
        }
    }
}

/* h as bf16 pairs in B blocks (zero padded) and each row's bound
 * coefficient; 0 when h is outside the bound's range. */
AVX static int prepare_rows(amx_job *j, uint32_t *hb, float *hr, uint16_t *row_tmp)
{
    const int B = j->batch, H = j->hidden, nrb = (int)bp_of(B) / 16;
    const double u = 0x1p-24, ub = 0x1p-8;
    /* See the header: conversion, both sums (with room), then 8u for the
     * bias adds and the bound's own roundings. */
    const double c1 = (2.0 * ub + ub * ub + 3.1 * (H + 2) * u) * 1.001 + 8.0 * u;
    int ok = 1;
    for (int rb = 0; rb < nrb; rb++) {
        /* 16 rows to bf16 (32 halves = 16 pairs per chunk), then per chunk
         * a 16 x 16 transpose of pairs: row q of the block is k pair q. */
        for (int q = 0; q < 16; q++) {
            const int r = 16 * rb + q;
            uint16_t *dst = row_tmp + (size_t)q * 32;
            if (r < B)
                hr[r] =
                    (float)(c1 *
                            (double)row_to_bf16(j->h + (size_t)r * H, H, j->nch, dst, 512, &ok) *
                            (1.0 + 0x1p-20));
            else {
                hr[r] = 0.0f;
                for (int c = 0; c < j->nch; c++) memset(dst + (size_t)c * 512, 0, 64);
            }
        }
        for (int c = 0; c < j->nch; c++) {
            __m512 v[16];
            for (int q = 0; q < 16; q++)
                v[q] = _mm512_loadu_ps((const float *)(row_tmp + (size_t)c * 512 + (size_t)q * 32));
            orl_transpose16(v);
            for (int q = 0; q < 16; q++)
                _mm512_storeu_ps((float *)(hb + b_block(j, rb, c) + (size_t)q * 16), v[q]);
        }
    }
    j->cb = (float)(8.0 * u * (1.0 + 0x1p-20));
    j->eps = 0x1p-79f;
    return ok;
}

int orl_argmax_amx(orl_pool *pool, const float *h, const float *w, const float *bias, int batch,
                   int hidden, int n_out, int32_t *out_idx, float *out_max, float *scratch)
{
    if (batch < 1 || n_out < 1 || hidden < 1 || hidden > ORL_ARGMAX_AMX_MAX_HIDDEN ||
        !orl_cpu_amx_bf16_ready())
        return 0;
    const int threads = orl_pool_threads(pool);
    amx_job j;
    memset(&j, 0, sizeof j);
    j.h = h;
    j.w = w;
    j.bias = bias;
    j.batch = batch;
    j.hidden = hidden;
    j.n_out = n_out;
    j.hp = (int)hp_of(hidden);
    j.nch = j.hp / 32;
    const size_t bp = bp_of(batch);
    uint32_t *hb = (uint32_t *)(void *)scratch;
    float *hr = scratch + round16(bp * (size_t)j.hp / 2);
    j.hb = hb;
    j.hr = hr;
    j.local = hr + bp;
    /* Thread 0's weight block is free until the screen runs: the rows'
     * staging area (16 rows x hp halves <= TILE x hp halves). */
    amx_space s0 = space_of(&j, 0);
    if (!prepare_rows(&j, hb, hr, s0.wb)) return 0;
    orl_argmax_clear(batch, threads, s0.best, s0.idx, thread_floats(batch, hidden));
    orl_pool_parallel_for(pool, ((size_t)n_out + TILE - 1) / TILE, screen_tiles, &j);
    if (j.abort) return 0;
    orl_argmax_merge(batch, threads, s0.best, s0.idx, thread_floats(batch, hidden), out_idx,
                     out_max);
    return 1;
}

#else

int orl_argmax_amx(orl_pool *pool, const float *h, const float *w, const float *bias, int batch,
                   int hidden, int n_out, int32_t *out_idx, float *out_max, float *scratch)
{
    (void)pool, (void)h, (void)w, (void)bias, (void)batch, (void)hidden, (void)n_out;
    (void)out_idx, (void)out_max, (void)scratch;
    return 0;
}

#endif
