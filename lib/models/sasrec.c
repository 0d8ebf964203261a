/* SASRec (Kang & McAuley 2018) as the SQN / SA2C reference code and the
 * peer's seqrec_torch.py build it: settings, tensors, initialisation and the
 * workspace. The network itself is described in sasrec_internal.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "models/encoder.h"
#include "models/sasrec_internal.h"

static const char *const block_suffix[SAS_BLOCK_TENSORS] = {
    "lnq.g", "lnq.b", "wq", "bq", "wk", "bk", "wv", "bv", "lnf.g", "lnf.b", "w1", "b1", "w2", "b2"};

sas_dims orl_sas_dims(const orl_enc *e)
{
    sas_dims d = {(int)e->spec.hidden_dim, (int)e->spec.num_heads, (int)e->spec.window,
                  (int)e->spec.num_blocks, e->spec.dropout};
    return d;
}

static int enc_resolve(orl_encoder_spec *s)
{
    if (s->dropout < 0.0f) s->dropout = 0.1f; /* the reference's rate */
    if (s->num_blocks == 0) s->num_blocks = 1;
    if (s->num_heads == 0) s->num_heads = 1;
    if (s->num_blocks > SAS_MAX_BLOCKS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sasrec num_blocks %u is outside [1, %d]",
                        s->num_blocks, SAS_MAX_BLOCKS);
    if (s->num_heads > SAS_MAX_HEADS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sasrec num_heads %u is outside [1, %d]", s->num_heads,
                        SAS_MAX_HEADS);
    /* The residual connections add the embedding to the blocks' outputs. */
    if (s->embed_dim != s->hidden_dim)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sasrec embed_dim %u must equal hidden_dim %u",
                        s->embed_dim, s->hidden_dim);
    if (s->hidden_dim % s->num_heads != 0)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sasrec num_heads %u must divide hidden_dim %u",
                        s->num_heads, s->hidden_dim);
    return ORL_OK;
}

static int enc_state_dim(const orl_encoder_spec *s)
{
    return (int)s->hidden_dim;
}

static int enc_n_params(const orl_encoder_spec *s)
{
    return 4 + SAS_BLOCK_TENSORS * (int)s->num_blocks; /* emb, pos, blocks, final LN */
}

static void block_name(char *buf, int l, int k)
{
    snprintf(buf, ORL_PARAM_NAME_MAX, "sas.b%d.%s", l, block_suffix[k]);
}

static int is_matrix(int k)
{
    return k == SAS_WQ || k == SAS_WK || k == SAS_WV || k == SAS_W1 || k == SAS_W2;
}

static void enc_param_specs(const orl_enc *e, orl_param_spec *specs, orl_param_name *names)
{
    const sas_dims d = orl_sas_dims(e);
    const size_t H = (size_t)d.H;
    int i = 0;
    snprintf(names[i], ORL_PARAM_NAME_MAX, "%s", ORL_ENC_EMB);
    specs[i] = (orl_param_spec){names[i], (size_t)e->n_items + 1, H};
    i++;
    snprintf(names[i], ORL_PARAM_NAME_MAX, "sas.pos");
    specs[i] = (orl_param_spec){names[i], (size_t)d.T, H};
    i++;
    for (int l = 0; l < d.blocks; l++)
        for (int k = 0; k < SAS_BLOCK_TENSORS; k++, i++) {
            block_name(names[i], l, k);
            specs[i] = (orl_param_spec){names[i], is_matrix(k) ? H : 1, H};
        }
    snprintf(names[i], ORL_PARAM_NAME_MAX, "sas.ln.g");
    specs[i] = (orl_param_spec){names[i], 1, H};
    i++;
    snprintf(names[i], ORL_PARAM_NAME_MAX, "sas.ln.b");
    specs[i] = (orl_param_spec){names[i], 1, H};
}

void orl_sas_ptrs(const orl_params *p, float *buffer, int blocks, sas_ptrs *out)
{
    char name[ORL_PARAM_NAME_MAX];
    out->emb = orl_params_at(p, buffer, ORL_ENC_EMB);
    out->pos = orl_params_at(p, buffer, "sas.pos");
    out->ln_g = orl_params_at(p, buffer, "sas.ln.g");
    out->ln_b = orl_params_at(p, buffer, "sas.ln.b");
    for (int l = 0; l < blocks; l++)
        for (int k = 0; k < SAS_BLOCK_TENSORS; k++) {
            block_name(name, l, k);
            out->blk[l][k] = orl_params_at(p, buffer, name);
        }
}

static void fill(float *x, size_t n, float v)
{
    for (size_t i = 0; i < n; i++) x[i] = v;
}

/* The peer's initialisation: embeddings and positions ~ N(0, 0.01), the
 * projections and the feed-forward Glorot-uniform (tf.layers.dense and the
 * 1-wide conv1d), biases 0, layer norms gamma 1, beta 0. */
static void enc_init(orl_params *p, const orl_enc *e, orl_rng *rng)
{
    const sas_dims d = orl_sas_dims(e);
    const size_t H = (size_t)d.H;
    sas_ptrs w;
    orl_sas_ptrs(p, p->value, d.blocks, &w);
    for (size_t i = 0; i < ((size_t)e->n_items + 1) * H; i++)
        w.emb[i] = 0.01f * orl_rng_normal(rng);
    for (size_t i = 0; i < (size_t)d.T * H; i++) w.pos[i] = 0.01f * orl_rng_normal(rng);
    const float bound = sqrtf(6.0f / (float)(2 * H));
    for (int l = 0; l < d.blocks; l++)
        for (int k = 0; k < SAS_BLOCK_TENSORS; k++) {
            float *x = w.blk[l][k];
            if (is_matrix(k))
                for (size_t i = 0; i < H * H; i++)
                    x[i] = bound * (2.0f * orl_rng_uniform(rng) - 1.0f);
            else
                fill(x, H, k == SAS_LNQ_G || k == SAS_LNF_G ? 1.0f : 0.0f);
        }
    fill(w.ln_g, H, 1.0f);
    fill(w.ln_b, H, 0.0f);
}

typedef struct carver {
    char *base;
    size_t used;
} carver;

static void *take(carver *c, size_t bytes)
{
    void *p = c->base ? c->base + c->used : NULL;
    c->used += orl_enc_round64(bytes);
    return p;
}

static float *take_f(carver *c, size_t n)
{
    return take(c, n * sizeof(float));
}

size_t orl_sas_work_layout(void *block, const orl_enc *e, int max_batch, int training)
{
    const sas_dims d = orl_sas_dims(e);
    const size_t R = (size_t)max_batch, N = R * (size_t)d.T, H = (size_t)d.H;
    const size_t A = (size_t)d.heads * (size_t)d.T, nq_max = d.blocks > 1 ? N : R;
    carver c = {block, 0};
    sas_work dummy, *w = take(&c, sizeof(sas_work));
    if (!w) w = &dummy;
    memset(w, 0, sizeof *w);
    w->max_batch = max_batch;
    w->max_tok = (int)N;
    w->off = take(&c, (R + 1) * sizeof(int32_t));
    w->last = take(&c, R * sizeof(int32_t));
    w->ids = take(&c, N * sizeof(int32_t));
    w->tmask = take_f(&c, N);
    w->x0 = take_f(&c, N * H);
    w->d_x0 = training ? take_f(&c, N * H) : NULL;
    w->wt = training ? take_f(&c, (size_t)d.blocks * SAS_PACKED * H * H) : NULL;
    w->lnstat = take_f(&c, 2 * R);
    for (int l = 0; l < d.blocks; l++) {
        sas_block *b = &w->blk[l];
        const size_t nq = l == d.blocks - 1 ? R : N;
        b->out = take_f(&c, nq * H);
        b->qin = take_f(&c, nq * H);
        b->qstat = take_f(&c, 2 * nq);
        b->qp = take_f(&c, nq * H);
        b->kp = take_f(&c, N * H);
        b->vp = take_f(&c, N * H);
        b->prob = take_f(&c, nq * A);
        b->d_att = training ? take_f(&c, nq * A) : NULL;
        b->xr = take_f(&c, nq * H);
        b->fstat = take_f(&c, 2 * nq);
        b->f = take_f(&c, nq * H);
        b->h1 = take_f(&c, nq * H);
        b->d_h1 = training ? take_f(&c, nq * H) : NULL;
        b->d_y = training ? take_f(&c, nq * H) : NULL;
    }
    if (!training) return c.used;
    w->g_a = take_f(&c, N * H);
    w->g_b = take_f(&c, N * H);
    w->dqp = take_f(&c, nq_max * H);
    w->dz1 = take_f(&c, nq_max * H);
    w->dy = take_f(&c, nq_max * H);
    w->df = take_f(&c, nq_max * H);
    w->dqin = take_f(&c, nq_max * H);
    w->dkp = take_f(&c, N * H);
    w->dvp = take_f(&c, N * H);
    w->ascr = take_f(&c, R * (size_t)d.T);
    return c.used;
}

static size_t enc_work_bytes(const orl_enc *e, int max_batch)
{
    return orl_sas_work_layout(NULL, e, max_batch, 1);
}

static void *enc_work_bind(void *block, const orl_enc *e, int max_batch)
{
    orl_sas_work_layout(block, e, max_batch, 1);
    return block;
}

static void enc_forward(orl_pool *pool, const orl_params *p, const orl_enc *e, void *work,
                        const int32_t *states, const int32_t *lens, int batch, orl_rng *dropout,
                        float *out)
{
    orl_sas_forward(pool, p, e, work, states, lens, batch, dropout, out);
}

static void enc_backward(orl_pool *pool, orl_params *p, const orl_enc *e, void *work,
                         const int32_t *states, const int32_t *lens, int batch, const float *d_out)
{
    (void)states, (void)lens, (void)batch; /* the last forward's are in the work */
    orl_sas_backward(pool, p, e, work, d_out);
}

/* The backward writes the embedding rows of the real items it read. */
static void enc_mark_touched(const orl_enc *e, const void *work, const int32_t *states,
                             const int32_t *lens, int batch, unsigned char *touched)
{
    (void)e, (void)states, (void)lens, (void)batch;
    const sas_work *w = work;
    for (int t = 0; t < w->n_tok; t++)
        if (w->tmask[t] != 0.0f) touched[w->ids[t]] = 1;
}

static size_t enc_one_bytes(const orl_enc *e)
{
    return orl_sas_work_layout(NULL, e, 1, 0);
}

const orl_encoder_class orl_encoder_sasrec = {
    .name = "sasrec",
    .state_dropout = 0,
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
    .encode_one = orl_sas_encode_one,
    .step_bytes = NULL,
    .step = NULL,
};
