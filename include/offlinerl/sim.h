/**
 * @file sim.h
 * @brief The built-in user simulator: logged sessions with known ground truth.
 */
#ifndef OFFLINERL_SIM_H
#define OFFLINERL_SIM_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup sim Simulator
 * @brief A parametric user simulator that logs sessions under a known logging
 *        policy and gives the true value of any policy.
 *
 * ## The user model
 * Items belong to clusters and have a latent vector (their cluster's centre
 * plus noise), a Zipf popularity, an *appeal* (how clickable they look) and a
 * *quality* (how likely a click turns into a purchase, and how much it
 * pleases). Appeal and quality are negatively correlated: "click-bait" exists.
 * Each item has three successor items in its own cluster (browsing paths).
 *
 * A session belongs to one of `n_users` users with a latent taste vector. At
 * every step the system shows ONE item (K items with slates, below) and the user skips it, clicks
 * it or purchases it (a purchase is a click that converts), then may leave:
 * - click logit = `click_bias + click_relevance * (interest . item)
 *   + click_appeal * appeal + click_successor * [successor of the last clicked
 *   item] + click_satisfaction * satisfaction`;
 * - purchase logit (given a click) = `purchase_bias + purchase_quality * quality
 *   + purchase_satisfaction * satisfaction`;
 * - leave logit = `logit(leave_prob) + leave_skip * [skipped]
 *   - leave_satisfaction * satisfaction` (never before `min_steps` shown items,
 *   always after `max_steps`).
 *
 * The session interest starts at the user's taste and drifts towards every
 * clicked item (`interest_drift`), so the clicked sequence has structure a
 * sequence model can learn. Satisfaction starts at 0 and evolves as
 * `s = sat_decay * s + sat_quality * quality * [clicked] + sat_variety * (+1 if
 * the item's cluster differs from the previous shown item's, else -1)`.
 * Satisfaction raises later purchase probability and lowers the leave
 * probability: this is the long-term effect that makes the policy maximising
 * the immediate click probability sub-optimal.
 *
 * ## The logging policy
 * With probability `log_epsilon` a uniformly random item; otherwise, when the
 * session has a clicked item, with probability `log_successor_prob` one of its
 * successors (weights 0.5, 0.3, 0.2); otherwise a softmax over all items of
 * `(log_popularity_weight * log(popularity) + log_taste_weight * (user taste .
 * cluster centre) + log_cluster_boost * [same cluster as the last clicked
 * item]) / log_temperature`. It depends only on the user and the last clicked
 * item, so orl_sim_logging_probs() can give the exact distribution, and every
 * logged event carries the exact probability that its item was shown.
 *
 * ## Logged events
 * One row per shown item the user responded to: event "click" (reward
 * `reward_click`) or "purchase" (reward `reward_purchase`). Skipped items are
 * not logged unless `log_skips` is 1, when they appear as event "skip" with
 * reward 0. Item keys are 0 .. n_items-1; session keys count up from 0 across
 * all logging calls on one simulator; timestamps are seconds.
 *
 * ## Slates (slate_size K > 1)
 * Every step shows a list of K distinct items. The logging policy's list is a
 * Plackett-Luce draw without replacement from its single-draw distribution p
 * above (position k shows item i with probability p_i / (1 - the p of the
 * items above it)). The user clicks at most one: a multinomial logit over the
 * shown items, logit = the item's click logit above - `position_bias` *
 * ln(position), against a no-click option of logit 0 (K = 1: exactly the
 * sigmoid click). A click converts to a purchase as above. Satisfaction,
 * variety and leaving use the clicked item, or the first shown item when
 * nothing was clicked. Each logged step is a row (a display) with the shown
 * items, each one's single-draw propensity p_i and its exact probability of
 * being in the list (an integral computed to better than 1e-6; see
 * docs/guides/simulator.md), and the list's probability; a step without a
 * click is kept (event "none", reward 0, no item). Rollouts show each
 * policy's K best allowed items in order (the logging policy its PL list,
 * random K distinct items, popularity its top K). K = 1 gives the worlds,
 * logs and rollouts of 0.1.0 bit for bit; `log_impressions` = 1 logs the
 * display rows at K = 1 too.
 *
 * ## Rollouts
 * A rollout runs fresh sessions where a policy chooses each shown item and
 * reports the mean undiscounted return per session (`reward_click` per click,
 * `reward_purchase` per purchase) with its standard error and 95% confidence
 * interval. Session k of a rollout with a given seed has the same user and the
 * same random draws whatever the policy, so policies compared with one seed
 * differ by their choices only (common random numbers).
 *
 * Everything is deterministic given the seeds.
 * @{
 */

/** Simulator configuration; fill with orl_sim_params_init(), then change fields. */
typedef struct orl_sim_params {
    size_t struct_size;    /**< sizeof(orl_sim_params), set by orl_sim_params_init(). */
    uint64_t seed;         /**< Seed of the world (items, users) and of logging. Default 1. */
    uint32_t n_users;      /**< Users, 1 .. 100000000. Default 1000. */
    uint32_t n_items;      /**< Items, 2 .. 100000000. Default 1000. */
    uint32_t n_clusters;   /**< Item clusters, 1 .. n_items. Default 20. */
    uint32_t taste_dim;    /**< Latent dimension, 1 .. 64. Default 8. */
    uint32_t min_steps;    /**< Shown items before a user may leave, 1 .. max_steps. Default 2. */
    uint32_t max_steps;    /**< Shown items after which a user leaves, 1 .. 10000. Default 50. */
    float popularity_zipf; /**< Zipf exponent of popularity, 0 .. 5. Default 1. */
    float leave_prob;      /**< Leave probability after a click at satisfaction 0. Default 0.08. */
    float leave_skip;      /**< Leave logit added after a skip. Default 1. */
    float leave_satisfaction;    /**< Leave logit removed per unit of satisfaction. Default 0.6. */
    float click_bias;            /**< Click logit offset. Default -1. */
    float click_relevance;       /**< Click logit per unit of interest . item. Default 2. */
    float click_appeal;          /**< Click logit per unit of appeal. Default 1.2. */
    float click_successor;       /**< Click logit for a successor of the last click. Default 1.5. */
    float click_satisfaction;    /**< Click logit per unit of satisfaction. Default 0.3. */
    float purchase_bias;         /**< Purchase logit offset (given a click). Default -2.5. */
    float purchase_quality;      /**< Purchase logit per unit of quality. Default 1.2. */
    float purchase_satisfaction; /**< Purchase logit per unit of satisfaction. Default 0.5. */
    float sat_decay;             /**< Satisfaction kept per step, 0 .. 1. Default 0.8. */
    float sat_quality;     /**< Satisfaction per unit of quality of a clicked item. Default 0.3. */
    float sat_variety;     /**< Satisfaction for a cluster change (minus: for none). Default 0.1. */
    float interest_drift;  /**< Interest moved towards a clicked item, 0 .. 1. Default 0.3. */
    float log_epsilon;     /**< Logging: probability of a uniform item, 0 .. 1. Default 0.1. */
    float log_temperature; /**< Logging: softmax temperature, > 0. Default 1. */
    float log_successor_prob;    /**< Logging: probability of a successor, 0 .. 1. Default 0.3. */
    float log_popularity_weight; /**< Logging: weight of log popularity. Default 1. */
    float log_taste_weight;      /**< Logging: weight of the user's cluster taste. Default 2. */
    float log_cluster_boost;     /**< Logging: bonus for the last click's cluster. Default 1. */
    float reward_click;          /**< Reward of a click. Default 0.2. */
    float reward_purchase;       /**< Reward of a purchase. Default 1.0. */
    float rollout_temperature;   /**< Rollouts of scoring policies: 0 shows the top-scoring
                                      item, > 0 samples from softmax(scores / T). Default 0. */
    int32_t log_skips;           /**< 1: log skipped items as event "skip". Default 0. */
    int32_t rollout_repeat;      /**< Rollouts of scoring policies: 0 never shows an item twice
                                      in a session, 1 allows it. Default 0. */
    int64_t start_timestamp;     /**< Timestamp (seconds) of session 0. Default 1600000000. */
    /** Items shown per step (a slate), 1 .. 100 and at most n_items. Default 1: one item per
     *  step, exactly the worlds of 0.1.0. @since 0.2.0 */
    uint32_t slate_size;
    /** Slates: logit removed per unit of ln(position) in the user's choice (position 1 has
     *  none), 0 .. 100. Default 0.3. @since 0.2.0 */
    float position_bias;
    /** 1: log one row per shown slate (a display), clicked or not, with the shown items and
     *  their propensities (always so when slate_size > 1). Default 0. @since 0.2.0 */
    int32_t log_impressions;
} orl_sim_params;

/** What a rollout measured. Set `struct_size` before passing it to a rollout. */
typedef struct orl_sim_rollout_result {
    size_t struct_size;    /**< Set by the caller to sizeof(orl_sim_rollout_result). */
    uint64_t n_sessions;   /**< Sessions rolled out. */
    double mean_return;    /**< Mean undiscounted reward per session: the true value. */
    double std_error;      /**< Standard error of mean_return. */
    double ci_low;         /**< Lower end of the 95% confidence interval (mean - 1.96 se). */
    double ci_high;        /**< Upper end of the 95% confidence interval (mean + 1.96 se). */
    double mean_clicks;    /**< Clicks per session (purchases included). */
    double mean_purchases; /**< Purchases per session. */
    double mean_length;    /**< Shown items per session. */
} orl_sim_rollout_result;

/**
 * @brief A host policy: scores every item for a session's history.
 * @param history_item_keys The session's clicked or purchased item keys so far,
 *        oldest first (skipped items are not part of it); NULL when empty.
 * @param history_len Length of the history (0 at the first step).
 * @param out_scores Receives one score per item key 0 .. n_items-1; higher is better.
 * @param n_items Number of items.
 * @param user_data The pointer given to the rollout, unchanged.
 * @return 0 to continue; anything else stops the rollout with #ORL_E_CANCELLED.
 */
typedef int (*orl_sim_policy_fn)(const int64_t *history_item_keys, size_t history_len,
                                 float *out_scores, size_t n_items, void *user_data);

/**
 * @brief Fill @p params with the defaults documented on ::orl_sim_params.
 * @param params Receives the defaults and `struct_size`; NULL is ignored.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_sim_params_init(orl_sim_params *params);

/**
 * @brief Create a simulator: draws the items, clusters and users from the seed.
 * @param params Configuration, or NULL for the defaults.
 * @param out Receives the new simulator, owned by the caller (free with orl_sim_free()).
 *        Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT if @p out is NULL or
 *         `params->struct_size` is too small; #ORL_E_OUT_OF_RANGE (message names
 *         the field) if a parameter is outside its range or not finite;
 *         #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_sim_create(const orl_sim_params *params, orl_sim **out);

/**
 * @brief Free a simulator.
 * @param sim The simulator, or NULL (nothing happens).
 * @par Thread-safety Not concurrently with other calls on @p sim.
 * @since 0.1.0
 */
ORL_API void orl_sim_free(orl_sim *sim);

/**
 * @brief Number of items (item keys are 0 .. n-1).
 * @param sim The simulator.
 * @param out_n_items Receives the count.
 * @return #ORL_OK or #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently with other read-only calls.
 * @since 0.1.0
 */
ORL_API int orl_sim_num_items(const orl_sim *sim, size_t *out_n_items);

/**
 * @brief Log @p n_sessions sessions under the logging policy into a dataset.
 *
 * Adds the events with event types "click" and "purchase" (and "skip" when
 * `log_skips` is 1), the simulator's rewards and the exact logging propensity
 * of every event's item. With `slate_size` > 1 or `log_impressions` = 1 it also
 * adds a display per step, clicked or not (orl_dataset_display_get()). Sessions continue the
 * simulator's count: two calls give different sessions, and the same seed and calls give the same
 * events. Sessions in which the user responded to nothing add no event. The dataset is not
 * finalized: call orl_dataset_finalize() when done adding.
 * @param sim The simulator.
 * @param n_sessions Sessions to log, 1 .. 2^32.
 * @param ds A dataset that still accepts events.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE if @p n_sessions
 *         is 0 or too large; #ORL_E_NOMEM; any error of orl_dataset_add_events_i64(),
 *         in which case the dataset and the session count are unchanged as far
 *         as that function guarantees it.
 * @par Thread-safety One thread at a time per @p sim and per @p ds.
 * @since 0.1.0
 */
ORL_API int orl_sim_generate(orl_sim *sim, uint64_t n_sessions, orl_dataset *ds);

/**
 * @brief Log @p n_sessions sessions as canonical CSV.
 *
 * Header `session_id,timestamp,item_id,event,reward,propensity`, one row per
 * logged event, sessions in order. With `slate_size` > 1 or `log_impressions`
 * = 1, one row per display step with four more columns: `impressions` (the
 * shown item keys, `|`-separated, in position order),
 * `impression_propensities`, `impression_inclusion` and `slate_propensity`;
 * a step without a click has an empty item, event `none` and reward 0. Streams: memory does not
 * grow with
 * @p n_sessions. The file is written beside @p path and renamed into place,
 * so a failure never leaves a partial file. Same session numbering as
 * orl_sim_generate().
 * @param sim The simulator.
 * @param n_sessions Sessions to log, 1 .. 2^32.
 * @param path Output file (UTF-8 path); replaced if it exists.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE; #ORL_E_IO
 *         (message names the file); #ORL_E_NOMEM.
 * @par Thread-safety One thread at a time per @p sim.
 * @since 0.1.0
 */
ORL_API int orl_sim_write_csv(orl_sim *sim, uint64_t n_sessions, const char *path);

/**
 * @brief True value of a host policy: roll it out for @p n_sessions sessions.
 *
 * At every step @p policy_fn scores all items for the session's history; the
 * simulator shows the top-scoring item not yet shown in the session (or, with
 * `rollout_temperature` > 0, samples from a softmax of the scores; with
 * `rollout_repeat` = 1 shown items may come again). Ties go to the lowest key.
 * @param sim The simulator (not modified).
 * @param policy_fn The policy; called from the calling thread only.
 * @param user_data Passed to @p policy_fn unchanged.
 * @param n_sessions Sessions to roll out, 2 .. 2^32.
 * @param seed Seed of the rollout's sessions (users and random draws).
 * @param out_result Its `struct_size` must be set; receives the result. Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL, struct_size too small);
 *         #ORL_E_OUT_OF_RANGE (@p n_sessions); #ORL_E_CANCELLED if @p policy_fn
 *         returned non-zero; #ORL_E_NUMERIC if it gave a NaN score; #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently with other rollouts on the same @p sim.
 * @since 0.1.0
 */
ORL_API int orl_sim_rollout(const orl_sim *sim, orl_sim_policy_fn policy_fn, void *user_data,
                            uint64_t n_sessions, uint64_t seed, orl_sim_rollout_result *out_result);

/**
 * @brief True value of a trained model, rolled out as orl_sim_rollout() does.
 *
 * At each step the model scores every simulator item (keys 0 .. n_items-1) for the session's
 * history; items the model never saw rank last. The sessions run on every core (since 0.2.0);
 * the result is the same bit for bit whatever the number of cores.
 * @param sim The simulator (not modified).
 * @param model A model trained on this simulator's logs (integer item keys).
 * @param n_sessions Sessions to roll out, 2 .. 2^32.
 * @param seed Seed of the rollout's sessions: the same seed shows every policy the same users.
 * @param out_result Its `struct_size` must be set; receives the result. Untouched on failure.
 * @return As orl_sim_rollout(); #ORL_E_INVALID_ARGUMENT for a string-keyed model.
 * @par Thread-safety Safe concurrently with other rollouts on the same @p sim and @p model.
 * @since 0.1.0
 */
ORL_API int orl_sim_rollout_model(const orl_sim *sim, const orl_model *model, uint64_t n_sessions,
                                  uint64_t seed, orl_sim_rollout_result *out_result);

/**
 * @brief True value of the logging policy itself (the behaviour in the logs).
 * @param sim The simulator.
 * @param n_sessions Sessions to roll out, 2 .. 2^32.
 * @param seed Seed of the rollout's sessions.
 * @param out_result Its `struct_size` must be set; receives the result.
 * @return As orl_sim_rollout(), without #ORL_E_CANCELLED.
 * @par Thread-safety Safe concurrently with other rollouts on the same @p sim.
 * @since 0.1.0
 */
ORL_API int orl_sim_rollout_logging(const orl_sim *sim, uint64_t n_sessions, uint64_t seed,
                                    orl_sim_rollout_result *out_result);

/**
 * @brief True value of the uniformly random policy (a baseline).
 * @param sim The simulator.
 * @param n_sessions Sessions to roll out, 2 .. 2^32.
 * @param seed Seed of the rollout's sessions.
 * @param out_result Its `struct_size` must be set; receives the result.
 * @return As orl_sim_rollout_logging().
 * @par Thread-safety Safe concurrently with other rollouts on the same @p sim.
 * @since 0.1.0
 */
ORL_API int orl_sim_rollout_random(const orl_sim *sim, uint64_t n_sessions, uint64_t seed,
                                   orl_sim_rollout_result *out_result);

/**
 * @brief True value of the popularity policy: the most popular item not yet
 *        shown in the session (a baseline).
 * @param sim The simulator.
 * @param n_sessions Sessions to roll out, 2 .. 2^32.
 * @param seed Seed of the rollout's sessions.
 * @param out_result Its `struct_size` must be set; receives the result.
 * @return As orl_sim_rollout_logging().
 * @par Thread-safety Safe concurrently with other rollouts on the same @p sim.
 * @since 0.1.0
 */
ORL_API int orl_sim_rollout_popularity(const orl_sim *sim, uint64_t n_sessions, uint64_t seed,
                                       orl_sim_rollout_result *out_result);

/**
 * @brief The logging policy's exact distribution over items at one step.
 *
 * The logging policy depends only on the user and the last clicked or
 * purchased item of the session, so this is the propensity of every item for
 * any logged history.
 * @param sim The simulator.
 * @param user_id The session's user, 0 .. n_users-1.
 * @param history_item_keys The session's clicked or purchased items so far (only
 *        the last one matters); may be NULL when @p history_len is 0.
 * @param history_len Length of the history.
 * @param out_probs Receives the probability of each item key; they sum to 1.
 * @param n_items Length of @p out_probs; must be at least the number of items.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE (@p user_id or
 *         a history key out of range); #ORL_E_BUFFER_TOO_SMALL.
 * @par Thread-safety Safe concurrently with other read-only calls.
 * @since 0.1.0
 */
ORL_API int orl_sim_logging_probs(const orl_sim *sim, uint32_t user_id,
                                  const int64_t *history_item_keys, size_t history_len,
                                  float *out_probs, size_t n_items);

/**
 * @brief The user of logged session @p session_key (the `session_id` of orl_sim_write_csv(), the
 *        session key of orl_sim_generate()).
 *
 * With it and the session's clicks before a step, orl_sim_logging_probs() gives the logging
 * policy's whole distribution at that step: what an off-policy estimator needs beyond the
 * logged propensities of the shown items (for example the probability of every item at every
 * position of a slate).
 * @param sim The simulator (the same params as the one that logged).
 * @param session_key A logged session key, 0 .. 2^63-1.
 * @param out_user Receives the user, 0 .. n_users-1.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE (a negative key).
 * @par Thread-safety Safe concurrently with other read-only calls.
 * @since 0.2.0
 */
ORL_API int orl_sim_session_user(const orl_sim *sim, int64_t session_key, uint32_t *out_user);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OFFLINERL_SIM_H */
