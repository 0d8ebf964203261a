/* The SQN / SAC / SNQN / SA2C loss of one batch and its gradient, as the
 * reference sqn_torch.py --impl fast: Q values that are only gathered are row
 * dot products; the full-catalogue work is the CE head (fused softmax-CE) and
 * the argmax of the main network's Q head (tiled, never stored). */
#include <math.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "models/next_state.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/rl_net_internal.h"
#include "nn/linear_argmax.h"
#include "nn/linear_rows.h"
#include "nn/softmax_ce.h"

typedef struct head_ptrs {
    const float *ce_w, *ce_b, *q_w, *q_b;
} head_ptrs;

/* sqn_rem's Q head is its network's mix of the ensemble (rl_net_rem.c). */
static head_ptrs heads_of(const orl_rl_net *net, const orl_params *p)
{
    head_ptrs h = {
        orl_params_at(p, p->value, ORL_CE_HEAD_W), orl_params_at(p, p->value, ORL_CE_HEAD_B),
        orl_params_at(p, p->value, ORL_Q_HEAD_W), orl_params_at(p, p->value, ORL_Q_HEAD_B)};
    if (net->cfg.algorithm == ORL_RL_SQN_REM) {
        const int k = p == &net->qn[1];
        h.q_w = net->mix_w[k];
        h.q_b = net->mix_b[k];
    }
    return h;
}

/* A forward of network p on `work` (dropout as the encoder wants it in
 * training, including the no-grad forwards, as the reference). */
static void encode(orl_rl_net *net, const orl_params *p, void *work, const int32_t *states,
                   const int32_t *lens, int B, float *out)
{
    net->enc.cls->forward(net->pool, p, &net->enc, work, states, lens, B, net->dropout, out);
}

/* out[b] = Q_target(x_b, argmax_a Q_main(h_main_b, a)): the double-Q value.
 * x is encoded by the target network into net->h_aux. */
static void double_q(orl_rl_net *net, const orl_params *main, const orl_params *tgt,
                     const float *h_main, const int32_t *x, const int32_t *x_lens, int B,
                     int32_t *a_star, float *out)
{
    const int H = net->enc.state_dim, I = net->cfg.n_items;
    head_ptrs hm = heads_of(net, main), ht = heads_of(net, tgt);
    orl_linear_argmax(net->pool, h_main, hm.q_w, hm.q_b, B, H, I, a_star, NULL,
                      net->argmax_scratch);
    if (net->cfg.algorithm == ORL_RL_SQN_REM)
        orl_rl_rem_mix_rows(net, tgt == &net->qn[1], a_star, B);
    encode(net, tgt, net->work_ng, x, x_lens, B, net->h_aux);
    orl_linear_rows_forward(out, net->h_aux, ht.q_w, ht.q_b, a_star,
                            (orl_linear_rows_dims){B, 1, H});
}

/* 1 when s'_b is s_b followed by the action (the session went on without
 * the window sliding): its encoding is then one GRU step from s_b's. */
static int extends(const orl_rl_inputs *in, int b, int T)
{
    return orl_next_state_extends(in->states, in->lens, in->next_states, in->next_lens, in->actions,
                                  b, T);
}

/* out[b] = network p's encoding of s'_b, given h_s [B x H] its encoding of
 * s_b by the last forward on `wp`: one GRU step for the transitions whose s'
 * extends s, a plain encode (on work_ng) of the others. out != h_s. */
static void encode_next(orl_rl_net *net, const orl_params *p, const void *wp, const float *h_s,
                        const orl_rl_inputs *in, int B, float *out)
{
    const int H = net->enc.state_dim, T = net->cfg.window;
    const orl_encoder_class *ec = net->enc.cls;
    const size_t hb = sizeof(float) * (size_t)H;
    int n_ext = 0, n_oth = 0;
    for (int b = 0; b < B; b++) {
        if (ec->step && extends(in, b, T)) {
            net->ext_rows[n_ext] = b;
            net->ext_ids[n_ext] = in->actions[b];
            memcpy(net->h_ext + (size_t)n_ext * H, h_s + (size_t)b * H, hb);
            n_ext++;
        } else {
            net->oth_rows[n_oth] = b;
            memcpy(net->states2 + (size_t)n_oth * T, in->next_states + (size_t)b * T,
                   sizeof(int32_t) * (size_t)T);
            net->lens2[n_oth] = in->next_lens[b];
            n_oth++;
        }
    }
    float *stepped = net->h_ext + (size_t)B * H;
    if (n_ext)
        ec->step(net->pool, p, &net->enc, wp, net->h_ext, net->ext_ids, n_ext, stepped,
                 net->step_scratch);
    for (int r = 0; r < n_ext; r++)
        memcpy(out + (size_t)net->ext_rows[r] * H, stepped + (size_t)r * H, hb);
    if (n_oth) {
        /* d_h is free until the backward pass. */
        encode(net, p, net->work_ng, net->states2, net->lens2, n_oth, net->d_h);
        for (int r = 0; r < n_oth; r++)
            memcpy(out + (size_t)net->oth_rows[r] * H, net->d_h + (size_t)r * H, hb);
    }
}

/* The double-Q values: q_tp1[b] = Q_target(s'_b, argmax_a Q_main(s'_b, a))
 * and, with negatives, q_tc[b] the same on s_b (the negatives' next state).
 * net->h holds Q_main's encoding of s; its encoding of s' goes after it, so
 * that one argmax pass and one linear_rows call cover 2B rows. Encodings of
 * s' come from those of s by one GRU step where s' = s + action. */
static void targets(orl_rl_net *net, const orl_params *pm, const orl_params *pt,
                    const orl_rl_inputs *in, int B, int negs)
{
    const int H = net->enc.state_dim, I = net->cfg.n_items;
    float *h_next = net->h + (size_t)B * H;
    net->a_star = net->a_star_c + B;
    net->q_tp1 = net->q_tc + B;
    if (net->separate_targets) { /* the plain path, for tests */
        encode(net, pm, net->work_ng, in->next_states, in->next_lens, B, h_next);
        double_q(net, pm, pt, h_next, in->next_states, in->next_lens, B, net->a_star, net->q_tp1);
        if (negs) double_q(net, pm, pt, net->h, in->states, in->lens, B, net->a_star_c, net->q_tc);
        return;
    }
    encode_next(net, pm, net->work, net->h, in, B, h_next);
    if (!negs) {
        double_q(net, pm, pt, h_next, in->next_states, in->next_lens, B, net->a_star, net->q_tp1);
        return;
    }
    head_ptrs hm = heads_of(net, pm), ht = heads_of(net, pt);
    orl_linear_argmax(net->pool, net->h, hm.q_w, hm.q_b, 2 * B, H, I, net->a_star_c, NULL,
                      net->argmax_scratch);
    encode(net, pt, net->work_ng, in->states, in->lens, B, net->h_aux);
    encode_next(net, pt, net->work_ng, net->h_aux, in, B, net->h_aux + (size_t)B * H);
    orl_linear_rows_forward(net->q_tc, net->h_aux, ht.q_w, ht.q_b, net->a_star_c,
                            (orl_linear_rows_dims){2 * B, 1, H});
}

/* Adds the time since *t0 to *acc (when timing) and restarts the clock. */
static void lap(const orl_rl_net *net, double *acc, double *t0)
{
    if (!net->timing) return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    *acc += t - *t0;
    *t0 = t;
}

static float clampf(float x, float lo, float hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

int orl_rl_net_loss_grad(orl_rl_net *net, int main_net, int phase, const orl_rl_inputs *in,
                         const int32_t *neg, const float *fixed_ce_weights, orl_rl_losses *out)
{
    const orl_rl_net_config *c = &net->cfg;
    const int B = in->batch, H = net->enc.state_dim, I = c->n_items;
    const int K = neg ? c->n_neg : 0, K1 = K + 1;
    orl_params *pm = &net->qn[main_net];
    const orl_params *pt = &net->qn[1 - main_net];
    const int q_only = c->algorithm == ORL_RL_CQL, cql = orl_rl_has_cql(c->algorithm);
    const int rem = c->algorithm == ORL_RL_SQN_REM;
    if (rem) orl_rl_rem_mix(net, main_net);
    head_ptrs hm = heads_of(net, pm);
    const orl_ce_dims ced = {B, H, I, 0};
    const orl_linear_rows_dims qd = {B, K1, H};

    orl_rl_net_timing unused, *tm = net->timing ? net->timing : &unused;
    double t0 = 0.0, start = 0.0;
    lap(net, &start, &t0);

    /* ---- forward: main network on s ---- */
    encode(net, pm, net->work, in->states, in->lens, B, net->h);
    net->last_states = in->states;
    net->last_lens = in->lens;
    lap(net, &tm->encode_fwd, &t0);
    float ce_mean = 0.0f, cql_mean = 0.0f;
    if (q_only) /* no supervised head: its CE is 0 in every row */
        memset(net->row_ce, 0, sizeof(float) * (size_t)B);
    else
        ce_mean = orl_softmax_ce_forward(net->pool, net->h, hm.ce_w, hm.ce_b, in->actions, ced,
                                         net->ce_scratch, net->row_ce);
    if (cql) cql_mean = orl_rl_cql_forward(net, hm.q_w, hm.q_b, in);
    for (int b = 0; b < B; b++) {
        net->q_idx[(size_t)b * K1] = in->actions[b];
        for (int j = 0; j < K; j++) net->q_idx[(size_t)b * K1 + 1 + j] = neg[(size_t)b * K + j];
    }
    orl_linear_rows_forward(net->q_val, net->h, hm.q_w, hm.q_b, net->q_idx, qd);
    lap(net, &tm->ce_fwd, &t0);

    /* ---- targets (no gradient) ---- */
    targets(net, pm, pt, in, B, K > 0);
    /* VPQ: the target's encoding of s' is in h_aux (no negatives here). */
    if (rem && c->vpq_c > 0.0f) orl_rl_rem_vpq(net, 1 - main_net, net->h_aux, B);
    for (int b = 0; b < B; b++)
        net->y[b] = in->rewards[b] + c->gamma * (in->done[b] ? 0.0f : 1.0f) * net->q_tp1[b];
    /* Negatives: the current state is their next state, no done mask. */
    if (K)
        for (int b = 0; b < B; b++) net->y_neg[b] = c->r_neg + c->gamma * net->q_tc[b];
    lap(net, &tm->targets, &t0);

    /* ---- per-row losses, CE weights, dL/dQ ---- */
    const int sa2c = c->algorithm == ORL_RL_SA2C, sac = c->algorithm == ORL_RL_SAC;
    const float q_coef = (phase && sa2c) ? c->weight : 1.0f;
    const float inv_b = 1.0f / (float)B;
    double tot = 0.0, td_sum = 0.0, tdn_sum = 0.0, q_sum = 0.0, w_sum = 0.0;
    for (int b = 0; b < B; b++) {
        const float *q = net->q_val + (size_t)b * K1;
        float *g = net->q_grad + (size_t)b * K1;
        float diff = net->y[b] - q[0];
        float td = 0.5f * diff * diff, tdn = 0.0f, qn_sum = 0.0f;
        g[0] = -q_coef * diff * inv_b;
        for (int j = 1; j < K1; j++) {
            float dn = net->y_neg[b] - q[j];
            tdn += 0.5f * dn * dn;
            qn_sum += q[j];
            g[j] = -q_coef * dn * inv_b;
        }
        float w = 1.0f;
        if (fixed_ce_weights) {
            w = fixed_ce_weights[b];
        } else if (phase && sac) {
            w = q[0];
        } else if (phase && sa2c) {
            float adv = q[0] - (q[0] + qn_sum) / (float)K1;
            adv = clampf(adv, c->adv_clip_lo, c->adv_clip_hi);
            float ips = 1.0f;
            const float *beta = in->behaviour ? in->behaviour : net->behaviour;
            if (c->ips_smooth > 0.0f && beta) {
                float prob = expf(-net->row_ce[b]);
                float ratio = prob / (in->behaviour ? beta[b] : beta[in->actions[b]]);
                ips = powf(clampf(ratio, c->ips_clip_lo, c->ips_clip_hi), c->ips_smooth);
            }
            w = adv * ips;
        }
        net->ce_w[b] = w;
        tot += (double)q_coef * ((double)td + tdn) + (double)w * net->row_ce[b];
        if (cql) tot += (double)c->cql_alpha * net->row_cql[b];
        td_sum += td;
        tdn_sum += tdn;
        q_sum += q[0];
        w_sum += w;
    }
    float total = (float)(tot / B);
    if (!isfinite(total) || !isfinite(ce_mean) || !isfinite(cql_mean))
        return orl_fail(ORL_E_NUMERIC, "rl_net: the loss is not finite (CE %g, total %g)",
                        (double)ce_mean, (double)total);

    /* ---- backward into the main network ---- */
    const int weighted = fixed_ce_weights || phase;
    if (q_only)
        memset(net->d_h, 0, sizeof(float) * (size_t)B * H);
    else
        orl_softmax_ce_backward_ex(net->pool, net->h, hm.ce_w, hm.ce_b, in->actions,
                                   weighted ? net->ce_w : NULL, ced, net->d_h,
                                   orl_params_at(pm, pm->grad, ORL_CE_HEAD_W),
                                   orl_params_at(pm, pm->grad, ORL_CE_HEAD_B), net->ce_scratch,
                                   net->ce_hook, net->ce_hook_ctx);
    if (cql) {
        orl_rl_cql_backward(net, pm, in);
    } else if (rem) {
        orl_linear_rows_backward(net->d_h, net->mix_gw, net->mix_gb, net->q_grad, net->h, hm.q_w,
                                 net->q_idx, qd);
        orl_rl_rem_distribute(net, main_net, net->q_idx, B * K1);
    } else {
        orl_linear_rows_backward(net->d_h, orl_params_at(pm, pm->grad, ORL_Q_HEAD_W),
                                 orl_params_at(pm, pm->grad, ORL_Q_HEAD_B), net->q_grad, net->h,
                                 hm.q_w, net->q_idx, qd);
    }
    lap(net, &tm->head_bwd, &t0);
    net->enc.cls->backward(net->pool, pm, &net->enc, net->work, in->states, in->lens, B, net->d_h);
    lap(net, &tm->encode_bwd, &t0);

    if (out) {
        out->total = total;
        out->ce = ce_mean;
        out->td = (float)(td_sum / B);
        out->td_neg = (float)(tdn_sum / B);
        out->q_sa = (float)(q_sum / B);
        out->ce_weight = (float)(w_sum / B);
        out->main_net = main_net;
        out->phase = phase;
        out->cql = cql ? cql_mean : 0.0f;
    }
    return ORL_OK;
}
