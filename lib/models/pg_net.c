#include "models/pg_net.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "models/ce_head.h"
#include "models/pg_net_internal.h"
#include "nn/dropout.h"
#include "nn/softmax_ce.h"
#include "nn/softmax_entropy.h"

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

orl_pg_config orl_pg_config_default(int n_items)
{
    orl_pg_config c;
    memset(&c, 0, sizeof c);
    c.base = orl_sl_net_config_default(n_items);
    c.clip = 10.0f;
    c.smooth = 1.0f;
    c.topk = 1;
    return c;
}

static int check_config(const orl_pg_config *c)
{
    if (!(c->clip > 0.0f) || !isfinite(c->clip))
        return orl_fail(ORL_E_OUT_OF_RANGE, "reinforce: setting 'clip' = %g must be > 0",
                        (double)c->clip);
    if (!(c->smooth >= 0.0f) || !isfinite(c->smooth))
        return orl_fail(ORL_E_OUT_OF_RANGE, "reinforce: setting 'smooth' = %g must be >= 0",
                        (double)c->smooth);
    if (c->normalize != 0 && c->normalize != 1)
        return orl_fail(ORL_E_OUT_OF_RANGE, "reinforce: setting 'normalize' = %d must be 0 or 1",
                        c->normalize);
    if (c->topk < 1)
        return orl_fail(ORL_E_OUT_OF_RANGE, "reinforce: setting 'topk' = %d must be >= 1", c->topk);
    if (!(c->entropy >= 0.0f) || !isfinite(c->entropy))
        return orl_fail(ORL_E_OUT_OF_RANGE, "reinforce: setting 'entropy' = %g must be >= 0",
                        (double)c->entropy);
    if (c->logged_beta != 0 && c->logged_beta != 1)
        return orl_fail(ORL_E_OUT_OF_RANGE, "reinforce: setting 'beta' = %d must be 0 or 1",
                        c->logged_beta);
    return ORL_OK;
}

int orl_pg_net_create(const orl_pg_config *cfg, uint64_t seed, int threads, orl_pg_net **out)
{
    if (!cfg || !out) return orl_fail(ORL_E_INVALID_ARGUMENT, "pg_net_create: NULL argument");
    ORL_TRY(check_config(cfg));
    orl_pg_net *net = orl_calloc(1, sizeof *net);
    if (!net) return orl_fail(ORL_E_NOMEM, "pg_net_create: out of memory");
    net->cfg = *cfg;
    int s = orl_sl_net_create(&cfg->base, seed, threads, &net->pi);
    if (s != ORL_OK) goto fail;
    net->cfg.base = net->pi->cfg;
    const int B = net->pi->cfg.max_batch, H = net->pi->enc.state_dim, I = cfg->base.n_items;
    const int nt = orl_pool_threads(net->pi->pool);
    net->has_beta = !cfg->logged_beta;
    if (net->has_beta) {
        orl_param_spec specs[ORL_CE_HEAD_N_PARAMS];
        orl_ce_head_param_specs(I, H, specs);
        s = orl_params_init(&net->beta, specs, ORL_CE_HEAD_N_PARAMS, 1);
        if (s != ORL_OK) goto fail;
        orl_rng rng;
        orl_rng_init(&rng, seed, 7); /* its own stream: pi's initialisation stays sl's */
        orl_ce_head_init(&net->beta, I, H, &rng);
    }
    const orl_ce_dims ce = {B, H, I, 0};
    size_t beta_f = net->has_beta ? round16(orl_softmax_ce_scratch_floats(ce, nt)) : 0;
    size_t ent_f = cfg->entropy > 0.0f ? round16(orl_softmax_entropy_scratch_floats(B, H, nt)) : 0;
    size_t rows = round16((size_t)B);
    net->block = orl_aligned_alloc(sizeof(float) * (beta_f + ent_f + 4 * rows));
    if (!net->block) {
        s = orl_fail(ORL_E_NOMEM, "pg_net_create: out of memory for the training workspace");
        goto fail;
    }
    float *p = net->block;
    net->beta_scratch = beta_f ? p : NULL;
    p += beta_f;
    net->ent_scratch = ent_f ? p : NULL;
    p += ent_f;
    net->row_pi = p;
    net->row_beta = p + rows;
    net->row_w = p + 2 * rows;
    net->coef = p + 3 * rows;
    *out = net;
    return ORL_OK;
fail:
    orl_pg_net_free(net);
    return s;
}

void orl_pg_net_free(orl_pg_net *net)
{
    if (!net) return;
    orl_sl_net_free(net->pi);
    orl_params_free(&net->beta);
    orl_aligned_free(net->block);
    orl_free(net);
}

const orl_pg_config *orl_pg_net_get_config(const orl_pg_net *net)
{
    return &net->cfg;
}

const orl_params *orl_pg_net_policy(const orl_pg_net *net)
{
    return orl_sl_net_params_const(net->pi);
}

const orl_params *orl_pg_net_beta(const orl_pg_net *net)
{
    return net->has_beta ? &net->beta : NULL;
}

static int check_inputs(const orl_pg_net *net, const orl_pg_inputs *in)
{
    if (!in || !in->states || !in->lens || !in->actions || !in->returns)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "pg_net: NULL input");
    const int B = in->batch, I = net->cfg.base.n_items;
    if (B < 1 || B > net->pi->cfg.max_batch)
        return orl_fail(ORL_E_OUT_OF_RANGE, "pg_net: batch size %d is outside [1, %d]", B,
                        net->pi->cfg.max_batch);
    ORL_TRY(orl_sl_net_check_states(net->pi, in->states, in->lens, B));
    for (int b = 0; b < B; b++) {
        if (in->actions[b] < 0 || in->actions[b] >= I)
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: action %d is outside [0, %d)", b,
                            (int)in->actions[b], I);
        if (!isfinite(in->returns[b]))
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition %d: the return is not finite", b);
    }
    if (net->cfg.logged_beta) {
        if (!in->propensities)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "reinforce: 'beta' = 1 (logged propensity) needs propensities");
        for (int b = 0; b < B; b++) {
            float q = in->propensities[b];
            if (!(q > 0.0f && q <= 1.0f))
                return orl_fail(ORL_E_OUT_OF_RANGE,
                                "transition %d: logged propensity %g is outside (0, 1]", b,
                                (double)q);
        }
    }
    return ORL_OK;
}

/* The state the heads read: the encoder's output, after the state dropout
 * of encoders that want it (GRU4Rec). */
static const float *forward_state(orl_pg_net *net, const orl_pg_inputs *in, int *dropped)
{
    orl_sl_net *sl = net->pi;
    const orl_encoder_class *ec = sl->enc.cls;
    const int B = in->batch;
    ec->forward(sl->pool, &sl->params, &sl->enc, sl->work, in->states, in->lens, B,
                ec->state_dropout ? NULL : &sl->dropout_rng, sl->hidden);
    *dropped = ec->state_dropout && sl->cfg.dropout > 0.0f;
    if (!*dropped) return sl->hidden;
    size_t bh = (size_t)B * sl->enc.state_dim;
    orl_dropout_mask(sl->mask, bh, sl->cfg.dropout, &sl->dropout_rng);
    orl_dropout_forward(sl->hidden_drop, sl->hidden, sl->mask, bh);
    return sl->hidden_drop;
}

static orl_ce_dims dims_of(const orl_pg_net *net, int B)
{
    return (orl_ce_dims){B, net->pi->enc.state_dim, net->cfg.base.n_items, 0};
}

/* The heads' forward and the stopped factors: row_pi, row_beta, row_w,
 * coef, and the loss without its entropy term in out. */
static void forward_heads(orl_pg_net *net, const orl_pg_inputs *in, const float *h,
                          const float *coef_fixed, orl_pg_step *out)
{
    const orl_pg_config *c = &net->cfg;
    orl_sl_net *sl = net->pi;
    const orl_params *pp = &sl->params;
    const int B = in->batch;
    const orl_ce_dims d = dims_of(net, B);
    orl_softmax_ce_forward(sl->pool, h, orl_params_at(pp, pp->value, ORL_CE_HEAD_W),
                           orl_params_at(pp, pp->value, ORL_CE_HEAD_B), in->actions, d,
                           sl->ce_scratch, net->row_pi);
    if (net->has_beta)
        orl_softmax_ce_forward(sl->pool, h,
                               orl_params_at(&net->beta, net->beta.value, ORL_CE_HEAD_W),
                               orl_params_at(&net->beta, net->beta.value, ORL_CE_HEAD_B),
                               in->actions, d, net->beta_scratch, net->row_beta);
    memset(out, 0, sizeof *out);
    double w_sum = 0.0;
    for (int b = 0; b < B; b++) {
        const float log_pi = -net->row_pi[b];
        const float log_beta = net->has_beta ? -net->row_beta[b] : logf(in->propensities[b]);
        const float ratio = expf(log_pi - log_beta); /* from log-probabilities: no underflow */
        float w = ratio < c->clip ? ratio : c->clip;
        if (ratio > c->clip) out->clipped++;
        if (c->smooth != 1.0f) w = powf(w, c->smooth);
        net->row_w[b] = w;
        w_sum += w;
    }
    const float norm = c->normalize && w_sum > 0.0 ? (float)((double)B / w_sum) : 1.0f;
    double pg = 0.0, beta_ce = 0.0;
    for (int b = 0; b < B; b++) {
        const float w = net->row_w[b] * norm;
        const float p_a = expf(-net->row_pi[b]);
        const float lambda =
            c->topk == 1 ? 1.0f : (float)c->topk * powf(1.0f - p_a, (float)(c->topk - 1));
        net->row_w[b] = w;
        net->coef[b] = coef_fixed ? coef_fixed[b] : w * lambda * in->returns[b];
        out->w_sum += w;
        out->w_sq += (double)w * w;
        out->lambda_sum += lambda;
        pg += (double)net->coef[b] * net->row_pi[b];
        if (net->has_beta) beta_ce += net->row_beta[b];
    }
    out->rows = B;
    out->pg = (float)(pg / B);
    out->beta_ce = (float)(beta_ce / B);
    out->loss = (float)((pg + beta_ce) / B);
}

typedef struct head_adam_ctx {
    orl_adam_step_consts k;
    orl_params *p;
    size_t w, b, H;
} head_adam_ctx;

/* Adam on a head's rows [i0, i0 + n) (weights and bias), whose gradients
 * the CE layer overwrites every step: no clearing. */
static void head_adam(void *ctx, size_t i0, size_t n)
{
    const head_adam_ctx *c = ctx;
    orl_params *p = c->p;
    size_t ow = c->w + i0 * c->H, ob = c->b + i0;
    orl_adam_update(&c->k, p->value + ow, p->grad + ow, p->m + ow, p->v + ow, n * c->H, 0);
    orl_adam_update(&c->k, p->value + ob, p->grad + ob, p->m + ob, p->v + ob, n, 0);
}

static head_adam_ctx head_adam_of(orl_params *p, const orl_adam_config *ac, int H)
{
    head_adam_ctx hc;
    hc.k = orl_adam_begin_step(p, ac);
    hc.p = p;
    hc.w = orl_params_find(p, ORL_CE_HEAD_W)->offset;
    hc.b = orl_params_find(p, ORL_CE_HEAD_B)->offset;
    hc.H = (size_t)H;
    return hc;
}

/* pi's backward into its head's gradient and d_hidden: the weighted CE, then
 * (with entropy) the entropy bonus added. Returns the mean entropy (0 without). */
static float backward_pi(orl_pg_net *net, const orl_pg_inputs *in, const float *h,
                         orl_ce_tile_fn hook, void *hook_ctx)
{
    orl_sl_net *sl = net->pi;
    orl_params *pp = &sl->params;
    const int B = in->batch, H = sl->enc.state_dim, I = net->cfg.base.n_items;
    const float *w = orl_params_at(pp, pp->value, ORL_CE_HEAD_W);
    const float *bias = orl_params_at(pp, pp->value, ORL_CE_HEAD_B);
    float *gw = orl_params_at(pp, pp->grad, ORL_CE_HEAD_W);
    float *gb = orl_params_at(pp, pp->grad, ORL_CE_HEAD_B);
    orl_softmax_ce_backward_ex(sl->pool, h, w, bias, in->actions, net->coef, dims_of(net, B),
                               sl->d_hidden, gw, gb, sl->ce_scratch, hook, hook_ctx);
    if (!(net->cfg.entropy > 0.0f)) return 0.0f;
    /* loss -= entropy * mean H: the gradient of (-entropy) * mean H, added. */
    float *dh = net->test_fault ? NULL : sl->d_hidden;
    return orl_softmax_entropy(sl->pool, h, w, bias, B, H, I, -net->cfg.entropy, dh, gw, gb,
                               net->ent_scratch, NULL);
}

static void backward_beta(orl_pg_net *net, const orl_pg_inputs *in, const float *h,
                          orl_ce_tile_fn hook, void *hook_ctx)
{
    if (!net->has_beta) return;
    orl_params *bp = &net->beta;
    /* No d_h: beta's gradient stops at the state. */
    orl_softmax_ce_backward_ex(
        net->pi->pool, h, orl_params_at(bp, bp->value, ORL_CE_HEAD_W),
        orl_params_at(bp, bp->value, ORL_CE_HEAD_B), in->actions, NULL, dims_of(net, in->batch),
        NULL, orl_params_at(bp, bp->grad, ORL_CE_HEAD_W),
        orl_params_at(bp, bp->grad, ORL_CE_HEAD_B), net->beta_scratch, hook, hook_ctx);
}

static void backward_encoder(orl_pg_net *net, const orl_pg_inputs *in, int dropped)
{
    orl_sl_net *sl = net->pi;
    const size_t bh = (size_t)in->batch * sl->enc.state_dim;
    if (dropped) orl_dropout_backward(sl->d_hidden, sl->d_hidden, sl->mask, bh);
    sl->enc.cls->backward(sl->pool, &sl->params, &sl->enc, sl->work, in->states, in->lens,
                          in->batch, sl->d_hidden);
}

static int not_finite(const orl_pg_step *s)
{
    return orl_fail(ORL_E_NUMERIC,
                    "reinforce: the loss is not finite (policy term %g, beta CE %g, entropy %g)",
                    (double)s->pg, (double)s->beta_ce, (double)s->entropy);
}

int orl_pg_net_loss(orl_pg_net *net, const orl_pg_inputs *in, const float *coef_fixed,
                    orl_pg_step *out)
{
    ORL_TRY(check_inputs(net, in));
    int dropped = 0;
    const float *h = forward_state(net, in, &dropped);
    forward_heads(net, in, h, coef_fixed, out);
    if (net->cfg.entropy > 0.0f) {
        orl_sl_net *sl = net->pi;
        const orl_params *pp = &sl->params;
        out->entropy = orl_softmax_entropy(sl->pool, h, orl_params_at(pp, pp->value, ORL_CE_HEAD_W),
                                           orl_params_at(pp, pp->value, ORL_CE_HEAD_B), in->batch,
                                           sl->enc.state_dim, net->cfg.base.n_items, 0.0f, NULL,
                                           NULL, NULL, net->ent_scratch, NULL);
        out->loss -= net->cfg.entropy * out->entropy;
    }
    return ORL_OK;
}

int orl_pg_net_loss_grad(orl_pg_net *net, const orl_pg_inputs *in, const float *coef_fixed,
                         orl_pg_step *out)
{
    ORL_TRY(check_inputs(net, in));
    int dropped = 0;
    const float *h = forward_state(net, in, &dropped);
    forward_heads(net, in, h, coef_fixed, out);
    out->entropy = backward_pi(net, in, h, NULL, NULL);
    out->loss -= net->cfg.entropy * out->entropy;
    if (!isfinite(out->loss)) return not_finite(out);
    backward_beta(net, in, h, NULL, NULL);
    backward_encoder(net, in, dropped);
    return ORL_OK;
}

/* Adam on the encoder's tensors (the heads' are done): the embedding's
 * gradient is zero outside the rows of this batch. As sl_net's step. */
static void adam_encoder(orl_pg_net *net, const orl_pg_inputs *in, const head_adam_ctx *hc)
{
    orl_sl_net *sl = net->pi;
    orl_params *p = &sl->params;
    const int I = net->cfg.base.n_items;
    const orl_param_view *ev = orl_params_find(p, ORL_ENC_EMB);
    memset(sl->touched, 0, (size_t)I + 1);
    sl->enc.cls->mark_touched(&sl->enc, sl->work, in->states, in->lens, in->batch, sl->touched);
    orl_adam_update_rows(sl->pool, p, &hc->k, ev->offset, ev->rows, ev->cols, sl->touched);
    size_t enc_end = hc->w < hc->b ? hc->w : hc->b, emb_end = ev->offset + ev->rows * ev->cols;
    orl_adam_update_range(sl->pool, p, &hc->k, 0, ev->offset, 1);
    orl_adam_update_range(sl->pool, p, &hc->k, emb_end, enc_end, 1);
}

int orl_pg_net_train_step(orl_pg_net *net, const orl_pg_inputs *in, float lr, orl_pg_step *out)
{
    if (!net || !out) return orl_fail(ORL_E_INVALID_ARGUMENT, "pg_net_train_step: NULL argument");
    if (!(lr > 0.0f) || !isfinite(lr))
        return orl_fail(ORL_E_OUT_OF_RANGE, "pg_net_train_step: learning rate %g must be > 0",
                        (double)lr);
    ORL_TRY(check_inputs(net, in));
    orl_sl_net *sl = net->pi;
    orl_sl_net_drop_screen(sl); /* the weights are about to change */
    const int H = sl->enc.state_dim;
    int dropped = 0;
    const float *h = forward_state(net, in, &dropped);
    forward_heads(net, in, h, NULL, out);
    orl_adam_config ac = orl_adam_defaults();
    ac.lr = lr;
    head_adam_ctx pc, bc;
    if (!(net->cfg.entropy > 0.0f)) {
        /* The heads' Adam runs inside their CE pass 2, tile by tile. */
        if (!isfinite(out->loss)) return not_finite(out);
        pc = head_adam_of(&sl->params, &ac, H);
        backward_pi(net, in, h, head_adam, &pc);
    } else {
        /* The entropy adds to pi's head gradient after the CE pass: Adam after both. */
        out->entropy = backward_pi(net, in, h, NULL, NULL);
        out->loss -= net->cfg.entropy * out->entropy;
        if (!isfinite(out->loss)) return not_finite(out);
        pc = head_adam_of(&sl->params, &ac, H);
        const size_t I = (size_t)net->cfg.base.n_items;
        orl_adam_update_range(sl->pool, &sl->params, &pc.k, pc.w, pc.w + I * (size_t)H, 0);
        orl_adam_update_range(sl->pool, &sl->params, &pc.k, pc.b, pc.b + I, 0);
    }
    if (net->has_beta) {
        bc = head_adam_of(&net->beta, &ac, H);
        backward_beta(net, in, h, head_adam, &bc);
    }
    backward_encoder(net, in, dropped);
    adam_encoder(net, in, &pc);
    return ORL_OK;
}
