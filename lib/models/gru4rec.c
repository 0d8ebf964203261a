#include "models/gru4rec.h"

#include <math.h>
#include <string.h>

#include "core/error.h"
#include "models/encoder.h"
#include "nn/embedding.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static orl_gru_dims gru_dims(orl_gru4rec_dims d, int batch)
{
    orl_gru_dims g = {batch, d.window, d.embed_dim, d.hidden_dim};
    return g;
}

void orl_gru4rec_param_specs(orl_gru4rec_dims d, orl_param_spec *specs)
{
    size_t E = (size_t)d.embed_dim, H = (size_t)d.hidden_dim;
    specs[0] = (orl_param_spec){ORL_GRU4REC_EMB, (size_t)d.n_items + 1, E};
    specs[1] = (orl_param_spec){ORL_GRU4REC_W_IH, 3 * H, E};
    specs[2] = (orl_param_spec){ORL_GRU4REC_W_HH, 3 * H, H};
    specs[3] = (orl_param_spec){ORL_GRU4REC_B_IH, 1, 3 * H};
    specs[4] = (orl_param_spec){ORL_GRU4REC_B_HH, 1, 3 * H};
}

void orl_gru4rec_init(orl_params *p, orl_gru4rec_dims d, orl_rng *rng)
{
    const orl_param_view *emb = orl_params_find(p, ORL_GRU4REC_EMB);
    float *e = p->value + emb->offset;
    for (size_t i = 0; i < emb->rows * emb->cols; i++) e[i] = 0.01f * orl_rng_normal(rng);
    float bound = 1.0f / sqrtf((float)d.hidden_dim);
    const char *names[4] = {ORL_GRU4REC_W_IH, ORL_GRU4REC_W_HH, ORL_GRU4REC_B_IH, ORL_GRU4REC_B_HH};
    for (int k = 0; k < 4; k++) {
        const orl_param_view *v = orl_params_find(p, names[k]);
        float *x = p->value + v->offset;
        for (size_t i = 0; i < v->rows * v->cols; i++)
            x[i] = bound * (2.0f * orl_rng_uniform(rng) - 1.0f);
    }
}

size_t orl_gru4rec_work_floats(orl_gru4rec_dims d, int max_batch)
{
    size_t TB = (size_t)d.window * (size_t)max_batch, B = (size_t)max_batch;
    return 2 * round16(TB * (size_t)d.embed_dim) + round16(TB) + 2 * round16(B) +
           2 * round16(B * (size_t)d.hidden_dim) + orl_gru_cache_floats(gru_dims(d, max_batch));
}

void orl_gru4rec_work_bind(orl_gru4rec_work *w, float *block, orl_gru4rec_dims d, int max_batch)
{
    size_t TB = (size_t)d.window * (size_t)max_batch;
    w->x = block;
    block += round16(TB * (size_t)d.embed_dim);
    w->dx = block;
    block += round16(TB * (size_t)d.embed_dim);
    w->ids = (int32_t *)(void *)block;
    block += round16(TB);
    w->perm = (int32_t *)(void *)block;
    block += round16((size_t)max_batch);
    w->lens_p = (int32_t *)(void *)block;
    block += round16((size_t)max_batch);
    w->hid_p = block;
    block += round16((size_t)max_batch * (size_t)d.hidden_dim);
    w->dh_p = block;
    block += round16((size_t)max_batch * (size_t)d.hidden_dim);
    orl_gru_cache_bind(&w->cache, block, gru_dims(d, max_batch));
    w->max_batch = max_batch;
}

static orl_gru_weights weights_of(const orl_params *p)
{
    orl_gru_weights w = {
        orl_params_at(p, p->value, ORL_GRU4REC_W_IH), orl_params_at(p, p->value, ORL_GRU4REC_W_HH),
        orl_params_at(p, p->value, ORL_GRU4REC_B_IH), orl_params_at(p, p->value, ORL_GRU4REC_B_HH)};
    return w;
}

/* The order of the GRU's rows, as pack_padded_sequence: the GRU splits its
 * rows into one contiguous chunk per pool thread and, at each step, works on
 * the prefix of a chunk that is still running. So rows are dealt out by
 * decreasing length, round robin over the chunks: every chunk is sorted
 * (no padding work) and the chunks carry equal work. Stable, so the order
 * (and the result) depends only on the batch and the thread count. */
static void plan_rows(orl_gru4rec_work *w, const int32_t *lens, int batch, int window, int parts)
{
    int fill[256] = {0}, start[256];
    for (int k = 0; k < parts; k++) {
        size_t b0, b1;
        orl_pool_chunk((size_t)batch, parts, k, &b0, &b1);
        start[k] = (int)b0;
        fill[k] = (int)(b1 - b0); /* free slots */
    }
    int k = 0;
    for (int len = window; len >= 1; len--)
        for (int b = 0; b < batch; b++) {
            if (lens[b] != len) continue;
            while (fill[k] == 0) k = (k + 1) % parts;
            size_t b0, b1;
            orl_pool_chunk((size_t)batch, parts, k, &b0, &b1);
            int pos = (int)(b1 - b0) - fill[k] + start[k];
            fill[k]--;
            w->perm[pos] = b;
            w->lens_p[pos] = len;
            k = (k + 1) % parts;
        }
}

void orl_gru4rec_forward(orl_pool *pool, const orl_params *p, orl_gru4rec_dims d,
                         orl_gru4rec_work *w, const int32_t *states, const int32_t *lens, int batch,
                         float *hidden)
{
    const int T = d.window, H = d.hidden_dim;
    int parts = orl_pool_threads(pool);
    if (parts > batch) parts = batch;
    plan_rows(w, lens, batch, T, parts < 1 ? 1 : parts);
    /* Time-major ids so each step's inputs are contiguous rows. */
    for (int t = 0; t < T; t++)
        for (int r = 0; r < batch; r++)
            w->ids[(size_t)t * batch + r] = states[(size_t)w->perm[r] * T + t];
    orl_embedding_forward(w->x, w->ids, (size_t)T * batch,
                          orl_params_at(p, p->value, ORL_GRU4REC_EMB), (size_t)d.embed_dim);
    orl_gru_cache_bind(&w->cache, w->cache.gi, gru_dims(d, batch));
    orl_gru_forward(pool, w->hid_p, w->x, w->lens_p, weights_of(p), gru_dims(d, batch), &w->cache);
    for (int r = 0; r < batch; r++)
        memcpy(hidden + (size_t)w->perm[r] * H, w->hid_p + (size_t)r * H, sizeof(float) * H);
}

void orl_gru4rec_backward(orl_pool *pool, orl_params *p, orl_gru4rec_dims d, orl_gru4rec_work *w,
                          const int32_t *lens, int batch, const float *d_hidden)
{
    orl_gru_grads g = {
        orl_params_at(p, p->grad, ORL_GRU4REC_W_IH), orl_params_at(p, p->grad, ORL_GRU4REC_W_HH),
        orl_params_at(p, p->grad, ORL_GRU4REC_B_IH), orl_params_at(p, p->grad, ORL_GRU4REC_B_HH)};
    const int H = d.hidden_dim;
    (void)lens; /* the forward's row order and lengths are in w */
    for (int r = 0; r < batch; r++)
        memcpy(w->dh_p + (size_t)r * H, d_hidden + (size_t)w->perm[r] * H, sizeof(float) * H);
    orl_gru_backward(pool, w->dx, g, w->dh_p, w->x, w->lens_p, weights_of(p), gru_dims(d, batch),
                     &w->cache);
    /* Only the steps the GRU ran carry gradient. */
    size_t rows = (size_t)w->cache.steps_run * (size_t)batch;
    orl_embedding_backward(orl_params_at(p, p->grad, ORL_GRU4REC_EMB), w->dx, w->ids, rows,
                           (size_t)d.embed_dim);
}

void orl_gru4rec_mark_touched(const orl_gru4rec_work *w, int batch, unsigned char *touched)
{
    size_t rows = (size_t)w->cache.steps_run * (size_t)batch;
    for (size_t i = 0; i < rows; i++) touched[w->ids[i]] = 1;
}

size_t orl_gru4rec_one_floats(orl_gru4rec_dims d)
{
    return round16((size_t)d.window * (size_t)d.embed_dim) + orl_gru_one_floats(gru_dims(d, 1));
}

void orl_gru4rec_encode_one(const orl_params *p, orl_gru4rec_dims d, const int32_t *state,
                            int32_t len, float *scratch, float *hidden)
{
    float *x = scratch;
    orl_embedding_forward(x, state, (size_t)len, orl_params_at(p, p->value, ORL_GRU4REC_EMB),
                          (size_t)d.embed_dim);
    orl_gru_encode_one(hidden, x, len, weights_of(p), gru_dims(d, 1),
                       scratch + round16((size_t)d.window * (size_t)d.embed_dim));
}

size_t orl_gru4rec_step_floats(orl_gru4rec_dims d, int n)
{
    return round16((size_t)n * (size_t)d.embed_dim) + orl_gru_step_floats(n, gru_dims(d, n));
}

void orl_gru4rec_step(orl_pool *pool, const orl_params *p, orl_gru4rec_dims d,
                      const orl_gru4rec_work *w, const float *h_prev, const int32_t *ids, int n,
                      float *h_next, float *scratch)
{
    if (n < 1) return;
    float *x = scratch;
    orl_embedding_forward(x, ids, (size_t)n, orl_params_at(p, p->value, ORL_GRU4REC_EMB),
                          (size_t)d.embed_dim);
    orl_gru_step(pool, h_next, x, h_prev, n, weights_of(p), gru_dims(d, n), &w->cache,
                 scratch + round16((size_t)n * (size_t)d.embed_dim));
}

/* ---- GRU4Rec behind the encoder interface (models/encoder.h) ---- */

static orl_gru4rec_dims dims_of(const orl_enc *e)
{
    orl_gru4rec_dims d = {e->n_items, (int)e->spec.embed_dim, (int)e->spec.hidden_dim,
                          (int)e->spec.window};
    return d;
}

static int enc_resolve(orl_encoder_spec *s)
{
    if (s->dropout < 0.0f) s->dropout = 0.0f;
    return ORL_OK;
}

static int enc_state_dim(const orl_encoder_spec *s)
{
    return (int)s->hidden_dim;
}

static int enc_n_params(const orl_encoder_spec *s)
{
    (void)s;
    return ORL_GRU4REC_N_PARAMS;
}

static void enc_param_specs(const orl_enc *e, orl_param_spec *specs, orl_param_name *names)
{
    (void)names; /* the names are literals */
    orl_gru4rec_param_specs(dims_of(e), specs);
}

static void enc_init(orl_params *p, const orl_enc *e, orl_rng *rng)
{
    orl_gru4rec_init(p, dims_of(e), rng);
}

/* The work struct sits at the start of the block, its floats after it. */
static size_t enc_work_bytes(const orl_enc *e, int max_batch)
{
    return orl_enc_round64(sizeof(orl_gru4rec_work)) +
           sizeof(float) * orl_gru4rec_work_floats(dims_of(e), max_batch);
}

static void *enc_work_bind(void *block, const orl_enc *e, int max_batch)
{
    orl_gru4rec_work *w = block;
    float *floats = (float *)(void *)((char *)block + orl_enc_round64(sizeof *w));
    orl_gru4rec_work_bind(w, floats, dims_of(e), max_batch);
    return w;
}

static void enc_forward(orl_pool *pool, const orl_params *p, const orl_enc *e, void *work,
                        const int32_t *states, const int32_t *lens, int batch, orl_rng *dropout,
                        float *out)
{
    (void)dropout; /* the net applies GRU4Rec's dropout to the state (state_dropout) */
    orl_gru4rec_forward(pool, p, dims_of(e), work, states, lens, batch, out);
}

static void enc_backward(orl_pool *pool, orl_params *p, const orl_enc *e, void *work,
                         const int32_t *states, const int32_t *lens, int batch, const float *d_out)
{
    (void)states;
    orl_gru4rec_backward(pool, p, dims_of(e), work, lens, batch, d_out);
}

static void enc_mark_touched(const orl_enc *e, const void *work, const int32_t *states,
                             const int32_t *lens, int batch, unsigned char *touched)
{
    (void)e, (void)states, (void)lens;
    orl_gru4rec_mark_touched(work, batch, touched);
}

static size_t enc_one_bytes(const orl_enc *e)
{
    return sizeof(float) * orl_gru4rec_one_floats(dims_of(e));
}

static void enc_encode_one(const orl_params *p, const orl_enc *e, const int32_t *state, int32_t len,
                           void *scratch, float *out)
{
    orl_gru4rec_encode_one(p, dims_of(e), state, len, scratch, out);
}

/* x [n x T x E], then the GRU's scratch. */
static size_t enc_rows_bytes(const orl_enc *e, int n)
{
    orl_gru4rec_dims d = dims_of(e);
    return sizeof(float) * (round16((size_t)n * (size_t)d.window * (size_t)d.embed_dim) +
                            orl_gru_rows_floats(gru_dims(d, n)));
}

static void enc_encode_rows(const orl_params *p, const orl_enc *e, const int32_t *states,
                            const int32_t *lens, int n, void *scratch, float *out)
{
    orl_gru4rec_dims d = dims_of(e);
    float *x = scratch;
    size_t rows = (size_t)n * (size_t)d.window;
    orl_embedding_forward(x, states, rows, orl_params_at(p, p->value, ORL_GRU4REC_EMB),
                          (size_t)d.embed_dim);
    orl_gru_encode_rows(out, x, lens, weights_of(p), gru_dims(d, n),
                        x + round16(rows * (size_t)d.embed_dim));
}

static size_t enc_step_bytes(const orl_enc *e, int n)
{
    return sizeof(float) * orl_gru4rec_step_floats(dims_of(e), n);
}

static void enc_step(orl_pool *pool, const orl_params *p, const orl_enc *e, const void *work,
                     const float *h_prev, const int32_t *ids, int n, float *h_next, void *scratch)
{
    orl_gru4rec_step(pool, p, dims_of(e), work, h_prev, ids, n, h_next, scratch);
}

const orl_encoder_class orl_encoder_gru4rec = {
    .name = "gru4rec",
    .state_dropout = 1,
    .resolve = enc_resolve,
    .state_dim = enc_state_dim,
    .n_params = enc_n_params,
    .param_specs = enc_param_specs,
    .init = enc_init,
    .work_bytes = enc_work_bytes,
    .work_bind = enc_work_bind,
    .forward = enc_forward,
    .backward = enc_backward,
    .mark_touched = enc_mark_touched,
    .one_bytes = enc_one_bytes,
    .encode_one = enc_encode_one,
    .rows_bytes = enc_rows_bytes,
    .encode_rows = enc_encode_rows,
    .step_bytes = enc_step_bytes,
    .step = enc_step,
};
