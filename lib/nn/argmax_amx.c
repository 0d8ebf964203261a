#include "nn/argmax_amx.h"

#include <math.h>
#include <string.h>

#include "core/cpu.h"
#include "nn/linear_argmax.h"

enum {
    PAIR = 32, /* items per screened block: two 16-column tiles */
    CAP = 64,  /* candidates kept per row and thread */
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

/* Per thread: packed tile (hp/2 x TILE bf16 pairs, in 1 KB tile blocks), bias [TILE], per block of
 * PAIR items the largest weight norm and |bias|, the product tile [16 x PAIR],
 * and per row the best lower bound, result, candidate count, candidates. */
static size_t thread_floats(int batch, int hidden)
{
    size_t bp = bp_of(batch);
    return hp_of(hidden) / 2 * TILE + TILE + 2 * round16(TILE / PAIR) + 16 * PAIR + 4 * bp +
           2 * bp * CAP;
}

size_t orl_argmax_amx_scratch_floats(int batch, int hidden, int threads)
{
    if (hidden < 1 || hidden > ORL_ARGMAX_AMX_MAX_HIDDEN || batch < 1) return 0;
    size_t bp = bp_of(batch);
    /* Shared: h in bf16 [bp x hp] and each row's bound coefficient. */
    return round16(bp * hp_of(hidden) / 2) + bp + (size_t)threads * thread_floats(batch, hidden);
}

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#include <immintrin.h>

#include "nn/transpose16.h"

#define LIMIT      4294967296.0f           /* 2^32: |h|, |w| the bound covers */
#define BIAS_LIMIT 18446744073709551616.0f /* 2^64 */

typedef struct amx_job {
    const float *h, *w, *bias;
    int batch, hidden, n_out, hp;
    const uint16_t *hb; /* h in bf16, in 1 KB tile blocks (a_block) */
    const float *hr;    /* [bp] bound coefficient times ||h_r|| */
    float cb, eps;      /* bound terms: cb |b|max + eps */
    float *local;
    int abort;
} amx_job;

typedef struct amx_space {
    uint32_t *packed;
    float *bias, *wn, *bm, *cbuf, *thr, *best, *cub;
    int32_t *idx, *cnt, *cidx;
} amx_space;

/* Tiles are loaded from contiguous 1 KB blocks (16 rows of 64 bytes): a
 * row stride of 2 KB would put a tile's 16 lines in two L1 sets.
 * A block (rows [16 rb, +16), k chunk c): 16 rows x 32 bf16. */
static size_t a_block(const amx_job *j, int rb, int c)
{
    return ((size_t)rb * (size_t)(j->hp / 32) + (size_t)c) * 512;
}

/* B block (k chunk c, items [16 p, +16) of the tile): 16 k pairs x 16. */
static size_t b_block(int c, int p)
{
    return ((size_t)c * (TILE / 16) + (size_t)p) * 256;
}

static amx_space space_of(const amx_job *j, int t)
{
    const size_t bp = bp_of(j->batch);
    float *p = j->local + (size_t)t * thread_floats(j->batch, j->hidden);
    amx_space s;
    s.packed = (uint32_t *)(void *)p;
    p += (size_t)j->hp / 2 * TILE;
    s.bias = p;
    p += TILE;
    s.wn = p;
    p += round16(TILE / PAIR);
    s.bm = p;
    p += round16(TILE / PAIR);
    s.cbuf = p;
    p += 16 * PAIR;
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
AVX static inline __m512 bf16_pairs(__m512 lo, __m512 hi)
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
    __m512i ab = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(a)),
                                    _mm512_cvtepi32_epi16(b), 1);
    return _mm512_castsi512_ps(ab);
}

static __mmask16 tail_mask(int n) /* the first min(n, 16) lanes, none when n <= 0 */
{
    return n >= 16 ? (__mmask16)0xffff : (n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1));
}

/* ||x|| of x[0..n), rounded up; 0 when some |x_k| > LIMIT or is not finite. */
AVX static float norm_checked(const float *x, int n, int *ok)
{
    const __m512 limit = _mm512_set1_ps(LIMIT);
    __m512 acc = _mm512_setzero_ps();
    __mmask16 bad = 0;
    for (int k = 0; k < n; k += 16) {
        __mmask16 m = tail_mask(n - k);
        __m512 v = _mm512_maskz_loadu_ps(m, x + k);
        acc = _mm512_fmadd_ps(v, v, acc);
        bad |= (__mmask16)~_mm512_cmp_ps_mask(_mm512_abs_ps(v), limit, _CMP_LE_OQ);
    }
    if (bad) *ok = 0;
    /* The sum's and sqrt's rounding (< 2^-14 relative for n <= 512) padded. */
    return sqrtf(_mm512_reduce_add_ps(acc)) * (1.0f + 0x1p-12f);
}

/* The screen's copy of items [i0, i0 + nt): bf16 pairs transposed so a tile
 * row is one k pair of 16 items (AMX's B layout), zero past nt (up to a
 * multiple of PAIR) and past hidden; their bias; per PAIR block the largest
 * norm and |bias|. 0 when an input is outside the bound's range. */
AVX static int pack_tile(const amx_job *j, const amx_space *s, size_t i0, int nt)
{
    const int H = j->hidden, hp = j->hp, n32 = (nt + PAIR - 1) & ~(PAIR - 1);
    for (int g = 0; g < n32; g += 16)
        for (int k0 = 0; k0 < hp; k0 += 32) {
            __m512 r[16];
            for (int l = 0; l < 16; l++) {
                if (g + l >= nt) {
                    r[l] = _mm512_setzero_ps();
                    continue;
                }
                const float *row = j->w + (i0 + (size_t)(g + l)) * (size_t)H + k0;
                r[l] = bf16_pairs(_mm512_maskz_loadu_ps(tail_mask(H - k0), row),
                                  _mm512_maskz_loadu_ps(tail_mask(H - k0 - 16), row + 16));
            }
            orl_transpose16(r);
            for (int c = 0; c < 16; c++)
                _mm512_storeu_ps((float *)(s->packed + b_block(k0 / 32, g / 16) + (size_t)c * 16),
                                 r[c]);
        }
    int ok = 1;
    for (int p = 0; p < n32 / PAIR; p++) s->wn[p] = s->bm[p] = 0.0f;
    for (int i = 0; i < n32; i++) {
        float b = 0.0f;
        if (i < nt) {
            float n = norm_checked(j->w + (i0 + (size_t)i) * (size_t)H, H, &ok);
            b = j->bias ? j->bias[i0 + (size_t)i] : 0.0f;
            if (!(fabsf(b) <= BIAS_LIMIT)) ok = 0;
            s->wn[i / PAIR] = fmaxf(s->wn[i / PAIR], n);
            s->bm[i / PAIR] = fmaxf(s->bm[i / PAIR], fabsf(b));
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

/* A row's block whose upper bounds reach its best lower bound: raise that
 * bound by the block's, then keep every item still reaching it. */
AVX static int screen_slow(const amx_space *s, int r, size_t item0, __m512 z0, __m512 z1, __m512 ev,
                           __mmask16 m0, __mmask16 m1)
{
    float lb = fmaxf(_mm512_mask_reduce_max_ps(m0, _mm512_sub_ps(z0, ev)),
                     _mm512_mask_reduce_max_ps(m1, _mm512_sub_ps(z1, ev)));
    if (lb > s->thr[r]) s->thr[r] = lb;
    const __m512 t = _mm512_set1_ps(s->thr[r]);
    float ub[PAIR];
    _mm512_storeu_ps(ub, _mm512_add_ps(z0, ev));
    _mm512_storeu_ps(ub + 16, _mm512_add_ps(z1, ev));
    uint32_t k = (uint32_t)_mm512_mask_cmp_ps_mask(m0, _mm512_loadu_ps(ub), t, _CMP_GE_OQ) |
                 (uint32_t)_mm512_mask_cmp_ps_mask(m1, _mm512_loadu_ps(ub + 16), t, _CMP_GE_OQ)
                     << 16;
    for (; k; k &= k - 1) {
        int lane = __builtin_ctz(k);
        if (!append(s, r, (int32_t)(item0 + (size_t)lane), ub[lane])) return 0;
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

/* Tiles 0 (16 rows of h, 32 bf16 of k), 1 and 2 (16 k pairs x 16 items),
 * 4 to 7 (16 rows x 16 items, fp32). */
__attribute__((target("amx-tile"))) static void configure_tiles(void)
{
    tile_config c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    const int used[] = {0, 1, 2, 4, 5, 6, 7};
    for (int k = 0; k < 7; k++) {
        c.colsb[used[k]] = 64;
        c.rows[used[k]] = 16;
    }
    _tile_loadconfig(&c);
}

/* One block of PAIR items: its bias, valid lanes and bound terms. */
typedef struct blk {
    const amx_job *j;
    const amx_space *s;
    size_t item0;
    __m512 b0, b1;
    __mmask16 m0, m1;
    float wn, cbe;
} blk;

/* The rows [rb, rb + 16) of a block, whose products are in s->cbuf: each
 * row's bounds against its best lower bound. 0 on a candidate overflow. */
AVX static int check_rows(const blk *k, int rb)
{
    const amx_space *s = k->s;
    const int rows = k->j->batch - rb < 16 ? k->j->batch - rb : 16;
    for (int q = 0; q < rows; q++) {
        const int r = rb + q;
        const __m512 z0 = _mm512_add_ps(_mm512_loadu_ps(s->cbuf + q * PAIR), k->b0);
        const __m512 z1 = _mm512_add_ps(_mm512_loadu_ps(s->cbuf + q * PAIR + 16), k->b1);
        const __m512 ev = _mm512_set1_ps(k->j->hr[r] * k->wn + k->cbe);
        const __m512 t = _mm512_set1_ps(s->thr[r]);
        if (!(_mm512_mask_cmp_ps_mask(k->m0, _mm512_add_ps(z0, ev), t, _CMP_GE_OQ) |
              _mm512_mask_cmp_ps_mask(k->m1, _mm512_add_ps(z1, ev), t, _CMP_GE_OQ)))
            continue;
        if (!screen_slow(s, r, k->item0, z0, z1, ev, k->m0, k->m1)) return 0;
    }
    return 1;
}

/* Products of rows [rb, rb + 16) with the block's two 16-item panels into
 * tiles C0, C1 (tile numbers are immediates, hence macros). */
#define ISSUE(C0, C1, rb)                                                                          \
    do {                                                                                           \
        _tile_zero(C0);                                                                            \
        _tile_zero(C1);                                                                            \
        for (int c = 0; c < hp / 32; c++) {                                                        \
            _tile_loadd(0, j->hb + a_block(j, (rb) / 16, c), 64);                                  \
            _tile_loadd(1, s.packed + b_block(c, pp / 16), 64);                                    \
            _tile_loadd(2, s.packed + b_block(c, pp / 16 + 1), 64);                                \
            _tile_dpbf16ps(C0, 0, 1);                                                              \
            _tile_dpbf16ps(C1, 0, 2);                                                              \
        }                                                                                          \
    } while (0)
#define STORE(C0, C1)                                                                              \
    do {                                                                                           \
        _tile_stored(C0, s.cbuf, PAIR * 4);                                                        \
        _tile_stored(C1, s.cbuf + 16, PAIR * 4);                                                   \
    } while (0)

/* One thread's share of the screen: tiles [begin, end) of TILE items. */
__attribute__((target("amx-tile,amx-bf16,avx512f,fma"))) static void
screen_tiles(void *ctx, size_t begin, size_t end, int thread_index)
{
    amx_job *j = ctx;
    amx_space s = space_of(j, thread_index);
    const int B = j->batch, hp = j->hp;
    for (int r = 0; r < B; r++) {
        s.thr[r] = -INFINITY;
        s.cnt[r] = 0;
    }
    configure_tiles();
    for (size_t tile = begin; tile < end && !__atomic_load_n(&j->abort, __ATOMIC_RELAXED); tile++) {
        const size_t i0 = tile * TILE;
        const int nt = (int)((size_t)j->n_out - i0 < TILE ? (size_t)j->n_out - i0 : TILE);
        if (!pack_tile(j, &s, i0, nt)) {
            __atomic_store_n(&j->abort, 1, __ATOMIC_RELAXED);
            break;
        }
        for (int pp = 0; pp < nt; pp += PAIR) {
            const __m512 b0 = _mm512_loadu_ps(s.bias + pp), b1 = _mm512_loadu_ps(s.bias + pp + 16);
            const __mmask16 m0 = tail_mask(nt - pp), m1 = tail_mask(nt - pp - 16);
            const float wn = s.wn[pp / PAIR], cbe = j->cb * s.bm[pp / PAIR] + j->eps;
            /* Two sets of product tiles (4-5, 6-7) alternate over the row
             * blocks: the next block's products are queued on the tile unit
             * before this block's bounds are checked, so the two overlap. */
            blk b = {j, &s, i0 + (size_t)pp, b0, b1, m0, m1, wn, cbe};
            ISSUE(4, 5, 0);
            for (int rb = 0; rb < B; rb += 32) {
                if (rb + 16 < B) ISSUE(6, 7, rb + 16);
                STORE(4, 5);
                if (!check_rows(&b, rb)) goto overflow;
                if (rb + 16 >= B) break;
                if (rb + 32 < B) ISSUE(4, 5, rb + 32);
                STORE(6, 7);
                if (!check_rows(&b, rb + 16)) goto overflow;
            }
        }
    }
    goto done;
overflow:
    __atomic_store_n(&j->abort, 1, __ATOMIC_RELAXED);
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

/* h to bf16 rows (zero padded) and each row's bound coefficient; 0 when h
 * is outside the bound's range. */
AVX static int prepare_rows(amx_job *j, uint16_t *hb, float *hr)
{
    const int B = j->batch, H = j->hidden, hp = j->hp;
    const double u = 0x1p-24, ub = 0x1p-8;
    /* See the header: conversion, both sums (with room), then 8u for the
     * bias adds and the bound's own roundings. */
    const double c1 = (2.0 * ub + ub * ub + 3.1 * (H + 2) * u) * 1.001 + 8.0 * u;
    int ok = 1;
    memset(hb, 0, sizeof(uint16_t) * bp_of(B) * (size_t)hp);
    for (int r = 0; r < (int)bp_of(B); r++) {
        if (r >= B) {
            hr[r] = 0.0f;
            continue;
        }
        const float *x = j->h + (size_t)r * H;
        for (int k0 = 0; k0 < H; k0 += 32)
            _mm512_storeu_ps(
                (float *)(hb + a_block(j, r / 16, k0 / 32) + (size_t)(r % 16) * 32),
                bf16_pairs(_mm512_maskz_loadu_ps(tail_mask(H - k0), x + k0),
                           _mm512_maskz_loadu_ps(tail_mask(H - k0 - 16), x + k0 + 16)));
        hr[r] = (float)(c1 * (double)norm_checked(x, H, &ok) * (1.0 + 0x1p-20));
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
    const size_t bp = bp_of(batch);
    uint16_t *hb = (uint16_t *)(void *)scratch;
    float *hr = scratch + round16(bp * (size_t)j.hp / 2);
    j.hb = hb;
    j.hr = hr;
    j.local = hr + bp;
    if (!prepare_rows(&j, hb, hr)) return 0;
    amx_space s0 = space_of(&j, 0);
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
