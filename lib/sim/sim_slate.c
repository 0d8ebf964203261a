/* Plackett-Luce slates of the logging policy, their exact propensities (the
 * inclusion integral), and the user's choice among the shown items. */
#include "sim/sim_slate.h"

#include <math.h>
#include <string.h>

#define P_FLOOR  1e-300
#define T_LOW    1e-12 /* first node of the rule */
#define TAIL_TOL 1e-13
#define X_MAX    700.0 /* e^700 is still a finite double */
#define CHUNK    256   /* items per block of exponentials */

void orl_sim_log_probs_all(const orl_sim_world *w, const orl_sim_logctx *ctx, double *p)
{
    for (uint32_t i = 0; i < w->n_items; i++) {
        double v = orl_sim_log_prob(w, ctx, i);
        p[i] = v > P_FLOOR ? v : P_FLOOR;
    }
}

void orl_sim_pl_sample(const double *p, uint32_t n, uint32_t K, orl_rng *rng, uint32_t *items,
                       double *beta)
{
    double taken = 0; /* mass of the items already placed */
    for (uint32_t k = 0; k < K; k++) {
        double left = 1.0 - taken;
        if (!(left > 0)) { /* rounding: recompute the mass left exactly */
            left = 0;
            for (uint32_t i = 0; i < n; i++) left += p[i];
            for (uint32_t j = 0; j < k; j++) left -= p[items[j]];
        }
        double u = orl_rng_uniform_double(rng) * left;
        uint32_t pick = UINT32_MAX, last = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            int placed = 0;
            for (uint32_t j = 0; j < k && !placed; j++) placed = items[j] == i;
            if (placed) continue;
            last = i;
            if (u < p[i]) {
                pick = i;
                break;
            }
            u -= p[i];
        }
        if (pick == UINT32_MAX) pick = last; /* u ran past the end by rounding */
        items[k] = pick;
        beta[k] = p[pick];
        taken += p[pick];
    }
}

void orl_sim_pl_sample_weights(const float *w, size_t n, uint32_t K, orl_rng *rng, size_t *out)
{
    double left = 0;
    for (size_t i = 0; i < n; i++) left += w[i] > 0 ? (double)w[i] : 0.0;
    for (uint32_t k = 0; k < K; k++) {
        double u = orl_rng_uniform_double(rng) * left;
        size_t pick = SIZE_MAX, last = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            int placed = 0;
            for (uint32_t j = 0; j < k && !placed; j++) placed = out[j] == i;
            if (placed || !(w[i] > 0)) continue;
            last = i;
            if (u < (double)w[i]) {
                pick = i;
                break;
            }
            u -= (double)w[i];
        }
        if (pick == SIZE_MAX) pick = last; /* rounding ran past the end */
        if (pick == SIZE_MAX) {            /* no positive weight left: lowest unused */
            for (size_t i = 0; i < n && pick == SIZE_MAX; i++) {
                int placed = 0;
                for (uint32_t j = 0; j < k && !placed; j++) placed = out[j] == i;
                if (!placed) pick = i;
            }
        } else {
            left -= (double)w[pick];
            if (left < 0) left = 0;
        }
        out[k] = pick;
    }
}

double orl_sim_pl_slate_prob(const double *beta, uint32_t K)
{
    double prob = 1, taken = 0;
    for (uint32_t k = 0; k < K; k++) {
        double left = 1.0 - taken;
        prob *= left > 0 ? beta[k] / left : 1.0;
        taken += beta[k];
    }
    return prob > 1 ? 1 : prob;
}

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

void orl_sim_pl_inclusion(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                          uint32_t m, uint8_t *mark, double *out)
{
    orl_sim_pl_inclusion_step(p, n, K, items, m, mark, out, ORL_SIM_PL_STEP);
}

void orl_sim_pl_inclusion_step(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
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
    double base[ORL_SIM_MAX_SLATE] = {0}, c[ORL_SIM_MAX_SLATE];
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
        const int few = m <= ORL_SIM_MAX_SLATE; /* the listed items' e^{-p t} once */
        double el[ORL_SIM_MAX_SLATE];
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

void orl_sim_choice_probs(const orl_sim_world *w, const orl_sim_session *s, const uint32_t *items,
                          uint32_t K, double *out)
{
    const double pb = w->p.position_bias;
    double mx = 0; /* the no-click option's logit */
    for (uint32_t k = 0; k < K; k++) {
        out[k] = (double)orl_sim_click_logit(w, s, items[k]) - pb * log((double)(k + 1));
        if (out[k] > mx) mx = out[k];
    }
    double z = exp(-mx);
    for (uint32_t k = 0; k < K; k++) z += (out[k] = exp(out[k] - mx));
    for (uint32_t k = 0; k < K; k++) out[k] /= z;
    out[K] = exp(-mx) / z;
}

int orl_sim_step_slate(const orl_sim_world *w, orl_sim_session *s, const uint32_t *items,
                       uint32_t K, orl_rng *rng, int *out_leaves, int *out_slot)
{
    if (K == 1) {
        int r = orl_sim_step(w, s, items[0], rng, out_leaves);
        *out_slot = r == ORL_SIM_SKIP ? -1 : 0;
        return r;
    }
    float u_click = orl_rng_uniform(rng), u_buy = orl_rng_uniform(rng);
    float u_leave = orl_rng_uniform(rng);
    double probs[ORL_SIM_MAX_SLATE + 1];
    orl_sim_choice_probs(w, s, items, K, probs);
    int slot = -1;
    double cum = 0;
    for (uint32_t k = 0; k < K && slot < 0; k++)
        if ((double)u_click < (cum += probs[k])) slot = (int)k;
    int response = ORL_SIM_SKIP;
    uint32_t item = items[slot < 0 ? 0 : slot];
    if (slot >= 0) {
        orl_sim_response_probs pr;
        orl_sim_response_probs_of(w, s, item, &pr);
        response = u_buy < pr.p_purchase ? ORL_SIM_PURCHASE : ORL_SIM_CLICK;
    }
    orl_sim_apply_response(w, s, item, response, u_leave, out_leaves);
    *out_slot = slot;
    return response;
}
