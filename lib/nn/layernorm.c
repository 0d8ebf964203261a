#include "nn/layernorm.h"

#include <math.h>

void orl_layernorm_forward(float *out, float *mean_rstd, const float *in, const float *gamma,
                           const float *beta, size_t n, size_t d, float eps)
{
    for (size_t r = 0; r < n; r++) {
        const float *x = in + r * d;
        float *y = out + r * d;
        /* Two passes in double: rows are short, and a padded row of zeros with
         * eps 1e-8 must not lose the variance to cancellation. */
        double mean = 0.0, var = 0.0;
        for (size_t i = 0; i < d; i++) mean += x[i];
        mean /= (double)d;
        for (size_t i = 0; i < d; i++) var += ((double)x[i] - mean) * ((double)x[i] - mean);
        var /= (double)d;
        const float m = (float)mean, rstd = (float)(1.0 / sqrt(var + (double)eps));
        for (size_t i = 0; i < d; i++) y[i] = gamma[i] * ((x[i] - m) * rstd) + beta[i];
        if (mean_rstd) {
            mean_rstd[2 * r] = m;
            mean_rstd[2 * r + 1] = rstd;
        }
    }
}

void orl_layernorm_backward(float *d_in, float *d_gamma, float *d_beta, const float *d_out,
                            const float *in, const float *mean_rstd, const float *gamma, size_t n,
                            size_t d, int accumulate)
{
    for (size_t r = 0; r < n; r++) {
        const float *x = in + r * d, *dy = d_out + r * d;
        const float m = mean_rstd[2 * r], rstd = mean_rstd[2 * r + 1];
        /* dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma. */
        double sum_g = 0.0, sum_gx = 0.0;
        for (size_t i = 0; i < d; i++) {
            const float xhat = (x[i] - m) * rstd, g = dy[i] * gamma[i];
            sum_g += g;
            sum_gx += (double)g * xhat;
            if (d_gamma) d_gamma[i] += dy[i] * xhat;
            if (d_beta) d_beta[i] += dy[i];
        }
        const float mg = (float)(sum_g / (double)d), mgx = (float)(sum_gx / (double)d);
        float *dx = d_in + r * d;
        for (size_t i = 0; i < d; i++) {
            const float xhat = (x[i] - m) * rstd;
            const float v = rstd * (dy[i] * gamma[i] - mg - xhat * mgx);
            dx[i] = accumulate ? dx[i] + v : v;
        }
    }
}
