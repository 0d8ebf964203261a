/* Per-decision importance sampling over sessions (SCOPE-RL's PDIS and its
 * self-normalised form). rho_t = prod_{u <= t} w_u, the cumulative weight of
 * a session's first t + 1 steps. A session that ended is absorbed: its
 * reward is 0 from then on and its weight stays as it was (every policy
 * agrees on the terminal state). */
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "eval/ope.h"
#include "eval/ope_sessions.h"

/* sum_t gamma^t rho_t r_t of session i. */
static double pdis_session(const orl_ope_steps *d, const orl_ope_config *c, uint64_t i)
{
    double rho = 1.0, disc = 1.0, x = 0.0;
    for (uint64_t t = d->sess_off[i]; t < d->sess_off[i + 1]; t++) {
        rho *= orl_ope_step_weight(d, c, t);
        x += disc * rho * d->reward[t];
        disc *= c->gamma;
    }
    return x;
}

int orl_ope_pdis(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                 double *pseudo)
{
    return orl_ope_session_mean(d, c, sw, pdis_session, out, pseudo);
}

/* The longest session's step count. */
static uint64_t longest(const orl_ope_steps *d)
{
    uint64_t m = 0;
    for (uint64_t i = 0; i < d->n_sessions; i++) {
        uint64_t len = d->sess_off[i + 1] - d->sess_off[i];
        if (len > m) m = len;
    }
    return m;
}

/* num[t] = sum_i sw_i rho_it r_it and den[t] = sum_i sw_i rho_it for t < T,
 * sessions absorbed before t included with their final weight; tail is
 * scratch of T + 1. */
static void step_sums(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, uint64_t T,
                      double *num, double *den, double *tail)
{
    for (uint64_t t = 0; t < T; t++) num[t] = den[t] = tail[t] = 0.0;
    tail[T] = 0.0;
    for (uint64_t i = 0; i < d->n_sessions; i++) {
        double s = orl_ope_sw(sw, i);
        if (s == 0.0) continue;
        double rho = 1.0;
        uint64_t b = d->sess_off[i], e = d->sess_off[i + 1];
        for (uint64_t t = b; t < e; t++) {
            rho *= orl_ope_step_weight(d, c, t);
            num[t - b] += s * rho * d->reward[t];
            den[t - b] += s * rho;
        }
        tail[e - b] += s * rho; /* weight of the sessions absorbed from step e - b on */
    }
    double carried = 0.0;
    for (uint64_t t = 0; t < T; t++) {
        carried += tail[t];
        den[t] += carried;
    }
}

/* sum_t gamma^t (sum_i rho_it r_it) / (sum_i rho_it): each step's rewards
 * normalised by the mean cumulative weight at that step. */
int orl_ope_wpdis(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                  double *pseudo)
{
    uint64_t T = longest(d);
    double *num = orl_malloc(sizeof(double) * (3 * T + 1));
    if (!num)
        return orl_fail(ORL_E_NOMEM, "wpdis: out of memory for %llu steps", (unsigned long long)T);
    double *den = num + T, *tail = den + T;
    step_sums(d, c, sw, T, num, den, tail);
    double v = 0.0, disc = 1.0, nw = 0.0;
    for (uint64_t i = 0; i < d->n_sessions; i++) nw += orl_ope_sw(sw, i);
    for (uint64_t t = 0; t < T; t++) {
        double vt = den[t] != 0.0 ? num[t] / den[t] : 0.0;
        v += disc * vt;
        /* Kept for the pseudo-values: a_t = gamma^t / mean rho_t and a_t v_t. */
        num[t] = den[t] != 0.0 ? disc * nw / den[t] : 0.0;
        den[t] = num[t] * vt;
        disc *= c->gamma;
    }
    *out = nw > 0 ? v : NAN;
    if (pseudo) {
        /* v + sum_t a_t (rho_it r_it - v_t rho_it), the absorbed steps included:
         * tail[t] = sum_{u >= t} a_u v_u. */
        tail[T] = 0.0;
        for (uint64_t t = T; t-- > 0;) tail[t] = tail[t + 1] + den[t];
        for (uint64_t i = 0; i < d->n_sessions; i++) {
            double rho = 1.0, x = v;
            uint64_t b = d->sess_off[i], e = d->sess_off[i + 1];
            for (uint64_t t = b; t < e; t++) {
                rho *= orl_ope_step_weight(d, c, t);
                x += rho * (num[t - b] * d->reward[t] - den[t - b]);
            }
            pseudo[i] = x - rho * tail[e - b];
        }
    }
    orl_free(num);
    return ORL_OK;
}
