/**
 * @file policy.h
 * @brief Target policies: a model's scores made into a stated distribution over items.
 */
#ifndef OFFLINERL_POLICY_H
#define OFFLINERL_POLICY_H

#include "common.h"
#include "model.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup policy Target policies
 * @brief The rule that turns a model's scores into the probabilities of the item it shows.
 *
 * A model ranks items; a policy shows one. Off-policy estimates and simulator truth must be
 * about one and the same policy, so the rule is stated once and every consumer (the
 * probabilities, the rollouts, the estimators) reads it:
 * - #ORL_POLICY_GREEDY: probability 1 on the top-scoring item (ties: the lowest item index);
 * - #ORL_POLICY_SOFTMAX: `pi(i) = exp(score_i / temperature) / sum_j exp(score_j / temperature)`,
 *   computed in double after subtracting the top score;
 * - #ORL_POLICY_EPSILON: `1 - epsilon` on the top item, plus `epsilon` spread uniformly over the
 *   model's `top_k` best items (`top_k` 0: the whole catalogue). The top-K set breaks exact ties
 *   by the lower item index, so the distribution is a function of the scores alone.
 *
 * The policy depends on the click history only: no item is ever excluded (not even one already
 * shown), so the same history gives the same distribution in a log and in a rollout.
 * In text (command lines, JSON): `greedy`, `softmax:T`, `epsilon:E` or `epsilon:E:K`.
 * @{
 */

/** The kinds of ::orl_policy_rule. */
typedef enum orl_policy_kind {
    ORL_POLICY_GREEDY = 0,  /**< The top-scoring item. */
    ORL_POLICY_SOFTMAX = 1, /**< softmax(scores / temperature). */
    ORL_POLICY_EPSILON = 2  /**< Epsilon-greedy over the top_k items. */
} orl_policy_kind;

/** A target policy rule. Fill with orl_policy_rule_init(), then set the fields. */
typedef struct orl_policy_rule {
    size_t struct_size; /**< sizeof(orl_policy_rule), set by orl_policy_rule_init(). */
    int32_t kind;       /**< One of ::orl_policy_kind. Default #ORL_POLICY_GREEDY. */
    uint32_t top_k;     /**< #ORL_POLICY_EPSILON: epsilon is spread over the model's top_k items;
                             0 = the whole catalogue (default). At most the catalogue size. */
    double temperature; /**< #ORL_POLICY_SOFTMAX: finite and > 0. Default 1. */
    double epsilon;     /**< #ORL_POLICY_EPSILON: in [0, 1]. Default 0.1. */
} orl_policy_rule;

/**
 * @brief Fill a rule with the defaults (greedy; temperature 1, epsilon 0.1, top_k 0).
 * @param rule The rule; NULL is ignored.
 * @par Thread-safety Safe.
 * @since 0.2.0
 */
ORL_API void orl_policy_rule_init(orl_policy_rule *rule);

/**
 * @brief Read a rule from text: `greedy`, `softmax:T`, `epsilon:E` or `epsilon:E:K`.
 *
 * T is a finite number > 0, E a number in [0, 1], K a whole number >= 1 (leave it out for the
 * whole catalogue). Nothing else is accepted (no spaces, no upper case, no trailing text).
 * @param text The text (UTF-8, NUL-terminated).
 * @param[out] out The rule (its struct_size must be set, as orl_policy_rule_init() does);
 *             untouched on failure.
 * @return #ORL_OK; #ORL_E_PARSE (malformed text, naming what is wrong); #ORL_E_OUT_OF_RANGE
 *         (a number outside its range); #ORL_E_INVALID_ARGUMENT (NULL, struct_size too small).
 * @par Thread-safety Safe.
 * @since 0.2.0
 */
ORL_API int orl_policy_rule_parse(const char *text, orl_policy_rule *out);

/**
 * @brief Write a rule as the text orl_policy_rule_parse() reads back to the same rule.
 *
 * Numbers are written in their shortest form that reads back exactly (`softmax:0.5`).
 * @param rule The rule (checked as orl_model_policy_probs() checks it, but for top_k's bound).
 * @param buf Caller buffer, or NULL with @p buf_len 0 for a size query.
 * @param buf_len Bytes in @p buf.
 * @param[out] out_len The bytes needed, with the terminating NUL (also when @p buf is short).
 * @return #ORL_OK; #ORL_E_BUFFER_TOO_SMALL; #ORL_E_OUT_OF_RANGE (an invalid rule);
 *         #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe.
 * @since 0.2.0
 */
ORL_API int orl_policy_rule_format(const orl_policy_rule *rule, char *buf, size_t buf_len,
                                   size_t *out_len);

/**
 * @brief The probabilities the model's policy under @p rule gives every item after a history.
 *
 * The model scores its whole catalogue for the history (as orl_model_score_candidates() does;
 * unknown history keys are skipped) and the rule turns the scores into probabilities. No item
 * is excluded: the policy is a function of the click history only.
 * @param model The model (integer or string keys: only the history needs integer keys).
 * @param rule The rule; NULL means greedy.
 * @param history_item_keys Clicked item keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param[out] out_probs Caller buffer of @p n_items probabilities in the model's item order
 *             (orl_model_item_key() of index i); they sum to 1.
 * @param n_items The model's catalogue size (orl_model_item_count()).
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL, @p n_items not the catalogue size);
 *         #ORL_E_OUT_OF_RANGE (temperature, epsilon, or top_k above the catalogue);
 *         #ORL_E_NUMERIC (a NaN score); #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_policy_probs(const orl_model *model, const orl_policy_rule *rule,
                                   const int64_t *history_item_keys, size_t history_len,
                                   float *out_probs, size_t n_items);

/**
 * @brief True value of a model's policy under @p rule, rolled out in the simulator.
 *
 * At every step the shown item is drawn, with the rollout's own random stream, from exactly
 * orl_model_policy_probs() of the session's click history, mapped to the simulator item with
 * the same key. Items may be shown again (the simulator's `rollout_repeat` and
 * `rollout_temperature` are not used): the policy an off-policy estimator evaluates sees only
 * the click history, so the rollout must not filter its choices by what was shown, or truth
 * and estimate would be about two different policies. The greedy rule therefore gives what
 * orl_sim_rollout_model() gives on a simulator with `rollout_repeat` = 1. The sessions run on
 * every core; the result is the same bit for bit whatever the number of cores.
 * @param sim The simulator (not modified).
 * @param model The model; every item key must be a simulator item (0 .. n_items - 1).
 * @param rule The rule; NULL means greedy.
 * @param n_sessions Sessions to roll out, 2 .. 2^32.
 * @param seed Seed of the rollout's sessions: the same seed shows every policy the same users.
 * @param out_result Its `struct_size` must be set; receives the result. Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL, a string-keyed model, a model item that is
 *         not a simulator item); #ORL_E_OUT_OF_RANGE (@p n_sessions, the rule);
 *         #ORL_E_NUMERIC; #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently with other rollouts on the same @p sim and @p model.
 * @since 0.2.0
 */
ORL_API int orl_sim_rollout_model_policy(const orl_sim *sim, const orl_model *model,
                                         const orl_policy_rule *rule, uint64_t n_sessions,
                                         uint64_t seed, orl_sim_rollout_result *out_result);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OFFLINERL_POLICY_H */
