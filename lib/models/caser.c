/* Caser behind the encoder interface (models/encoder.h), as the peer's
 * seqrec_torch.py Caser and the SQN / SA2C references' Caser.py: the history
 * x = emb[s] * mask is a T x E image; for each filter height h, F horizontal
 * filters of h rows (nn/hconv.h: conv over time, ReLU, max over time); V
 * vertical filters of height T (nn/vconv.h); the state is the concatenation
 * [F per height ..., V x E], with dropout on it while training.
 *
 * lens is not read: a history's stored rows end at its last non-padding id and
 * padding ids among them are zero rows (the reference's * mask), so the state
 * is the reference's for any input, and the zero rows after them cost nothing.
 *
 * Every history runs the same row code (encode_row) in the batch forward and
 * in encode_one, so the two agree bit for bit; a batch computes many
 * histories' products in one call only where that gives the same bits
 * (orl_hconv_stackable). The backward keeps no shared
 * accumulator per thread: each history writes its own slices, then every
 * parameter gradient is one product or one ordered sum over the batch, so the
 * result does not depend on the pool. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "models/encoder.h"
#include "nn/dropout.h"
#include "nn/hconv.h"
#include "nn/vconv.h"
#include "nn/vmath.h"

#if defined(__GNUC__)
#define CASER_NOINLINE __attribute__((noinline))
#else
#define CASER_NOINLINE
#endif

enum { DEF_FILTERS = 16, MAX_FILTERS = 1024, DEF_V_FILTERS = 1, MAX_V_FILTERS = 64 };

#define NAME_VW "caser.v.w"
#define NAME_VB "caser.v.b"

/* The sizes of a resolved spec. z (and dz) hold every height's columns side
 * by side: ftot = sum_k h_k F, height k from column col[k]. */
typedef struct shape {
    int T, E, F, V, nh, S, ftot;
    int h[ORL_ENC_MAX_HEIGHTS], col[ORL_ENC_MAX_HEIGHTS];
} shape;

static shape shape_of(const orl_encoder_spec *s)
{
    shape q;
    memset(&q, 0, sizeof q);
    q.T = (int)s->window;
    q.E = (int)s->embed_dim;
    q.F = (int)s->num_filters;
    q.V = (int)s->num_v_filters;
    q.nh = (int)s->n_heights;
    for (int k = 0; k < q.nh; k++) {
        q.h[k] = (int)s->filter_heights[k];
        q.col[k] = q.ftot;
        q.ftot += q.h[k] * q.F;
    }
    q.S = q.F * q.nh + q.V * q.E;
    return q;
}

static orl_hconv_dims hdims(const shape *q, int k)
{
    return (orl_hconv_dims){q->T, q->E, q->F, q->h[k]};
}

static orl_vconv_dims vdims(const shape *q)
{
    return (orl_vconv_dims){q->T, q->E, q->V};
}

/* caser.h<k>.w [E x h F] (layout in nn/hconv.h), caser.h<k>.b [F]. */
static void name_h(char *dst, int k, char what)
{
    snprintf(dst, ORL_PARAM_NAME_MAX, "caser.h%d.%c", k, what);
}

/* Every tensor's start in one buffer of the store (values or gradients). */
typedef struct tensors {
    float *emb, *w[ORL_ENC_MAX_HEIGHTS], *b[ORL_ENC_MAX_HEIGHTS], *vw, *vb;
} tensors;

static tensors tensors_in(const orl_params *p, float *buf, const shape *q)
{
    tensors t;
    char name[ORL_PARAM_NAME_MAX];
    t.emb = orl_params_at(p, buf, ORL_ENC_EMB);
    for (int k = 0; k < q->nh; k++) {
        name_h(name, k, 'w');
        t.w[k] = orl_params_at(p, buf, name);
        name_h(name, k, 'b');
        t.b[k] = orl_params_at(p, buf, name);
    }
    t.vw = orl_params_at(p, buf, NAME_VW);
    t.vb = orl_params_at(p, buf, NAME_VB);
    return t;
}

/* ---- settings ---- */

static int enc_resolve(orl_encoder_spec *s)
{
    if (s->dropout < 0.0f) s->dropout = 0.1f;
    if (s->num_filters == 0) s->num_filters = DEF_FILTERS;
    if (s->num_v_filters == 0) s->num_v_filters = DEF_V_FILTERS;
    if (s->n_heights == 0) {
        /* The reference's 2, 3, 4; those a shorter window holds, at least 1. */
        for (uint32_t h = 2; h <= 4; h++)
            if (h <= s->window) s->filter_heights[s->n_heights++] = h;
        if (s->n_heights == 0) s->filter_heights[s->n_heights++] = 1;
    }
    if (s->num_filters > MAX_FILTERS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "caser num_filters %u is outside [1, %d]",
                        s->num_filters, MAX_FILTERS);
    if (s->num_v_filters > MAX_V_FILTERS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "caser num_v_filters %u is outside [1, %d]",
                        s->num_v_filters, MAX_V_FILTERS);
    if (s->n_heights > ORL_ENC_MAX_HEIGHTS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "caser filter_heights: %u heights, expected 1..%d",
                        s->n_heights, ORL_ENC_MAX_HEIGHTS);
    for (uint32_t i = 0; i < s->n_heights; i++)
        if (s->filter_heights[i] < 1 || s->filter_heights[i] > s->window)
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "caser filter_heights[%u] = %u is outside [1, window %u]", i,
                            s->filter_heights[i], s->window);
    return ORL_OK;
}

static int enc_state_dim(const orl_encoder_spec *s)
{
    return shape_of(s).S;
}

static int enc_n_params(const orl_encoder_spec *s)
{
    return 1 + 2 * (int)s->n_heights + 2;
}

static void enc_param_specs(const orl_enc *e, orl_param_spec *specs, orl_param_name *names)
{
    const shape q = shape_of(&e->spec);
    int i = 0;
    specs[i++] = (orl_param_spec){ORL_ENC_EMB, (size_t)e->n_items + 1, (size_t)q.E};
    for (int k = 0; k < q.nh; k++) {
        name_h(names[i], k, 'w');
        specs[i] = (orl_param_spec){names[i], (size_t)q.E, (size_t)(q.h[k] * q.F)};
        i++;
        name_h(names[i], k, 'b');
        specs[i] = (orl_param_spec){names[i], 1, (size_t)q.F};
        i++;
    }
    strcpy(names[i], NAME_VW);
    specs[i] = (orl_param_spec){names[i], (size_t)q.V, (size_t)q.T};
    i++;
    strcpy(names[i], NAME_VB);
    specs[i] = (orl_param_spec){names[i], 1, (size_t)q.V};
}

/* TF's truncated_normal: N(0, std), re-drawn outside 2 std. */
static float trunc_normal(orl_rng *rng, float std)
{
    float z;
    do z = orl_rng_normal(rng);
    while (z < -2.0f || z > 2.0f);
    return std * z;
}

static void fill(float *x, size_t n, float value)
{
    for (size_t i = 0; i < n; i++) x[i] = value;
}

static void enc_init(orl_params *p, const orl_enc *e, orl_rng *rng)
{
    const shape q = shape_of(&e->spec);
    tensors t = tensors_in(p, p->value, &q);
    const size_t E = (size_t)q.E;
    for (size_t i = 0; i < ((size_t)e->n_items + 1) * E; i++)
        t.emb[i] = 0.01f * orl_rng_normal(rng);
    for (int k = 0; k < q.nh; k++) {
        for (size_t i = 0; i < E * (size_t)(q.h[k] * q.F); i++) t.w[k][i] = trunc_normal(rng, 0.1f);
        fill(t.b[k], (size_t)q.F, 0.1f);
    }
    for (size_t i = 0; i < (size_t)q.V * (size_t)q.T; i++) t.vw[i] = trunc_normal(rng, 0.1f);
    fill(t.vb, (size_t)q.V, 0.1f);
}

/* ---- the row code shared by forward and encode_one ---- */

/* Rows up to the last non-padding id: the rest of the image is zero. */
static int stored_rows(const int32_t *ids, int T, int32_t pad)
{
    int n = T;
    while (n > 0 && ids[n - 1] == pad) n--;
    return n;
}

/* x [n x E] = the history's stored rows (padding ids among them zero: the
 * reference's * mask). */
static void gather_rows(float *x, const int32_t *ids, int n, const float *emb, size_t E,
                        int32_t pad)
{
    for (int t = 0; t < n; t++) {
        if (ids[t] == pad)
            memset(x + t * E, 0, sizeof(float) * E);
        else
            memcpy(x + t * E, emb + (size_t)ids[t] * E, sizeof(float) * E);
    }
}

/* 1 when every height's products may stack histories (nn/hconv.h). */
static int stackable(const shape *q)
{
    for (int k = 0; k < q->nh; k++)
        if (!orl_hconv_stackable(hdims(q, k))) return 0;
    return 1;
}

/* The state [S] of one history of n stored rows x; arg [nh F] the max-pool
 * positions; z [n x ftot] its products, computed here unless have_z (a batch
 * stacked them). Out of line: one copy for every caller, so they round
 * alike. */
static CASER_NOINLINE void encode_row(float *state, int32_t *arg, const float *x, float *z, int n,
                                      const tensors *w, const shape *q, int have_z)
{
    for (int k = 0; k < q->nh; k++) {
        const orl_hconv_dims hd = hdims(q, k);
        if (!have_z) orl_hconv_products(z + q->col[k], q->ftot, x, n, w->w[k], hd);
        orl_hconv_pool(state + k * q->F, arg + k * q->F, z + q->col[k], q->ftot, n, w->b[k], hd);
    }
    orl_vconv_forward(state + q->nh * q->F, x, n, w->vw, w->vb, vdims(q));
}

/* ---- workspace ---- */

typedef struct caser_work {
    int max_batch;
    int rows;                 /* stored rows of the last forward's batch */
    int dropped;              /* the last forward drew a dropout mask */
    int32_t *n_rows, *row0;   /* [B]: stored rows of each history, its first row in x */
    int32_t *arg;             /* [B x nh F] */
    float *x, *dx;            /* [B T x E]: the stored rows, packed, and their gradient */
    float *za;                /* [B T x ftot]: z in the forward, dz in the backward */
    float *state, *mask, *ds; /* [B x S]: before dropout, the mask, dL/dstate */
    float *pw, *pb;           /* [B x V x T], [B x V]: each history's vertical gradients */
    float *wt;                /* [ftot x E]: every height's w^T */
} caser_work;

enum { P_NROWS, P_ROW0, P_ARG, P_X, P_DX, P_ZA, P_STATE, P_MASK, P_DS, P_PW, P_PB, P_WT, N_PIECES };

/* Byte offsets of the pieces after the struct (each 64-byte aligned), and
 * the total. */
static size_t layout(const shape *q, size_t B, size_t off[N_PIECES])
{
    const size_t rows = B * (size_t)q->T, S = (size_t)q->S, f = sizeof(float);
    const size_t bytes[N_PIECES] = {sizeof(int32_t) * B,
                                    sizeof(int32_t) * B,
                                    sizeof(int32_t) * B * (size_t)(q->nh * q->F),
                                    f * rows * (size_t)q->E,
                                    f * rows * (size_t)q->E,
                                    f * rows * (size_t)q->ftot,
                                    f * B * S,
                                    f * B * S,
                                    f * B * S,
                                    f * B * (size_t)(q->V * q->T),
                                    f * B * (size_t)q->V,
                                    f * (size_t)q->ftot * (size_t)q->E};
    size_t total = orl_enc_round64(sizeof(caser_work));
    for (int i = 0; i < N_PIECES; i++) {
        off[i] = total;
        total += orl_enc_round64(bytes[i]);
    }
    return total;
}

static size_t enc_work_bytes(const orl_enc *e, int max_batch)
{
    const shape q = shape_of(&e->spec);
    size_t off[N_PIECES];
    return layout(&q, (size_t)max_batch, off);
}

static void *enc_work_bind(void *block, const orl_enc *e, int max_batch)
{
    const shape q = shape_of(&e->spec);
    size_t off[N_PIECES];
    layout(&q, (size_t)max_batch, off);
    char *base = block;
    caser_work *w = block;
    memset(w, 0, sizeof *w);
    w->max_batch = max_batch;
    w->n_rows = (int32_t *)(void *)(base + off[P_NROWS]);
    w->row0 = (int32_t *)(void *)(base + off[P_ROW0]);
    w->arg = (int32_t *)(void *)(base + off[P_ARG]);
    w->x = (float *)(void *)(base + off[P_X]);
    w->dx = (float *)(void *)(base + off[P_DX]);
    w->za = (float *)(void *)(base + off[P_ZA]);
    w->state = (float *)(void *)(base + off[P_STATE]);
    w->mask = (float *)(void *)(base + off[P_MASK]);
    w->ds = (float *)(void *)(base + off[P_DS]);
    w->pw = (float *)(void *)(base + off[P_PW]);
    w->pb = (float *)(void *)(base + off[P_PB]);
    w->wt = (float *)(void *)(base + off[P_WT]);
    return w;
}

/* ---- forward ---- */

typedef struct fwd_job {
    const shape *q;
    tensors w;
    caser_work *wk;
    const int32_t *states;
    int32_t pad;
    float *out;
} fwd_job;

/* Histories [b0, b1): their rows are contiguous in x and z, so that one
 * product per height covers them when stackable. */
static void fwd_rows(void *ctx, size_t b0, size_t b1, int thread)
{
    (void)thread;
    const fwd_job *j = ctx;
    const shape *q = j->q;
    caser_work *w = j->wk;
    const size_t S = (size_t)q->S, E = (size_t)q->E, Z = (size_t)q->ftot;
    if (b1 <= b0) return;
    for (size_t b = b0; b < b1; b++)
        gather_rows(w->x + (size_t)w->row0[b] * E, j->states + b * (size_t)q->T, w->n_rows[b],
                    j->w.emb, E, j->pad);
    const int stack = stackable(q);
    if (stack) {
        const size_t c0 = (size_t)w->row0[b0];
        const int rows = w->row0[b1 - 1] + w->n_rows[b1 - 1] - (int)c0;
        for (int k = 0; k < q->nh; k++)
            orl_hconv_products(w->za + c0 * Z + q->col[k], q->ftot, w->x + c0 * E, rows, j->w.w[k],
                               hdims(q, k));
    }
    for (size_t b = b0; b < b1; b++) {
        const size_t r0 = (size_t)w->row0[b];
        float *st = w->state + b * S, *o = j->out + b * S;
        encode_row(st, w->arg + b * (size_t)(q->nh * q->F), w->x + r0 * E, w->za + r0 * Z,
                   w->n_rows[b], &j->w, q, stack);
        if (w->dropped)
            orl_dropout_forward(o, st, w->mask + b * S, S);
        else
            memcpy(o, st, sizeof(float) * S);
    }
}

static void enc_forward(orl_pool *pool, const orl_params *p, const orl_enc *e, void *work,
                        const int32_t *states, const int32_t *lens, int batch, orl_rng *dropout,
                        float *out)
{
    (void)lens;
    const shape q = shape_of(&e->spec);
    caser_work *w = work;
    const int32_t pad = e->n_items;
    int rows = 0;
    for (int b = 0; b < batch; b++) {
        w->n_rows[b] = stored_rows(states + (size_t)b * q.T, q.T, pad);
        w->row0[b] = rows;
        rows += w->n_rows[b];
    }
    w->rows = rows;
    /* Drawn serially before the rows are split, so the pool changes nothing. */
    w->dropped = dropout && e->spec.dropout > 0.0f;
    if (w->dropped) orl_dropout_mask(w->mask, (size_t)batch * q.S, e->spec.dropout, dropout);
    fwd_job j = {&q, tensors_in(p, p->value, &q), w, states, pad, out};
    orl_pool_parallel_for(pool, (size_t)batch, fwd_rows, &j);
}

/* ---- backward ---- */

typedef struct bwd_job {
    const shape *q;
    tensors val, grad;
    caser_work *wk;
    const int32_t *states;
    const float *d_out;
    int batch;
    int32_t pad;
} bwd_job;

/* Histories [b0, b1): dL/dstate, dz of every height, dx of their rows (one
 * product per height when stackable), their own vertical filter gradients. */
static void bwd_rows(void *ctx, size_t b0, size_t b1, int thread)
{
    (void)thread;
    const bwd_job *j = ctx;
    const shape *q = j->q;
    caser_work *w = j->wk;
    const size_t S = (size_t)q->S, E = (size_t)q->E, Z = (size_t)q->ftot;
    const size_t VT = (size_t)(q->V * q->T);
    const int nhF = q->nh * q->F; /* the horizontal part of the state */
    if (b1 <= b0) return;
    for (size_t b = b0; b < b1; b++) {
        float *ds = w->ds + b * S, *dz = w->za + (size_t)w->row0[b] * Z;
        const float *st = w->state + b * S;
        if (w->dropped)
            orl_dropout_backward(ds, j->d_out + b * S, w->mask + b * S, S);
        else
            memcpy(ds, j->d_out + b * S, sizeof(float) * S);
        const int32_t *arg = w->arg + b * (size_t)nhF;
        for (int k = 0; k < q->nh; k++) {
            const int c = k * q->F;
            orl_hconv_backward_z(dz + q->col[k], q->ftot, ds + c, st + c, arg + c, w->n_rows[b],
                                 hdims(q, k));
        }
    }
    /* dx = sum over heights of dz w^T, stacked or one history at a time. */
    const int stack = stackable(q);
    const int end = w->row0[b1 - 1] + w->n_rows[b1 - 1];
    for (size_t b = b0; b < b1; b = stack ? b1 : b + 1) {
        const size_t r0 = (size_t)w->row0[b];
        const int rows = stack ? end - (int)r0 : w->n_rows[b];
        for (int k = 0; k < q->nh; k++)
            orl_hconv_backward_x(w->dx + r0 * E, w->za + r0 * Z + q->col[k], q->ftot,
                                 w->wt + (size_t)q->col[k] * E, rows, hdims(q, k), k > 0);
    }
    for (size_t b = b0; b < b1; b++) {
        const size_t r0 = (size_t)w->row0[b];
        float *pw = w->pw + b * VT, *pb = w->pb + b * (size_t)q->V;
        memset(pw, 0, sizeof(float) * VT);
        memset(pb, 0, sizeof(float) * (size_t)q->V);
        orl_vconv_backward(w->dx + r0 * E, pw, pb, w->ds + b * S + nhF, w->state + b * S + nhF,
                           w->x + r0 * E, w->n_rows[b], j->val.vw, vdims(q));
    }
}

/* Item k < nh: height k's filter and bias gradients; item nh: the vertical
 * filters' and the embedding rows'. Each is one product or a sum in batch
 * order. */
static void bwd_params(void *ctx, size_t i0, size_t i1, int thread)
{
    (void)thread;
    const bwd_job *j = ctx;
    const shape *q = j->q;
    const caser_work *w = j->wk;
    const tensors *g = &j->grad;
    const size_t S = (size_t)q->S, E = (size_t)q->E, VT = (size_t)(q->V * q->T);
    for (size_t i = i0; i < i1; i++) {
        const int k = (int)i;
        if (k < q->nh) {
            orl_hconv_backward_b(g->b[k], w->ds + k * q->F, w->state + k * q->F, j->batch, (int)S,
                                 q->F);
            orl_hconv_backward_w(g->w[k], w->x, w->za + q->col[k], q->ftot, w->rows, hdims(q, k));
            continue;
        }
        for (int b = 0; b < j->batch; b++) {
            orl_vec_add(g->vw, w->pw + (size_t)b * VT, VT);
            orl_vec_add(g->vb, w->pb + (size_t)b * (size_t)q->V, (size_t)q->V);
        }
        for (int b = 0; b < j->batch; b++) {
            const int32_t *ids = j->states + (size_t)b * (size_t)q->T;
            const float *dx = w->dx + (size_t)w->row0[b] * E;
            for (int t = 0; t < w->n_rows[b]; t++)
                if (ids[t] != j->pad) orl_vec_add(g->emb + (size_t)ids[t] * E, dx + t * E, E);
        }
    }
}

static void enc_backward(orl_pool *pool, orl_params *p, const orl_enc *e, void *work,
                         const int32_t *states, const int32_t *lens, int batch, const float *d_out)
{
    (void)lens;
    const shape q = shape_of(&e->spec);
    caser_work *w = work;
    bwd_job j = {
        &q,        tensors_in(p, p->value, &q), tensors_in(p, p->grad, &q), w, states, d_out, batch,
        e->n_items};
    for (int k = 0; k < q.nh; k++)
        orl_hconv_pack_wt(w->wt + (size_t)q.col[k] * (size_t)q.E, j.val.w[k], hdims(&q, k));
    orl_pool_parallel_for(pool, (size_t)batch, bwd_rows, &j);
    orl_pool_parallel_for(pool, (size_t)q.nh + 1, bwd_params, &j);
}

static void enc_mark_touched(const orl_enc *e, const void *work, const int32_t *states,
                             const int32_t *lens, int batch, unsigned char *touched)
{
    (void)work, (void)lens;
    /* The backward writes the row of every non-padding id of the batch. */
    for (size_t i = 0; i < (size_t)batch * e->spec.window; i++)
        if (states[i] != e->n_items) touched[states[i]] = 1;
}

/* ---- one history ---- */

static size_t enc_one_bytes(const orl_enc *e)
{
    const shape q = shape_of(&e->spec);
    const size_t T = (size_t)q.T;
    return orl_enc_round64(sizeof(float) * T * (size_t)q.E) +
           orl_enc_round64(sizeof(float) * T * (size_t)q.ftot) +
           orl_enc_round64(sizeof(int32_t) * (size_t)(q.nh * q.F));
}

static void enc_encode_one(const orl_params *p, const orl_enc *e, const int32_t *state, int32_t len,
                           void *scratch, float *out)
{
    (void)len;
    const shape q = shape_of(&e->spec);
    const size_t T = (size_t)q.T;
    char *s = scratch;
    float *x = (float *)(void *)s;
    s += orl_enc_round64(sizeof(float) * T * (size_t)q.E);
    float *z = (float *)(void *)s;
    s += orl_enc_round64(sizeof(float) * T * (size_t)q.ftot);
    int32_t *arg = (int32_t *)(void *)s;
    const tensors w = tensors_in(p, p->value, &q);
    const int n = stored_rows(state, q.T, e->n_items);
    gather_rows(x, state, n, w.emb, (size_t)q.E, e->n_items);
    encode_row(out, arg, x, z, n, &w, &q, 0);
}

const orl_encoder_class orl_encoder_caser = {
    .name = "caser",
    .state_dropout = 0, /* its own dropout, on the state, in the training forward */
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
    .step_bytes = NULL,
    .step = NULL,
};
