/* The fp16 screen of head_screen.h.
 *
 * Layout: items in blocks of 16; block i holds, as floats,
 *   bias[16], e[16], f[16], then the weights as halves [H][16] (item-minor),
 * so one pass broadcasts h[k] and does one FMA per 16 items, with no
 * horizontal sums, over one sequential stream (2240 bytes per block at H=64,
 * against 4096 bytes of fp32 weights).
 *
 * ERROR BOUND. Let u = 2^-24 (fp32 unit roundoff), v = 2^-11 (fp16), D = 2H + 20,
 * g = D u / (1 - D u). For item j write A = sum_k |h_k| |w_jk| <= nh N_j by
 * Cauchy-Schwarz, nh = ||h||_2, N_j = ||w_j||_2.
 *  1. The fp32 path (orl_matvec: per-lane FMA chains, a tree of 16 lanes, + b;
 *     or the scalar 8-lane form with separate multiply and add) passes every
 *     term through at most D roundings, so its result s_j satisfies
 *     |s_j - S_j| <= g (A + |b_j|), S_j = sum_k h_k w_jk + b_j exactly.
 *  2. The stored half w~ = RN16(w) has |w~ - w| <= v |w| in fp16's normal
 *     range and <= 2^-25 (half its subnormal step) below it; fp32 subnormals
 *     (which DAZ may read as 0) become 0, within 2^-25 too. We refuse
 *     |w| >= 65504 (no overflow). So with S~_j = sum_k h_k w~_jk + b_j,
 *     |S~_j - S_j| <= v A + 2^-25 ||h||_1.
 *  3. The screen computes S~_j in fp32 (acc = b_j, then FMA or multiply-add
 *     chains over k, then a sum of 4 chains): depth <= D, so its value s~_j has
 *     |s~_j - S~_j| <= g (sum_k |h_k w~_jk| + |b_j|)
 *                   <= g ((1 + v) A + 2^-25 ||h||_1 + |b_j|).
 *  4. With flush-to-zero every operation may also lose up to 2^-126: at most
 *     2 (D + 1) 2^-126 < 2^-100 over both paths.
 *  Sum, with ||h||_1 <= sqrt(H) nh:
 *     |s~_j - s_j| <= (v + (2 + v) g) nh N_j + 2 g |b_j|
 *                     + 2^-25 (1 + g) sqrt(H) nh + 2^-100  =: E_j.
 * We store e_j = c_w N_j and f_j = c_b |b_j| with c_w = (v + (2 + v) g) 1.01 and
 * c_b = 2 g 1.01, computed in double from N_j rounded up, and at call time
 * E~_j = nh e_j + f_j + (c_h nh + 2^-100) with nh rounded up. The 1% covers
 * the three fp32 roundings of that sum of non-negative terms, so E~_j >= E_j.
 * Then lo_j = fl(s~_j - E~_j) <= s_j <= fl(s~_j + E~_j) = hi_j because
 * rounding to nearest (and flushing) is monotone and s_j is a float.
 * Overflow is excluded by a guard: nh max_j N_j + max_j |b_j| < 1e36.
 *
 * EXACTNESS. L = K-th largest lo_j <= K-th largest s_j, so every item of the
 * fp32 top-K (score >= the K-th best) has hi_j >= s_j >= L. While streaming we
 * only know L_cur <= L, so the kept set is a superset. The candidates are
 * rescored by orl_matvec on their own row (the same arithmetic as the full
 * pass, row by row) and pushed in increasing id order into an orl_topk_heap:
 * the heap's answer over a superset of the top-K is the top-K. */
#include "models/head_screen.h"

#include "core/cpu.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "models/topk.h"
#include "nn/vmath.h"

enum { LANES = 16 };

struct orl_head_screen {
    int n_items, hidden, n_blocks;
    size_t stride; /* floats per block */
    float *blocks;
    float c_h;    /* per call: a = c_h nh + 2^-100 */
    double max_n; /* max_j N_j */
    double max_b; /* max_j |b_j| */
};

/* ---- fp16 conversions ---- */

uint16_t orl_float_to_half(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint32_t sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
    if (ax < 0x38800000u) { /* below 2^-14: a half subnormal (or zero) */
        float a;
        memcpy(&a, &ax, sizeof a);
        /* a * 2^24 is exact; rintf rounds to nearest even (default mode). A
         * result of 1024 is the smallest normal half, encoded as such. */
        return (uint16_t)(sign | (uint32_t)rintf(a * 16777216.0f));
    }
    uint32_t m = ax & 0x7fffffu;
    uint32_t h = (((ax >> 23) - 112u) << 10) | (m >> 13); /* rebias 127 -> 15 */
    uint32_t rest = m & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++; /* a carry bumps the exponent */
    return (uint16_t)(sign | h);
}

float orl_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) {
        float v = (float)m * 0x1p-24f;
        return sign ? -v : v;
    }
    uint32_t x = sign | ((e + 112u) << 23) | (m << 13);
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

/* ---- build ---- */

static double round_up_rel(double x)
{
    return x * (1.0 + 0x1p-20);
}

int orl_head_screen_build(const float *w, const float *b, int n_items, int hidden,
                          orl_head_screen **out)
{
    if (!w || !b || !out || n_items < 1 || hidden < 1)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "head_screen: bad argument");
    const size_t I = (size_t)n_items, H = (size_t)hidden;
    for (size_t i = 0; i < I * H; i++)
        if (!(fabsf(w[i]) < 65504.0f))
            return orl_fail(ORL_E_OUT_OF_RANGE, "head_screen: weight %zu does not fit fp16", i);
    for (size_t i = 0; i < I; i++)
        if (!isfinite(b[i])) return orl_fail(ORL_E_OUT_OF_RANGE, "head_screen: bias not finite");
    orl_head_screen *s = orl_calloc(1, sizeof *s);
    if (!s) return orl_fail(ORL_E_NOMEM, "head_screen: out of memory");
    s->n_items = n_items;
    s->hidden = hidden;
    s->n_blocks = (int)((I + LANES - 1) / LANES);
    s->stride = (3 * LANES + H * LANES / 2 + 15) & ~(size_t)15;
    s->blocks = orl_aligned_alloc(sizeof(float) * s->stride * (size_t)s->n_blocks);
    if (!s->blocks) {
        orl_free(s);
        return orl_fail(ORL_E_NOMEM, "head_screen: out of memory");
    }
    memset(s->blocks, 0, sizeof(float) * s->stride * (size_t)s->n_blocks);
    const double u = 0x1p-24, v = 0x1p-11, D = 2.0 * (double)H + 20.0;
    const double g = D * u / (1.0 - D * u);
    const double c_w = (v + (2.0 + v) * g) * 1.01, c_b = 2.0 * g * 1.01;
    s->c_h = (float)round_up_rel(0x1p-25 * (1.0 + g) * sqrt((double)H) * 1.01);
    for (size_t j = 0; j < I; j++) {
        float *blk = s->blocks + (j / LANES) * s->stride;
        size_t l = j % LANES;
        uint16_t *wh = (uint16_t *)(blk + 3 * LANES);
        double n2 = 0.0;
        for (size_t k = 0; k < H; k++) {
            float x = w[j * H + k];
            n2 += (double)x * (double)x;
            wh[k * LANES + l] = orl_float_to_half(x);
        }
        double nj = round_up_rel(sqrt(n2)), bj = fabs((double)b[j]);
        blk[l] = b[j];
        blk[LANES + l] = (float)round_up_rel(c_w * nj);
        blk[2 * LANES + l] = (float)round_up_rel(c_b * bj);
        s->max_n = nj > s->max_n ? nj : s->max_n;
        s->max_b = bj > s->max_b ? bj : s->max_b;
    }
    *out = s;
    return ORL_OK;
}

void orl_head_screen_free(orl_head_screen *s)
{
    if (!s) return;
    orl_aligned_free(s->blocks);
    orl_free(s);
}

size_t orl_head_screen_bytes(const orl_head_screen *s)
{
    return s ? sizeof *s + sizeof(float) * s->stride * (size_t)s->n_blocks : 0;
}

size_t orl_head_screen_scratch_floats(void)
{
    return 2 * (size_t)ORL_SCREEN_CAP + ORL_SCREEN_MAX_K + LANES * 2;
}

/* ---- the pass: lower-bound heap and candidate list ---- */

typedef struct pass_state {
    float *lb; /* min-heap of the k largest lower bounds so far */
    size_t k, lb_n;
    float L; /* the k-th largest lower bound so far; -inf until k are seen */
    int32_t *cid;
    float *chi;
    size_t n;
    int overflow;
} pass_state;

static void lb_push(pass_state *st, float x)
{
    float *a = st->lb;
    if (st->lb_n < st->k) {
        size_t i = st->lb_n++;
        while (i > 0 && a[(i - 1) / 2] > x) { /* sift up */
            a[i] = a[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        a[i] = x;
        if (st->lb_n == st->k) st->L = a[0];
        return;
    }
    if (!(x > a[0])) return;
    size_t i = 0, n = st->k;
    for (;;) { /* replace the root and sift down */
        size_t l = 2 * i + 1, r = l + 1, m = i;
        float vm = x;
        if (l < n && a[l] < vm) m = l, vm = a[l];
        if (r < n && a[r] < vm) m = r;
        if (m == i) break;
        a[i] = a[m];
        i = m;
    }
    a[i] = x;
    st->L = a[0];
}

/* Drop the candidates that fell below the bar. Order is kept. */
static void compact(pass_state *st)
{
    size_t o = 0;
    for (size_t i = 0; i < st->n; i++)
        if (st->chi[i] >= st->L) {
            st->cid[o] = st->cid[i];
            st->chi[o++] = st->chi[i];
        }
    st->n = o;
}

/* Items base .. base + nvalid - 1 with their bounds: keep the lower bounds
 * that rise the bar, then the items that can still reach it. */
static void absorb(pass_state *st, int32_t base, const float *lo, const float *hi, int nvalid)
{
    for (int l = 0; l < nvalid; l++)
        if (lo[l] > st->L) lb_push(st, lo[l]);
    for (int l = 0; l < nvalid; l++)
        if (hi[l] >= st->L) {
            st->cid[st->n] = base + l;
            st->chi[st->n++] = hi[l];
        }
    if (st->n > ORL_SCREEN_CAP - LANES) {
        compact(st);
        if (st->n > ORL_SCREEN_CAP * 3 / 4) st->overflow = 1;
    }
}

/* Per call: nh = ||h||_2 rounded up, and the absolute term. 0 when the guard
 * against overflow (or a non-finite h) fails. */
static int call_terms(const orl_head_screen *s, const float *h, float *nh, float *a)
{
    double n2 = 0.0;
    for (int k = 0; k < s->hidden; k++) n2 += (double)h[k] * (double)h[k];
    double n = round_up_rel(sqrt(n2));
    if (!(n * s->max_n + s->max_b < 1e36)) return 0;
    *nh = (float)n;
    *a = (float)round_up_rel((double)s->c_h * n + 0x1p-100);
    return 1;
}

/* Bounds of the 16 items of one block (portable kernel). */
static void block_scalar(const orl_head_screen *s, int blk, const float *h, float nh, float a,
                         float *lo, float *hi)
{
    const float *p = s->blocks + (size_t)blk * s->stride;
    const uint16_t *wh = (const uint16_t *)(p + 3 * LANES);
    float acc[4][LANES];
    for (int l = 0; l < LANES; l++) {
        acc[0][l] = p[l];
        acc[1][l] = acc[2][l] = acc[3][l] = 0.0f;
    }
    for (int k = 0; k < s->hidden; k++)
        for (int l = 0; l < LANES; l++)
            acc[k & 3][l] += h[k] * orl_half_to_float(wh[(size_t)k * LANES + l]);
    for (int l = 0; l < LANES; l++) {
        float sc = (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]);
        float e = nh * p[LANES + l] + p[2 * LANES + l] + a;
        lo[l] = sc - e;
        hi[l] = sc + e;
    }
}

static int forced_scalar = 0;

void orl_head_screen_force_scalar(int on)
{
    __atomic_store_n(&forced_scalar, on ? 1 : 0, __ATOMIC_RELAXED);
}

static int pass_scalar(const orl_head_screen *s, const float *h, float nh, float a, pass_state *st)
{
    float lo[LANES], hi[LANES];
    for (int blk = 0; blk < s->n_blocks; blk++) {
        int base = blk * LANES, nv = s->n_items - base < LANES ? s->n_items - base : LANES;
        block_scalar(s, blk, h, nh, a, lo, hi);
        int any = 0;
        for (int l = 0; l < nv; l++) any |= lo[l] > st->L || hi[l] >= st->L;
        if (!any) continue;
        absorb(st, base, lo, hi, nv);
        if (st->overflow) return 0;
    }
    return 1;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ORL_SCREEN_X86 1

#define SCREEN_512 __attribute__((target("avx512f"), always_inline)) static inline

/* Bounds of the 16 items of one block, with the scalar kernel's chains. */
SCREEN_512 void block_512(const orl_head_screen *s, int blk, const float *h, __m512 vnh, __m512 va,
                          __m512 *lo, __m512 *hi)
{
    const float *p = s->blocks + (size_t)blk * s->stride;
    const __m256i *wh = (const __m256i *)(p + 3 * LANES);
    __m512 a0 = _mm512_load_ps(p), a1 = _mm512_setzero_ps(), a2 = a1, a3 = a1;
    int k = 0, H = s->hidden;
    for (; k + 4 <= H; k += 4) {
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(h[k]), _mm512_cvtph_ps(_mm256_load_si256(wh + k)), a0);
        a1 = _mm512_fmadd_ps(_mm512_set1_ps(h[k + 1]),
                             _mm512_cvtph_ps(_mm256_load_si256(wh + k + 1)), a1);
        a2 = _mm512_fmadd_ps(_mm512_set1_ps(h[k + 2]),
                             _mm512_cvtph_ps(_mm256_load_si256(wh + k + 2)), a2);
        a3 = _mm512_fmadd_ps(_mm512_set1_ps(h[k + 3]),
                             _mm512_cvtph_ps(_mm256_load_si256(wh + k + 3)), a3);
    }
    for (; k < H; k++) { /* H % 4 left: chains 0, 1, 2 */
        __m512 *acc = (k & 3) == 0 ? &a0 : (k & 3) == 1 ? &a1 : &a2;
        *acc =
            _mm512_fmadd_ps(_mm512_set1_ps(h[k]), _mm512_cvtph_ps(_mm256_load_si256(wh + k)), *acc);
    }
    __m512 sc = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
    __m512 e = _mm512_add_ps(
        _mm512_fmadd_ps(vnh, _mm512_load_ps(p + LANES), _mm512_load_ps(p + 2 * LANES)), va);
    *lo = _mm512_sub_ps(sc, e);
    *hi = _mm512_add_ps(sc, e);
}

__attribute__((target("avx512f"))) static int pass_512(const orl_head_screen *s, const float *h,
                                                       float nh, float a, pass_state *st)
{
    const __m512 vnh = _mm512_set1_ps(nh), va = _mm512_set1_ps(a);
    __m512 vl = _mm512_set1_ps(st->L);
    float lo_s[LANES] __attribute__((aligned(64))), hi_s[LANES] __attribute__((aligned(64)));
    const int nb = s->n_blocks;
    for (int blk = 0; blk < nb; blk++) {
        __m512 lo, hi;
        block_512(s, blk, h, vnh, va, &lo, &hi);
        __mmask16 m =
            _mm512_cmp_ps_mask(lo, vl, _CMP_GT_OQ) | _mm512_cmp_ps_mask(hi, vl, _CMP_GE_OQ);
        if (!m) continue;
        int base = blk * LANES, nv = s->n_items - base < LANES ? s->n_items - base : LANES;
        if (nv < LANES && !(m & (__mmask16)((1u << nv) - 1u))) continue;
        _mm512_store_ps(lo_s, lo);
        _mm512_store_ps(hi_s, hi);
        absorb(st, base, lo_s, hi_s, nv);
        if (st->overflow) return 0;
        vl = _mm512_set1_ps(st->L);
    }
    return 1;
}

__attribute__((target("avx512f"))) static void bounds_512(const orl_head_screen *s, int blk,
                                                          const float *h, float nh, float a,
                                                          float *lo, float *hi)
{
    __m512 vl, vh;
    block_512(s, blk, h, _mm512_set1_ps(nh), _mm512_set1_ps(a), &vl, &vh);
    _mm512_storeu_ps(lo, vl);
    _mm512_storeu_ps(hi, vh);
}
#endif

int orl_head_screen_native(void)
{
    if (__atomic_load_n(&forced_scalar, __ATOMIC_RELAXED)) return 0;
#ifdef ORL_SCREEN_X86
    return orl_cpu_has_avx512f();
#else
    return 0;
#endif
}

static int run_pass(const orl_head_screen *s, const float *h, float nh, float a, pass_state *st)
{
#ifdef ORL_SCREEN_X86
    if (orl_head_screen_native()) return pass_512(s, h, nh, a, st);
#endif
    return pass_scalar(s, h, nh, a, st);
}

int orl_head_screen_topk(const orl_head_screen *s, const float *w, const float *b, const float *h,
                         size_t k, float *scratch, int32_t *out_ids, float *out_scores,
                         orl_screen_stats *stats)
{
    if (stats) *stats = (orl_screen_stats){0, 1};
    float nh, a;
    if (k < 1 || k > ORL_SCREEN_MAX_K || k > (size_t)s->n_items || !call_terms(s, h, &nh, &a))
        return 0;
    pass_state st = {scratch,
                     k,
                     0,
                     -INFINITY,
                     (int32_t *)(scratch + ORL_SCREEN_MAX_K),
                     scratch + ORL_SCREEN_MAX_K + ORL_SCREEN_CAP,
                     0,
                     0};
    if (!run_pass(s, h, nh, a, &st)) return 0;
    compact(&st); /* with the final bar */
    const size_t H = (size_t)s->hidden;
    orl_topk_heap heap;
    orl_topk_init(&heap, k, out_scores, out_ids);
    for (size_t c = 0; c < st.n; c++) {
        size_t j = (size_t)st.cid[c];
        float y;
        orl_matvec(&y, w + j * H, h, b + j, 1, H);
        orl_topk_push(&heap, y, (int32_t)j);
    }
    orl_topk_finish(&heap);
    if (stats) *stats = (orl_screen_stats){st.n, 0};
    return 1;
}

void orl_head_screen_bounds(const orl_head_screen *s, const float *h, float *lo, float *hi)
{
    float nh, a;
    if (!call_terms(s, h, &nh, &a)) {
        for (int j = 0; j < s->n_items; j++) lo[j] = -INFINITY, hi[j] = INFINITY;
        return;
    }
    float l16[LANES], h16[LANES];
    for (int blk = 0; blk < s->n_blocks; blk++) {
        int base = blk * LANES, nv = s->n_items - base < LANES ? s->n_items - base : LANES;
#ifdef ORL_SCREEN_X86
        if (orl_head_screen_native())
            bounds_512(s, blk, h, nh, a, l16, h16);
        else
#endif
            block_scalar(s, blk, h, nh, a, l16, h16);
        for (int l = 0; l < nv; l++) lo[base + l] = l16[l], hi[base + l] = h16[l];
    }
}
