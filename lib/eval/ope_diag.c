/* Weight diagnostics: the effective sample size (sum w)^2 / sum w^2 of the
 * weights an estimator uses (n when they are all equal, about 1 when one
 * weight dominates) and the share of steps clipped or switched to the model. */
#include "eval/ope.h"

static double ess(double s1, double s2)
{
    return s2 > 0.0 ? s1 * s1 / s2 : 0.0;
}

void orl_ope_diag_steps(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out)
{
    double s1 = 0.0, s2 = 0.0;
    for (uint64_t t = d->sess_off[0]; t < d->sess_off[d->n_sessions]; t++) {
        double w = orl_ope_step_weight(d, c, t);
        s1 += w;
        s2 += w * w;
    }
    out->ess = ess(s1, s2);
    out->clipped_share = 0.0;
}

void orl_ope_diag_clipped(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out)
{
    double s1 = 0.0, s2 = 0.0;
    uint64_t cut = 0, n = orl_ope_n_steps(d);
    for (uint64_t t = d->sess_off[0]; t < d->sess_off[d->n_sessions]; t++) {
        double w = orl_ope_step_weight(d, c, t);
        if (w > c->clip) w = c->clip, cut++;
        s1 += w;
        s2 += w * w;
    }
    out->ess = ess(s1, s2);
    out->clipped_share = n ? (double)cut / (double)n : 0.0;
}

void orl_ope_diag_switch(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out)
{
    double s1 = 0.0, s2 = 0.0;
    uint64_t cut = 0, n = orl_ope_n_steps(d);
    for (uint64_t t = d->sess_off[0]; t < d->sess_off[d->n_sessions]; t++) {
        double w = orl_ope_step_weight(d, c, t);
        if (w > c->switch_tau) {
            cut++;
            continue; /* the model alone: no weight */
        }
        s1 += w;
        s2 += w * w;
    }
    out->ess = ess(s1, s2);
    out->clipped_share = n ? (double)cut / (double)n : 0.0;
}

void orl_ope_diag_none_steps(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out)
{
    (void)c;
    out->ess = (double)orl_ope_n_steps(d);
    out->clipped_share = 0.0;
}

void orl_ope_diag_none_sessions(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out)
{
    (void)c;
    out->ess = (double)d->n_sessions;
    out->clipped_share = 0.0;
}

/* Every step's cumulative weight rho_t (the weights PDIS puts on rewards):
 * a session's final weight alone says 0 whenever the target leaves the log
 * once, though its earlier steps still count. */
void orl_ope_diag_sessions(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out)
{
    double s1 = 0.0, s2 = 0.0;
    for (uint64_t i = 0; i < d->n_sessions; i++) {
        double rho = 1.0;
        for (uint64_t t = d->sess_off[i]; t < d->sess_off[i + 1]; t++) {
            rho *= orl_ope_step_weight(d, c, t);
            s1 += rho;
            s2 += rho * rho;
        }
    }
    out->ess = ess(s1, s2);
    out->clipped_share = 0.0;
}
