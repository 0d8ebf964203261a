/* SASRec's backward pass, one block at a time from the last: the
 * activation gradients unit by unit over the pool (the forward's units),
 * then every parameter gradient as one whole job (one product over the
 * batch's tokens, sums in token order) so that the result does not depend
 * on the thread count. */
#include "models/sasrec_internal.h"
#include "nn/attention.h"
#include "nn/kgemm.h"
#include "nn/layernorm.h"
#include "nn/vmath.h"

/* c [n x H] (+)= a [n x H] w, w row-major [H x H]: a layer's input gradient. */
static void times_w(float *c, const float *a, const float *w, int n, int H, int accumulate)
{
    orl_kgemm(n, H, H, a, H, 1, w, H, c, H, accumulate);
}

typedef struct bwd_ctx {
    sas_work *w;
    sas_ptrs P, G; /* values, gradients */
    sas_dims d;
    const float *d_out;
    float *gout, *gin; /* dL/d(block output), dL/d(block input) */
    int l;
} bwd_ctx;

/* dL/d(in) for the block's rows r0..r1 given dL/d(out) in c->gout; the
 * intermediate gradients the parameter jobs need stay in the work. */
static void block_bwd(const bwd_ctx *c, int r0, int r1)
{
    sas_work *w = c->w;
    const sas_dims d = c->d;
    const int H = d.H, l = c->l, last = l == d.blocks - 1;
    const sas_block *B = &w->blk[l];
    float *const *W = c->P.blk[l];
    const float *in = l ? w->blk[l - 1].out : w->x0;
    const int t0 = w->off[r0], nt = w->off[r1] - t0;
    const int q0 = last ? r0 : t0, nq = last ? r1 - r0 : nt;
    const size_t qo = (size_t)q0 * H, to = (size_t)t0 * H, n = (size_t)nq * H;
    float *dy = w->dy + qo, *df = w->df + qo, *dz1 = w->dz1 + qo, *dqin = w->dqin + qo;

    /* out = (dropout(y) + f) * m */
    for (int r = 0; r < nq; r++) {
        const float m = w->tmask[last ? w->last[q0 + r] : q0 + r];
        const float *g = c->gout + qo + (size_t)r * H;
        float *dyr = dy + (size_t)r * H, *dfr = df + (size_t)r * H;
        for (int k = 0; k < H; k++) dfr[k] = dyr[k] = g[k] * m;
    }
    if (w->dropout_on)
        for (size_t i = 0; i < n; i++) dy[i] *= B->d_y[qo + i];
    /* y = h1 W2^T + b2, h1 = dropout(relu(z1)), z1 = f W1^T + b1; h1 keeps
     * the dropped values, so h1 > 0 is relu' where the factor is not 0. */
    times_w(dz1, dy, W[SAS_W2], nq, H, 0);
    const float *h1 = B->h1 + qo, *dh1 = w->dropout_on ? B->d_h1 + qo : NULL;
    if (dh1)
        for (size_t i = 0; i < n; i++) dz1[i] = h1[i] > 0.0f ? dz1[i] * dh1[i] : 0.0f;
    else
        for (size_t i = 0; i < n; i++) dz1[i] = h1[i] > 0.0f ? dz1[i] : 0.0f;
    times_w(df, dz1, W[SAS_W1], nq, H, 1);
    /* f = LN_f(xr): dqin holds dL/dxr, the gradient of both the attention
     * output and (residual) q, until the attention's q path is added. */
    orl_layernorm_backward(dqin, NULL, NULL, df, B->xr + qo, B->fstat + 2 * (size_t)q0,
                           W[SAS_LNF_G], (size_t)nq, (size_t)H, 0);
    for (int b = r0; b < r1; b++) {
        const int ob = w->off[b], L = w->off[b + 1] - ob, qr = last ? b : ob;
        const orl_attn_dims ad = {L, last ? 1 : L, H, d.heads, d.T};
        const size_t arow = (size_t)qr * d.heads * d.T, kr = (size_t)ob * H;
        orl_attn_backward(w->dqp + (size_t)qr * H, w->dkp + kr, w->dvp + kr,
                          w->ascr + (size_t)b * d.T, w->dqin + (size_t)qr * H, B->prob + arow,
                          B->qp + (size_t)qr * H, B->kp + kr, B->vp + kr, w->tmask + ob,
                          w->dropout_on ? B->d_att + arow : NULL, ad);
    }
    times_w(dqin, w->dqp + qo, W[SAS_WQ], nq, H, 1);
    /* k and v read the block's input at every token, q its layer norm. */
    float *gin = c->gin + to;
    times_w(gin, w->dkp + to, W[SAS_WK], nt, H, 0);
    times_w(gin, w->dvp + to, W[SAS_WV], nt, H, 1);
    if (last)
        for (int b = r0; b < r1; b++) {
            const size_t tb = (size_t)w->last[b] * H;
            orl_layernorm_backward(c->gin + tb, NULL, NULL, w->dqin + (size_t)b * H, in + tb,
                                   B->qstat + 2 * (size_t)b, W[SAS_LNQ_G], 1, (size_t)H, 1);
        }
    else
        orl_layernorm_backward(gin, NULL, NULL, dqin, in + to, B->qstat + 2 * (size_t)q0,
                               W[SAS_LNQ_G], (size_t)nt, (size_t)H, 1);
}

static void bwd_units(void *ctx, size_t u0, size_t u1, int thread_index)
{
    (void)thread_index;
    const bwd_ctx *c = ctx;
    const sas_work *w = c->w;
    const int U = w->unit_rows, H = c->d.H;
    for (size_t u = u0; u < u1; u++) {
        const int r0 = (int)u * U, r1 = r0 + U < w->batch ? r0 + U : w->batch;
        if (c->l == c->d.blocks - 1) /* the final layer norm, into the last block's rows */
            orl_layernorm_backward(c->gout + (size_t)r0 * H, NULL, NULL, c->d_out + (size_t)r0 * H,
                                   w->blk[c->l].out + (size_t)r0 * H, w->lnstat + 2 * (size_t)r0,
                                   c->P.ln_g, (size_t)(r1 - r0), (size_t)H, 0);
        block_bwd(c, r0, r1);
    }
}

/* d_w [H x H] += dy^T x and d_b += the column sums of dy, over n rows in
 * order: a linear layer's parameter gradients. */
static void linear_grads(float *d_w, float *d_b, const float *dy, const float *x, int n, int H)
{
    orl_kgemm(H, H, n, dy, 1, H, x, H, d_w, H, 1);
    for (int r = 0; r < n; r++) orl_vec_add(d_b, dy + (size_t)r * H, (size_t)H);
}

/* d_gamma, d_beta += the layer norm's parameter gradients over n rows; row r
 * of x is x + idx[r] * d (idx NULL: r). */
static void ln_param_grads(float *d_gamma, float *d_beta, const float *dy, const float *x,
                           const int32_t *idx, const float *stats, size_t n, size_t d)
{
    for (size_t r = 0; r < n; r++) {
        const float *xr = x + (idx ? (size_t)idx[r] : r) * d, *g = dy + r * d;
        const float m = stats[2 * r], rstd = stats[2 * r + 1];
        for (size_t i = 0; i < d; i++) {
            d_gamma[i] += g[i] * ((xr[i] - m) * rstd);
            d_beta[i] += g[i];
        }
    }
}

/* x0 = (emb[id] + pos) * dropout * m: padding tokens get no gradient. */
static void embedding_grads(const bwd_ctx *c, const float *g_x0)
{
    const sas_work *w = c->w;
    const int H = c->d.H;
    for (int b = 0; b < w->batch; b++)
        for (int t = w->off[b]; t < w->off[b + 1]; t++) {
            if (w->tmask[t] == 0.0f) continue;
            const float *g = g_x0 + (size_t)t * H, *m = w->d_x0 + (size_t)t * H;
            float *ge = c->G.emb + (size_t)w->ids[t] * H;
            float *gp = c->G.pos + (size_t)(t - w->off[b]) * H;
            for (int k = 0; k < H; k++) {
                const float v = w->dropout_on ? g[k] * m[k] : g[k];
                ge[k] += v;
                gp[k] += v;
            }
        }
}

enum { J_WK, J_WQ, J_W1, J_LNQ, J_EMB, J_WV, J_W2, J_LNF, J_LN };

typedef struct jobs_ctx {
    const bwd_ctx *c;
    int list[9], n;
} jobs_ctx;

static void run_jobs(void *ctx, size_t j0, size_t j1, int thread_index)
{
    (void)thread_index;
    const jobs_ctx *jc = ctx;
    const bwd_ctx *c = jc->c;
    const sas_work *w = c->w;
    const int H = c->d.H, l = c->l, last = l == c->d.blocks - 1;
    const sas_block *B = &w->blk[l];
    float *const *G = c->G.blk[l];
    const float *in = l ? w->blk[l - 1].out : w->x0;
    const int nq = last ? w->batch : w->n_tok, nt = w->n_tok;
    for (size_t j = j0; j < j1; j++) switch (jc->list[j]) {
        case J_WK:
            linear_grads(G[SAS_WK], G[SAS_BK], w->dkp, in, nt, H);
            break;
        case J_WV:
            linear_grads(G[SAS_WV], G[SAS_BV], w->dvp, in, nt, H);
            break;
        case J_WQ:
            linear_grads(G[SAS_WQ], G[SAS_BQ], w->dqp, B->qin, nq, H);
            break;
        case J_W1:
            linear_grads(G[SAS_W1], G[SAS_B1], w->dz1, B->f, nq, H);
            break;
        case J_W2:
            linear_grads(G[SAS_W2], G[SAS_B2], w->dy, B->h1, nq, H);
            break;
        case J_LNQ:
            ln_param_grads(G[SAS_LNQ_G], G[SAS_LNQ_B], w->dqin, in, last ? w->last : NULL, B->qstat,
                           (size_t)nq, (size_t)H);
            break;
        case J_LNF:
            ln_param_grads(G[SAS_LNF_G], G[SAS_LNF_B], w->df, B->xr, NULL, B->fstat, (size_t)nq,
                           (size_t)H);
            break;
        case J_LN:
            ln_param_grads(c->G.ln_g, c->G.ln_b, c->d_out, B->out, NULL, w->lnstat,
                           (size_t)w->batch, (size_t)H);
            break;
        case J_EMB:
            embedding_grads(c, c->gin);
            break;
        }
}

void orl_sas_backward(orl_pool *pool, orl_params *p, const orl_enc *e, sas_work *w,
                      const float *d_out)
{
    bwd_ctx c = {w, {0}, {0}, orl_sas_dims(e), d_out, w->g_a, w->g_b, 0};
    orl_sas_ptrs(p, p->value, c.d.blocks, &c.P);
    orl_sas_ptrs(p, p->grad, c.d.blocks, &c.G);
    const size_t units = ((size_t)w->batch + (size_t)w->unit_rows - 1) / (size_t)w->unit_rows;
    for (int l = c.d.blocks - 1; l >= 0; l--) {
        c.l = l;
        orl_pool_parallel_for(pool, units, bwd_units, &c);
        /* The jobs in two halves of about equal work, for two threads. */
        jobs_ctx jc = {&c, {J_WK, J_WQ, J_W1, J_LNQ}, 4};
        if (l == 0) jc.list[jc.n++] = J_EMB;
        jc.list[jc.n++] = J_WV;
        jc.list[jc.n++] = J_W2;
        jc.list[jc.n++] = J_LNF;
        if (l == c.d.blocks - 1) jc.list[jc.n++] = J_LN;
        orl_pool_parallel_for(pool, (size_t)jc.n, run_jobs, &jc);
        float *t = c.gout; /* this block's input gradient is the output one below */
        c.gout = c.gin;
        c.gin = t;
    }
}
