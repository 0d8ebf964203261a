/* The tq_net (one online network + a target copy) behind the algorithm
 * interface, shared by "bcq" and "rem". */
#include <math.h>
#include <string.h>

#include "algos/algo_tq.h"
#include "core/error.h"

double orl_algo_tq_setting(const orl_algo_context *ctx, const orl_algo_class *cls, const char *key,
                           double fallback)
{
    for (int i = 0; i < cls->n_settings; i++)
        if (strcmp(cls->settings[i].key, key) == 0) return ctx->settings[i];
    return fallback;
}

int orl_algo_tq_create(const orl_algo_class *cls, int algorithm, const orl_algo_context *ctx,
                       void **out)
{
    orl_tq_config c;
    memset(&c, 0, sizeof c);
    c.algorithm = algorithm;
    c.n_items = (int)ctx->n_items;
    c.max_batch = (int)ctx->max_batch;
    c.encoder = *ctx->encoder;
    c.gamma = (float)orl_algo_tq_setting(ctx, cls, "gamma", 0.5);
    c.threshold = (float)orl_algo_tq_setting(ctx, cls, "threshold", 0.0);
    c.reg = (float)orl_algo_tq_setting(ctx, cls, "reg", 0.0);
    c.heads = (int)orl_algo_tq_setting(ctx, cls, "heads", 0);
    c.target_update = (int64_t)orl_algo_tq_setting(ctx, cls, "target_update", 8000);
    c.tau = (float)orl_algo_tq_setting(ctx, cls, "tau", 0.0);
    if (algorithm == ORL_TQ_BCQ && ctx->generative) {
        c.generative = ctx->generative;
        if (ctx->generative_encoder) c.generative_encoder = *ctx->generative_encoder;
    }
    orl_tq_net *net = NULL;
    ORL_TRY(orl_tq_net_create(&c, ctx->seed, ctx->threads, &net));
    *out = net;
    return ORL_OK;
}

void orl_algo_tq_destroy(void *self)
{
    orl_tq_net_free(self);
}

int orl_algo_tq_step(void *self, const orl_batch *b, float lr, orl_step_losses *out)
{
    orl_tq_losses l;
    ORL_TRY(orl_tq_net_train_step(self, b->states, b->state_len, b->actions, b->rewards,
                                  b->next_states, b->next_len, b->done, (int)b->size, lr, &l));
    out->loss = l.total;
    out->ce_loss = l.ce; /* NaN for rem */
    out->q_loss = l.td;
    return ORL_OK;
}

const orl_params *orl_algo_tq_policy(const void *self)
{
    return orl_tq_net_policy(self);
}
