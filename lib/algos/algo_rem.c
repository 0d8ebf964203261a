/* "rem": Random Ensemble Mixture (Agarwal et al. 2020) on a tq_net: K Q
 * heads mixed by one random convex combination per step, a target copy. The
 * model scores with the mean of the heads. */
#include "algos/algo_tq.h"
#include "models/q_head.h"

static const orl_setting_def rem_settings[] = {
    {"gamma", 0.5, 0, 0.999999, 0, "discount of future rewards"},
    {"heads", 4, 2, ORL_Q_ENSEMBLE_MAX, 1, "number of Q heads K"},
    {"target_update", 8000, 1, 1e12, 1, "hard target copy every this many steps"},
    {"tau", 0, 0, 1, 0, "> 0: Polyak target update with this rate after every step instead"},
};

const orl_algo_class orl_algo_rem;

static int rem_create(const orl_algo_context *ctx, void **out)
{
    return orl_algo_tq_create(&orl_algo_rem, ORL_TQ_REM, ctx, out);
}

const orl_algo_class orl_algo_rem = {
    .name = "rem",
    .summary = "random ensemble mixture: K Q heads, one random mixture per step (Agarwal 2020)",
    .settings = rem_settings,
    .n_settings = (int)(sizeof rem_settings / sizeof rem_settings[0]),
    .create = rem_create,
    .destroy = orl_algo_tq_destroy,
    .step = orl_algo_tq_step,
    .policy_params = orl_algo_tq_policy,
    .flags = ORL_ALGO_Q_ONLY,
};
