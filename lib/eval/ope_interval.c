/* Confidence intervals of an estimate over sessions: the normal interval
 * from the pseudo-values (delta method, clustered by session) and the
 * percentile bootstrap over sessions, plain or bias-corrected and accelerated
 * (BCa). None refits the reward model, FQE
 * or a fitted behaviour model per resample: the interval covers the
 * sampling of sessions given those models, not the models' own error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/pool.h"
#include "core/rng.h"
#include "eval/ope.h"

double orl_ope_normal_quantile(double confidence)
{
    /* Solve Phi(z) = (1 + confidence) / 2 by bisection on erfc: exact to
     * double rounding and free of tabulated coefficients. */
    double p = 0.5 * (1.0 + confidence), lo = 0.0, hi = 40.0;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / sqrt(2.0)) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

int orl_ope_interval_normal(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions,
                            double confidence, orl_ope_interval *out)
{
    double *pseudo = orl_malloc(sizeof(double) * (n_sessions ? n_sessions : 1));
    if (!pseudo) return orl_fail(ORL_E_NOMEM, "normal interval: out of memory");
    double v;
    int s = fn(ctx, NULL, &v, pseudo);
    if (s == ORL_OK) {
        double mean = 0.0, ss = 0.0;
        for (uint64_t i = 0; i < n_sessions; i++) mean += pseudo[i];
        mean /= (double)n_sessions;
        for (uint64_t i = 0; i < n_sessions; i++) ss += (pseudo[i] - mean) * (pseudo[i] - mean);
        double se = n_sessions > 1 ? sqrt(ss / (double)(n_sessions - 1) / (double)n_sessions) : NAN;
        double z = orl_ope_normal_quantile(confidence);
        out->value = v;
        out->std_error = se;
        out->low = v - z * se;
        out->high = v + z * se;
    }
    orl_free(pseudo);
    return s;
}

typedef struct boot_job {
    orl_ope_sessions_fn fn;
    const void *ctx;
    uint64_t n_sessions;
    uint64_t seed;
    double *values;
    double **counts; /* per thread [n_sessions] */
    int *status;     /* per thread */
    char (*message)[256];
} boot_job;

static void boot_range(void *vjob, size_t begin, size_t end, int thread)
{
    boot_job *j = vjob;
    double *cnt = j->counts[thread];
    for (size_t b = begin; b < end && j->status[thread] == ORL_OK; b++) {
        orl_rng r;
        orl_rng_init(&r, j->seed, (uint64_t)b);
        memset(cnt, 0, sizeof(double) * j->n_sessions);
        for (uint64_t k = 0; k < j->n_sessions; k++) cnt[orl_rng_below64(&r, j->n_sessions)] += 1.0;
        int s = j->fn(j->ctx, cnt, &j->values[b], NULL);
        if (s != ORL_OK) {
            j->status[thread] = s;
            snprintf(j->message[thread], sizeof j->message[thread], "%s", orl_last_error());
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted v[n] with linear interpolation. */
static double quantile(const double *v, size_t n, double q)
{
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n) return v[n - 1];
    double f = pos - (double)i;
    return v[i] + f * (v[i + 1] - v[i]);
}

static int run_resamples(boot_job *j, uint32_t samples, int threads)
{
    orl_pool *pool = NULL;
    ORL_TRY(orl_pool_create(threads, &pool));
    int nt = orl_pool_threads(pool);
    j->counts = orl_calloc((size_t)nt, sizeof *j->counts);
    j->status = orl_calloc((size_t)nt, sizeof *j->status);
    j->message = orl_calloc((size_t)nt, sizeof *j->message);
    int s = j->counts && j->status && j->message ? ORL_OK : ORL_E_NOMEM;
    for (int t = 0; s == ORL_OK && t < nt; t++) {
        j->counts[t] = orl_malloc(sizeof(double) * j->n_sessions);
        if (!j->counts[t]) s = ORL_E_NOMEM;
    }
    if (s != ORL_OK) s = orl_fail(ORL_E_NOMEM, "bootstrap: out of memory");
    if (s == ORL_OK) orl_pool_parallel_for(pool, samples, boot_range, j);
    for (int t = 0; s == ORL_OK && t < nt; t++)
        if (j->status[t] != ORL_OK) s = orl_fail(j->status[t], "%s", j->message[t]);
    for (int t = 0; j->counts && t < nt; t++) orl_free(j->counts[t]);
    orl_free(j->counts);
    orl_free(j->status);
    orl_free(j->message);
    orl_pool_free(pool);
    return s;
}

/* Phi(x) and its inverse (through the two-sided quantile above). */
static double normal_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

static double normal_inv(double p)
{
    if (p == 0.5) return 0.0;
    return p > 0.5 ? orl_ope_normal_quantile(2.0 * p - 1.0)
                   : -orl_ope_normal_quantile(1.0 - 2.0 * p);
}

/* BCa's acceleration from the pseudo-values (the empirical influence of each
 * session): a = sum psi^3 / (6 (sum psi^2)^1.5), psi = pseudo - mean. */
static int acceleration(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions, double *a)
{
    double *pseudo = orl_malloc(sizeof(double) * (n_sessions ? n_sessions : 1));
    if (!pseudo) return orl_fail(ORL_E_NOMEM, "bootstrap: out of memory");
    double v;
    int s = fn(ctx, NULL, &v, pseudo);
    if (s == ORL_OK) {
        double mean = 0.0, s2 = 0.0, s3 = 0.0;
        for (uint64_t i = 0; i < n_sessions; i++) mean += pseudo[i];
        mean /= (double)(n_sessions ? n_sessions : 1);
        for (uint64_t i = 0; i < n_sessions; i++) {
            double d = pseudo[i] - mean;
            s2 += d * d;
            s3 += d * d * d;
        }
        *a = s2 > 0.0 && isfinite(s3) ? s3 / (6.0 * pow(s2, 1.5)) : 0.0;
    }
    orl_free(pseudo);
    return s;
}

/* The BCa ends' probabilities (Efron 1987): the percentile ends moved by the
 * bias correction z0 (how many resamples fall below the estimate) and the
 * acceleration a (the skew of the sessions' influence). */
static void bca_levels(const double *sorted, size_t n, double v, double a, double alpha, double *lo,
                       double *hi)
{
    double below = 0.0;
    for (size_t b = 0; b < n; b++) below += sorted[b] < v ? 1.0 : sorted[b] == v ? 0.5 : 0.0;
    double share = below / (double)n, floor_share = 0.5 / (double)n;
    if (share < floor_share) share = floor_share;
    if (share > 1.0 - floor_share) share = 1.0 - floor_share;
    double z0 = normal_inv(share), ends[2] = {alpha / 2, 1.0 - alpha / 2}, out[2];
    for (int k = 0; k < 2; k++) {
        double z = z0 + normal_inv(ends[k]), den = 1.0 - a * z;
        /* a z >= 1 (extreme skew): the end goes to the last resample. */
        out[k] = den > 0.0 ? normal_cdf(z0 + z / den) : (k ? 1.0 : 0.0);
    }
    *lo = out[0];
    *hi = out[1];
}

static int bootstrap(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions, uint32_t samples,
                     double confidence, uint64_t seed, int threads, int bca, orl_ope_interval *out)
{
    if (samples < 2)
        return orl_fail(ORL_E_OUT_OF_RANGE, "bootstrap: %u samples (at least 2)",
                        (unsigned)samples);
    double v, a = 0.0;
    ORL_TRY(fn(ctx, NULL, &v, NULL));
    if (bca) ORL_TRY(acceleration(fn, ctx, n_sessions, &a));
    double *values = orl_malloc(sizeof(double) * samples);
    if (!values) return orl_fail(ORL_E_NOMEM, "bootstrap: out of memory");
    boot_job j = {fn, ctx, n_sessions, seed, values, NULL, NULL, NULL};
    int s = run_resamples(&j, samples, threads);
    if (s == ORL_OK) {
        size_t n = 0;
        for (uint32_t b = 0; b < samples; b++)
            if (!isnan(values[b])) values[n++] = values[b];
        qsort(values, n, sizeof *values, cmp_double);
        double mean = 0.0, ss = 0.0;
        for (size_t b = 0; b < n; b++) mean += values[b];
        mean /= (double)n;
        for (size_t b = 0; b < n; b++) ss += (values[b] - mean) * (values[b] - mean);
        double alpha = 1.0 - confidence, qlo = alpha / 2, qhi = 1.0 - alpha / 2;
        if (bca && n && isfinite(v)) bca_levels(values, n, v, a, alpha, &qlo, &qhi);
        out->value = v;
        out->std_error = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
        out->low = n ? quantile(values, n, qlo) : NAN;
        out->high = n ? quantile(values, n, qhi) : NAN;
    }
    orl_free(values);
    return s;
}

int orl_ope_interval_bootstrap(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions,
                               uint32_t samples, double confidence, uint64_t seed, int threads,
                               orl_ope_interval *out)
{
    return bootstrap(fn, ctx, n_sessions, samples, confidence, seed, threads, 0, out);
}

int orl_ope_interval_bca(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions,
                         uint32_t samples, double confidence, uint64_t seed, int threads,
                         orl_ope_interval *out)
{
    return bootstrap(fn, ctx, n_sessions, samples, confidence, seed, threads, 1, out);
}
