/* rl_net's optimiser step without streaming the untouched parts of the
 * stores: the CE head's Adam runs inside the output layer's pass 2 (tile by
 * tile, in cache), and the embedding and Q head take the row-sparse form
 * whose result equals the dense update bit for bit (rows without a gradient
 * decay their moments and still move). */
#include <string.h>

#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/rl_net_internal.h"

void orl_rl_net_ce_adam_tile(void *ctx, size_t i0, size_t n)
{
    const orl_rl_head_adam *c = ctx;
    orl_params *p = c->p;
    size_t ow = c->w + i0 * c->H, ob = c->b + i0;
    /* The CE layer overwrites these gradients every step: no clearing. */
    orl_adam_update(&c->k, p->value + ow, p->grad + ow, p->m + ow, p->v + ow, n * c->H, 0);
    orl_adam_update(&c->k, p->value + ob, p->grad + ob, p->m + ob, p->v + ob, n, 0);
}

/* The tensors with their own optimiser path: the CE head (pass 2), the
 * embedding and the Q head (row-sparse), sqn_rem's ensemble (row-sparse). */
static int sparse_view(const orl_param_view *v)
{
    return !strcmp(v->name, ORL_CE_HEAD_W) || !strcmp(v->name, ORL_CE_HEAD_B) ||
           !strcmp(v->name, ORL_ENC_EMB) || !strcmp(v->name, ORL_Q_HEAD_W) ||
           !strcmp(v->name, ORL_Q_HEAD_B) || !strcmp(v->name, ORL_Q_ENSEMBLE_W) ||
           !strcmp(v->name, ORL_Q_ENSEMBLE_B);
}

void orl_rl_net_adam_sparse(orl_rl_net *net, orl_params *p, const orl_adam_step_consts *k,
                            int batch, int n_q_idx, int q_head_done)
{
    const int I = net->cfg.n_items;
    const int rem = net->cfg.algorithm == ORL_RL_SQN_REM, K = rem ? net->cfg.q_heads : 1;
    memset(net->touched_emb, 0, (size_t)I + 1);
    net->enc.cls->mark_touched(&net->enc, net->work, net->last_states, net->last_lens, batch,
                               net->touched_emb);
    memset(net->touched_q, 0, (size_t)I * K);
    /* REM: the same rows of every head (head k's at k * I). */
    for (int i = 0; i < n_q_idx; i++)
        for (int j = 0; j < K; j++) net->touched_q[(size_t)j * I + net->q_idx[i]] = 1;
    size_t lo = (size_t)-1, hi = 0; /* the span of the dense tensors (the GRU's) */
    for (int i = 0; i < p->n_views; i++) {
        const orl_param_view *v = &p->views[i];
        const size_t end = v->offset + v->rows * v->cols;
        if (!strcmp(v->name, ORL_ENC_EMB))
            orl_adam_update_rows(net->pool, p, k, v->offset, v->rows, v->cols, net->touched_emb);
        else if (!strcmp(v->name, ORL_Q_HEAD_W) || !strcmp(v->name, ORL_Q_HEAD_B)) {
            /* Skipped when done in pass 2 (CQL) or derived (sqn_rem's mean);
             * the bias is [1 x I]: one float per item. */
            if (q_head_done || rem)
                ;
            else if (!strcmp(v->name, ORL_Q_HEAD_W))
                orl_adam_update_rows(net->pool, p, k, v->offset, v->rows, v->cols, net->touched_q);
            else
                orl_adam_update_rows(net->pool, p, k, v->offset, v->rows * v->cols, 1,
                                     net->touched_q);
        } else if (!strcmp(v->name, ORL_Q_ENSEMBLE_W) || !strcmp(v->name, ORL_Q_ENSEMBLE_B))
            orl_adam_update_rows(net->pool, p, k, v->offset, v->rows, v->cols, net->touched_q);
        else if (!sparse_view(v)) {
            lo = v->offset < lo ? v->offset : lo;
            hi = end > hi ? end : hi;
        }
    }
    if (hi == 0) return;
    /* One pass over the pool when no other tensor lies inside the span (the
     * padding between views is zero in value, gradient and moments, and Adam
     * keeps it so), else one per tensor. */
    int adjacent = 1;
    for (int i = 0; i < p->n_views; i++) {
        const orl_param_view *v = &p->views[i];
        if (sparse_view(v) && v->offset < hi && v->offset + v->rows * v->cols > lo) adjacent = 0;
    }
    for (int i = 0; i < p->n_views && !adjacent; i++) {
        const orl_param_view *v = &p->views[i];
        if (!sparse_view(v))
            orl_adam_update_range(net->pool, p, k, v->offset, v->offset + v->rows * v->cols, 1);
    }
    if (adjacent) orl_adam_update_range(net->pool, p, k, lo, hi, 1);
}
