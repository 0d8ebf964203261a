/* "bcq": discrete batch-constrained Q-learning (Fujimoto et al. 2019) on a
 * tq_net: G and Q heads on one encoder, a target copy. The model ranks the
 * items G allows by Q (it reads "threshold"). With the context's fixed
 * generative model, G is that network and the policy store holds the Q
 * network alone (encoder + Q head); the trainer's export puts G's own network
 * beside it (api/model_generative.c). */
#include "algos/algo_tq.h"

static const orl_setting_def bcq_settings[] = {
    {"gamma", 0.5, 0, 0.999999, 0, "discount of future rewards"},
    {"threshold", 0.3, 0, 0.999999, 0,
     "items with G(a|s) / max G > threshold are allowed (0: every item)"},
    {"target_update", 8000, 1, 1e12, 1, "hard target copy every this many steps"},
    {"tau", 0, 0, 1, 0, "> 0: Polyak target update with this rate after every step instead"},
    {"reg", 0.01, 0, 1e6, 0, "weight of mean(G logits^2) (the reference code's regulariser)"},
};

const orl_algo_class orl_algo_bcq;

static int bcq_create(const orl_algo_context *ctx, void **out)
{
    return orl_algo_tq_create(&orl_algo_bcq, ORL_TQ_BCQ, ctx, out);
}

const orl_algo_class orl_algo_bcq = {
    .name = "bcq",
    .summary = "discrete batch-constrained Q-learning: G + Q heads, target network (Fujimoto 2019)",
    .settings = bcq_settings,
    .n_settings = (int)(sizeof bcq_settings / sizeof bcq_settings[0]),
    .create = bcq_create,
    .destroy = orl_algo_tq_destroy,
    .step = orl_algo_tq_step,
    .policy_params = orl_algo_tq_policy,
    .flags = ORL_ALGO_CONSTRAINED,
};
