/* "sl": supervised next-item training, any encoder with full-catalogue
 * cross-entropy (the reference's "ce" mode). */
#include <math.h>

#include "algos/algo.h"
#include "core/error.h"
#include "models/sl_net.h"

static int sl_create(const orl_algo_context *ctx, void **out)
{
    orl_sl_net_config cfg = orl_sl_net_config_default((int)ctx->n_items);
    cfg.embed_dim = (int)ctx->encoder->embed_dim;
    cfg.hidden_dim = (int)ctx->encoder->hidden_dim;
    cfg.window = (int)ctx->encoder->window;
    cfg.dropout = ctx->encoder->dropout;
    cfg.encoder = *ctx->encoder;
    cfg.max_batch = (int)ctx->max_batch;
    orl_sl_net *net = NULL;
    ORL_TRY(orl_sl_net_create(&cfg, ctx->seed, ctx->threads, &net));
    *out = net;
    return ORL_OK;
}

static void sl_destroy(void *self)
{
    orl_sl_net_free(self);
}

static int sl_step(void *self, const orl_batch *b, float lr, orl_step_losses *out)
{
    float loss = NAN;
    ORL_TRY(
        orl_sl_net_train_step(self, b->states, b->state_len, b->actions, (int)b->size, lr, &loss));
    out->loss = loss;
    out->ce_loss = loss;
    out->q_loss = NAN;
    return ORL_OK;
}

static const orl_params *sl_policy(const void *self)
{
    return orl_sl_net_params_const(self);
}

const orl_algo_class orl_algo_sl = {
    .name = "sl",
    .summary = "supervised next-item baseline (GRU4Rec, cross-entropy over the catalogue)",
    .settings = NULL,
    .n_settings = 0,
    .create = sl_create,
    .destroy = sl_destroy,
    .step = sl_step,
    .policy_params = sl_policy,
};
