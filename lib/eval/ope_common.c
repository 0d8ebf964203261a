/* Helpers the estimator files share: ratio estimates over session sums and
 * their linearisation (the pseudo-values of the normal interval). */
#include <math.h>

#include "core/error.h"
#include "eval/ope.h"

double orl_ope_ratio(double a, double b)
{
    return b != 0.0 ? a / b : NAN;
}

void orl_ope_ratio_pseudo(uint64_t n, const double *a, const double *b, double v, double *pseudo)
{
    double sb = 0.0;
    for (uint64_t i = 0; i < n; i++) sb += b[i];
    double mb = sb / (double)n;
    for (uint64_t i = 0; i < n; i++) pseudo[i] = v + (a[i] - v * b[i]) / mb;
}

double orl_ope_step_one(const orl_ope_steps *d, const orl_ope_config *c, uint64_t step)
{
    (void)d, (void)c, (void)step;
    return 1.0;
}

double orl_ope_step_weight(const orl_ope_steps *d, const orl_ope_config *c, uint64_t step)
{
    (void)c;
    return d->pi[step] / d->beta[step];
}

/* Session i's sums of a and b. */
static void session_sums(const orl_ope_steps *d, const orl_ope_config *c, uint64_t i,
                         orl_ope_step_fn a, orl_ope_step_fn b, double *sa, double *sb)
{
    double x = 0.0, y = 0.0;
    for (uint64_t t = d->sess_off[i]; t < d->sess_off[i + 1]; t++) {
        x += a(d, c, t);
        y += b(d, c, t);
    }
    *sa = x;
    *sb = y;
}

int orl_ope_ratio_estimate(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                           orl_ope_step_fn a, orl_ope_step_fn b, double *out, double *pseudo)
{
    double num = 0.0, den = 0.0, wsum = 0.0;
    for (uint64_t i = 0; i < d->n_sessions; i++) {
        double w = orl_ope_sw(sw, i);
        if (w == 0.0) continue;
        double x, y;
        session_sums(d, c, i, a, b, &x, &y);
        num += w * x;
        den += w * y;
        wsum += w;
    }
    double v = orl_ope_ratio(num, den);
    *out = v;
    if (pseudo) {
        /* v + (A_i - v B_i) / mean(B): the ratio's influence, clustered by session. */
        double mb = den / wsum;
        for (uint64_t i = 0; i < d->n_sessions; i++) {
            double x, y;
            session_sums(d, c, i, a, b, &x, &y);
            pseudo[i] = v + (x - v * y) / mb;
        }
    }
    return ORL_OK;
}

int orl_ope_on_steps(const void *bound, const double *sw, double *out, double *pseudo)
{
    const orl_ope_bound *b = bound;
    return b->fn(b->d, b->c, sw, out, pseudo);
}
