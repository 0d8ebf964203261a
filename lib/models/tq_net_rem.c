/* REM's loss and gradient (Agarwal et al. 2020, as the reference
 * offrl_torch.py --algo rem). sum_k alpha_k Q^k is one linear layer with the
 * mixed weights sum_k alpha_k W_k: the target's is formed once per step and
 * its max over the catalogue is one tiled argmax pass; the online value at the
 * logged action is K gathered rows (linear_rows), whose gradient
 * alpha_k dL/dQ reaches only those rows of each head. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "models/ce_head.h"
#include "models/tq_net_internal.h"
#include "nn/linear_argmax.h"
#include "nn/linear_rows.h"

int orl_tq_rem_head_specs(const orl_tq_net *net, orl_param_spec *specs, int n_enc, int export_)
{
    const size_t I = (size_t)net->cfg.n_items, H = (size_t)net->enc.state_dim;
    const size_t KI = (size_t)net->cfg.heads * I;
    int n = n_enc;
    specs[n++] = (orl_param_spec){ORL_Q_ENSEMBLE_W, KI, H};
    specs[n++] = (orl_param_spec){ORL_Q_ENSEMBLE_B, KI, 1};
    if (export_) {
        orl_q_head_param_specs((int)I, (int)H, specs + n);
        n += ORL_Q_HEAD_N_PARAMS;
        /* The mean head again under the CE head's names, for model builds
         * that take the supervised head (see tq_net.h). */
        orl_ce_head_param_specs((int)I, (int)H, specs + n);
        n += ORL_CE_HEAD_N_PARAMS;
    }
    return n;
}

void orl_tq_rem_draw_alpha(orl_tq_net *net)
{
    const int K = net->cfg.heads;
    double sum = 0.0;
    float u[ORL_Q_ENSEMBLE_MAX];
    for (int k = 0; k < K; k++) {
        u[k] = orl_rng_uniform(&net->alpha_rng);
        sum += u[k];
    }
    if (!(sum > 0.0)) { /* every draw exactly 0 (never in practice): equal weights */
        for (int k = 0; k < K; k++) u[k] = 1.0f;
        sum = K;
    }
    for (int k = 0; k < K; k++) net->alpha[k] = (float)(u[k] / sum);
}

typedef struct mix_ctx {
    const float *w, *b; /* the K heads: [K*I x H], [K*I] */
    float *w_out, *b_out;
    const float *coef;
    int K;
    size_t I, H;
} mix_ctx;

/* Rows [begin, end) of sum_k coef_k W_k and of the biases. */
static void mix_rows(void *ctx, size_t begin, size_t end, int thread)
{
    const mix_ctx *c = ctx;
    const size_t H = c->H, I = c->I;
    (void)thread;
    for (size_t i = begin; i < end; i++) {
        float *o = c->w_out + i * H;
        const float a0 = c->coef[0];
        const float *w0 = c->w + i * H;
        for (size_t j = 0; j < H; j++) o[j] = a0 * w0[j];
        float bsum = a0 * c->b[i];
        for (int k = 1; k < c->K; k++) {
            const float ak = c->coef[k];
            const float *wk = c->w + ((size_t)k * I + i) * H;
            for (size_t j = 0; j < H; j++) o[j] += ak * wk[j];
            bsum += ak * c->b[(size_t)k * I + i];
        }
        c->b_out[i] = bsum;
    }
}

static void mix(orl_pool *pool, const orl_params *p, const float *coef, int K, size_t I, size_t H,
                float *w_out, float *b_out)
{
    mix_ctx c = {orl_params_at(p, p->value, ORL_Q_ENSEMBLE_W),
                 orl_params_at(p, p->value, ORL_Q_ENSEMBLE_B),
                 w_out,
                 b_out,
                 coef,
                 K,
                 I,
                 H};
    orl_pool_parallel_for(pool, I, mix_rows, &c);
}

void orl_tq_rem_refresh_export(orl_tq_net *net)
{
    const size_t I = (size_t)net->cfg.n_items, H = (size_t)net->enc.state_dim;
    const int K = net->cfg.heads;
    orl_params *e = &net->exp;
    /* Every tensor but the mean head's two names comes from the online store. */
    for (int i = 0; i < e->n_views; i++) {
        const orl_param_view *v = &e->views[i];
        const orl_param_view *src = orl_params_find(&net->on, v->name);
        if (src)
            memcpy(e->value + v->offset, net->on.value + src->offset,
                   sizeof(float) * v->rows * v->cols);
    }
    float coef[ORL_Q_ENSEMBLE_MAX];
    for (int k = 0; k < K; k++) coef[k] = 1.0f / (float)K;
    float *qw = orl_params_at(e, e->value, ORL_Q_HEAD_W),
          *qb = orl_params_at(e, e->value, ORL_Q_HEAD_B);
    mix(net->pool, &net->on, coef, K, I, H, qw, qb);
    memcpy(orl_params_at(e, e->value, ORL_CE_HEAD_W), qw, sizeof(float) * I * H);
    memcpy(orl_params_at(e, e->value, ORL_CE_HEAD_B), qb, sizeof(float) * I);
}

int orl_tq_rem_loss_grad(orl_tq_net *net, const orl_tq_inputs *in, orl_tq_losses *out)
{
    const int B = in->batch, H = net->enc.state_dim, I = net->cfg.n_items, K = net->cfg.heads;
    orl_params *on = &net->on;
    const float *a = net->alpha;

    /* ---- targets: max over the catalogue of the target's mixed head ---- */
    net->enc.cls->forward(net->pool, &net->tgt, &net->enc, net->work_ng, in->next_states,
                          in->next_lens, B, net->dropout, net->h_next);
    mix(net->pool, &net->tgt, a, K, (size_t)I, (size_t)H, net->w_mix, net->b_mix);
    orl_linear_argmax(net->pool, net->h_next, net->w_mix, net->b_mix, B, H, I, net->a_next,
                      net->q_next, net->argmax_scratch);
    for (int b = 0; b < B; b++)
        net->y[b] = in->rewards[b] + net->cfg.gamma * (in->done[b] ? 0.0f : 1.0f) * net->q_next[b];

    /* ---- online: the K heads at the logged action, mixed ---- */
    net->enc.cls->forward(net->pool, on, &net->enc, net->work, in->states, in->lens, B,
                          net->dropout, net->h);
    for (int b = 0; b < B; b++)
        for (int k = 0; k < K; k++)
            net->q_idx[(size_t)b * K + k] = (int32_t)((size_t)k * I + (size_t)in->actions[b]);
    const float *ew = orl_params_at(on, on->value, ORL_Q_ENSEMBLE_W);
    const orl_linear_rows_dims dk = {B, K, H};
    orl_linear_rows_forward(net->q_val, net->h, ew, orl_params_at(on, on->value, ORL_Q_ENSEMBLE_B),
                            net->q_idx, dk);
    double td = 0.0;
    for (int b = 0; b < B; b++) {
        float q = 0.0f, g;
        for (int k = 0; k < K; k++) q += a[k] * net->q_val[(size_t)b * K + k];
        td += orl_tq_huber(q - net->y[b], &g);
        for (int k = 0; k < K; k++) net->q_grad[(size_t)b * K + k] = a[k] * g / (float)B;
    }
    const float td_m = (float)(td / B);
    if (!isfinite(td_m)) return orl_fail(ORL_E_NUMERIC, "rem: the loss is not finite");

    memset(net->d_h, 0, sizeof(float) * (size_t)B * H);
    orl_linear_rows_backward(net->d_h, orl_params_at(on, on->grad, ORL_Q_ENSEMBLE_W),
                             orl_params_at(on, on->grad, ORL_Q_ENSEMBLE_B), net->q_grad, net->h, ew,
                             net->q_idx, dk);
    net->enc.cls->backward(net->pool, on, &net->enc, net->work, in->states, in->lens, B, net->d_h);
    if (out) {
        out->total = out->td = td_m;
        out->ce = out->reg = NAN; /* no such terms */
    }
    return ORL_OK;
}
