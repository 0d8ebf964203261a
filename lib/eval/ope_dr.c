/* The per-step forms that use a reward model q(s, a): DM, DR, SNDR and
 * Switch-DR (Open Bandit Pipeline's definitions). V(s) = sum_a pi(a|s) q(s, a). */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "eval/ope.h"

static double model_value(const orl_ope_steps *d, const orl_ope_config *c, uint64_t t)
{
    (void)c;
    return d->v[t];
}

static double residual(const orl_ope_steps *d, const orl_ope_config *c, uint64_t t)
{
    return orl_ope_step_weight(d, c, t) * (d->reward[t] - d->q[t]);
}

static double dr_term(const orl_ope_steps *d, const orl_ope_config *c, uint64_t t)
{
    return d->v[t] + residual(d, c, t);
}

/* The residual is used only where the weight is at most tau. */
static double switch_term(const orl_ope_steps *d, const orl_ope_config *c, uint64_t t)
{
    double w = orl_ope_step_weight(d, c, t);
    return d->v[t] + (w <= c->switch_tau ? w * (d->reward[t] - d->q[t]) : 0.0);
}

/* (1/n) sum_t V(s_t). */
int orl_ope_dm(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
               double *pseudo)
{
    return orl_ope_ratio_estimate(d, c, sw, model_value, orl_ope_step_one, out, pseudo);
}

/* (1/n) sum_t [V(s_t) + w_t (r_t - q(s_t, a_t))]. */
int orl_ope_dr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
               double *pseudo)
{
    return orl_ope_ratio_estimate(d, c, sw, dr_term, orl_ope_step_one, out, pseudo);
}

/* (1/n) sum_t V(s_t) + sum_t w_t (r_t - q_t) / sum_t w_t. */
int orl_ope_sndr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                 double *pseudo)
{
    double dm, corr;
    double *second = NULL;
    if (pseudo) {
        second = orl_malloc(sizeof(double) * (d->n_sessions ? d->n_sessions : 1));
        if (!second) return orl_fail(ORL_E_NOMEM, "sndr: out of memory");
    }
    orl_ope_ratio_estimate(d, c, sw, model_value, orl_ope_step_one, &dm, pseudo);
    orl_ope_ratio_estimate(d, c, sw, residual, orl_ope_step_weight, &corr, second);
    /* No weight at all: the correction is empty and the value is the model's. */
    if (isnan(corr)) corr = 0.0;
    *out = dm + corr;
    if (pseudo) {
        for (uint64_t i = 0; i < d->n_sessions; i++) pseudo[i] += isnan(second[i]) ? 0 : second[i];
        orl_free(second);
    }
    return ORL_OK;
}

/* (1/n) sum_t [V(s_t) + 1{w_t <= tau} w_t (r_t - q_t)]. */
int orl_ope_switch_dr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                      double *out, double *pseudo)
{
    return orl_ope_ratio_estimate(d, c, sw, switch_term, orl_ope_step_one, out, pseudo);
}
