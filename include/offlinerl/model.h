/**
 * @file model.h
 * @brief The trained, immutable policy: recommend, score candidates, evaluate, save and load.
 */
#ifndef OFFLINERL_MODEL_H
#define OFFLINERL_MODEL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup model Model
 * @brief Score items for a history of item keys.
 *
 * A model is immutable: any number of threads may call any function of this group on one model
 * at once (each call uses its own scratch memory). Only orl_model_free() must not race with them.
 * Item keys are the external keys of the training data: 64-bit integers, or UTF-8 strings for
 * data loaded with string keys (use the `_str` functions then).
 * @{
 */

/** HR\@K and NDCG\@K, K = 5, 10, 20, for click and purchase steps, as the papers report them. */
typedef struct orl_eval_result {
    size_t struct_size;       /**< sizeof(orl_eval_result); set it before the call. */
    uint64_t click_count;     /**< Evaluated steps whose event is not a purchase. */
    uint64_t purchase_count;  /**< Evaluated steps whose event counts as a purchase. */
    double click_hr[3];       /**< Click HR\@5, \@10, \@20. */
    double click_ndcg[3];     /**< Click NDCG\@5, \@10, \@20. */
    double purchase_hr[3];    /**< Purchase HR\@5, \@10, \@20. */
    double purchase_ndcg[3];  /**< Purchase NDCG\@5, \@10, \@20. */
    uint64_t unknown_targets; /**< Steps whose target item the model does not know (misses). */
} orl_eval_result;

/** The heads a model can score with. */
typedef enum orl_head {
    ORL_HEAD_SUPERVISED = 0, /**< The supervised (cross-entropy) head: the default policy. */
    ORL_HEAD_Q = 1,          /**< The Q head of models trained with reinforcement learning. */
    /**
     * BCQ's constrained rule (models trained with `"bcq"`, @since 0.2.0): the items the
     * generative head G allows (G(a|s) / max G > the trained threshold) rank first by their Q
     * value, the others after them in G's order. An allowed item's score is its Q value; any
     * other item's is min(allowed Q) - 1 + log(G(a|s) / max G), below every allowed item.
     */
    ORL_HEAD_CONSTRAINED = 2
} orl_head;

/**
 * How a model with an ensemble of Q heads (`"rem"`, `"sqn_rem"`) turns the heads' values into
 * one score per item (@since 0.2.0). With mean m(a) and standard deviation sd(a) over the K heads
 * (population form, divided by K): the disagreement of heads trained on the same logs with
 * different random mixtures, largest where the logs say least about an item.
 */
typedef enum orl_score_rule {
    ORL_SCORE_MEAN = 0, /**< m(a): the mean head (the default). */
    ORL_SCORE_LCB = 1,  /**< m(a) - kappa * sd(a): pessimistic, for offline deployment. */
    ORL_SCORE_UCB = 2   /**< m(a) + kappa * sd(a): optimistic, for exploration. */
} orl_score_rule;

/**
 * @brief Release a model. NULL is accepted.
 * @param model The model; no other call may be using it.
 * @par Thread-safety Not concurrently with any other call on the same model.
 * @since 0.1.0
 */
ORL_API void orl_model_free(orl_model *model);

/**
 * @brief The model's catalogue size (items it can recommend).
 * @param model The model.
 * @param[out] out_count Number of items.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_item_count(const orl_model *model, uint64_t *out_count);

/**
 * @brief How many heads the model has: 1 (supervised only) or 2 (also a Q head).
 * @param model The model.
 * @param[out] out_count 1 or 2.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_head_count(const orl_model *model, uint32_t *out_count);

/**
 * @brief The head this model scores with (one of ::orl_head).
 * @param model The model.
 * @param[out] out_head #ORL_HEAD_SUPERVISED or #ORL_HEAD_Q.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_head(const orl_model *model, uint32_t *out_head);

/**
 * @brief A new model that scores with another head of the same network.
 *
 * Models stay immutable: this copies the model and swaps the head it scores with. Both
 * heads travel with the copy (and with a saved file). A `"bcq"` model whose G the host gave
 * (orl_trainer_set_generative_model()) holds two networks: #ORL_HEAD_SUPERVISED gives G
 * alone (a model of G's network only, scoring exactly as the host's model did), #ORL_HEAD_Q
 * the Q network (G travels with it, so #ORL_HEAD_CONSTRAINED can come back).
 * @param model The model.
 * @param head One of ::orl_head.
 * @param[out] out The new model; release with orl_model_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_OUT_OF_RANGE (not a head); #ORL_E_NOT_FOUND (the model has no
 *         such head; #ORL_HEAD_CONSTRAINED needs a model trained with `"bcq"`);
 *         #ORL_E_INVALID_ARGUMENT; #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0 (#ORL_HEAD_CONSTRAINED since 0.2.0)
 */
ORL_API int orl_model_with_head(const orl_model *model, uint32_t head, orl_model **out);

/**
 * @brief The number of Q heads in the model's ensemble: K for models trained with `"rem"` or
 *        `"sqn_rem"`, 0 for every other model.
 * @param model The model.
 * @param[out] out_heads K, or 0.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_ensemble_size(const orl_model *model, uint32_t *out_heads);

/**
 * @brief A new model that scores with its ensemble of Q heads by @p rule.
 *
 * As orl_model_with_head(): a copy (the ensemble travels with it and with a saved file) that
 * scores with the Q head, by ::orl_score_rule. Costs: #ORL_SCORE_MEAN scores as fast as any
 * head (one pass over the catalogue with the mean head); #ORL_SCORE_LCB and #ORL_SCORE_UCB, and
 * any call that asks for the standard deviation, score every head: K + 1 passes over the
 * catalogue per history, and K x catalogue floats of scratch.
 * @param model A model with an ensemble (orl_model_ensemble_size() > 0).
 * @param rule One of ::orl_score_rule.
 * @param kappa The multiple of the standard deviation, finite, in [0, 1e6] (ignored by
 *        #ORL_SCORE_MEAN; recorded as 0 then).
 * @param[out] out The new model; release with orl_model_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_OUT_OF_RANGE (@p rule or @p kappa); #ORL_E_NOT_FOUND (no ensemble);
 *         #ORL_E_INVALID_ARGUMENT; #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_with_score_rule(const orl_model *model, uint32_t rule, float kappa,
                                      orl_model **out);

/**
 * @brief The rule and kappa the model scores its ensemble with (#ORL_SCORE_MEAN and 0 for
 *        models without an ensemble).
 * @param model The model.
 * @param[out] out_rule One of ::orl_score_rule.
 * @param[out] out_kappa kappa, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_score_rule(const orl_model *model, uint32_t *out_rule, float *out_kappa);

/**
 * @brief Top-K items of the whole catalogue for a history of integer item keys.
 *
 * Only the last `window` known items count. Keys the model does not know are skipped and
 * counted in @p out_skipped. An empty history (or one of unknown items only) is scored as the
 * start of a session. Ties are broken by the lower catalogue index.
 * @param model The model (trained on integer keys).
 * @param history Item keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param k Items wanted; 1..catalogue size.
 * @param[out] out_items Caller buffer of @p k keys, best first.
 * @param[out] out_scores Caller buffer of @p k scores, or NULL.
 * @param[out] out_skipped Number of history keys skipped as unknown, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL buffers, string-keyed model);
 *         #ORL_E_OUT_OF_RANGE (@p k); #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_recommend(const orl_model *model, const int64_t *history, size_t history_len,
                                uint32_t k, int64_t *out_items, float *out_scores,
                                size_t *out_skipped);

/**
 * @brief Top-K for a history of string item keys (models trained on string keys).
 *
 * As orl_model_recommend(). The strings in @p out_items point into the model and stay valid
 * until orl_model_free(); do not free them.
 * @param model The model (trained on string keys).
 * @param history UTF-8 keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param k Items wanted; 1..catalogue size.
 * @param[out] out_items Caller array of @p k pointers, best first.
 * @param[out] out_scores Caller buffer of @p k scores, or NULL.
 * @param[out] out_skipped Number of history keys skipped as unknown, or NULL.
 * @return As orl_model_recommend().
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_recommend_str(const orl_model *model, const char *const *history,
                                    size_t history_len, uint32_t k, const char **out_items,
                                    float *out_scores, size_t *out_skipped);

/**
 * @brief Scores of host-given candidate items for a history (higher is better).
 *
 * A candidate the model does not know gets `-INFINITY` and is counted in
 * @p out_unknown_candidates; the call still succeeds.
 * @param model The model (trained on integer keys).
 * @param history Item keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param candidates Candidate item keys.
 * @param n_candidates Number of candidates (0 is allowed).
 * @param[out] out_scores Caller buffer of @p n_candidates scores, in the candidates' order.
 * @param[out] out_skipped History keys skipped as unknown, or NULL.
 * @param[out] out_unknown_candidates Candidates the model does not know, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_score_candidates(const orl_model *model, const int64_t *history,
                                       size_t history_len, const int64_t *candidates,
                                       size_t n_candidates, float *out_scores, size_t *out_skipped,
                                       size_t *out_unknown_candidates);

/**
 * @brief Top-K for many histories in one call.
 *
 * History i is `histories[offsets[i] .. offsets[i+1])`. Equivalent to calling
 * orl_model_recommend() for each, in the calling thread (hosts parallelise by calling from
 * several threads). Since 0.2.0 the equivalence is exact: each row's items and scores are
 * those of orl_model_recommend() bit for bit, on every CPU (0.1.0's batch kernel summed in
 * another order, so its scores could differ in the last bits and a near-tie could swap).
 * @param model The model (trained on integer keys).
 * @param n_histories Number of histories.
 * @param histories All histories' keys, concatenated.
 * @param offsets @p n_histories + 1 non-decreasing offsets into @p histories.
 * @param k Items per history; 1..catalogue size.
 * @param[out] out_items Caller buffer of @p n_histories x @p k keys.
 * @param[out] out_scores Caller buffer of @p n_histories x @p k scores, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (including decreasing offsets);
 *         #ORL_E_OUT_OF_RANGE; #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_recommend_batch(const orl_model *model, size_t n_histories,
                                      const int64_t *histories, const size_t *offsets, uint32_t k,
                                      int64_t *out_items, float *out_scores);

/**
 * @brief Top-K of the catalogue for a history of integer item keys, leaving out given items.
 *
 * As orl_model_recommend(), but the items of @p exclude never appear in the result (items the
 * host already showed, or that are out of stock), without asking for more and filtering. The
 * catalogue is scored once. Exclude keys the model does not know are ignored, as are repeats.
 * The result holds min(@p k, catalogue size - excluded items) items, best first, ties broken by
 * the lower catalogue index; on the items that are left it is the ranking of
 * orl_model_recommend(), scores included.
 * @param model The model (trained on integer keys).
 * @param history Item keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param exclude Item keys to leave out; may be NULL when @p n_exclude is 0. Copied: the call
 *        does not keep it.
 * @param n_exclude Number of keys in @p exclude (0 is allowed).
 * @param k Items wanted; 1..catalogue size.
 * @param[out] out_items Caller buffer of @p k keys, best first; only the first @p *out_n are
 *        written.
 * @param[out] out_scores Caller buffer of @p k scores, or NULL.
 * @param[out] out_n Number of items written (less than @p k when too few items are left).
 * @param[out] out_skipped Number of history keys skipped as unknown, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL buffers, string-keyed model);
 *         #ORL_E_OUT_OF_RANGE (@p k); #ORL_E_NOMEM. Outputs are untouched on failure.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_recommend_excluding(const orl_model *model, const int64_t *history,
                                          size_t history_len, const int64_t *exclude,
                                          size_t n_exclude, uint32_t k, int64_t *out_items,
                                          float *out_scores, size_t *out_n, size_t *out_skipped);

/**
 * @brief Top-K as orl_model_recommend(), with the standard deviation of each item's value over
 *        the model's ensemble of Q heads.
 *
 * The model must score with its ensemble (a model trained with `"rem"`, or one made by
 * orl_model_with_score_rule()); the scores are those of its rule. Costs K + 1 passes over the
 * catalogue (see orl_model_with_score_rule()).
 * @param model The model (integer keys).
 * @param history Item keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param k Items wanted; 1..catalogue size.
 * @param[out] out_items Caller buffer of @p k keys, best first.
 * @param[out] out_scores Caller buffer of @p k scores, or NULL.
 * @param[out] out_std Caller buffer of @p k standard deviations over the heads.
 * @param[out] out_skipped Number of history keys skipped as unknown, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL buffers, string-keyed model);
 *         #ORL_E_STATE (the model does not score with an ensemble); #ORL_E_OUT_OF_RANGE (@p k);
 *         #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_recommend_with_std(const orl_model *model, const int64_t *history,
                                         size_t history_len, uint32_t k, int64_t *out_items,
                                         float *out_scores, float *out_std, size_t *out_skipped);

/**
 * @brief Candidate scores as orl_model_score_candidates(), with each candidate's standard
 *        deviation over the model's ensemble of Q heads (NaN for unknown candidates).
 * @param model The model (integer keys), scoring with its ensemble (see
 *        orl_model_recommend_with_std()).
 * @param history Item keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param candidates Item keys to score; may be NULL when @p n_candidates is 0.
 * @param n_candidates Number of candidates.
 * @param[out] out_scores Caller buffer of @p n_candidates scores (-inf for unknown keys).
 * @param[out] out_std Caller buffer of @p n_candidates standard deviations.
 * @param[out] out_skipped Number of history keys skipped as unknown, or NULL.
 * @param[out] out_unknown_candidates Number of candidates the model does not know, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE (no ensemble scoring);
 *         #ORL_E_OUT_OF_RANGE; #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_score_candidates_with_std(const orl_model *model, const int64_t *history,
                                                size_t history_len, const int64_t *candidates,
                                                size_t n_candidates, float *out_scores,
                                                float *out_std, size_t *out_skipped,
                                                size_t *out_unknown_candidates);

/**
 * @brief The integer key of the catalogue item at @p index (0..orl_model_item_count() - 1).
 *
 * Indexes are the model's catalogue order, the order ties are broken by; reading every index
 * gives the whole catalogue.
 * @param model The model.
 * @param index Catalogue index, below orl_model_item_count().
 * @param[out] out_key The item's key.
 * @return #ORL_OK; #ORL_E_OUT_OF_RANGE (@p index); #ORL_E_INVALID_ARGUMENT (NULL
 *         @p out_key, or the key at @p index is a string: use orl_model_item_key_str()).
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_item_key(const orl_model *model, uint64_t index, int64_t *out_key);

/**
 * @brief The key of the catalogue item at @p index as UTF-8 text (decimal for integer keys).
 *
 * Works for every model. A size query (@p buf NULL, @p buf_len 0) returns #ORL_OK with the
 * size in @p out_len and leaves the last error untouched.
 * @param model The model.
 * @param index Catalogue index, below orl_model_item_count().
 * @param buf Caller-owned buffer, or NULL with @p buf_len 0 for a size query.
 * @param buf_len Size of @p buf in bytes.
 * @param[out] out_len Bytes needed, including the terminating NUL (also set with
 *        #ORL_E_BUFFER_TOO_SMALL).
 * @return #ORL_OK; #ORL_E_OUT_OF_RANGE (@p index); #ORL_E_BUFFER_TOO_SMALL (@p buf non-NULL and
 *         shorter than @p out_len; @p buf untouched); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_item_key_str(const orl_model *model, uint64_t index, char *buf,
                                   size_t buf_len, size_t *out_len);

/**
 * @brief Evaluate as the papers do: every step of every session of @p test, ranking the whole
 *        catalogue.
 *
 * HR\@K counts steps whose true item ranks among the K best (rank = the number of items with a
 * strictly higher score); NDCG\@K weighs each hit by 1/log2(rank + 2). Click and purchase steps
 * are reported apart. Test items the model does not know count as misses. Since 0.2.0 each
 * step's scores are those orl_model_recommend() gives its history, bit for bit.
 * @param model The model.
 * @param test Finalised data with the same kind of keys as the training data.
 * @param threads Threads to use, 0..256; 0 = all cores.
 * @param[out] out_result Set struct_size first; filled on success.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE (@p threads outside
 *         [0, 256]); #ORL_E_STATE (data not finalised); #ORL_E_NOMEM; #ORL_E_THREAD.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_evaluate(const orl_model *model, const orl_dataset *test, int32_t threads,
                               orl_eval_result *out_result);

/**
 * @brief An evaluation result as JSON (`{"click":{"count":..,"hr@5":..,...},"purchase":{...}}`).
 * @param result The result.
 * @param buf Caller buffer; may be NULL when @p buf_len is 0.
 * @param buf_len Its size.
 * @param[out] out_len Bytes needed including the NUL; set on success and on
 *             #ORL_E_BUFFER_TOO_SMALL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_eval_result_json(const orl_eval_result *result, char *buf, size_t buf_len,
                                 size_t *out_len);

/**
 * @brief Save the model to a file, atomically.
 *
 * Writes a temporary file beside @p path and renames it over @p path, so @p path holds either
 * the old content or the complete new model, never a partial one.
 * @param model The model.
 * @param path Destination path (UTF-8).
 * @return #ORL_OK; #ORL_E_IO (with the system's reason); #ORL_E_INVALID_ARGUMENT;
 *         #ORL_E_NUMERIC (a weight is not finite: such a file could not be loaded); #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model (two saves to one path: last rename wins).
 * @since 0.1.0
 */
ORL_API int orl_model_save(const orl_model *model, const char *path);

/**
 * @brief Serialise the model into a caller buffer (the same bytes as a file).
 * @param model The model.
 * @param buf Caller buffer; may be NULL when @p buf_len is 0 (to ask for the size).
 * @param buf_len Its size.
 * @param[out] out_len Bytes needed; set on success and on #ORL_E_BUFFER_TOO_SMALL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that); #ORL_E_INVALID_ARGUMENT;
 *         #ORL_E_NUMERIC (a weight is not finite); #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_save_buffer(const orl_model *model, void *buf, size_t buf_len,
                                  size_t *out_len);

/**
 * @brief Load a model file, verifying it entirely before use.
 * @param path The file.
 * @param[out] out The model; release with orl_model_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_NOT_FOUND (no file at @p path, see @ref orl_missing_files);
 *         #ORL_E_IO (cannot open or read otherwise); #ORL_E_FORMAT (not a model file);
 *         #ORL_E_VERSION (written by a newer format); #ORL_E_TRUNCATED;
 *         #ORL_E_CHECKSUM (corrupted); #ORL_E_NUMERIC (non-finite weights);
 *         #ORL_E_INVALID_ARGUMENT; #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_model_load(const char *path, orl_model **out);

/**
 * @brief Load a model from bytes produced by orl_model_save_buffer() or read from a file.
 * @param buf The bytes (copied: they need not outlive the call).
 * @param len Their length.
 * @param[out] out The model; release with orl_model_free(). Untouched on failure.
 * @return As orl_model_load(), without #ORL_E_NOT_FOUND and #ORL_E_IO.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_model_load_buffer(const void *buf, size_t len, orl_model **out);

/** The baselines orl_model_create_baseline() builds. */
typedef enum orl_baseline_kind {
    ORL_BASELINE_POPULARITY = 0, /**< score = log(training count of the item) */
    ORL_BASELINE_REPEAT = 1      /**< the history's items first (most recent first), then
                                      popularity */
} orl_baseline_kind;

/**
 * @brief A baseline model users compare against: popularity, or "repeat" (the items of the
 *        current history, most recent first, then popularity).
 *
 * An ordinary model handle: every call that takes a model accepts it (recommend, scores, the
 * batch and string forms, orl_model_evaluate(), rollouts, orl_model_policy_probs(), files).
 * Its catalogue is the dataset's items in the dataset's order; its counts are the number of
 * events of each item in @p ds (every event type). Scores: popularity gives log(count)
 * (-inf for an item without events); repeat gives the items of the history's last `window`
 * known items (the dataset's window) 10000 + their position (the most recent highest) and every
 * other item its popularity score. It has one head (supervised) and no network; saved files
 * keep the counts (a model file of architecture "baseline", refused by releases before 0.2.0).
 * @param ds Finalised training data (read only; not kept).
 * @param kind One of ::orl_baseline_kind.
 * @param[out] out The model; release with orl_model_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL, a handle of another kind);
 *         #ORL_E_OUT_OF_RANGE (@p kind; an empty dataset); #ORL_E_STATE (not finalised);
 *         #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently with other reads of @p ds.
 * @since 0.2.0
 */
ORL_API int orl_model_create_baseline(const orl_dataset *ds, int32_t kind, orl_model **out);

/**
 * @brief Describe the model as JSON: architecture, sizes, catalogue size, algorithm, training
 *        configuration, library version that trained it.
 * @param model The model.
 * @param buf Caller buffer; may be NULL when @p buf_len is 0.
 * @param buf_len Its size.
 * @param[out] out_len Bytes needed including the NUL; set on success and on
 *             #ORL_E_BUFFER_TOO_SMALL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.1.0
 */
ORL_API int orl_model_info_json(const orl_model *model, char *buf, size_t buf_len, size_t *out_len);

/**
 * @brief Top-K with an exclusion list per history, for many histories in one call.
 *
 * Row i is orl_model_recommend_excluding() of history `histories[offsets[i] .. offsets[i+1])`
 * with the exclusion list `exclude[exclude_offsets[i] .. exclude_offsets[i+1])`, bit for bit
 * (items, scores and count), in the calling thread. Exclude keys the model does not know are
 * ignored, as are repeats.
 * @param model The model (trained on integer keys).
 * @param n_histories Number of histories (0: nothing is read or written).
 * @param histories All histories' keys, concatenated; may be NULL when they are all empty.
 * @param offsets @p n_histories + 1 non-decreasing offsets into @p histories.
 * @param exclude All exclusion lists' keys, concatenated; may be NULL when they are all empty.
 * @param exclude_offsets @p n_histories + 1 non-decreasing offsets into @p exclude, or NULL
 *        (nothing is excluded).
 * @param k Items per history; 1..catalogue size.
 * @param[out] out_items Caller buffer of @p n_histories x @p k keys: row i starts at i x @p k
 *        and holds @p out_counts[i] items, best first; the rest of the row is untouched.
 * @param[out] out_scores Caller buffer of @p n_histories x @p k scores (laid out as
 *        @p out_items), or NULL.
 * @param[out] out_counts Caller buffer of @p n_histories counts: min(@p k, catalogue size -
 *        items excluded for that history).
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL buffers, decreasing offsets, string-keyed
 *         model); #ORL_E_OUT_OF_RANGE (@p k); #ORL_E_NOMEM. On failure the outputs may be
 *         partly written.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_recommend_batch_excluding(const orl_model *model, size_t n_histories,
                                                const int64_t *histories, const size_t *offsets,
                                                const int64_t *exclude,
                                                const size_t *exclude_offsets, uint32_t k,
                                                int64_t *out_items, float *out_scores,
                                                size_t *out_counts);

/**
 * @brief orl_model_recommend_batch_excluding() with string item keys (works for every model:
 *        an integer key matches its decimal text).
 *
 * The strings in @p out_items point into the model and stay valid until orl_model_free(); do
 * not free them. A NULL key in @p histories or @p exclude is an unknown key.
 * @param model The model.
 * @param n_histories Number of histories.
 * @param histories All histories' UTF-8 keys, concatenated; may be NULL when all are empty.
 * @param offsets @p n_histories + 1 non-decreasing offsets into @p histories.
 * @param exclude All exclusion lists' keys, concatenated; may be NULL when all are empty.
 * @param exclude_offsets @p n_histories + 1 non-decreasing offsets into @p exclude, or NULL
 *        (nothing is excluded).
 * @param k Items per history; 1..catalogue size.
 * @param[out] out_items Caller array of @p n_histories x @p k pointers (rows as in
 *        orl_model_recommend_batch_excluding()).
 * @param[out] out_scores Caller buffer of @p n_histories x @p k scores, or NULL.
 * @param[out] out_counts Caller buffer of @p n_histories counts.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL buffers, decreasing offsets);
 *         #ORL_E_OUT_OF_RANGE (@p k); #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_recommend_batch_excluding_str(
    const orl_model *model, size_t n_histories, const char *const *histories, const size_t *offsets,
    const char *const *exclude, const size_t *exclude_offsets, uint32_t k, const char **out_items,
    float *out_scores, size_t *out_counts);

/**
 * @brief orl_model_recommend_batch() for string item keys (models trained on string keys;
 *        works for every model: an integer key matches its decimal text).
 *
 * Row i is orl_model_recommend_str() of history `histories[offsets[i] .. offsets[i+1])`, bit
 * for bit. The strings in @p out_items point into the model and stay valid until
 * orl_model_free(); do not free them.
 * @param model The model.
 * @param n_histories Number of histories (0: nothing is read or written).
 * @param histories All histories' UTF-8 keys, concatenated; may be NULL when all are empty.
 * @param offsets @p n_histories + 1 non-decreasing offsets into @p histories.
 * @param k Items per history; 1..catalogue size.
 * @param[out] out_items Caller array of @p n_histories x @p k pointers, each row best first.
 * @param[out] out_scores Caller buffer of @p n_histories x @p k scores, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL buffers, decreasing offsets);
 *         #ORL_E_OUT_OF_RANGE (@p k); #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_recommend_batch_str(const orl_model *model, size_t n_histories,
                                          const char *const *histories, const size_t *offsets,
                                          uint32_t k, const char **out_items, float *out_scores);

/**
 * @brief orl_model_score_candidates() for string item keys (models trained on string keys;
 *        works for every model: an integer key matches its decimal text).
 *
 * A candidate the model does not know (or NULL) gets `-INFINITY` and is counted in
 * @p out_unknown_candidates; the call still succeeds. Scores equal those of
 * orl_model_recommend_str() for the same items, bit for bit.
 * @param model The model.
 * @param history UTF-8 keys, oldest first; may be NULL when @p history_len is 0.
 * @param history_len Number of keys.
 * @param candidates Candidate UTF-8 keys; may be NULL when @p n_candidates is 0.
 * @param n_candidates Number of candidates (0 is allowed).
 * @param[out] out_scores Caller buffer of @p n_candidates scores, in the candidates' order.
 * @param[out] out_skipped History keys skipped as unknown, or NULL.
 * @param[out] out_unknown_candidates Candidates the model does not know, or NULL.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL arrays with a length > 0);
 *         #ORL_E_OUT_OF_RANGE (more than INT32_MAX candidates); #ORL_E_NOMEM.
 * @par Thread-safety Safe concurrently on one model.
 * @since 0.2.0
 */
ORL_API int orl_model_score_candidates_str(const orl_model *model, const char *const *history,
                                           size_t history_len, const char *const *candidates,
                                           size_t n_candidates, float *out_scores,
                                           size_t *out_skipped, size_t *out_unknown_candidates);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OFFLINERL_MODEL_H */
