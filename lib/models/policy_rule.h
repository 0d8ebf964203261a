/* The target policy rule: a model's scores of the catalogue made into the
 * probabilities of the item it shows (greedy, softmax, epsilon over top-K).
 * Used by the model API, the rollouts and the off-policy estimators, so that
 * all of them mean one and the same policy. */
#ifndef ORL_MODELS_POLICY_RULE_H
#define ORL_MODELS_POLICY_RULE_H

#include <stddef.h>

#include "core/pool.h"
#include "offlinerl/policy.h"

/* The rule alone: NULL or struct_size too small is ORL_E_INVALID_ARGUMENT; an
 * unknown kind, a temperature not finite and > 0, an epsilon outside [0, 1]
 * is ORL_E_OUT_OF_RANGE naming the field. */
int orl_policy_rule_check(const orl_policy_rule *r);

/* The rule against a catalogue of n items: orl_policy_rule_check, then n >= 1
 * and top_k <= n (ORL_E_OUT_OF_RANGE). */
int orl_policy_rule_check_items(const orl_policy_rule *r, size_t n);

/* Probabilities of one row of scores (n items) into out_probs[n] (which must
 * not alias scores; it serves as scratch for the top-K). They sum to 1.
 * -inf scores get 0 (unless every score is -inf: then they all tie); +inf
 * scores share the top. Ties: greedy's top is the lowest index, the top-K set
 * takes tied items lowest index first. ORL_OK, ORL_E_NUMERIC (a NaN score) or
 * a check failure. */
int orl_policy_probs_from_scores(const orl_policy_rule *r, const float *scores, size_t n,
                                 float *out_probs);

/* The same for rows x n scores (row-major) into out_probs[rows x n], on the
 * calling thread. */
int orl_policy_probs_rows(const orl_policy_rule *r, const float *scores, size_t rows, size_t n,
                          float *out_probs);

/* orl_policy_probs_rows split over a pool's threads (NULL: inline). The
 * result does not depend on the number of threads; a failing row reports the
 * first (lowest) failing row's message on the calling thread. */
int orl_policy_probs_rows_pool(const orl_policy_rule *r, const float *scores, size_t rows, size_t n,
                               orl_pool *pool, float *out_probs);

/* An index drawn from probabilities p[n] (summing to about 1) with the uniform
 * u in [0, 1): inverse CDF over the items with p > 0; never an item with p = 0. */
size_t orl_policy_draw(const float *p, size_t n, double u);

#endif
