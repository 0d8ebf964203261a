#include "nn/gru.h"

#include <string.h>

#include "core/blas.h"
#include "nn/kgemm.h"
#include "nn/matvec_multi.h"
#include "nn/vmath.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

size_t orl_gru_cache_floats(orl_gru_dims d)
{
    size_t B = (size_t)d.batch, T = (size_t)d.steps, H = (size_t)d.hidden;
    size_t E = (size_t)d.in_dim;
    return 3 * round16(T * B * 3 * H) + round16(T * B * H) + round16((T + 1) * B * H) +
           round16(B * 3 * H) + round16(B * H) + round16(E * 3 * H) + round16(H * 3 * H);
}

void orl_gru_cache_bind(orl_gru_cache *c, float *block, orl_gru_dims d)
{
    size_t B = (size_t)d.batch, T = (size_t)d.steps, H = (size_t)d.hidden;
    c->gi = block;
    block += round16(T * B * 3 * H);
    c->gates = block;
    block += round16(T * B * 3 * H);
    c->dgh = block;
    block += round16(T * B * 3 * H);
    c->hn = block;
    block += round16(T * B * H);
    c->h = block;
    block += round16((T + 1) * B * H);
    c->work = block;
    block += round16(B * 3 * H);
    c->dh = block;
    block += round16(B * H);
    c->w_ih_t = block;
    block += round16((size_t)d.in_dim * 3 * H);
    c->w_hh_t = block;
    c->steps_run = 0;
}

/* Rows [b0, b0 + nb) still running at step t form the prefix [b0, b0 + n):
 * n is one past the last row with len > t. Rows inside the prefix that have
 * stopped are computed harmlessly (as torch.nn.GRU computes every step);
 * callers that sort each chunk by decreasing length make the prefix exact
 * (models/gru4rec.c does), which skips the padding work. */
static int active_prefix(const int32_t *lens, int b0, int nb, int t)
{
    int n = nb;
    while (n > 0 && lens[b0 + n - 1] <= t) n--;
    return n;
}

#if defined(__GNUC__)
#define ORL_NOINLINE __attribute__((noinline))
#else
#define ORL_NOINLINE
#endif

/* One row of one step, given gi = x W_ih^T and wk = h W_hh^T (biases not
 * added): the gates g [3H] (r, z, n), hn = wk_n + b_hn [H] and the new state
 * h_next [H]. gi is updated in place. One out-of-line copy, so that the
 * forward and orl_gru_step round identically. */
static ORL_NOINLINE void cell(float *h_next, float *g, float *hn, float *gi, const float *wk,
                              const float *h_prev, orl_gru_weights w, int H)
{
    if (orl_vec_gru_cell(h_next, g, hn, gi, wk, h_prev, w.b_ih, w.b_hh, (size_t)H)) return;
    orl_vec_add(gi, w.b_ih, (size_t)(3 * H));
    for (int k = 0; k < 2 * H; k++) g[k] = gi[k] + wk[k] + w.b_hh[k];
    orl_vec_sigmoid(g, (size_t)(2 * H));
    for (int k = 0; k < H; k++) {
        hn[k] = wk[2 * H + k] + w.b_hh[2 * H + k];
        g[2 * H + k] = gi[2 * H + k] + g[k] * hn[k];
    }
    orl_vec_tanh(g + 2 * H, (size_t)H);
    for (int k = 0; k < H; k++) {
        float z = g[H + k], n = g[2 * H + k];
        h_next[k] = (1.0f - z) * n + z * h_prev[k];
    }
}

typedef struct gru_job {
    float *out;
    const float *x, *d_out;
    float *d_x;
    const int32_t *lens;
    orl_gru_weights w;
    orl_gru_dims d;
    orl_gru_cache *c;
    int steps;
} gru_job;

static void forward_rows(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const gru_job *j = ctx;
    const int B = j->d.batch, E = j->d.in_dim, H = j->d.hidden, H3 = 3 * j->d.hidden;
    const int b0 = (int)begin, nb = (int)(end - begin);
    orl_gru_cache *c = j->c;
    float *work = c->work + (size_t)b0 * H3;
    memset(c->h + (size_t)b0 * H, 0, sizeof(float) * (size_t)nb * H);
    for (int t = 0; t < j->steps; t++) {
        const int na = active_prefix(j->lens, b0, nb, t);
        if (na == 0) break;
        size_t row0 = (size_t)t * B + b0;
        float *gi = c->gi + row0 * H3;
        orl_kgemm(na, H3, E, j->x + row0 * E, E, 1, c->w_ih_t, H3, gi, H3, 0);
        const float *hp = c->h + row0 * H;
        float *hnext = c->h + (row0 + (size_t)B) * H;
        if (t > 0)
            orl_kgemm(na, H3, H, hp, H, 1, c->w_hh_t, H3, work, H3, 0);
        else
            memset(work, 0, sizeof(float) * (size_t)na * H3);
        for (int b = 0; b < na; b++)
            cell(hnext + (size_t)b * H, c->gates + (row0 + b) * H3, c->hn + (row0 + b) * H,
                 gi + (size_t)b * H3, work + (size_t)b * H3, hp + (size_t)b * H, j->w, H);
    }
    for (int b = 0; b < nb; b++) {
        int len = j->lens[b0 + b];
        memcpy(j->out + (size_t)(b0 + b) * H, c->h + ((size_t)len * B + b0 + b) * H,
               sizeof(float) * (size_t)H);
    }
}

/* out [cols x rows] = in [rows x cols]^T */
static void transpose(float *out, const float *in, int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) out[(size_t)c * rows + r] = in[(size_t)r * cols + c];
}

static int max_len(const int32_t *lens, int n)
{
    int m = 1;
    for (int i = 0; i < n; i++) m = lens[i] > m ? lens[i] : m;
    return m;
}

void orl_gru_forward(orl_pool *pool, float *out, const float *x, const int32_t *lens,
                     orl_gru_weights w, orl_gru_dims d, orl_gru_cache *c)
{
    gru_job j = {out, x, NULL, NULL, lens, w, d, c, max_len(lens, d.batch)};
    c->steps_run = j.steps;
    transpose(c->w_ih_t, w.w_ih, 3 * d.hidden, d.in_dim);
    transpose(c->w_hh_t, w.w_hh, 3 * d.hidden, d.hidden);
    orl_pool_parallel_for(pool, (size_t)d.batch, forward_rows, &j);
}

static void backward_rows(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const gru_job *j = ctx;
    const int B = j->d.batch, E = j->d.in_dim, H = j->d.hidden, H3 = 3 * j->d.hidden;
    const int b0 = (int)begin, nb = (int)(end - begin);
    orl_gru_cache *c = j->c;
    float *dh = c->dh + (size_t)b0 * H;
    memset(dh, 0, sizeof(float) * (size_t)nb * H);
    for (int t = j->steps - 1; t >= 0; t--) {
        const int na = active_prefix(j->lens, b0, nb, t);
        size_t row0 = (size_t)t * B + b0;
        float *dgi = c->gi + row0 * H3, *dgh = c->dgh + row0 * H3;
        /* Rows past the prefix have stopped: no gradient reaches their inputs. */
        if (j->d_x && na < nb)
            memset(j->d_x + (row0 + (size_t)na) * E, 0, sizeof(float) * (size_t)(nb - na) * E);
        if (na == 0) continue;
        for (int b = 0; b < na; b++) {
            float *dhb = dh + (size_t)b * H;
            if (j->lens[b0 + b] - 1 == t)
                orl_vec_add(dhb, j->d_out + (size_t)(b0 + b) * H, (size_t)H);
            const float *g = c->gates + (row0 + b) * H3, *hn = c->hn + (row0 + b) * H;
            const float *hp = c->h + (row0 + b) * H;
            float *dgib = dgi + (size_t)b * H3, *dghb = dgh + (size_t)b * H3;
            if (orl_vec_gru_cell_backward(dgib, dghb, dhb, g, hn, hp, (size_t)H)) continue;
            for (int k = 0; k < H; k++) {
                float r = g[k], z = g[H + k], n = g[2 * H + k], dhv = dhb[k];
                float dn = dhv * (1.0f - z) * (1.0f - n * n);
                float dz = dhv * (hp[k] - n) * z * (1.0f - z);
                float dr = dn * hn[k] * r * (1.0f - r);
                dgib[k] = dr;
                dgib[H + k] = dz;
                dgib[2 * H + k] = dn;
                dghb[k] = dr;
                dghb[H + k] = dz;
                dghb[2 * H + k] = dn * r;
                dhb[k] = dhv * z;
            }
        }
        if (t > 0) orl_kgemm(na, H, H3, dgh, H3, 1, j->w.w_hh, H, dh, H, 1);
        if (j->d_x) orl_kgemm(na, E, H3, dgi, H3, 1, j->w.w_ih, E, j->d_x + row0 * E, E, 0);
    }
}

typedef struct wgrad_job {
    const orl_gru_cache *c;
    const float *x;
    const int32_t *lens;
    orl_gru_grads g;
    int B, steps, parts, E, H;
} wgrad_job;

/* Gate rows [begin, end) of dW_ih += dGI^T X, dW_hh += dGH^T H_prev and the
 * bias gradients (column sums), each thread owning whole gate rows; the sums
 * run over the active prefix of every (step, row chunk) the backward used. */
static void weight_grads(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const wgrad_job *j = ctx;
    const int H3 = 3 * j->H, lo = (int)begin, n = (int)(end - begin);
    const orl_gru_cache *c = j->c;
    for (int k = 0; k < j->parts; k++) {
        size_t cb, ce;
        orl_pool_chunk((size_t)j->B, j->parts, k, &cb, &ce);
        for (int t = 0; t < j->steps; t++) {
            int na = active_prefix(j->lens, (int)cb, (int)(ce - cb), t);
            if (na == 0) break;
            size_t row0 = (size_t)t * j->B + cb;
            orl_kgemm(n, j->E, na, c->gi + row0 * H3 + lo, 1, H3, j->x + row0 * j->E, j->E,
                      j->g.w_ih + (size_t)lo * j->E, j->E, 1);
            orl_kgemm(n, j->H, na, c->dgh + row0 * H3 + lo, 1, H3, c->h + row0 * j->H, j->H,
                      j->g.w_hh + (size_t)lo * j->H, j->H, 1);
            for (int r = 0; r < na; r++) {
                orl_vec_add(j->g.b_ih + lo, c->gi + (row0 + r) * H3 + lo, (size_t)n);
                orl_vec_add(j->g.b_hh + lo, c->dgh + (row0 + r) * H3 + lo, (size_t)n);
            }
        }
    }
}

void orl_gru_backward(orl_pool *pool, float *d_x, orl_gru_grads g, const float *d_out,
                      const float *x, const int32_t *lens, orl_gru_weights w, orl_gru_dims d,
                      orl_gru_cache *c)
{
    const int B = d.batch, E = d.in_dim, H = d.hidden, H3 = 3 * d.hidden, T = c->steps_run;
    gru_job j = {NULL, x, d_out, d_x, lens, w, d, c, T};
    orl_pool_parallel_for(pool, (size_t)B, backward_rows, &j);
    if (d_x && T < d.steps)
        memset(d_x + (size_t)T * B * E, 0, sizeof(float) * (size_t)(d.steps - T) * B * E);
    wgrad_job wj = {c, x, lens, g, B, T, orl_pool_threads(pool), E, H};
    orl_pool_parallel_for(pool, (size_t)H3, weight_grads, &wj);
}

size_t orl_gru_one_floats(orl_gru_dims d)
{
    return round16(3 * (size_t)d.hidden) * 2 + round16((size_t)d.hidden);
}

/* One step of the one-history recurrence after its two products: gi [3H] =
 * W_ih x + b_ih and gh [3H] = W_hh h + b_hh (b_hh alone at t = 0) in, h [H]
 * updated in place; gi is overwritten, n [H] is scratch. Shared by
 * orl_gru_encode_one and orl_gru_encode_rows so that both round alike. */
static ORL_NOINLINE void one_step(float *h, float *gi, const float *gh, float *n, size_t H)
{
    for (size_t k = 0; k < 2 * H; k++) gi[k] += gh[k];
    orl_vec_sigmoid(gi, 2 * H);
    for (size_t k = 0; k < H; k++) n[k] = gi[2 * H + k] + gi[k] * gh[2 * H + k];
    orl_vec_tanh(n, H);
    for (size_t k = 0; k < H; k++) h[k] = (1.0f - gi[H + k]) * n[k] + gi[H + k] * h[k];
}

void orl_gru_encode_one(float *out, const float *x, int len, orl_gru_weights w, orl_gru_dims d,
                        float *scratch)
{
    const size_t E = (size_t)d.in_dim, H = (size_t)d.hidden;
    float *gi = scratch, *gh = scratch + round16(3 * H), *n = gh + round16(3 * H);
    memset(out, 0, sizeof(float) * H);
    for (int t = 0; t < len; t++) {
        orl_matvec(gi, w.w_ih, x + (size_t)t * E, w.b_ih, 3 * H, E);
        if (t > 0)
            orl_matvec(gh, w.w_hh, out, w.b_hh, 3 * H, H);
        else
            memcpy(gh, w.b_hh, sizeof(float) * 3 * H);
        one_step(out, gi, gh, n, H);
    }
}

size_t orl_gru_rows_floats(orl_gru_dims d)
{
    const size_t B = (size_t)d.batch, E = (size_t)d.in_dim, H = (size_t)d.hidden;
    const size_t mm = orl_matvec_multi_work_floats(3 * H, E > H ? E : H);
    return round16(B * E) + 2 * round16(B * H) + 2 * round16(B * 3 * H) + round16(H) + round16(B) +
           round16(mm);
}

void orl_gru_encode_rows(float *out, const float *x, const int32_t *lens, orl_gru_weights w,
                         orl_gru_dims d, float *scratch)
{
    const size_t B = (size_t)d.batch, T = (size_t)d.steps, E = (size_t)d.in_dim;
    const size_t H = (size_t)d.hidden, H3 = 3 * H;
    float *xa = scratch, *ha = xa + round16(B * E), *h = ha + round16(B * H);
    float *gi = h + round16(B * H), *gh = gi + round16(B * H3), *n = gh + round16(B * H3);
    int32_t *idx = (int32_t *)(void *)(n + round16(H));
    float *mm = n + round16(H) + round16(B);
    memset(h, 0, sizeof(float) * B * H);
    for (size_t t = 0; t < T; t++) {
        /* The rows still running at step t, packed. */
        int na = 0;
        for (size_t r = 0; r < B; r++) {
            if ((size_t)lens[r] <= t) continue;
            memcpy(xa + (size_t)na * E, x + (r * T + t) * E, sizeof(float) * E);
            memcpy(ha + (size_t)na * H, h + r * H, sizeof(float) * H);
            idx[na++] = (int32_t)r;
        }
        if (na == 0) break;
        orl_matvec_multi(gi, w.w_ih, w.b_ih, H3, E, xa, na, mm);
        if (t > 0)
            orl_matvec_multi(gh, w.w_hh, w.b_hh, H3, H, ha, na, mm);
        else
            for (int a = 0; a < na; a++) memcpy(gh + (size_t)a * H3, w.b_hh, sizeof(float) * H3);
        for (int a = 0; a < na; a++) {
            float *hr = ha + (size_t)a * H;
            one_step(hr, gi + (size_t)a * H3, gh + (size_t)a * H3, n, H);
            memcpy(h + (size_t)idx[a] * H, hr, sizeof(float) * H);
        }
    }
    memcpy(out, h, sizeof(float) * B * H);
}

size_t orl_gru_step_floats(int rows, orl_gru_dims d)
{
    const size_t H3 = 3 * (size_t)d.hidden;
    return 3 * round16((size_t)rows * H3) + round16((size_t)rows * (size_t)d.hidden);
}

typedef struct step_job {
    float *h_next, *scratch;
    const float *x, *h_prev;
    orl_gru_weights w;
    const orl_gru_cache *c;
    int rows, E, H;
} step_job;

static void step_rows(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const step_job *j = ctx;
    const int E = j->E, H = j->H, H3 = 3 * j->H, n = (int)(end - begin);
    const size_t r0 = begin, R = (size_t)j->rows;
    float *gi = j->scratch + r0 * H3, *wk = j->scratch + round16(R * H3) + r0 * H3;
    float *g = j->scratch + 2 * round16(R * H3) + r0 * H3;
    float *hn = j->scratch + 3 * round16(R * H3) + r0 * H;
    /* The same products and cell as a step t > 0 of the forward. */
    orl_kgemm(n, H3, E, j->x + r0 * E, E, 1, j->c->w_ih_t, H3, gi, H3, 0);
    orl_kgemm(n, H3, H, j->h_prev + r0 * H, H, 1, j->c->w_hh_t, H3, wk, H3, 0);
    for (int b = 0; b < n; b++)
        cell(j->h_next + (r0 + (size_t)b) * H, g + (size_t)b * H3, hn + (size_t)b * H,
             gi + (size_t)b * H3, wk + (size_t)b * H3, j->h_prev + (r0 + (size_t)b) * H, j->w, H);
}

void orl_gru_step(orl_pool *pool, float *h_next, const float *x, const float *h_prev, int rows,
                  orl_gru_weights w, orl_gru_dims d, const orl_gru_cache *c, float *scratch)
{
    if (rows < 1) return;
    step_job j = {h_next, scratch, x, h_prev, w, c, rows, d.in_dim, d.hidden};
    orl_pool_parallel_for(pool, (size_t)rows, step_rows, &j);
}
