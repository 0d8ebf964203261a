/* Importance sampling per logged step (Open Bandit Pipeline's IPW, clipped
 * IPW and SNIPW), as ratios of session sums so that the bootstrap and the
 * standard error treat a session's steps as one unit. */
#include <math.h>

#include "core/error.h"
#include "eval/ope.h"

static double weighted_reward(const orl_ope_steps *d, const orl_ope_config *c, uint64_t t)
{
    return orl_ope_step_weight(d, c, t) * d->reward[t];
}

static double clipped_reward(const orl_ope_steps *d, const orl_ope_config *c, uint64_t t)
{
    double w = orl_ope_step_weight(d, c, t);
    return (w > c->clip ? c->clip : w) * d->reward[t];
}

/* (1/n) sum_t w_t r_t, w = pi / beta. */
int orl_ope_ips(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                double *pseudo)
{
    return orl_ope_ratio_estimate(d, c, sw, weighted_reward, orl_ope_step_one, out, pseudo);
}

/* (1/n) sum_t min(w_t, clip) r_t: biased down where weights are cut, lower variance. */
int orl_ope_clipped_ips(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                        double *out, double *pseudo)
{
    return orl_ope_ratio_estimate(d, c, sw, clipped_reward, orl_ope_step_one, out, pseudo);
}

/* sum_t w_t r_t / sum_t w_t. */
int orl_ope_snips(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                  double *pseudo)
{
    return orl_ope_ratio_estimate(d, c, sw, weighted_reward, orl_ope_step_weight, out, pseudo);
}
