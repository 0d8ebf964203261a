/* Slate estimators on display steps, one value per display step. */
#include <math.h>

#include "core/error.h"
#include "eval/ope.h"

/* Session i's sums of the slates' weighted rewards (pseudo_inverse 0:
 * independent IPS; 1: pseudo-inverse) and of its slate count. */
static void session_sums(const orl_ope_slates *d, uint64_t i, int pseudo_inverse, double *x,
                         double *n)
{
    double sx = 0.0;
    for (uint64_t j = d->sess_off[i]; j < d->sess_off[i + 1]; j++) {
        double wsum = 0.0, rsum = 0.0, wr = 0.0;
        uint64_t b = d->slot_off[j], e = d->slot_off[j + 1];
        for (uint64_t l = b; l < e; l++) {
            double w = d->pi_pos[l] / d->beta_pos[l];
            wsum += w;
            rsum += d->reward[l];
            wr += w * d->reward[l];
        }
        /* The pseudo-inverse weight of a slate of L positions logged with
         * independent positions: sum_l w_l - (L - 1), times the slate reward. */
        sx += pseudo_inverse ? (wsum - (double)(e - b) + (e > b ? 1.0 : 0.0)) * rsum : wr;
    }
    *x = sx;
    *n = (double)(d->sess_off[i + 1] - d->sess_off[i]);
}

static int slate_estimate(const orl_ope_slates *d, int pi, const double *sw, double *out,
                          double *pseudo)
{
    double num = 0.0, den = 0.0, tot = 0.0;
    for (uint64_t i = 0; i < d->n_sessions; i++) {
        double s = orl_ope_sw(sw, i), x, n;
        if (s == 0.0) continue;
        session_sums(d, i, pi, &x, &n);
        num += s * x;
        den += s * n;
        tot += s;
    }
    double v = orl_ope_ratio(num, den);
    *out = v;
    if (pseudo) {
        double mn = den / tot;
        for (uint64_t i = 0; i < d->n_sessions; i++) {
            double x, n;
            session_sums(d, i, pi, &x, &n);
            pseudo[i] = v + (x - v * n) / mn;
        }
    }
    return ORL_OK;
}

int orl_ope_slate_iips(const orl_ope_slates *d, const double *sw, double *out, double *pseudo)
{
    return slate_estimate(d, 0, sw, out, pseudo);
}

int orl_ope_slate_pi(const orl_ope_slates *d, const double *sw, double *out, double *pseudo)
{
    return slate_estimate(d, 1, sw, out, pseudo);
}

int orl_ope_slate_iips_fn(const void *ctx, const double *sw, double *out, double *pseudo)
{
    return slate_estimate(ctx, 0, sw, out, pseudo);
}

int orl_ope_slate_pi_fn(const void *ctx, const double *sw, double *out, double *pseudo)
{
    return slate_estimate(ctx, 1, sw, out, pseudo);
}

double orl_ope_slate_ess(const orl_ope_slates *d)
{
    double s1 = 0.0, s2 = 0.0;
    uint64_t slates = d->sess_off[d->n_sessions];
    for (uint64_t l = d->slot_off[d->sess_off[0]]; l < d->slot_off[slates]; l++) {
        double w = d->pi_pos[l] / d->beta_pos[l];
        s1 += w;
        s2 += w * w;
    }
    return s2 > 0.0 ? s1 * s1 / s2 : 0.0;
}
