#include "nn/softmax_entropy.h"

#include <math.h>
#include <string.h>

#include "core/blas.h"
#include "nn/softmax_ce.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* Per thread: a logits tile [B x TILE], the running max, sum of exp and sum
 * of exp * z of each row [3 x B], and a private d_h [B x H]. */
static size_t thread_floats(int batch, int hidden)
{
    size_t B = (size_t)batch;
    return round16(B * ORL_CE_TILE) + 3 * round16(B) + round16(B * (size_t)hidden);
}

size_t orl_softmax_entropy_scratch_floats(int batch, int hidden, int threads)
{
    /* Then the per-row results: log-sum-exp, E[z], entropy. */
    return 3 * round16((size_t)batch) + (size_t)threads * thread_floats(batch, hidden);
}

typedef struct ent_job {
    const float *h, *w, *b;
    int B, H, I;
    float coef;
    float *d_w, *d_b;
    int want_dh;
    float *lse, *ez; /* [B] after pass 1 */
    float *local;
} ent_job;

typedef struct ent_space {
    float *tile, *max, *sum, *sumz, *dh;
} ent_space;

static ent_space space_of(const ent_job *j, int t)
{
    size_t B = (size_t)j->B;
    float *p = j->local + (size_t)t * thread_floats(j->B, j->H);
    ent_space s;
    s.tile = p;
    p += round16(B * ORL_CE_TILE);
    s.max = p;
    s.sum = p + round16(B);
    s.sumz = p + 2 * round16(B);
    s.dh = p + 3 * round16(B);
    return s;
}

static void tile_range(const ent_job *j, size_t begin, size_t end, size_t *lo, size_t *hi)
{
    *lo = begin * ORL_CE_TILE;
    *hi = end * ORL_CE_TILE;
    if (*hi > (size_t)j->I) *hi = (size_t)j->I;
}

/* tile [B x nt] (row stride nt) = h W_t^T + b_t for items [i0, i0 + nt). */
static void logits(const ent_job *j, float *tile, size_t i0, int nt)
{
    orl_sgemm(0, 1, j->B, nt, j->H, 1.0f, j->h, j->H, j->w + i0 * (size_t)j->H, j->H, 0.0f, tile,
              nt);
    for (int r = 0; r < j->B; r++) {
        float *z = tile + (size_t)r * nt;
        for (int c = 0; c < nt; c++) z[c] += j->b[i0 + c];
    }
}

static void pass1(void *ctx, size_t begin, size_t end, int t)
{
    const ent_job *j = ctx;
    ent_space s = space_of(j, t);
    size_t lo, hi;
    tile_range(j, begin, end, &lo, &hi);
    for (size_t i0 = lo; i0 < hi; i0 += ORL_CE_TILE) {
        int nt = (int)(hi - i0 < ORL_CE_TILE ? hi - i0 : ORL_CE_TILE);
        logits(j, s.tile, i0, nt);
        for (int r = 0; r < j->B; r++) {
            const float *z = s.tile + (size_t)r * nt;
            float m = z[0];
            for (int c = 1; c < nt; c++) m = z[c] > m ? z[c] : m;
            double se = 0.0, sz = 0.0;
            for (int c = 0; c < nt; c++) {
                double e = exp((double)(z[c] - m));
                se += e;
                sz += e * (double)z[c];
            }
            /* Merge into the running row: rescale the smaller max's sums. */
            float M = s.max[r];
            if (m > M) {
                double f = exp((double)(M - m));
                s.sum[r] = (float)((double)s.sum[r] * f + se);
                s.sumz[r] = (float)((double)s.sumz[r] * f + sz);
                s.max[r] = m;
            } else {
                double f = exp((double)(m - M));
                s.sum[r] += (float)(se * f);
                s.sumz[r] += (float)(sz * f);
            }
        }
    }
}

static void pass2(void *ctx, size_t begin, size_t end, int t)
{
    const ent_job *j = ctx;
    ent_space s = space_of(j, t);
    const float scale = -j->coef / (float)j->B; /* d(coef * mean H)/dz = -coef pi (z - E z) / B */
    size_t lo, hi;
    tile_range(j, begin, end, &lo, &hi);
    for (size_t i0 = lo; i0 < hi; i0 += ORL_CE_TILE) {
        int nt = (int)(hi - i0 < ORL_CE_TILE ? hi - i0 : ORL_CE_TILE);
        logits(j, s.tile, i0, nt);
        for (int r = 0; r < j->B; r++) {
            float *z = s.tile + (size_t)r * nt;
            const float lse = j->lse[r], ez = j->ez[r];
            for (int c = 0; c < nt; c++) z[c] = scale * expf(z[c] - lse) * (z[c] - ez);
            if (j->d_b)
                for (int c = 0; c < nt; c++) j->d_b[i0 + c] += z[c];
        }
        if (j->d_w)
            orl_sgemm(1, 0, nt, j->H, j->B, 1.0f, s.tile, nt, j->h, j->H, 1.0f,
                      j->d_w + i0 * (size_t)j->H, j->H);
        if (j->want_dh)
            orl_sgemm(0, 0, j->B, j->H, nt, 1.0f, s.tile, nt, j->w + i0 * (size_t)j->H, j->H, 1.0f,
                      s.dh, j->H);
    }
}

float orl_softmax_entropy(orl_pool *pool, const float *h, const float *w, const float *b, int batch,
                          int hidden, int n_items, float coef, float *d_h, float *d_w, float *d_b,
                          float *scratch, float *out_row)
{
    const int B = batch, H = hidden, threads = orl_pool_threads(pool);
    ent_job j = {h, w, b, B, H, n_items, coef, d_w, d_b, d_h != NULL, NULL, NULL, NULL};
    j.lse = scratch;
    j.ez = scratch + round16((size_t)B);
    float *ent = scratch + 2 * round16((size_t)B);
    j.local = scratch + 3 * round16((size_t)B);
    for (int t = 0; t < threads; t++) {
        ent_space s = space_of(&j, t);
        for (int r = 0; r < B; r++) {
            s.max[r] = -INFINITY;
            s.sum[r] = 0.0f;
            s.sumz[r] = 0.0f;
        }
        memset(s.dh, 0, sizeof(float) * (size_t)B * H);
    }
    const size_t tiles = ((size_t)n_items + ORL_CE_TILE - 1) / ORL_CE_TILE;
    orl_pool_parallel_for(pool, tiles, pass1, &j);
    double total = 0.0;
    for (int r = 0; r < B; r++) {
        float M = -INFINITY;
        for (int t = 0; t < threads; t++) {
            float m = space_of(&j, t).max[r];
            M = m > M ? m : M;
        }
        double se = 0.0, sz = 0.0;
        for (int t = 0; t < threads; t++) {
            ent_space s = space_of(&j, t);
            if (s.sum[r] > 0.0f) {
                double f = exp((double)(s.max[r] - M));
                se += (double)s.sum[r] * f;
                sz += (double)s.sumz[r] * f;
            }
        }
        j.lse[r] = M + (float)log(se);
        j.ez[r] = (float)(sz / se);
        ent[r] = j.lse[r] - j.ez[r];
        if (out_row) out_row[r] = ent[r];
        total += ent[r];
    }
    if (coef != 0.0f && (d_h || d_w || d_b)) {
        orl_pool_parallel_for(pool, tiles, pass2, &j);
        if (d_h)
            for (int t = 0; t < threads; t++) {
                const float *dh = space_of(&j, t).dh;
                for (size_t i = 0; i < (size_t)B * H; i++) d_h[i] += dh[i];
            }
    }
    return (float)(total / B);
}
