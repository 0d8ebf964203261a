#include "nn/gru.h"

#include <string.h>

#include "core/blas.h"
#include "nn/vmath.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

size_t orl_gru_cache_floats(orl_gru_dims d)
{
    size_t B = (size_t)d.batch, T = (size_t)d.steps, H = (size_t)d.hidden;
    return 3 * round16(T * B * 3 * H) + round16(T * B * H) + round16((T + 1) * B * H) +
           round16(B * 3 * H) + round16(B * H);
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
    c->steps_run = 0;
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

/* Rows [0, n) of a chunk that still run at step t: up to the last row whose
 * length exceeds t. With rows sorted by decreasing length (as gru4rec lays
 * them out) that is exactly the live rows; otherwise a few finished rows are
 * computed too, which is harmless. */
static int live_rows(const int32_t *lens, int nb, int t)
{
    int n = nb;
    while (n > 0 && lens[n - 1] <= t) n--;
    return n;
}

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
        size_t row0 = (size_t)t * B + b0;
        const int na = live_rows(j->lens + b0, nb, t);
        /* Finished rows keep their state (the weight gradients read it). */
        if (na < nb)
            memcpy(c->h + (row0 + (size_t)B + na) * H, c->h + (row0 + na) * H,
                   sizeof(float) * (size_t)(nb - na) * H);
        if (na == 0) continue;
        float *gi = c->gi + row0 * H3;
        orl_sgemm(0, 1, na, H3, E, 1.0f, j->x + row0 * E, E, j->w.w_ih, E, 0.0f, gi, H3);
        const float *hp = c->h + row0 * H;
        float *hnext = c->h + (row0 + (size_t)B) * H;
        if (t > 0)
            orl_sgemm(0, 1, na, H3, H, 1.0f, hp, H, j->w.w_hh, H, 0.0f, work, H3);
        else
            memset(work, 0, sizeof(float) * (size_t)na * H3);
        for (int b = 0; b < na; b++) {
            float *gib = gi + (size_t)b * H3, *wk = work + (size_t)b * H3;
            float *g = c->gates + (row0 + b) * H3, *hn = c->hn + (row0 + b) * H;
            const float *hpb = hp + (size_t)b * H;
            float *hnb = hnext + (size_t)b * H;
            orl_vec_add(gib, j->w.b_ih, (size_t)H3);
            for (int k = 0; k < 2 * H; k++) g[k] = gib[k] + wk[k] + j->w.b_hh[k];
            orl_vec_sigmoid(g, (size_t)(2 * H));
            for (int k = 0; k < H; k++) {
                hn[k] = wk[2 * H + k] + j->w.b_hh[2 * H + k];
                g[2 * H + k] = gib[2 * H + k] + g[k] * hn[k];
            }
            orl_vec_tanh(g + 2 * H, (size_t)H);
            for (int k = 0; k < H; k++) {
                float z = g[H + k], n = g[2 * H + k];
                hnb[k] = (1.0f - z) * n + z * hpb[k];
            }
        }
    }
    for (int b = 0; b < nb; b++) {
        int len = j->lens[b0 + b];
        memcpy(j->out + (size_t)(b0 + b) * H, c->h + ((size_t)len * B + b0 + b) * H,
               sizeof(float) * (size_t)H);
    }
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
        size_t row0 = (size_t)t * B + b0;
        float *dgi = c->gi + row0 * H3, *dgh = c->dgh + row0 * H3;
        /* Rows finished before step t carry no gradient through it. */
        const int na = live_rows(j->lens + b0, nb, t);
        if (na < nb) {
            memset(dgi + (size_t)na * H3, 0, sizeof(float) * (size_t)(nb - na) * H3);
            memset(dgh + (size_t)na * H3, 0, sizeof(float) * (size_t)(nb - na) * H3);
            if (j->d_x) memset(j->d_x + (row0 + na) * E, 0, sizeof(float) * (size_t)(nb - na) * E);
        }
        if (na == 0) continue;
        for (int b = 0; b < na; b++) {
            float *dhb = dh + (size_t)b * H;
            if (j->lens[b0 + b] - 1 == t)
                orl_vec_add(dhb, j->d_out + (size_t)(b0 + b) * H, (size_t)H);
            const float *g = c->gates + (row0 + b) * H3, *hn = c->hn + (row0 + b) * H;
            const float *hp = c->h + (row0 + b) * H;
            float *dgib = dgi + (size_t)b * H3, *dghb = dgh + (size_t)b * H3;
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
        if (t > 0) orl_sgemm(0, 0, na, H, H3, 1.0f, dgh, H3, j->w.w_hh, H, 1.0f, dh, H);
        if (j->d_x)
            orl_sgemm(0, 0, na, E, H3, 1.0f, dgi, H3, j->w.w_ih, E, 0.0f, j->d_x + row0 * E, E);
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
    int rows = T * B;
    orl_sgemm_pool(pool, 1, 0, H3, E, rows, 1.0f, c->gi, H3, x, E, 1.0f, g.w_ih, E);
    orl_sgemm_pool(pool, 1, 0, H3, H, rows, 1.0f, c->dgh, H3, c->h, H, 1.0f, g.w_hh, H);
    for (int r = 0; r < rows; r++) {
        orl_vec_add(g.b_ih, c->gi + (size_t)r * H3, (size_t)H3);
        orl_vec_add(g.b_hh, c->dgh + (size_t)r * H3, (size_t)H3);
    }
}

size_t orl_gru_one_floats(orl_gru_dims d)
{
    return round16(3 * (size_t)d.hidden) * 2 + round16((size_t)d.hidden);
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
        for (size_t k = 0; k < 2 * H; k++) gi[k] += gh[k];
        orl_vec_sigmoid(gi, 2 * H);
        for (size_t k = 0; k < H; k++) n[k] = gi[2 * H + k] + gi[k] * gh[2 * H + k];
        orl_vec_tanh(n, H);
        for (size_t k = 0; k < H; k++) out[k] = (1.0f - gi[H + k]) * n[k] + gi[H + k] * out[k];
    }
}
