/* Plackett-Luce inclusion probabilities: the marginal probability that an
 * item is among the K items drawn without replacement from single-draw
 * probabilities p (position k shows item i with probability p_i / (1 - the
 * mass of the items above it)). By the exponential race (T_j ~ Exp(p_j)
 * independent; the slate is the K smallest T in order),
 *   P(i in top K) = int_0^inf p_i e^{-p_i t} P(#{j != i : T_j < t} <= K-1) dt,
 * the count being Poisson-binomial with q_j(t) = 1 - e^{-p_j t}. Used by the
 * simulator (its logging policy's exact propensities) and by off-policy
 * evaluation (a target rule's and a behaviour model's slates). */
#ifndef ORL_MODELS_PL_INCLUSION_H
#define ORL_MODELS_PL_INCLUSION_H

#include <stdint.h>

/* The largest K, and the most listed items the fast form takes. */
#define ORL_PL_MAX_K 100

/* Step of the trapezoidal rule in x = ln t. The integrand in x,
 * p_i t e^{-p_i t} F(t), is smooth (analytic near the real axis) and decays
 * at both ends, where the trapezoidal rule converges geometrically in 1/h.
 * Truncation: nodes below t = 1e-12 are left out (they add at most
 * p_i * 1e-12), and the sum stops once every listed item's tail bound
 * F_{-i}(t) e^{-p_i t} (1 + p_i t h) is below 1e-13. The error is checked by
 * tests/unit/test_sim_slate.c and tests/unit/test_pl_inclusion.c: against
 * brute-force enumeration of every ordered slate of small catalogues, and
 * against the rule at h / 2 at 1,000 items (both well below 1e-6). */
#define ORL_PL_STEP 0.25

/* Exact: the inclusion probability of each of the m listed (distinct) items
 * among the top K (K <= ORL_PL_MAX_K) of a Plackett-Luce draw from p[0 .. n)
 * (p sums to 1). mark must hold n zero bytes (returned zeroed).
 * O(nodes * (n K + m^2 K)); h the rule's step (ORL_PL_STEP). */
void orl_pl_inclusion_step(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                           uint32_t m, uint8_t *mark, double *out, double h);

/* Fast, for large catalogues: the items with p_j <= tau (not listed) are
 * pooled, their Poisson-binomial count replaced by a Poisson count of the
 * same mean lambda(t) = sum_j (1 - e^{-p_j t}) (from its moments while
 * t tau <= 1/4, exactly beyond); the other items are exact. The listed items
 * (m <= ORL_PL_MAX_K) are always exact, in O(m K) per node. Cost per node:
 * O((items above tau) K + K^2 + m K), with at most 1 / tau items above tau.
 *
 * Error bound: err[a] (may be NULL) receives, for listed item a,
 *   sum over the nodes of h t p_a e^{-p_a t} F_big(t) TV(t),
 * F_big the probability that fewer than K of the exact group (without the
 * listed items) have arrived, TV the total variation distance between the
 * pooled count and its Poisson stand-in (Barbour-Hall: TV <= (1 - e^-l) / l
 * sum_j q_j^2, plus the error of lambda); the quadrature's own error
 * (ORL_PL_STEP's) is apart. tests/unit/test_pl_inclusion.c checks the result
 * against the exact form, and the bound against the actual error.
 * mark: n zero bytes (returned zeroed); big: room for n + m K doubles. */
void orl_pl_inclusion_fast(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                           uint32_t m, double tau, uint8_t *mark, double *big, double *out,
                           double *err);

/* The pooling threshold the off-policy estimators use: at most 1024 items are exact. */
#define ORL_PL_FAST_TAU (1.0 / 1024.0)

#endif
