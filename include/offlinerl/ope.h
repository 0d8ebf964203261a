/**
 * @file ope.h
 * @brief Off-policy evaluation: the value a model would earn, estimated from logged sessions.
 */
#ifndef OFFLINERL_OPE_H
#define OFFLINERL_OPE_H

#include "common.h"
#include "policy.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup ope Off-policy evaluation
 * @brief Estimators of a target policy's value from logs, with confidence intervals.
 *
 * The target policy is a model's scoring made stochastic by a policy rule (greedy, softmax with
 * a temperature, epsilon-greedy over the top K; `orl_policy_rule`), the same rule that
 * orl_sim_rollout_model_policy() rolls out for the truth. Each event of the dataset is one logged
 * step: its item is the action, its reward the reward, its state the click history before it.
 * With a display table (one item per display) each display is one, clicked or not (reward 0
 * without a click); FQE then trains on the displays too, the next state of a display being the
 * click history before the next display of its session.
 *
 * Estimators (names for orl_ope_params::estimators; docs/guides/ope.md says which to trust when):
 * - per logged step (a value per step; also scaled to a session by the logged steps per
 *   session): `ips`, `clipped_ips`, `snips`, `dm`, `dr`, `sndr`, `switch_dr`;
 * - sequential (a value per session, the discounted return under orl_ope_params::gamma):
 *   `pdis`, `wpdis`, `seq_dr`, `fqe`;
 * - slates (a display table with several items per display): `iips`, `pseudo_inverse`.
 *
 * Intervals resample SESSIONS (a percentile bootstrap, its BCa form, or the normal interval
 * from the delta-method standard error clustered by session). The reward model, FQE and a fitted
 * behaviour model are NOT refit per resample: the interval leaves their own error out.
 * @{
 */

/** How the interval of an estimate is formed. */
typedef enum orl_ope_interval_kind {
    ORL_OPE_INTERVAL_BOOTSTRAP = 0, /**< Percentile bootstrap over sessions (the default). */
    ORL_OPE_INTERVAL_NORMAL = 1,    /**< value +- z se; se by the delta method (fast). */
    /** The same resamples with bias-corrected and accelerated ends (BCa): wider on the side
     *  where heavy-tailed weights skew the estimate (@since 0.2.0). */
    ORL_OPE_INTERVAL_BCA = 2
} orl_ope_interval_kind;

/** Where the logging propensities beta(a|s) come from. */
typedef enum orl_ope_behaviour {
    /** The dataset's propensity column (the default); an error when it has none. */
    ORL_OPE_BEHAVIOUR_LOGGED = 0,
    /** The softmax of orl_ope_params::behaviour_model's supervised head. */
    ORL_OPE_BEHAVIOUR_MODEL = 1,
    /** A supervised model the library fits on the dataset itself (a warning in the result):
     *  on the events, or on display logs on every shown item (an impression model). */
    ORL_OPE_BEHAVIOUR_FIT = 2
} orl_ope_behaviour;

/** The reward model q(s, a) of the per-step model-based estimators (dm, dr, sndr, switch_dr). */
typedef enum orl_ope_reward_model {
    /** FQE with gamma 0: a network of the library's encoder regressing the reward (default). */
    ORL_OPE_REWARD_FQE = 0,
    /** q(s, a) = the item's mean logged reward, shrunk towards the mean over all steps by one
     *  step's worth; context-free, instant. */
    ORL_OPE_REWARD_ITEM_MEAN = 1
} orl_ope_reward_model;

/** Settings of orl_model_estimate_value(). Fill with orl_ope_params_init(). */
typedef struct orl_ope_params {
    size_t struct_size; /**< sizeof(orl_ope_params), set by orl_ope_params_init(). */
    /** Comma-separated estimator names; NULL = every estimator that applies (the model-based
     *  ones need a reward model / FQE, the sequential ones more than one step per session). */
    const char *estimators;
    /** The target policy's rule (copied during the call); NULL = greedy. */
    const orl_policy_rule *policy;
    int32_t interval;           /**< orl_ope_interval_kind; default BOOTSTRAP. */
    uint32_t bootstrap_samples; /**< Resamples, 2 .. 100000; default 200. */
    double confidence;          /**< Interval level in (0, 1); default 0.95. */
    /** clipped_ips: weights pi/beta above it count as it, > 0; default 10. */
    double clip;
    /** switch_dr: steps whose weight exceeds it use the reward model alone, > 0; default 10. */
    double switch_threshold;
    /** Discount of the sequential estimators in [0, 1]; default 1 (the undiscounted return per
     *  session, what the simulator's rollouts measure). */
    double gamma;
    int32_t behaviour;                /**< orl_ope_behaviour; default LOGGED. */
    const orl_model *behaviour_model; /**< For ORL_OPE_BEHAVIOUR_MODEL (borrowed). */
    int32_t reward_model;             /**< orl_ope_reward_model; default FQE. */
    uint32_t fqe_epochs;              /**< FQE passes over the data, 1 .. 1000; default 3. */
    uint32_t fqe_batch;               /**< FQE batch size, 1 .. 65536; default 256. */
    float fqe_learning_rate;          /**< FQE Adam step, (0, 1]; default 1e-3. */
    /** FQE's encoder (its settings are copied; NULL = GRU4Rec defaults). Also the encoder of
     *  the behaviour model ORL_OPE_BEHAVIOUR_FIT trains. */
    const orl_encoder *fqe_encoder;
    uint64_t seed;   /**< Seed of the bootstrap and of any model fitted; default 1. */
    int32_t threads; /**< Threads, 0 = all cores, up to 256; default 0. */
} orl_ope_params;

/** One estimate of orl_ope_result_get(). */
typedef struct orl_ope_estimate {
    size_t struct_size;   /**< sizeof(orl_ope_estimate); set it before the call. */
    char estimator[32];   /**< Its name ("dr", "pdis", ...). */
    double value;         /**< The estimate: per logged step, or per session (per_session 1). */
    double ci_low;        /**< Lower end of the interval at orl_ope_params::confidence. */
    double ci_high;       /**< Upper end. */
    double std_error;     /**< Bootstrap standard deviation, or the delta-method standard error. */
    double ess;           /**< Effective sample size (sum w)^2 / sum w^2 of the weights used. */
    double clipped_share; /**< Share of steps clipped (clipped_ips) or switched (switch_dr). */
    int32_t per_session;  /**< 1: value is per session (sequential); 0: per logged step. */
    uint64_t n_steps;     /**< Logged steps used. */
    uint64_t n_sessions;  /**< Sessions used (the bootstrap's unit). */
    /** The value per session: the sequential ones' value; for per-step forms value x logged
     *  steps per session (the logged mean length held fixed). */
    double session_value;
    double session_ci_low;  /**< session_value's interval (the step interval, scaled alike). */
    double session_ci_high; /**< Upper end. */
} orl_ope_estimate;

/** The estimates of one orl_model_estimate_value() call (opaque). */
typedef struct orl_ope_result orl_ope_result;

/**
 * @brief Fill @p params with the defaults listed in orl_ope_params.
 * @param params Settings to fill (NULL is ignored).
 * @since 0.2.0
 */
ORL_API void orl_ope_params_init(orl_ope_params *params);

/**
 * @brief Estimate the value of @p model's policy from the logged sessions of @p ds.
 *
 * Scores every logged step's state with the model (batch scoring, on params->threads threads),
 * turns the scores into pi(.|s) by the policy rule, takes beta from the behaviour source, fits
 * the reward model / FQE when an estimator needs one, and computes each estimator with its
 * interval over sessions.
 *
 * @param model The target policy's model (not modified).
 * @param ds A finalized dataset: the logs.
 * @param params Settings, or NULL for the defaults.
 * @param out Receives a new result; free it with orl_ope_result_free(). Untouched on failure.
 * @return ORL_OK;
 *   ORL_E_INVALID_ARGUMENT (NULL argument, a wrong handle, an unknown estimator name, no
 *   behaviour model for ORL_OPE_BEHAVIOUR_MODEL, a params field by name);
 *   ORL_E_OUT_OF_RANGE (a params field outside its range, named);
 *   ORL_E_STATE (dataset not finalized or empty; no propensities in the dataset with
 *   ORL_OPE_BEHAVIOUR_LOGGED; a propensity that is zero, negative, above 1 or NaN, naming the
 *   step's session and position; more than half of the logged steps with items the model's
 *   catalogue does not know, with their count: the dataset comes from another catalogue — fewer
 *   get probability 0 under the target and a warning; any with a behaviour model);
 *   ORL_E_NOMEM.
 * @note Thread-safe for distinct outputs: the model and dataset are only read.
 * @since 0.2.0
 */
ORL_API int orl_model_estimate_value(const orl_model *model, const orl_dataset *ds,
                                     const orl_ope_params *params, orl_ope_result **out);

/**
 * @brief Number of estimates in @p result.
 * @param result A result of orl_model_estimate_value() (borrowed).
 * @param out_count Receives the count.
 * @par Thread-safety Safe from any thread: the result is only read.
 * @return ORL_OK; ORL_E_INVALID_ARGUMENT for a NULL argument or a wrong handle.
 * @since 0.2.0
 */
ORL_API int orl_ope_result_count(const orl_ope_result *result, size_t *out_count);

/**
 * @brief Estimate @p index of @p result, into @p out (fields that fit its struct_size).
 * @param result A result of orl_model_estimate_value() (borrowed).
 * @param index 0 .. count - 1, in the order the estimators were asked for.
 * @param out Caller's struct with `struct_size` set; filled on success, untouched on failure.
 * @par Thread-safety Safe from any thread: the result is only read.
 * @return ORL_OK; ORL_E_INVALID_ARGUMENT (NULL, struct_size too small for struct_size itself);
 *   ORL_E_OUT_OF_RANGE (index not below the count).
 * @since 0.2.0
 */
ORL_API int orl_ope_result_get(const orl_ope_result *result, size_t index, orl_ope_estimate *out);

/**
 * @brief Number of warnings in @p result (a fitted behaviour model, an estimator left out,
 *   weights that overflowed, ...).
 * @param result A result of orl_model_estimate_value() (borrowed).
 * @param out_count Receives the count.
 * @par Thread-safety Safe from any thread: the result is only read.
 * @return ORL_OK; ORL_E_INVALID_ARGUMENT for a NULL argument or a wrong handle.
 * @since 0.2.0
 */
ORL_API int orl_ope_result_warning_count(const orl_ope_result *result, size_t *out_count);

/**
 * @brief Warning @p index as UTF-8 text. Size query: buf NULL and buf_len 0 give ORL_OK and the
 *   size (NUL included) in *out_len.
 * @param result A result of orl_model_estimate_value() (borrowed).
 * @param index 0 .. warning count - 1.
 * @param buf Caller's buffer for the NUL-terminated text, or NULL with buf_len 0.
 * @param buf_len Size of @p buf in bytes.
 * @param out_len Receives the size the text needs, NUL included (always set on ORL_OK and on
 *   ORL_E_BUFFER_TOO_SMALL).
 * @par Thread-safety Safe from any thread: the result is only read.
 * @return ORL_OK; ORL_E_INVALID_ARGUMENT; ORL_E_OUT_OF_RANGE (index); ORL_E_BUFFER_TOO_SMALL.
 * @since 0.2.0
 */
ORL_API int orl_ope_result_warning(const orl_ope_result *result, size_t index, char *buf,
                                   size_t buf_len, size_t *out_len);

/**
 * @brief The whole result as JSON: the settings (policy, interval, behaviour, reward model),
 *   `estimates` (one object per estimate, with `unit` "step" or "session"), `warnings` and
 *   `timing` (seconds per phase). NaN prints as null. Size query: buf NULL and buf_len 0 give
 *   ORL_OK and the size (NUL included).
 * @param result A result of orl_model_estimate_value() (borrowed).
 * @param buf Caller's buffer for the NUL-terminated JSON, or NULL with buf_len 0.
 * @param buf_len Size of @p buf in bytes.
 * @param out_len Receives the size the JSON needs, NUL included.
 * @par Thread-safety Safe from any thread: the result is only read.
 * @return ORL_OK; ORL_E_INVALID_ARGUMENT; ORL_E_BUFFER_TOO_SMALL.
 * @since 0.2.0
 */
ORL_API int orl_ope_result_json(const orl_ope_result *result, char *buf, size_t buf_len,
                                size_t *out_len);

/**
 * @brief Free a result (NULL is ignored).
 * @param result The result to free; it must not be used afterwards.
 * @par Thread-safety No other call may use @p result at the same time.
 * @since 0.2.0
 */
ORL_API void orl_ope_result_free(orl_ope_result *result);

/** @} */

#ifdef __cplusplus
}
#endif

#endif
