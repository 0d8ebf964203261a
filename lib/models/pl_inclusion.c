/* Plackett-Luce inclusion probabilities (models/pl_inclusion.h): the exact
 * exponential-race integral, and its fast form for large catalogues. */
#include "models/pl_inclusion.h"

#include <math.h>
#include <string.h>

#define T_LOW    1e-12 /* first node of the rule */
#define TAIL_TOL 1e-13
#define X_MAX    700.0 /* e^700 is still a finite double */
#define CHUNK    256   /* items per block of exponentials */

/* e^x for x <= 0, to about 1 ulp, in plain arithmetic without branches that
 * a compiler can vectorise over an array (libm's exp is a call per element,
 * and was half the time of a slate step). Below -708 it gives e^-708
 * (3e-308): 1 - that is 1, which is all the polynomial needs. */
static inline double exp_nonpos(double x)
{
    const double shift = 0x1.8p52, inv_ln2 = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fefa39efp-1, ln2_lo = 0x1.abc9e3b39803fp-56;
    double xc = x > -708.0 ? x : -708.0;
    double kd = xc * inv_ln2 + shift; /* round to nearest integer in the low bits */
    uint64_t kbits;
    memcpy(&kbits, &kd, sizeof kbits);
    kd -= shift;
    double r = (xc - kd * ln2_hi) - kd * ln2_lo; /* |r| <= ln2 / 2 */
    /* Taylor to r^13: the remainder is below 1e-17 relative at |r| = 0.35 */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    int64_t k = (int64_t)(kbits & 0xfffffffffffffULL) - (int64_t)0x8000000000000LL;
    uint64_t scale_bits = (uint64_t)(k + 1023) << 52;
    double scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return p * scale;
}

/* c <- c * prod_j (1 - q_j + q_j z) at a fixed length N >= K that the
 * compiler keeps in registers (the coefficients above K - 1 are computed
 * too, exactly, and never read). q_j = 0 leaves c as it is. */
#define SMALL_K 16
#define POLY_MUL_FIXED(N)                                                                          \
    static void poly_mul_##N(double *c, const double *q, uint32_t len)                             \
    {                                                                                              \
        double a[N];                                                                               \
        memcpy(a, c, sizeof a);                                                                    \
        for (uint32_t j = 0; j < len; j++) {                                                       \
            const double x = q[j];                                                                 \
            for (int k = N - 1; k > 0; k--) a[k] += x * (a[k - 1] - a[k]);                         \
            a[0] -= x * a[0];                                                                      \
        }                                                                                          \
        memcpy(c, a, sizeof a);                                                                    \
    }
POLY_MUL_FIXED(4)
POLY_MUL_FIXED(8)
POLY_MUL_FIXED(12)
POLY_MUL_FIXED(16)
#undef POLY_MUL_FIXED

static void poly_mul_small(double *c, uint32_t K, const double *q, uint32_t len)
{
    if (K <= 4)
        poly_mul_4(c, q, len);
    else if (K <= 8)
        poly_mul_8(c, q, len);
    else if (K <= 12)
        poly_mul_12(c, q, len);
    else
        poly_mul_16(c, q, len);
}

/* c <- c * (1 - q + q z), truncated to degree < K. */
static inline void poly_mul(double *c, uint32_t K, double q)
{
    for (uint32_t k = K - 1; k > 0; k--) c[k] += q * (c[k - 1] - c[k]);
    c[0] -= q * c[0];
}

void orl_pl_inclusion_step(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                           uint32_t m, uint8_t *mark, double *out, double h)
{
    if (K >= n) { /* every item is shown */
        for (uint32_t a = 0; a < m; a++) out[a] = 1.0;
        return;
    }
    if (K == 1) { /* a single draw */
        for (uint32_t a = 0; a < m; a++) out[a] = p[items[a]];
        return;
    }
    for (uint32_t a = 0; a < m; a++) {
        mark[items[a]] = 1;
        out[a] = 0;
    }
    double base[ORL_PL_MAX_K] = {0}, c[ORL_PL_MAX_K];
    /* Below t_cheap, P(N(t) >= K) <= t^K / K! < 1e-17: F = 1 without the polynomial. */
    double kfact = 1;
    for (uint32_t k = 2; k <= K; k++) kfact *= k;
    const double t_cheap = pow(1e-17 * kfact, 1.0 / K);
    for (double x = log(T_LOW); x <= X_MAX; x += h) {
        const double t = exp(x);
        int all_done = 1;
        if (t < t_cheap) {
            for (uint32_t a = 0; a < m; a++) {
                double pi = p[items[a]];
                out[a] += h * t * pi * exp(-pi * t);
            }
            continue;
        }
        /* The generating polynomial of the items not listed: the exponentials
         * of a chunk first (a loop that vectorises), then the products. */
        base[0] = 1;
        for (uint32_t k = 1; k < (K > SMALL_K ? K : SMALL_K); k++) base[k] = 0;
        for (uint32_t j0 = 0; j0 < n; j0 += CHUNK) {
            const uint32_t len = n - j0 < CHUNK ? n - j0 : CHUNK;
            double q[CHUNK];
            for (uint32_t j = 0; j < len; j++) q[j] = 1.0 - exp_nonpos(-p[j0 + j] * t);
            for (uint32_t a = 0; a < m; a++) /* listed items: multiplied in below */
                if (items[a] >= j0 && items[a] - j0 < len) q[items[a] - j0] = 0.0;
            if (K <= SMALL_K)
                poly_mul_small(base, K, q, len);
            else
                for (uint32_t j = 0; j < len; j++) poly_mul(base, K, q[j]);
        }
        const int few = m <= ORL_PL_MAX_K; /* the listed items' e^{-p t} once */
        double el[ORL_PL_MAX_K];
        if (few)
            for (uint32_t a = 0; a < m; a++) el[a] = exp(-p[items[a]] * t);
        for (uint32_t a = 0; a < m; a++) {
            memcpy(c, base, K * sizeof *c);
            for (uint32_t b = 0; b < m; b++)
                if (b != a) poly_mul(c, K, 1.0 - (few ? el[b] : exp(-p[items[b]] * t)));
            double F = 0;
            for (uint32_t k = 0; k < K; k++) F += c[k];
            const double pi = p[items[a]], e = few ? el[a] : exp(-pi * t);
            out[a] += h * t * pi * e * F;
            if (F * e * (1 + pi * t * h) >= TAIL_TOL) all_done = 0;
        }
        if (all_done) break;
    }
    for (uint32_t a = 0; a < m; a++) {
        mark[items[a]] = 0;
        if (out[a] > 1) out[a] = 1;
    }
}

/* lambda(t) = sum_j (1 - e^{-p_j t}) and sum_j (1 - e^{-p_j t})^2 over the
 * pooled items, exactly (O(pooled) exponentials). */
static void pooled_exact(const double *p, uint32_t n, const uint8_t *mark, double tau, double t,
                         double *lam, double *q2)
{
    double l = 0, s = 0;
    for (uint32_t j = 0; j < n; j++) {
        if (mark[j] || !(p[j] <= tau) || !(p[j] > 0)) continue;
        const double q = 1.0 - exp_nonpos(-p[j] * t);
        l += q;
        s += q * q;
    }
    *lam = l, *q2 = s;
}

/* Chernoff's bound on P(N <= a) for a sum N of independent Bernoullis of
 * mean mu: e^-mu (e mu / a)^a when a < mu, else 1. */
static double chernoff_low(double mu, uint32_t a)
{
    if (!(mu > a)) return 1.0;
    if (a == 0) return exp(-mu);
    return exp(-mu + a * (1.0 + log(mu / a)));
}

void orl_pl_inclusion_fast(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                           uint32_t m, double tau, uint8_t *mark, double *big, double *out,
                           double *err)
{
    for (uint32_t a = 0; a < m; a++)
        if (err) err[a] = 0.0;
    if (K >= n) {
        for (uint32_t a = 0; a < m; a++) out[a] = 1.0;
        return;
    }
    if (K == 1 || m == 0) {
        for (uint32_t a = 0; a < m; a++) out[a] = p[items[a]];
        return;
    }
    for (uint32_t a = 0; a < m; a++) {
        mark[items[a]] = 1;
        out[a] = 0;
    }
    double *suf = big + n; /* suf[a]: prod_{b > a} of the listed items' factors */
    /* The exact group (p > tau) and the moments of the pooled one. */
    uint32_t nb = 0;
    double P1 = 0, P2 = 0, P3 = 0, P4 = 0;
    for (uint32_t j = 0; j < n; j++) {
        if (mark[j] || !(p[j] > 0)) continue;
        if (p[j] > tau) {
            big[nb++] = p[j];
        } else {
            const double s = p[j] * p[j];
            P1 += p[j], P2 += s, P3 += s * p[j], P4 += s * s;
        }
    }
    double kfact = 1;
    for (uint32_t k = 2; k <= K; k++) kfact *= k;
    const double t_cheap = pow(1e-17 * kfact, 1.0 / K), h = ORL_PL_STEP;
    const uint32_t L = K > SMALL_K ? K : SMALL_K;
    double g[ORL_PL_MAX_K > SMALL_K ? ORL_PL_MAX_K : SMALL_K], pois[ORL_PL_MAX_K];
    double base[ORL_PL_MAX_K], pre[ORL_PL_MAX_K], cum[ORL_PL_MAX_K];
    double el[ORL_PL_MAX_K];
    for (double x = log(T_LOW); x <= X_MAX; x += h) {
        const double t = exp(x);
        if (t < t_cheap) {
            for (uint32_t a = 0; a < m; a++) {
                double pi = p[items[a]];
                out[a] += h * t * pi * exp(-pi * t);
            }
            continue;
        }
        /* Once the pooled count alone is at least K with probability 1 -
         * 1e-13 (Chernoff's lower tail at lambda >= P1 t / (1 + tau t)), so
         * is it at every later node: what is left of each integral is below
         * that, added to the bound. */
        const double lam_lo = P1 * t / (1 + tau * t), tail = chernoff_low(lam_lo, K - 1);
        if (tail < TAIL_TOL) {
            for (uint32_t a = 0; err && a < m; a++) err[a] += tail;
            break;
        }
        /* The exact group's polynomial, and its own P(count <= K - 1). */
        g[0] = 1;
        for (uint32_t k = 1; k < L; k++) g[k] = 0;
        for (uint32_t j0 = 0; j0 < nb; j0 += CHUNK) {
            const uint32_t len = nb - j0 < CHUNK ? nb - j0 : CHUNK;
            double q[CHUNK];
            for (uint32_t j = 0; j < len; j++) q[j] = 1.0 - exp_nonpos(-big[j0 + j] * t);
            if (K <= SMALL_K)
                poly_mul_small(g, K, q, len);
            else
                for (uint32_t j = 0; j < len; j++) poly_mul(g, K, q[j]);
        }
        double f_big = 0;
        for (uint32_t k = 0; k < K; k++) f_big += g[k];
        /* The pooled group as Poisson(lambda): lambda from its moments while
         * t tau <= 1/4 (the alternating series, error <= t^4 P4 / 24), exactly
         * beyond. tv bounds the total variation distance of the pooled count
         * from the Poisson (Barbour-Hall: (1 - e^-l) / l sum q^2, plus the
         * error of lambda). */
        double lam, tv;
        if (t * tau <= 0.25) {
            lam = t * P1 - t * t * P2 / 2 + t * t * t * P3 / 6;
            const double lo = t * P1 - t * t * P2 / 2, t2 = t * t;
            const double bh = lo > 1e-300 ? (1.0 - exp(-lo)) / lo : 1.0;
            tv = bh * t2 * P2 + t2 * t2 * P4 / 24;
        } else {
            double q2;
            pooled_exact(p, n, mark, tau, t, &lam, &q2);
            tv = (lam > 1e-300 ? (1.0 - exp(-lam)) / lam : 1.0) * q2;
        }
        if (tv > 1) tv = 1;
        pois[0] = exp(-lam);
        for (uint32_t k = 1; k < K; k++) pois[k] = pois[k - 1] * lam / k;
        for (uint32_t k = 0; k < K; k++) {
            double s = 0;
            for (uint32_t j = 0; j <= k; j++) s += g[j] * pois[k - j];
            base[k] = s;
        }
        /* Item a's F = sum_{k<K} (base prod_{b<a} prod_{b>a})_k: prefix
         * products forward, suffix products stored, one dot per item. */
        for (uint32_t a = 0; a < m; a++) el[a] = exp(-p[items[a]] * t);
        double *s_last = suf + (size_t)(m - 1) * K;
        s_last[0] = 1;
        for (uint32_t k = 1; k < K; k++) s_last[k] = 0;
        for (uint32_t a = m - 1; a > 0; a--) {
            double *s = suf + (size_t)(a - 1) * K;
            memcpy(s, suf + (size_t)a * K, K * sizeof *s);
            poly_mul(s, K, 1.0 - el[a]);
        }
        memcpy(pre, base, K * sizeof *pre);
        int all_done = 1;
        for (uint32_t a = 0; a < m; a++) {
            const double *s = suf + (size_t)a * K;
            double c = 0;
            for (uint32_t k = 0; k < K; k++) cum[k] = c += s[k];
            double F = 0;
            for (uint32_t j = 0; j < K; j++) F += pre[j] * cum[K - 1 - j];
            const double pi = p[items[a]], e = el[a];
            /* |F - F_true| <= both F_big TV and max(F, F_true) <= F + tail. */
            const double dF = f_big * tv < F + tail ? f_big * tv : F + tail;
            out[a] += h * t * pi * e * F;
            if (err) err[a] += h * t * pi * e * dF;
            if ((F + dF) * e * (1 + pi * t * h) >= TAIL_TOL) all_done = 0;
            poly_mul(pre, K, 1.0 - e);
        }
        if (all_done) break;
    }
    for (uint32_t a = 0; a < m; a++) {
        mark[items[a]] = 0;
        if (out[a] > 1) out[a] = 1;
    }
}
