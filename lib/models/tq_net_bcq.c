/* Discrete BCQ's loss and gradient (sfujim/BCQ discrete_BCQ.py, as the
 * reference offrl_torch.py --algo bcq). The constrained argmax needs G's
 * logits and Q's values of s' over the whole catalogue, and the CE term with
 * its logit regulariser needs G's logits of s: each is one product into a
 * materialised buffer, stored TRANSPOSED ([I x Bp], Bp = B rounded up to 16)
 * so that the catalogue is the long side of orl_kgemm (W [I x H] times
 * h^T), items split over the pool; the per-row reductions then run across
 * contiguous batch columns. Gathered Q values are row dot products. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/tq_net_internal.h"
#include "nn/kgemm.h"
#include "nn/linear_rows.h"
#include "nn/vmath.h"

typedef struct bcq_ctx {
    orl_tq_net *net;
    const orl_tq_inputs *in;
    const float *w, *bias; /* the head of a product */
    float *out;            /* its [I x Bp] result */
    const float *gb, *qb;
    float inv_b, reg_coef;
    int B, Bp, H;
    int hp; /* inner dimension of the current product */
} bcq_ctx;

/* Rows [i0, i1) of out = W h^T + bias (h^T in net->ht, [H x Bp]). */
static void product_items(void *ctx, size_t i0, size_t i1, int thread)
{
    const bcq_ctx *c = ctx;
    const int Bp = c->Bp, H = c->hp;
    (void)thread;
    if (i1 <= i0) return;
    orl_kgemm((int)(i1 - i0), Bp, H, c->w + i0 * H, H, 1, c->net->ht, Bp, c->out + i0 * Bp, Bp, 0);
    for (size_t i = i0; i < i1; i++) {
        float *row = c->out + i * Bp, bi = c->bias[i];
        for (int b = 0; b < Bp; b++) row[b] += bi;
    }
}

/* out [I x Bp] = W h^T + bias for the B rows of h [B x hp]. */
static void product(bcq_ctx *c, const float *h, int hp, const float *w, const float *bias,
                    float *out)
{
    float *ht = c->net->ht;
    memset(ht, 0, sizeof(float) * (size_t)hp * c->Bp);
    for (int b = 0; b < c->B; b++)
        for (int k = 0; k < hp; k++) ht[(size_t)k * c->Bp + b] = h[(size_t)b * hp + k];
    c->hp = hp;
    c->w = w;
    c->bias = bias;
    c->out = out;
    orl_pool_parallel_for(c->net->pool, (size_t)c->net->cfg.n_items, product_items, c);
}

/* a'_b for columns [b0, b1): argmax of Q(s'_b, .) over the items with
 * z - max z > log_thr (the maximiser of z always passes: log_thr < 0). */
static void next_action_cols(void *ctx, size_t b0, size_t b1, int thread)
{
    const bcq_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const size_t I = (size_t)net->cfg.n_items, Bp = (size_t)c->Bp;
    float *zmax = net->col_a, *best = net->col_b;
    (void)thread;
    for (size_t b = b0; b < b1; b++) {
        zmax[b] = -INFINITY;
        best[b] = -INFINITY;
        net->a_next[b] = 0;
    }
    for (size_t i = 0; i < I; i++) {
        const float *z = net->zbuf + i * Bp;
        for (size_t b = b0; b < b1; b++) zmax[b] = z[b] > zmax[b] ? z[b] : zmax[b];
    }
    int32_t *arg = net->a_next;
    for (size_t i = 0; i < I; i++) {
        const float *z = net->zbuf + i * Bp, *q = net->qbuf + i * Bp;
        for (size_t b = b0; b < b1; b++) { /* branch-free, so it vectorises; ties: lower id */
            const int take = (z[b] - zmax[b] > net->log_thr) & (q[b] > best[b]);
            best[b] = take ? q[b] : best[b];
            arg[b] = take ? (int32_t)i : arg[b];
        }
    }
}

/* Columns [b0, b1) of G(s)'s logits: logsumexp (col_b), CE at the action,
 * sum of squares. */
static void ce_cols(void *ctx, size_t b0, size_t b1, int thread)
{
    const bcq_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const size_t I = (size_t)net->cfg.n_items, Bp = (size_t)c->Bp, n = b1 - b0;
    float *m = net->col_a, *lse = net->col_b, *tmp = net->col_tmp + (size_t)thread * 2 * Bp;
    if (!n) return;
    for (size_t b = b0; b < b1; b++) {
        m[b] = -INFINITY;
        lse[b] = 0.0f; /* the sum of exp, then the logsumexp */
        net->row_reg[b] = 0.0f;
    }
    for (size_t i = 0; i < I; i++) {
        const float *z = net->zbuf + i * Bp;
        for (size_t b = b0; b < b1; b++) {
            m[b] = z[b] > m[b] ? z[b] : m[b];
            net->row_reg[b] += z[b] * z[b];
        }
    }
    for (size_t b = b0; b < b1; b++) tmp[b] = -m[b];
    for (size_t i = 0; i < I; i++) {
        float *e = tmp + Bp; /* a second row of scratch */
        memcpy(e + b0, net->zbuf + i * Bp + b0, sizeof(float) * n);
        orl_vec_exp_bias_scale(e + b0, tmp + b0, n, 0.0f, 1.0f);
        for (size_t b = b0; b < b1; b++) lse[b] += e[b];
    }
    for (size_t b = b0; b < b1; b++) {
        lse[b] = m[b] + logf(lse[b]);
        net->row_ce[b] = lse[b] - net->zbuf[(size_t)c->in->actions[b] * Bp + b];
    }
}

/* dz = (softmax - onehot) / B + 2 reg z / (B I) in place, columns [b0, b1);
 * padding columns (b >= B) get 0. */
static void dz_cols(void *ctx, size_t b0, size_t b1, int thread)
{
    const bcq_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const size_t I = (size_t)net->cfg.n_items, Bp = (size_t)c->Bp;
    const size_t e1 = b1 < (size_t)c->B ? b1 : (size_t)c->B, n = e1 > b0 ? e1 - b0 : 0;
    float *neg = net->col_tmp + (size_t)thread * 2 * Bp, *t = neg + Bp;
    for (size_t b = b0; b < e1; b++) neg[b] = -net->col_b[b];
    for (size_t i = 0; i < I; i++) {
        float *z = net->zbuf + i * Bp;
        for (size_t b = b0; b < e1; b++) t[b] = c->reg_coef * z[b];
        if (n) orl_vec_exp_bias_scale(z + b0, neg + b0, n, 0.0f, c->inv_b);
        for (size_t b = b0; b < e1; b++) z[b] += t[b];
        for (size_t b = e1; b < b1; b++) z[b] = 0.0f;
    }
    for (size_t b = b0; b < e1; b++) net->zbuf[(size_t)c->in->actions[b] * Bp + b] -= c->inv_b;
}

/* Items [i0, i1) of G's gradients: dW = dz^T h, db = row sums of dz^T. */
static void g_grad_items(void *ctx, size_t i0, size_t i1, int thread)
{
    const bcq_ctx *c = ctx;
    orl_tq_net *net = c->net;
    orl_params *on = &net->on;
    const size_t Bp = (size_t)c->Bp;
    float *dw = orl_params_at(on, on->grad, ORL_CE_HEAD_W);
    float *db = orl_params_at(on, on->grad, ORL_CE_HEAD_B);
    (void)thread;
    if (i1 <= i0) return;
    orl_kgemm((int)(i1 - i0), c->H, (int)Bp, net->zbuf + i0 * Bp, (int)Bp, 1, net->h, c->H,
              dw + i0 * c->H, c->H, 0);
    for (size_t i = i0; i < i1; i++) {
        const float *z = net->zbuf + i * Bp;
        float s = 0.0f;
        for (size_t b = 0; b < (size_t)c->B; b++) s += z[b];
        db[i] = s;
    }
}

/* Rows [b0, b1) of d_h = dz G_w (dz^T is the buffer: A(r, p) = zbuf[p Bp + r]),
 * over the catalogue in chunks whose rows of G_w stay in cache while every
 * row block passes (the same chunk order whatever the thread count). */
static void dh_rows(void *ctx, size_t b0, size_t b1, int thread)
{
    enum { CHUNK = 256 };
    const bcq_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const orl_params *on = &net->on;
    const float *gw = orl_params_at(on, on->value, ORL_CE_HEAD_W);
    const int I = net->cfg.n_items;
    (void)thread;
    if (b1 <= b0) return;
    for (int i0 = 0; i0 < I; i0 += CHUNK) {
        const int n = I - i0 < CHUNK ? I - i0 : CHUNK;
        orl_kgemm((int)(b1 - b0), c->H, n, net->zbuf + (size_t)i0 * c->Bp + b0, 1, c->Bp,
                  gw + (size_t)i0 * c->H, c->H, net->d_h + b0 * c->H, c->H, i0 > 0);
    }
}

int orl_tq_bcq_loss_grad(orl_tq_net *net, const orl_tq_inputs *in, orl_tq_losses *out)
{
    const int B = in->batch, H = net->enc.state_dim, I = net->cfg.n_items;
    const int Bp = (B + 15) & ~15;
    orl_params *on = &net->on;
    const orl_params *tg = &net->tgt;
    /* G: the online network's head, or the fixed model's (NULL on its own store). */
    const orl_params *gp = net->gen ? net->gen : on;
    const float *gw = orl_params_at(gp, gp->value, ORL_CE_HEAD_W);
    const float *gb = orl_params_at(gp, gp->value, ORL_CE_HEAD_B);
    const float *qw = orl_params_at(on, on->value, ORL_Q_HEAD_W);
    const float *qb = orl_params_at(on, on->value, ORL_Q_HEAD_B);
    const orl_linear_rows_dims d1 = {B, 1, H};
    bcq_ctx c = {net,
                 in,
                 NULL,
                 NULL,
                 NULL,
                 gb,
                 qb,
                 1.0f / (float)B,
                 2.0f * net->cfg.reg / ((float)B * (float)I),
                 B,
                 Bp,
                 H,
                 H};

    /* ---- online forward on s (kept for the backward pass) ---- */
    net->enc.cls->forward(net->pool, on, &net->enc, net->work, in->states, in->lens, B,
                          net->dropout, net->h);

    /* ---- targets (no gradient): a' by G and the online Q, valued by the target Q ---- */
    orl_tq_encode_next(net, on, net->h, in, net->h_next);
    if (net->gen) { /* the fixed G: its own encoder, inference forward */
        const orl_enc *ge = &net->gen_enc;
        ge->cls->forward(net->pool, net->gen, ge, net->gen_work, in->next_states, in->next_lens, B,
                         NULL, net->h_gen);
        product(&c, net->h_gen, ge->state_dim, gw, gb, net->zbuf);
    } else {
        product(&c, net->h_next, H, gw, gb, net->zbuf);
    }
    product(&c, net->h_next, H, qw, qb, net->qbuf);
    orl_pool_parallel_for(net->pool, (size_t)B, next_action_cols, &c);
    net->enc.cls->forward(net->pool, tg, &net->enc, net->work_ng, in->next_states, in->next_lens, B,
                          net->dropout, net->h_next);
    orl_linear_rows_forward(net->q_next, net->h_next, orl_params_at(tg, tg->value, ORL_Q_HEAD_W),
                            orl_params_at(tg, tg->value, ORL_Q_HEAD_B), net->a_next, d1);
    for (int b = 0; b < B; b++)
        net->y[b] = in->rewards[b] + net->cfg.gamma * (in->done[b] ? 0.0f : 1.0f) * net->q_next[b];

    /* ---- heads on s ---- */
    if (!net->gen) {
        product(&c, net->h, H, gw, gb, net->zbuf);
        orl_pool_parallel_for(net->pool, (size_t)B, ce_cols, &c);
    }
    orl_linear_rows_forward(net->q_val, net->h, qw, qb, in->actions, d1);
    double td = 0.0, ce = 0.0, sq = 0.0;
    for (int b = 0; b < B; b++) {
        float g;
        td += orl_tq_huber(net->q_val[b] - net->y[b], &g);
        net->q_grad[b] = g / (float)B;
        if (!net->gen) {
            ce += net->row_ce[b];
            sq += net->row_reg[b];
        }
    }
    const float td_m = (float)(td / B), ce_m = net->gen ? NAN : (float)(ce / B);
    const float reg_m = net->gen ? NAN : (float)(sq / ((double)B * I));
    const float total = net->gen ? td_m : td_m + ce_m + net->cfg.reg * reg_m;
    if (!isfinite(total))
        return orl_fail(ORL_E_NUMERIC, "bcq: the loss is not finite (TD %g, CE %g, reg %g)",
                        (double)td_m, (double)ce_m, (double)reg_m);

    /* ---- backward: G (dense), Q (gathered rows), encoder ---- */
    if (net->gen) {
        memset(net->d_h, 0, sizeof(float) * (size_t)B * H);
    } else {
        orl_pool_parallel_for(net->pool, (size_t)Bp, dz_cols, &c);
        memset(net->h + (size_t)B * H, 0, sizeof(float) * (size_t)(Bp - B) * H); /* padding */
        orl_pool_parallel_for(net->pool, (size_t)I, g_grad_items, &c);
        orl_pool_parallel_for(net->pool, (size_t)B, dh_rows, &c);
    }
    orl_linear_rows_backward(net->d_h, orl_params_at(on, on->grad, ORL_Q_HEAD_W),
                             orl_params_at(on, on->grad, ORL_Q_HEAD_B), net->q_grad, net->h, qw,
                             in->actions, d1);
    net->enc.cls->backward(net->pool, on, &net->enc, net->work, in->states, in->lens, B, net->d_h);
    if (out) {
        out->total = total;
        out->td = td_m;
        out->ce = ce_m;
        out->reg = reg_m;
    }
    return ORL_OK;
}
