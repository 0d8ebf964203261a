/* SASRec's forward pass over packed tokens (sasrec_internal.h). One code
 * path, fwd_rows, computes histories [r0, r1): training runs it on units of
 * SAS_UNIT_ROWS histories (products by orl_kgemm over the unit's tokens),
 * inference on one history at a time (products token by token), so the
 * batch inference and orl_sas_encode_one give the same bits. */
#include <string.h>

#include "models/sasrec_internal.h"
#include "nn/attention.h"
#include "nn/kgemm.h"
#include "nn/layernorm.h"
#include "nn/vmath.h"

typedef struct fwd_ctx {
    sas_work *w;
    sas_ptrs P;
    sas_dims d;
    float *out;
    int batch;
    int packed; /* training: products with the packed W^T in w->wt */
} fwd_ctx;

/* Block tensor -> its packed transpose, and back. */
static const int pack_of[SAS_BLOCK_TENSORS] = {[SAS_WQ] = SAS_PACK_Q,
                                               [SAS_WK] = SAS_PACK_K,
                                               [SAS_WV] = SAS_PACK_V,
                                               [SAS_W1] = SAS_PACK_1,
                                               [SAS_W2] = SAS_PACK_2};
static const int matrix_of[SAS_PACKED] = {SAS_WQ, SAS_WK, SAS_WV, SAS_W1, SAS_W2};

/* out [n x H] = in W^T + b for block l's matrix k (its bias is k + 1). */
static void linear(const fwd_ctx *c, float *out, const float *in, int n, int l, int k)
{
    const int H = c->d.H;
    const float *w = c->P.blk[l][k], *b = c->P.blk[l][k + 1];
    if (c->packed) {
        const float *wt = c->w->wt + ((size_t)l * SAS_PACKED + pack_of[k]) * H * H;
        orl_kgemm(n, H, H, in, H, 1, wt, H, out, H, 0);
        for (int r = 0; r < n; r++) orl_vec_add(out + (size_t)r * H, b, (size_t)H);
    } else {
        for (int r = 0; r < n; r++)
            orl_matvec(out + (size_t)r * H, w, in + (size_t)r * H, b, (size_t)H, (size_t)H);
    }
}

/* Inverted dropout factors: 0 with probability p, else 1 / (1 - p). Three
 * 21-bit uniforms from each 64-bit output: p resolved to 2^-21. */
static void keep_mask(float *m, size_t n, float p, orl_rng *rng)
{
    const uint64_t cut = (uint64_t)((double)p * 2097152.0 + 0.5), lo = (1u << 21) - 1;
    const float keep = 1.0f / (1.0f - p);
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const uint64_t x = orl_rng_next(rng);
        m[i] = (x & lo) < cut ? 0.0f : keep;
        m[i + 1] = ((x >> 21) & lo) < cut ? 0.0f : keep;
        m[i + 2] = ((x >> 42) & lo) < cut ? 0.0f : keep;
    }
    for (; i < n; i++) m[i] = (orl_rng_next(rng) & lo) < cut ? 0.0f : keep;
}

/* Token offsets, ids and masks of the batch: only the lens[b] real
 * positions of history b become tokens. */
static void plan(sas_work *w, const int32_t *states, const int32_t *lens, int batch, int T, int pad)
{
    int t = 0;
    for (int b = 0; b < batch; b++) {
        w->off[b] = t;
        for (int p = 0; p < lens[b]; p++, t++) {
            w->ids[t] = states[(size_t)b * T + p];
            w->tmask[t] = w->ids[t] == pad ? 0.0f : 1.0f;
        }
        w->last[b] = t - 1;
    }
    w->off[batch] = t;
    w->batch = batch;
    w->n_tok = t;
}

/* The dropout factors of histories [r0, r1) (one unit), from the unit's
 * own stream, in a fixed order: the embeddings, then per block the
 * attention weights each query uses, the feed-forward's hidden layer and
 * its output. The streams hang off one draw of the caller's RNG, so the
 * masks depend on the seed and the batch, not on the threads. */
static void draw_masks(const fwd_ctx *c, int r0, int r1)
{
    sas_work *w = c->w;
    const sas_dims d = c->d;
    const size_t H = (size_t)d.H;
    orl_rng rng;
    orl_rng_init(&rng, w->drop_seed, (uint64_t)(r0 / w->unit_rows));
    const int t0 = w->off[r0], t1 = w->off[r1];
    keep_mask(w->d_x0 + (size_t)t0 * H, (size_t)(t1 - t0) * H, d.dropout, &rng);
    for (int l = 0; l < d.blocks; l++) {
        sas_block *B = &w->blk[l];
        const int last = l == d.blocks - 1;
        for (int b = r0; b < r1; b++) {
            const int L = w->off[b + 1] - w->off[b], nq = last ? 1 : L;
            const int q0 = last ? b : w->off[b];
            for (int i = 0; i < nq; i++)
                for (int h = 0; h < d.heads; h++)
                    keep_mask(B->d_att + ((size_t)(q0 + i) * d.heads + h) * d.T,
                              (size_t)(L - nq + i + 1), d.dropout, &rng);
        }
        const size_t q0 = (size_t)(last ? r0 : t0) * H, nq = (size_t)(last ? r1 - r0 : t1 - t0) * H;
        keep_mask(B->d_h1 + q0, nq, d.dropout, &rng);
        keep_mask(B->d_y + q0, nq, d.dropout, &rng);
    }
}

static void embed(const fwd_ctx *c, int r0, int r1)
{
    sas_work *w = c->w;
    const int H = c->d.H;
    for (int b = r0; b < r1; b++)
        for (int t = w->off[b]; t < w->off[b + 1]; t++) {
            float *x = w->x0 + (size_t)t * H;
            if (w->tmask[t] == 0.0f) { /* x * mask */
                memset(x, 0, sizeof(float) * (size_t)H);
                continue;
            }
            const float *e = c->P.emb + (size_t)w->ids[t] * H;
            const float *pos = c->P.pos + (size_t)(t - w->off[b]) * H;
            if (w->dropout_on) {
                const float *m = w->d_x0 + (size_t)t * H;
                for (int k = 0; k < H; k++) x[k] = (e[k] + pos[k]) * m[k];
            } else {
                for (int k = 0; k < H; k++) x[k] = e[k] + pos[k];
            }
        }
}

static void block_fwd(const fwd_ctx *c, int l, int r0, int r1)
{
    sas_work *w = c->w;
    const sas_dims d = c->d;
    const int H = d.H, last = l == d.blocks - 1;
    sas_block *B = &w->blk[l];
    float *const *W = c->P.blk[l];
    const float *in = l ? w->blk[l - 1].out : w->x0;
    const int t0 = w->off[r0], nt = w->off[r1] - t0;
    const int q0 = last ? r0 : t0, nq = last ? r1 - r0 : nt;
    const size_t qo = (size_t)q0 * H;

    if (last)
        for (int b = r0; b < r1; b++)
            orl_layernorm_forward(B->qin + (size_t)b * H, B->qstat + 2 * b,
                                  in + (size_t)w->last[b] * H, W[SAS_LNQ_G], W[SAS_LNQ_B], 1,
                                  (size_t)H, SAS_LN_EPS);
    else
        orl_layernorm_forward(B->qin + qo, B->qstat + 2 * (size_t)q0, in + qo, W[SAS_LNQ_G],
                              W[SAS_LNQ_B], (size_t)nt, (size_t)H, SAS_LN_EPS);
    linear(c, B->qp + qo, B->qin + qo, nq, l, SAS_WQ);
    linear(c, B->kp + (size_t)t0 * H, in + (size_t)t0 * H, nt, l, SAS_WK);
    linear(c, B->vp + (size_t)t0 * H, in + (size_t)t0 * H, nt, l, SAS_WV);
    for (int b = r0; b < r1; b++) {
        const int ob = w->off[b], L = w->off[b + 1] - ob, qr = last ? b : ob;
        const orl_attn_dims ad = {L, last ? 1 : L, H, d.heads, d.T};
        const size_t arow = (size_t)qr * d.heads * d.T;
        orl_attn_forward(B->xr + (size_t)qr * H, B->prob + arow, B->qp + (size_t)qr * H,
                         B->kp + (size_t)ob * H, B->vp + (size_t)ob * H, w->tmask + ob,
                         w->dropout_on ? B->d_att + arow : NULL, ad);
    }
    orl_vec_add(B->xr + qo, B->qin + qo, (size_t)nq * H); /* + q: the residual */
    orl_layernorm_forward(B->f + qo, B->fstat + 2 * (size_t)q0, B->xr + qo, W[SAS_LNF_G],
                          W[SAS_LNF_B], (size_t)nq, (size_t)H, SAS_LN_EPS);
    float *h1 = B->h1 + qo, *o = B->out + qo;
    const float *f = B->f + qo;
    linear(c, h1, f, nq, l, SAS_W1);
    const size_t n = (size_t)nq * H;
    const float *dh1 = w->dropout_on ? B->d_h1 + qo : NULL,
                *dy = w->dropout_on ? B->d_y + qo : NULL;
    if (dh1)
        for (size_t i = 0; i < n; i++) h1[i] = (h1[i] > 0.0f ? h1[i] : 0.0f) * dh1[i];
    else
        for (size_t i = 0; i < n; i++) h1[i] = h1[i] > 0.0f ? h1[i] : 0.0f;
    linear(c, o, h1, nq, l, SAS_W2);
    for (int r = 0; r < nq; r++) { /* out = (dropout(y) + f) * m */
        const float m = w->tmask[last ? w->last[q0 + r] : q0 + r];
        float *orow = o + (size_t)r * H;
        const float *frow = f + (size_t)r * H, *drow = dy ? dy + (size_t)r * H : NULL;
        if (drow)
            for (int k = 0; k < H; k++) orow[k] = (orow[k] * drow[k] + frow[k]) * m;
        else
            for (int k = 0; k < H; k++) orow[k] = (orow[k] + frow[k]) * m;
    }
}

static void fwd_rows(const fwd_ctx *c, int r0, int r1)
{
    const int H = c->d.H, nb = c->d.blocks;
    if (c->w->dropout_on) draw_masks(c, r0, r1);
    embed(c, r0, r1);
    for (int l = 0; l < nb; l++) block_fwd(c, l, r0, r1);
    const float *x = c->w->blk[nb - 1].out;
    orl_layernorm_forward(c->out + (size_t)r0 * H, c->w->lnstat + 2 * (size_t)r0,
                          x + (size_t)r0 * H, c->P.ln_g, c->P.ln_b, (size_t)(r1 - r0), (size_t)H,
                          SAS_LN_EPS);
}

static void fwd_units(void *ctx, size_t u0, size_t u1, int thread_index)
{
    (void)thread_index;
    const fwd_ctx *c = ctx;
    const int U = c->w->unit_rows;
    for (size_t u = u0; u < u1; u++) {
        int r0 = (int)u * U, r1 = r0 + U < c->batch ? r0 + U : c->batch;
        fwd_rows(c, r0, r1);
    }
}

void orl_sas_forward(orl_pool *pool, const orl_params *p, const orl_enc *e, sas_work *w,
                     const int32_t *states, const int32_t *lens, int batch, orl_rng *dropout,
                     float *out)
{
    fwd_ctx c = {w, {0}, orl_sas_dims(e), out, batch, dropout != NULL};
    orl_sas_ptrs(p, p->value, c.d.blocks, &c.P);
    plan(w, states, lens, batch, c.d.T, e->n_items);
    w->dropout_on = dropout && c.d.dropout > 0.0f;
    w->unit_rows = dropout ? SAS_UNIT_ROWS : 1;
    if (w->dropout_on) w->drop_seed = orl_rng_next(dropout);
    if (c.packed) /* once per step: the weights change between steps */
        for (int l = 0; l < c.d.blocks; l++)
            for (int m = 0; m < SAS_PACKED; m++)
                orl_kgemm_pack_t(w->wt + ((size_t)l * SAS_PACKED + m) * c.d.H * c.d.H, c.d.H,
                                 c.P.blk[l][matrix_of[m]], c.d.H, c.d.H);
    size_t units = ((size_t)batch + (size_t)w->unit_rows - 1) / (size_t)w->unit_rows;
    orl_pool_parallel_for(pool, units, fwd_units, &c);
}

void orl_sas_encode_one(const orl_params *p, const orl_enc *e, const int32_t *state, int32_t len,
                        void *scratch, float *out)
{
    sas_work *w = scratch;
    orl_sas_work_layout(scratch, e, 1, 0);
    fwd_ctx c = {w, {0}, orl_sas_dims(e), out, 1, 0};
    orl_sas_ptrs(p, p->value, c.d.blocks, &c.P);
    plan(w, state, &len, 1, c.d.T, e->n_items);
    w->dropout_on = 0;
    w->unit_rows = 1;
    /* As the pool's threads run the batch forward: denormals flushed. */
    unsigned fp = orl_fp_flush_denormals();
    fwd_rows(&c, 0, 1);
    orl_fp_restore(fp);
}
