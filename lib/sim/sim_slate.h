/* Slates: the logging policy's Plackett-Luce list of K items, its exact
 * propensities, and the user's choice among the shown items.
 *
 * The logging policy's single-draw distribution p (orl_sim_log_prob) is the
 * Plackett-Luce weight: position k shows item i with probability
 * p_i / (1 - sum of the p of the items above it). The marginal probability
 * that item i is in the slate is, by the exponential race (T_j ~ Exp(p_j)
 * independent; the slate is the K smallest T in order),
 *   P(i in top K) = int_0^inf p_i e^{-p_i t} P(#{j != i : T_j < t} <= K-1) dt,
 * the count being Poisson-binomial with q_j(t) = 1 - e^{-p_j t}. */
#ifndef ORL_SIM_SIM_SLATE_H
#define ORL_SIM_SIM_SLATE_H

#include "models/pl_inclusion.h"
#include "sim/sim.h"

/* The rule of models/pl_inclusion.h (which documents its error). */
#define ORL_SIM_PL_STEP ORL_PL_STEP

/* Every item's single-draw probability into p[0 .. n_items), floored at
 * 1e-300 so that a Plackett-Luce draw always has K items with weight. */
void orl_sim_log_probs_all(const orl_sim_world *w, const orl_sim_logctx *ctx, double *p);

/* A Plackett-Luce sample of K distinct items from p (K <= n): one uniform
 * per position. items[k] and beta[k] = p[items[k]] in position order. */
void orl_sim_pl_sample(const double *p, uint32_t n, uint32_t K, orl_rng *rng, uint32_t *items,
                       double *beta);

/* The same draw from float weights w[0 .. n) >= 0 that need not sum to 1 (a
 * host rule's probabilities): K <= n distinct indices in position order, one
 * uniform per position; once the positive weights run out, the lowest unused
 * indices. For pickers of rules over a model's items (K > 1). */
void orl_sim_pl_sample_weights(const float *w, size_t n, uint32_t K, orl_rng *rng, size_t *out);

/* Probability of the ordered slate: prod_k p_{i_k} / (1 - sum_{j<k} p_{i_j}). */
double orl_sim_pl_slate_prob(const double *beta, uint32_t K);

/* Marginal probability that each of the m listed (distinct) items is among
 * the top K of a Plackett-Luce draw from p[0 .. n) (p sums to 1, up to the
 * floor). mark must hold n zero bytes (returned zeroed). O(nodes * (n K +
 * m^2 K)); the rule is ORL_SIM_PL_STEP's. */
void orl_sim_pl_inclusion(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                          uint32_t m, uint8_t *mark, double *out);
/* The same with step h (tests compare h with h / 2). */
void orl_sim_pl_inclusion_step(const double *p, uint32_t n, uint32_t K, const uint32_t *items,
                               uint32_t m, uint8_t *mark, double *out, double h);

/* The user's response to the slate items[0 .. K): a multinomial logit over
 * the shown items (logit = the item's click logit - position_bias *
 * ln(position)) against a no-click option of logit 0. Draws the same three
 * uniforms as orl_sim_step; K = 1 is orl_sim_step itself. *out_slot gets the
 * clicked position or -1. The dynamics use the clicked item, or the first
 * shown item when nothing was clicked. */
int orl_sim_step_slate(const orl_sim_world *w, orl_sim_session *s, const uint32_t *items,
                       uint32_t K, orl_rng *rng, int *out_leaves, int *out_slot);

/* The choice model's probabilities: out[k] for position k, out[K] for no click. */
void orl_sim_choice_probs(const orl_sim_world *w, const orl_sim_session *s, const uint32_t *items,
                          uint32_t K, double *out);

#endif
