#include "nn/linear_argmax.h"

#include <math.h>

#include "core/blas.h"
#include "nn/argmax_amx.h"
#include "nn/kgemm.h"
#include "nn/vmath.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Per thread: the outputs of a tile, the tile's weights transposed (packed
 * for orl_kgemm), the running best value and index of each row. */
static size_t thread_floats(int batch, int hidden)
{
    return round16((size_t)batch * ORL_ARGMAX_TILE) + round16((size_t)hidden * ORL_ARGMAX_TILE) +
           2 * round16((size_t)batch);
}

size_t orl_linear_argmax_scratch_floats(int batch, int hidden, int threads)
{
    /* The AMX screen's region after the fp32 path's (it may decline). */
    return (size_t)threads * thread_floats(batch, hidden) +
           orl_argmax_amx_scratch_floats(batch, hidden, threads);
}

static int exact_only = 0;

void orl_linear_argmax_force_fp32(int on)
{
    __atomic_store_n(&exact_only, on ? 1 : 0, __ATOMIC_RELAXED);
}

typedef struct argmax_job {
    const float *h, *w, *bias;
    int batch, hidden, n_out;
    float *scratch;
} argmax_job;

typedef struct argmax_space {
    float *tile, *packed, *best;
    int32_t *idx;
} argmax_space;

static argmax_space space_of(const argmax_job *j, int t)
{
    float *p = j->scratch + (size_t)t * thread_floats(j->batch, j->hidden);
    argmax_space s;
    s.tile = p;
    s.packed = p + round16((size_t)j->batch * ORL_ARGMAX_TILE);
    s.best = s.packed + round16((size_t)j->hidden * ORL_ARGMAX_TILE);
    s.idx = (int32_t *)(void *)(s.best + round16((size_t)j->batch));
    return s;
}

/* s->tile [B x ld] = h W_t^T for items [i0, i0 + nt); returns ld. On the
 * AVX-512 kernel (as the output layer of nn/softmax_ce.c: the BLAS here runs
 * SSE3 kernels) the tile's weights are packed transposed, padded with zero
 * columns to a multiple of 16; otherwise CBLAS. Every output is the same
 * k-ordered sum whatever its column, so equal weight rows give equal outputs
 * (ties stay ties). */
static int outputs_tile(const argmax_job *j, const argmax_space *s, size_t i0, int nt)
{
    const int B = j->batch, H = j->hidden;
    const float *w = j->w + i0 * (size_t)H;
    if (!orl_kgemm_native()) {
        orl_sgemm(0, 1, B, nt, H, 1.0f, j->h, H, w, H, 0.0f, s->tile, nt);
        return nt;
    }
    const int wd = (nt + 15) & ~15;
    orl_kgemm_pack_t(s->packed, wd, w, nt, H);
    orl_kgemm(B, wd, H, j->h, H, 1, s->packed, wd, s->tile, wd, 0);
    return wd;
}

static void argmax_tiles(void *ctx, size_t begin, size_t end, int thread_index)
{
    const argmax_job *j = ctx;
    argmax_space s = space_of(j, thread_index);
    const int B = j->batch;
    size_t lo = begin * ORL_ARGMAX_TILE, hi = end * ORL_ARGMAX_TILE;
    if (hi > (size_t)j->n_out) hi = (size_t)j->n_out;
    for (size_t i0 = lo; i0 < hi; i0 += ORL_ARGMAX_TILE) {
        int nt = (int)(hi - i0 < ORL_ARGMAX_TILE ? hi - i0 : ORL_ARGMAX_TILE);
        int ld = outputs_tile(j, &s, i0, nt);
        const float *bt = j->bias ? j->bias + i0 : NULL;
        for (int r = 0; r < B; r++) {
            const float *z = s.tile + (size_t)r * ld;
            /* Vectorised max first; the index scan only when the row improves. */
            float m = orl_vec_max_bias(z, bt, (size_t)nt);
            if (!(m > s.best[r])) continue;
            for (int c = 0; c < nt; c++)
                if (z[c] + (bt ? bt[c] : 0.0f) == m) {
                    s.best[r] = m;
                    s.idx[r] = (int32_t)(i0 + (size_t)c);
                    break;
                }
        }
    }
}

void orl_linear_argmax(orl_pool *pool, const float *h, const float *w, const float *bias, int batch,
                       int hidden, int n_out, int32_t *out_idx, float *out_max, float *scratch)
{
    argmax_job j = {h, w, bias, batch, hidden, n_out, scratch};
    int threads = orl_pool_threads(pool);
    /* The screen reproduces the kgemm path's values, not CBLAS's. */
    if (n_out >= ORL_ARGMAX_SCREEN_MIN_ITEMS && orl_kgemm_native() &&
        !__atomic_load_n(&exact_only, __ATOMIC_RELAXED) &&
        orl_argmax_amx(pool, h, w, bias, batch, hidden, n_out, out_idx, out_max,
                       scratch + (size_t)threads * thread_floats(batch, hidden)))
        return;
    argmax_space s0 = space_of(&j, 0);
    orl_argmax_clear(batch, threads, s0.best, s0.idx, thread_floats(batch, hidden));
    size_t tiles = ((size_t)n_out + ORL_ARGMAX_TILE - 1) / ORL_ARGMAX_TILE;
    orl_pool_parallel_for(pool, tiles, argmax_tiles, &j);
    orl_argmax_merge(batch, threads, s0.best, s0.idx, thread_floats(batch, hidden), out_idx,
                     out_max);
}

void orl_argmax_clear(int batch, int threads, float *best, int32_t *idx, size_t stride)
{
    for (int t = 0; t < threads; t++)
        for (int r = 0; r < batch; r++) {
            best[(size_t)t * stride + (size_t)r] = -INFINITY;
            idx[(size_t)t * stride + (size_t)r] = -1;
        }
}

void orl_argmax_merge(int batch, int threads, const float *best, const int32_t *idx, size_t stride,
                      int32_t *out_idx, float *out_max)
{
    /* Thread k holds lower item ids than thread k + 1: a strict > keeps the
     * lower index on ties. */
    for (int r = 0; r < batch; r++) {
        float v = -INFINITY;
        int32_t arg = -1;
        for (int t = 0; t < threads; t++) {
            const float bt = best[(size_t)t * stride + (size_t)r];
            const int32_t it = idx[(size_t)t * stride + (size_t)r];
            if (it >= 0 && (arg < 0 || bt > v)) {
                v = bt;
                arg = it;
            }
        }
        out_idx[r] = arg < 0 ? 0 : arg;
        if (out_max) out_max[r] = arg < 0 ? NAN : v;
    }
}
