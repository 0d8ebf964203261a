/* "sqn", "sac", "snqn", "sa2c": the RL networks of models/rl_net behind the
 * trainer's algorithm interface, with the papers' defaults as settings. */
#include <math.h>
#include <string.h>

#include "algos/algo.h"
#include "algos/algo_rl.h"
#include "core/error.h"
#include "models/rl_net.h"

/* Setting rows shared by the four classes (each lists the ones it uses). */
#define GAMMA                                                                                      \
    {                                                                                              \
        "gamma", 0.5, 0, 0.999999, 0, "discount of future rewards"                                 \
    }
#define SCORE_HEAD                                                                                 \
    {                                                                                              \
        "score_head", 0, 0, 1, 1, "head the exported model scores with: 0 supervised, 1 Q"         \
    }
#define WARMUP                                                                                     \
    {                                                                                              \
        "warmup_steps", -1, -1, 1e12, 1,                                                           \
            "steps before the weighted phase; -1 = min(15000, half the steps), as the reference"   \
    }
#define N_NEG                                                                                      \
    {                                                                                              \
        "n_neg", 10, 1, 1000, 1, "negative actions sampled per transition"                         \
    }
#define R_NEG                                                                                      \
    {                                                                                              \
        "r_neg", 0, -1e6, 1e6, 0, "reward of a negative action"                                    \
    }

static const orl_setting_def sqn_settings[] = {GAMMA, SCORE_HEAD};
static const orl_setting_def sac_settings[] = {GAMMA, SCORE_HEAD, WARMUP};
static const orl_setting_def snqn_settings[] = {GAMMA, SCORE_HEAD, N_NEG, R_NEG};
static const orl_setting_def sa2c_settings[] = {
    GAMMA,
    SCORE_HEAD,
    WARMUP,
    N_NEG,
    R_NEG,
    {"lr2", 0.001, 1e-9, 10, 0, "Adam step size of the advantage phase"},
    {"adv_clip_lo", 0, -1e9, 1e9, 0, "advantage clipped below at this"},
    {"adv_clip_hi", 10, -1e9, 1e9, 0, "advantage clipped above at this"},
    {"weight", 1, 0, 1e6, 0, "weight of the Q losses in the advantage phase"},
    {"ips_smooth", 0, 0, 10, 0, "exponent of the popularity correction (0 = off)"},
    {"ips_clip_lo", 0.1, 1e-9, 1e6, 0, "lower clip of the correction ratio"},
    {"ips_clip_hi", 10, 1e-9, 1e6, 0, "upper clip of the correction ratio"},
};

/* The value of setting `key` in this class's table, or `fallback`. */
static double setting(const orl_algo_context *ctx, const orl_algo_class *cls, const char *key,
                      double fallback)
{
    for (int i = 0; i < cls->n_settings; i++)
        if (strcmp(cls->settings[i].key, key) == 0) return ctx->settings[i];
    return fallback;
}

int orl_algo_rl_create(const orl_algo_class *cls, int algorithm, const orl_algo_context *ctx,
                       void **out)
{
    orl_rl_net_config c = orl_rl_net_config_default((int)ctx->n_items, algorithm);
    c.embed_dim = (int)ctx->encoder->embed_dim;
    c.hidden_dim = (int)ctx->encoder->hidden_dim;
    c.window = (int)ctx->encoder->window;
    c.encoder = *ctx->encoder;
    c.max_batch = (int)ctx->max_batch;
    c.gamma = (float)setting(ctx, cls, "gamma", c.gamma);
    c.n_neg = (int)setting(ctx, cls, "n_neg", c.n_neg);
    c.r_neg = (float)setting(ctx, cls, "r_neg", c.r_neg);
    double warmup = setting(ctx, cls, "warmup_steps", -1);
    if (warmup < 0) {
        uint64_t half = ctx->total_steps / 2;
        warmup = half < 15000 ? (double)half : 15000.0;
    }
    c.warmup_steps = (int64_t)warmup;
    c.lr2 = (float)setting(ctx, cls, "lr2", c.lr2);
    c.adv_clip_lo = (float)setting(ctx, cls, "adv_clip_lo", c.adv_clip_lo);
    c.adv_clip_hi = (float)setting(ctx, cls, "adv_clip_hi", c.adv_clip_hi);
    c.weight = (float)setting(ctx, cls, "weight", c.weight);
    c.ips_smooth = (float)setting(ctx, cls, "ips_smooth", c.ips_smooth);
    c.ips_clip_lo = (float)setting(ctx, cls, "ips_clip_lo", c.ips_clip_lo);
    c.ips_clip_hi = (float)setting(ctx, cls, "ips_clip_hi", c.ips_clip_hi);
    c.cql_alpha = (float)setting(ctx, cls, "alpha", c.cql_alpha);
    c.q_heads = (int)setting(ctx, cls, "heads", c.q_heads);
    c.vpq_c = (float)setting(ctx, cls, "vpq_c", c.vpq_c);
    if (c.adv_clip_lo > c.adv_clip_hi || c.ips_clip_lo > c.ips_clip_hi)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: a clip range has its low end above its high end",
                        cls->name);
    orl_rl_net *net = NULL;
    ORL_TRY(orl_rl_net_create(&c, ctx->seed, ctx->threads, &net));
    if (c.ips_smooth > 0 && ctx->item_popularity) {
        /* The behaviour estimate: training popularity, floored so no ratio divides by zero. */
        int s = orl_rl_net_set_behaviour(net, ctx->item_popularity);
        if (s != ORL_OK) {
            orl_rl_net_free(net);
            return s;
        }
    }
    *out = net;
    return ORL_OK;
}

void orl_algo_rl_destroy(void *self)
{
    orl_rl_net_free(self);
}

int orl_algo_rl_step(void *self, const orl_batch *b, float lr, orl_step_losses *out)
{
    orl_rl_losses l;
    ORL_TRY(orl_rl_net_train_step(self, b->states, b->state_len, b->actions, b->rewards,
                                  b->next_states, b->next_len, b->done, (int)b->size, lr, &l));
    out->loss = l.total;
    /* cql trains no supervised head: no such term. */
    out->ce_loss = orl_rl_net_get_config(self)->algorithm == ORL_RL_CQL ? NAN : l.ce;
    out->q_loss = l.td + l.td_neg;
    return ORL_OK;
}

const orl_params *orl_algo_rl_policy(const void *self)
{
    /* QN_1's whole store: the model takes the encoder and CE head by name, and the
     * Q head ("qhead.*") as its second head (sqn_rem: the heads' mean, and "qens.*"). */
    return orl_rl_net_policy_params(self);
}

#define RL_CLASS(NAME, ALGO, SUMMARY, TABLE)                                                       \
    static int NAME##_create(const orl_algo_context *ctx, void **out);                             \
    const orl_algo_class orl_algo_##NAME = {#NAME,                                                 \
                                            SUMMARY,                                               \
                                            TABLE,                                                 \
                                            (int)(sizeof TABLE / sizeof TABLE[0]),                 \
                                            NAME##_create,                                         \
                                            orl_algo_rl_destroy,                                   \
                                            orl_algo_rl_step,                                      \
                                            orl_algo_rl_policy,                                    \
                                            0,                                                     \
                                            NULL,                                                  \
                                            NULL};                                                 \
    static int NAME##_create(const orl_algo_context *ctx, void **out)                              \
    {                                                                                              \
        return orl_algo_rl_create(&orl_algo_##NAME, ALGO, ctx, out);                               \
    }

RL_CLASS(sqn, ORL_RL_SQN, "supervised Q-learning: cross-entropy + double-Q TD loss (Xin 2020)",
         sqn_settings)
RL_CLASS(sac, ORL_RL_SAC, "SQN, then cross-entropy weighted by Q(s,a) (Xin 2020)", sac_settings)
RL_CLASS(snqn, ORL_RL_SNQN, "SQN with sampled negative actions (Xin 2022)", snqn_settings)
RL_CLASS(sa2c, ORL_RL_SA2C, "SNQN, then cross-entropy weighted by the clipped advantage (Xin 2022)",
         sa2c_settings)
