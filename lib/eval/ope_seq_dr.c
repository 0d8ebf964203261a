/* Sequential doubly robust (Jiang & Li 2016; the per-decision form of
 * Thomas & Brunskill 2016) with FQE's Q, and FQE itself as the sequential
 * direct method. The recursion V_t = V(s_t) + w_t (r_t + gamma V_{t+1} -
 * Q(s_t, a_t)) unrolls to sum_t gamma^t [rho_t (r_t - Q_t) + rho_{t-1} V_t]
 * with rho_{-1} = 1, which is what a session contributes here. */
#include <math.h>

#include "core/error.h"
#include "eval/ope_sessions.h"

int orl_ope_session_mean(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                         orl_ope_session_value_fn x, double *out, double *pseudo)
{
    double num = 0.0, den = 0.0;
    for (uint64_t i = 0; i < d->n_sessions; i++) {
        double s = orl_ope_sw(sw, i);
        if (s == 0.0) continue;
        double xi = x(d, c, i);
        num += s * xi;
        den += s;
        if (pseudo) pseudo[i] = xi;
    }
    *out = orl_ope_ratio(num, den);
    return ORL_OK;
}

static double seq_dr_session(const orl_ope_steps *d, const orl_ope_config *c, uint64_t i)
{
    double rho_prev = 1.0, disc = 1.0, x = 0.0;
    for (uint64_t t = d->sess_off[i]; t < d->sess_off[i + 1]; t++) {
        double rho = rho_prev * orl_ope_step_weight(d, c, t);
        x += disc * (rho * (d->reward[t] - d->q_seq[t]) + rho_prev * d->v_seq[t]);
        rho_prev = rho;
        disc *= c->gamma;
    }
    return x;
}

static double fqe_session(const orl_ope_steps *d, const orl_ope_config *c, uint64_t i)
{
    (void)c;
    return d->sess_off[i + 1] > d->sess_off[i] ? d->v_seq[d->sess_off[i]] : 0.0;
}

int orl_ope_seq_dr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                   double *pseudo)
{
    return orl_ope_session_mean(d, c, sw, seq_dr_session, out, pseudo);
}

/* The mean of V(s_0) over the logged sessions' first states. */
int orl_ope_fqe(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                double *pseudo)
{
    return orl_ope_session_mean(d, c, sw, fqe_session, out, pseudo);
}
