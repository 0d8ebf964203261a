#include "nn/softmax_ce.h"

#include <math.h>
#include <string.h>
#include <time.h>

#include "core/blas.h"
#include "nn/kgemm.h"
#include "nn/vmath.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Per-thread scratch: a logits tile, running max and sum per row, and a
 * private d_h accumulator. */
static size_t thread_floats(orl_ce_dims d)
{
    size_t B = (size_t)d.batch;
    return round16(B * ORL_CE_TILE) + round16((size_t)d.hidden * ORL_CE_TILE) + 2 * round16(B) +
           round16(B * (size_t)d.hidden);
}

/* Small catalogues keep the whole B x I logits from pass 1 (they fit in the
 * L2 caches) instead of recomputing them in pass 2: a quarter of the layer's
 * FLOPs saved. Large ones recompute (the matrix would stream through DRAM,
 * measured slower). */
enum { KEEP_LOGITS_MAX_BYTES = 8 << 20 };

static size_t logits_floats(orl_ce_dims d)
{
    size_t n = (size_t)d.batch * round16((size_t)d.n_items);
    if (d.recompute != 0) return d.recompute < 0 ? n : 0;
    return n * sizeof(float) <= KEEP_LOGITS_MAX_BYTES ? n : 0;
}

size_t orl_softmax_ce_scratch_floats(orl_ce_dims d, int threads)
{
    /* A smaller batch may keep its logits where d.batch rows cannot: size for the largest. */
    size_t keep = logits_floats(d);
    size_t row = round16((size_t)d.n_items), rows = KEEP_LOGITS_MAX_BYTES / (sizeof(float) * row);
    if (d.recompute == 0 && keep == 0 && rows > 0)
        keep = (rows < (size_t)d.batch ? rows : (size_t)d.batch) * row;
    return round16((size_t)d.batch) + keep + (size_t)threads * thread_floats(d);
}

typedef struct ce_job {
    const float *h, *w, *b;
    const int32_t *targets;
    const float *row_w; /* per-row loss weights or NULL (all 1) */
    orl_ce_dims d;
    float *d_h, *d_w, *d_b;
    float *lse;    /* [B] after pass 1 */
    float *local;  /* per-thread blocks */
    float *logits; /* [B x ldz] kept from pass 1, or NULL (recompute) */
    int ldz;
    int threads;
    int want_dh;
    orl_ce_tile_fn on_tile;
    void *tile_ctx;
    double (*tt)[4]; /* per-thread phase seconds, or NULL */
} ce_job;

enum { T_FWD, T_SOFTMAX, T_BWD, T_HOOK };

/* Adds the time since *t0 to phase `ph` of this thread; *t0 = now. */
static void lap(const ce_job *j, int thread_index, int ph, double *t0)
{
    if (!j->tt) return;
    double t = now_s();
    j->tt[thread_index][ph] += t - *t0;
    *t0 = t;
}

typedef struct thread_space {
    float *tile;   /* [B x ld] logits, then dL/dlogits */
    float *packed; /* [H x ld] the tile's weights transposed, for orl_kgemm */
    float *max, *sum, *dh;
} thread_space;

static thread_space space_of(const ce_job *j, int thread_index)
{
    size_t B = (size_t)j->d.batch;
    float *p = j->local + (size_t)thread_index * thread_floats(j->d);
    thread_space s;
    s.tile = p;
    p += round16(B * ORL_CE_TILE);
    s.packed = p;
    p += round16((size_t)j->d.hidden * ORL_CE_TILE);
    s.max = p;
    p += round16(B);
    s.sum = p;
    p += round16(B);
    s.dh = p;
    return s;
}

/* Items [begin, end) of thread k: a tile-aligned share of the catalogue. */
static void tile_range(const ce_job *j, size_t begin, size_t end, size_t *lo, size_t *hi)
{
    *lo = begin * ORL_CE_TILE;
    *hi = end * ORL_CE_TILE;
    if (*hi > (size_t)j->d.n_items) *hi = (size_t)j->d.n_items;
}

/* Row stride of a tile of nt items: padded to 16 so the kernel needs no
 * masked edges (the padding columns are zero in the packed weights). */
static int tile_ld(int nt)
{
    return (nt + 15) & ~15;
}

/* Where the tile of items [i0, i0 + nt) lives, and its row stride. */
static float *tile_at(const ce_job *j, const thread_space *s, size_t i0, int nt, int *ld)
{
    if (j->logits) {
        *ld = j->ldz;
        return j->logits + i0;
    }
    *ld = tile_ld(nt);
    return s->tile;
}

static void logits_tile(const ce_job *j, const thread_space *s, size_t i0, int nt, float *dst,
                        int ld)
{
    const int B = j->d.batch, H = j->d.hidden, wd = tile_ld(nt);
    const float *w = j->w + i0 * (size_t)H;
    if (!orl_kgemm_native()) {
        orl_sgemm(0, 1, B, nt, H, 1.0f, j->h, H, w, H, 0.0f, dst, ld);
        return;
    }
    orl_kgemm_pack_t(s->packed, wd, w, nt, H);
    orl_kgemm(B, wd, H, j->h, H, 1, s->packed, wd, dst, ld, 0);
}

static void pass1(void *ctx, size_t begin, size_t end, int thread_index)
{
    const ce_job *j = ctx;
    thread_space s = space_of(j, thread_index);
    const int B = j->d.batch;
    size_t lo, hi;
    tile_range(j, begin, end, &lo, &hi);
    for (int r = 0; r < B; r++) {
        s.max[r] = -INFINITY;
        s.sum[r] = 0.0f;
    }
    for (size_t i0 = lo; i0 < hi; i0 += ORL_CE_TILE) {
        int nt = (int)(hi - i0 < ORL_CE_TILE ? hi - i0 : ORL_CE_TILE);
        int ld;
        float *tile = tile_at(j, &s, i0, nt, &ld);
        double t0 = j->tt ? now_s() : 0.0;
        logits_tile(j, &s, i0, nt, tile, ld);
        lap(j, thread_index, T_FWD, &t0);
        for (int r = 0; r < B; r++) {
            const float *z = tile + (size_t)r * ld;
            float m = orl_vec_max_bias(z, j->b + i0, (size_t)nt);
            float sum = orl_vec_sumexp_bias(z, j->b + i0, (size_t)nt, m);
            float M = s.max[r];
            if (m > M) {
                s.sum[r] = s.sum[r] * expf(M - m) + sum;
                s.max[r] = m;
            } else {
                s.sum[r] += sum * expf(m - M);
            }
        }
        lap(j, thread_index, T_SOFTMAX, &t0);
    }
}

static void pass2(void *ctx, size_t begin, size_t end, int thread_index)
{
    const ce_job *j = ctx;
    thread_space s = space_of(j, thread_index);
    const int B = j->d.batch, H = j->d.hidden;
    const float inv_b = 1.0f / (float)B;
    size_t lo, hi;
    tile_range(j, begin, end, &lo, &hi);
    int first = 1;
    for (size_t i0 = lo; i0 < hi; i0 += ORL_CE_TILE) {
        int nt = (int)(hi - i0 < ORL_CE_TILE ? hi - i0 : ORL_CE_TILE);
        int ld;
        float *tile = tile_at(j, &s, i0, nt, &ld);
        double t0 = j->tt ? now_s() : 0.0;
        if (!j->logits) logits_tile(j, &s, i0, nt, tile, ld);
        lap(j, thread_index, T_FWD, &t0);
        /* dz = w_r (softmax - onehot) / B, with d_b (its column sums) on the way. */
        float *db = j->d_b ? j->d_b + i0 : NULL;
        if (db) memset(db, 0, sizeof(float) * (size_t)nt);
        for (int r = 0; r < B; r++) {
            float *z = tile + (size_t)r * ld;
            const float scale = j->row_w ? inv_b * j->row_w[r] : inv_b;
            if (db)
                orl_vec_exp_bias_scale_acc(z, j->b + i0, (size_t)nt, j->lse[r], scale, db);
            else
                orl_vec_exp_bias_scale(z, j->b + i0, (size_t)nt, j->lse[r], scale);
            size_t a = (size_t)j->targets[r];
            if (a >= i0 && a < i0 + (size_t)nt) {
                z[a - i0] -= scale;
                if (db) db[a - i0] -= scale;
            }
        }
        lap(j, thread_index, T_SOFTMAX, &t0);
        /* dW_t = dz^T h and dh += dz W_t. */
        if (j->d_w) orl_kgemm(nt, H, B, tile, 1, ld, j->h, H, j->d_w + i0 * (size_t)H, H, 0);
        if (j->want_dh) orl_kgemm(B, H, nt, tile, ld, 1, j->w + i0 * (size_t)H, H, s.dh, H, !first);
        lap(j, thread_index, T_BWD, &t0);
        if (j->on_tile) j->on_tile(j->tile_ctx, i0, (size_t)nt);
        lap(j, thread_index, T_HOOK, &t0);
        first = 0;
    }
    if (first && j->want_dh) memset(s.dh, 0, sizeof(float) * (size_t)B * H);
}

static ce_job job_of(orl_pool *pool, const float *h, const float *w, const float *b,
                     const int32_t *targets, const float *row_w, orl_ce_dims d, float *d_h,
                     float *d_w, float *d_b, float *scratch)
{
    size_t kept = logits_floats(d);
    ce_job j;
    memset(&j, 0, sizeof j);
    j.h = h;
    j.w = w;
    j.b = b;
    j.targets = targets;
    j.row_w = row_w;
    j.d = d;
    j.d_h = d_h;
    j.d_w = d_w;
    j.d_b = d_b;
    j.lse = scratch;
    j.logits = kept ? scratch + round16((size_t)d.batch) : NULL;
    j.ldz = (int)round16((size_t)d.n_items);
    j.local = scratch + round16((size_t)d.batch) + kept;
    j.threads = orl_pool_threads(pool);
    j.want_dh = d_h != NULL;
    return j;
}

static size_t tile_count(orl_ce_dims d)
{
    return ((size_t)d.n_items + ORL_CE_TILE - 1) / ORL_CE_TILE;
}

enum { TIMED_THREADS = 8 };

/* Adds the per-thread phase times of one pass (mean over threads). */
static void add_phases(const ce_job *j, orl_ce_timing *timing)
{
    if (!j->tt) return;
    for (int t = 0; t < j->threads; t++) {
        timing->fwd_gemm += j->tt[t][T_FWD] / j->threads;
        timing->softmax += j->tt[t][T_SOFTMAX] / j->threads;
        timing->bwd_gemm += j->tt[t][T_BWD] / j->threads;
        timing->tile_hook += j->tt[t][T_HOOK] / j->threads;
    }
}

static float forward_timed(orl_pool *pool, const float *h, const float *w, const float *b,
                           const int32_t *targets, orl_ce_dims d, float *scratch,
                           float *out_row_loss, orl_ce_timing *timing)
{
    double t0 = timing ? now_s() : 0.0;
    const int B = d.batch, H = d.hidden;
    ce_job j = job_of(pool, h, w, b, targets, NULL, d, NULL, NULL, NULL, scratch);
    double tt_local[TIMED_THREADS][4];
    if (timing && j.threads <= TIMED_THREADS) {
        memset(tt_local, 0, sizeof tt_local);
        j.tt = tt_local;
    }
    /* With fewer tiles than threads some threads idle; their accumulators
     * stay neutral (max -inf, sum 0). */
    for (int t = 0; t < j.threads; t++) {
        thread_space s = space_of(&j, t);
        for (int r = 0; r < B; r++) {
            s.max[r] = -INFINITY;
            s.sum[r] = 0.0f;
        }
    }
    orl_pool_parallel_for(pool, tile_count(d), pass1, &j);
    double loss = 0.0;
    for (int r = 0; r < B; r++) {
        float M = -INFINITY;
        for (int t = 0; t < j.threads; t++) {
            float m = space_of(&j, t).max[r];
            M = m > M ? m : M;
        }
        double sum = 0.0;
        for (int t = 0; t < j.threads; t++) {
            thread_space s = space_of(&j, t);
            if (s.sum[r] > 0.0f) sum += (double)s.sum[r] * exp((double)(s.max[r] - M));
        }
        float lse = M + (float)log(sum);
        j.lse[r] = lse;
        size_t a = (size_t)targets[r];
        float za = b[a];
        for (int k = 0; k < H; k++) za += h[(size_t)r * H + k] * w[a * H + k];
        double row = (double)lse - (double)za;
        if (out_row_loss) out_row_loss[r] = (float)row;
        loss += row;
    }
    if (timing) {
        timing->pass1 += now_s() - t0;
        add_phases(&j, timing);
    }
    return (float)(loss / B);
}

static void backward_timed(orl_pool *pool, const float *h, const float *w, const float *b,
                           const int32_t *targets, const float *row_weights, orl_ce_dims d,
                           float *d_h, float *d_w, float *d_b, float *scratch,
                           orl_ce_timing *timing, orl_ce_tile_fn on_tile, void *tile_ctx)
{
    double t0 = timing ? now_s() : 0.0;
    const int B = d.batch, H = d.hidden;
    ce_job j = job_of(pool, h, w, b, targets, row_weights, d, d_h, d_w, d_b, scratch);
    j.on_tile = on_tile;
    j.tile_ctx = tile_ctx;
    double tt_local[TIMED_THREADS][4];
    if (timing && j.threads <= TIMED_THREADS) {
        memset(tt_local, 0, sizeof tt_local);
        j.tt = tt_local;
    }
    /* Threads that get no tile must contribute a zero d_h. */
    if (d_h)
        for (int t = 0; t < j.threads; t++)
            memset(space_of(&j, t).dh, 0, sizeof(float) * (size_t)B * H);
    orl_pool_parallel_for(pool, tile_count(d), pass2, &j);
    if (d_h) {
        memcpy(d_h, space_of(&j, 0).dh, sizeof(float) * (size_t)B * H);
        for (int t = 1; t < j.threads; t++) orl_vec_add(d_h, space_of(&j, t).dh, (size_t)B * H);
    }
    if (timing) {
        timing->pass2 += now_s() - t0;
        add_phases(&j, timing);
    }
}

float orl_softmax_ce_forward(orl_pool *pool, const float *h, const float *w, const float *b,
                             const int32_t *targets, orl_ce_dims d, float *scratch,
                             float *out_row_loss)
{
    return forward_timed(pool, h, w, b, targets, d, scratch, out_row_loss, NULL);
}

void orl_softmax_ce_backward(orl_pool *pool, const float *h, const float *w, const float *b,
                             const int32_t *targets, const float *row_weights, orl_ce_dims d,
                             float *d_h, float *d_w, float *d_b, float *scratch)
{
    backward_timed(pool, h, w, b, targets, row_weights, d, d_h, d_w, d_b, scratch, NULL, NULL,
                   NULL);
}

void orl_softmax_ce_backward_ex(orl_pool *pool, const float *h, const float *w, const float *b,
                                const int32_t *targets, const float *row_weights, orl_ce_dims d,
                                float *d_h, float *d_w, float *d_b, float *scratch,
                                orl_ce_tile_fn on_tile, void *tile_ctx)
{
    backward_timed(pool, h, w, b, targets, row_weights, d, d_h, d_w, d_b, scratch, NULL, on_tile,
                   tile_ctx);
}

float orl_softmax_ce(orl_pool *pool, const float *h, const float *w, const float *b,
                     const int32_t *targets, orl_ce_dims d, float *d_h, float *d_w, float *d_b,
                     float *scratch, orl_ce_timing *timing, orl_ce_tile_fn on_tile, void *tile_ctx)
{
    float loss = forward_timed(pool, h, w, b, targets, d, scratch, NULL, timing);
    /* A non-finite loss leaves the gradients untouched (the step is refused). */
    if ((d_h || d_w || d_b) && isfinite(loss))
        backward_timed(pool, h, w, b, targets, NULL, d, d_h, d_w, d_b, scratch, timing, on_tile,
                       tile_ctx);
    return loss;
}
