/* Discrete BCQ's loss and gradient (sfujim/BCQ discrete_BCQ.py, as the
 * reference offrl_torch.py --algo bcq). The constrained argmax needs G's
 * logits and Q's values of s' over the whole catalogue, and the CE term with
 * its logit regulariser needs G's logits of s: each is one B x I product into
 * a materialised buffer (sgemm over the pool), the bias folded into the row
 * loops. Gathered Q values are row dot products. */
#include <math.h>
#include <string.h>

#include "core/blas.h"
#include "core/error.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/tq_net_internal.h"
#include "nn/linear_rows.h"
#include "nn/vmath.h"

typedef struct rows_ctx {
    orl_tq_net *net;
    const orl_tq_inputs *in;
    const float *gb, *qb; /* biases of G and Q */
    float inv_b, reg_coef;
} rows_ctx;

/* a'_b = argmax of Q(s'_b, .) + qb over the items with z - max z > log_thr
 * (z = G(s'_b) + gb). The maximiser of z always passes (log_thr < 0). */
static void next_action_rows(void *ctx, size_t begin, size_t end, int thread)
{
    const rows_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const size_t I = (size_t)net->cfg.n_items;
    (void)thread;
    for (size_t b = begin; b < end; b++) {
        const float *z = net->zbuf + b * I, *q = net->qbuf + b * I;
        const float zmax = orl_vec_max_bias(z, c->gb, I);
        float best = -INFINITY;
        int32_t arg = 0;
        for (size_t i = 0; i < I; i++) {
            float v = q[i] + c->qb[i];
            if (z[i] + c->gb[i] - zmax > net->log_thr && v > best) { /* ties: lower id */
                best = v;
                arg = (int32_t)i;
            }
        }
        net->a_next[b] = arg;
    }
}

/* Per row of G(s) logits: bias added in place, CE at the action and sum z^2. */
static void ce_rows(void *ctx, size_t begin, size_t end, int thread)
{
    const rows_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const size_t I = (size_t)net->cfg.n_items;
    (void)thread;
    for (size_t b = begin; b < end; b++) {
        float *z = net->zbuf + b * I;
        orl_vec_add(z, c->gb, I);
        const float m = orl_vec_max_bias(z, NULL, I);
        const float lse = m + logf(orl_vec_sumexp_bias(z, NULL, I, m));
        net->row_ce[b] = lse - z[c->in->actions[b]];
        net->row_reg[b] = orl_vec_dot(z, z, I);
        net->row_td[b] = lse; /* for dz_rows */
    }
}

/* dz = (softmax - onehot) / B + 2 reg z / (B I), in place (qbuf, free by
 * then, holds the regulariser's part). */
static void dz_rows(void *ctx, size_t begin, size_t end, int thread)
{
    const rows_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const size_t I = (size_t)net->cfg.n_items;
    (void)thread;
    for (size_t b = begin; b < end; b++) {
        float *z = net->zbuf + b * I, *t = net->qbuf + b * I;
        for (size_t i = 0; i < I; i++) t[i] = c->reg_coef * z[i];
        orl_vec_exp_bias_scale(z, NULL, I, net->row_td[b], c->inv_b);
        orl_vec_add(z, t, I);
        z[c->in->actions[b]] -= c->inv_b;
    }
}

/* d_b[i] = sum over rows of dz[., i], items split over the pool. */
static void bias_grad_cols(void *ctx, size_t begin, size_t end, int thread)
{
    const rows_ctx *c = ctx;
    orl_tq_net *net = c->net;
    const size_t I = (size_t)net->cfg.n_items;
    float *db = orl_params_at(&net->on, net->on.grad, ORL_CE_HEAD_B);
    (void)thread;
    for (size_t i = begin; i < end; i++) db[i] = 0.0f;
    for (int b = 0; b < c->in->batch; b++) {
        const float *dz = net->zbuf + (size_t)b * I;
        for (size_t i = begin; i < end; i++) db[i] += dz[i];
    }
}

/* C [B x I] = h [B x H] W^T. */
static void logits(orl_tq_net *net, const float *h, const float *w, int B, float *c)
{
    const int H = net->enc.state_dim, I = net->cfg.n_items;
    orl_sgemm_pool(net->pool, 0, 1, B, I, H, 1.0f, h, H, w, H, 0.0f, c, I);
}

int orl_tq_bcq_loss_grad(orl_tq_net *net, const orl_tq_inputs *in, orl_tq_losses *out)
{
    const int B = in->batch, H = net->enc.state_dim, I = net->cfg.n_items;
    orl_params *on = &net->on;
    const orl_params *tg = &net->tgt;
    const float *gw = orl_params_at(on, on->value, ORL_CE_HEAD_W);
    const float *gb = orl_params_at(on, on->value, ORL_CE_HEAD_B);
    const float *qw = orl_params_at(on, on->value, ORL_Q_HEAD_W);
    const float *qb = orl_params_at(on, on->value, ORL_Q_HEAD_B);
    const orl_linear_rows_dims d1 = {B, 1, H};
    rows_ctx rc = {net, in, gb, qb, 1.0f / (float)B, 2.0f * net->cfg.reg / ((float)B * (float)I)};

    /* ---- targets (no gradient): a' by the online G and Q, valued by the target Q ---- */
    net->enc.cls->forward(net->pool, on, &net->enc, net->work_ng, in->next_states, in->next_lens, B,
                          net->dropout, net->h_next);
    logits(net, net->h_next, gw, B, net->zbuf);
    logits(net, net->h_next, qw, B, net->qbuf);
    orl_pool_parallel_for(net->pool, (size_t)B, next_action_rows, &rc);
    net->enc.cls->forward(net->pool, tg, &net->enc, net->work_ng, in->next_states, in->next_lens, B,
                          net->dropout, net->h_next);
    orl_linear_rows_forward(net->q_next, net->h_next, orl_params_at(tg, tg->value, ORL_Q_HEAD_W),
                            orl_params_at(tg, tg->value, ORL_Q_HEAD_B), net->a_next, d1);
    for (int b = 0; b < B; b++)
        net->y[b] = in->rewards[b] + net->cfg.gamma * (in->done[b] ? 0.0f : 1.0f) * net->q_next[b];

    /* ---- forward on s ---- */
    net->enc.cls->forward(net->pool, on, &net->enc, net->work, in->states, in->lens, B,
                          net->dropout, net->h);
    logits(net, net->h, gw, B, net->zbuf);
    orl_pool_parallel_for(net->pool, (size_t)B, ce_rows, &rc);
    orl_linear_rows_forward(net->q_val, net->h, qw, qb, in->actions, d1);
    double td = 0.0, ce = 0.0, sq = 0.0;
    for (int b = 0; b < B; b++) {
        float g;
        td += orl_tq_huber(net->q_val[b] - net->y[b], &g);
        net->q_grad[b] = g / (float)B;
        ce += net->row_ce[b];
        sq += net->row_reg[b];
    }
    const float td_m = (float)(td / B), ce_m = (float)(ce / B);
    const float reg_m = (float)(sq / ((double)B * I));
    const float total = td_m + ce_m + net->cfg.reg * reg_m;
    if (!isfinite(total))
        return orl_fail(ORL_E_NUMERIC, "bcq: the loss is not finite (TD %g, CE %g, reg %g)",
                        (double)td_m, (double)ce_m, (double)reg_m);

    /* ---- backward: G (dense), Q (gathered rows), encoder ---- */
    orl_pool_parallel_for(net->pool, (size_t)B, dz_rows, &rc);
    orl_sgemm_pool(net->pool, 1, 0, I, H, B, 1.0f, net->zbuf, I, net->h, H, 0.0f,
                   orl_params_at(on, on->grad, ORL_CE_HEAD_W), H);
    orl_pool_parallel_for(net->pool, (size_t)I, bias_grad_cols, &rc);
    orl_sgemm_pool(net->pool, 0, 0, B, H, I, 1.0f, net->zbuf, I, gw, H, 0.0f, net->d_h, H);
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
