/**
 * @file trainer.h
 * @brief Training: one algorithm driving an encoder and its heads over a dataset.
 */
#ifndef OFFLINERL_TRAINER_H
#define OFFLINERL_TRAINER_H

#include "common.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup trainer Trainer
 * @brief Learn a policy from logged transitions.
 *
 * A trainer is used by one thread at a time, except orl_trainer_interrupt(), which any thread
 * may call. Training is reproducible for a given seed and thread count.
 * @{
 */

/** The common settings of every algorithm. Fill with orl_trainer_params_init(). */
typedef struct orl_trainer_params {
    size_t struct_size;    /**< sizeof(orl_trainer_params), set by orl_trainer_params_init(). */
    const char *algorithm; /**< Required, no default (NULL after init): e.g. "sl"
                                (supervised next-item). Copied. */
    uint32_t epochs;       /**< Passes over the training transitions; default 10; >= 1. */
    uint32_t batch_size;   /**< Transitions per step; default 256; 1..65536. */
    float learning_rate;   /**< Adam step size; default 0.01; (0, 10]. */
    uint64_t seed;         /**< Seeds initialisation, shuffling and dropout; default 0. */
    int32_t threads;       /**< Worker threads; 0 (default) = all cores; 0..256. */
} orl_trainer_params;

/** What orl_trainer_fit() reports after each step and each epoch. */
typedef struct orl_progress {
    size_t struct_size;                /**< sizeof(orl_progress) of the library that filled it. */
    uint32_t epoch;                    /**< Current epoch, from 1. */
    uint32_t epochs;                   /**< Epochs asked for. */
    uint64_t step;                     /**< Steps done, from 1. */
    uint64_t total_steps;              /**< Steps the whole fit will take. */
    float loss;                        /**< Mean training loss of the last step. */
    float epoch_loss;                  /**< Mean loss over the epoch so far. */
    double transitions_per_s;          /**< Training throughput over the epoch so far. */
    double elapsed_s;                  /**< Seconds since the fit started. */
    int32_t end_of_epoch;              /**< 1 on the report that closes an epoch, else 0. */
    const orl_eval_result *validation; /**< Metrics on the validation set at the end of an
                                            epoch when one was given, else NULL. */
} orl_progress;

/**
 * @brief Receives training progress.
 * @param progress Valid only during the call.
 * @param user_data As given to orl_trainer_set_progress_callback().
 * @return 0 to go on; any other value stops the fit with #ORL_E_CANCELLED.
 */
typedef int (*orl_progress_fn)(const orl_progress *progress, void *user_data);

/**
 * @brief Fill @p params with the defaults (10 epochs, batch 256, lr 0.01, seed 0, all cores).
 *
 * The algorithm is a required choice: init leaves `algorithm` NULL and the caller must set it
 * (e.g. "sl") before orl_trainer_create().
 * @param params Struct to fill; NULL is ignored.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_trainer_params_init(orl_trainer_params *params);

/**
 * @brief Create a trainer for an algorithm and a network shape.
 * @param params Settings, filled by orl_trainer_params_init() and with `algorithm` set;
 *        copied. Required.
 * @param encoder The encoder shape (copied; may be freed afterwards).
 * @param genmodel The supervised head (copied); NULL means the default softmax head.
 * @param qnet The Q head (copied) for reinforcement-learning algorithms; NULL means the
 *        defaults (discount 0.5). Its gamma is the trainer setting "gamma" where the
 *        algorithm has one; "sl" ignores it.
 * @param[out] out The new trainer, to release with orl_trainer_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL @p params, @p encoder or @p out, NULL
 *         `params->algorithm`, wrong handle, bad struct_size);
 *         #ORL_E_UNSUPPORTED (unknown algorithm); #ORL_E_OUT_OF_RANGE (a setting);
 *         #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_trainer_create(const orl_trainer_params *params, const orl_encoder *encoder,
                               const orl_genmodel *genmodel, const orl_qnet *qnet,
                               orl_trainer **out);

/**
 * @brief Release a trainer and everything it owns. NULL is accepted.
 * @param trainer The trainer; it must not be training in another thread.
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API void orl_trainer_free(orl_trainer *trainer);

/**
 * @brief Set a numeric setting by name.
 *
 * Keys: "learning_rate", "epochs", "batch_size", "seed", "threads", "dropout", and each
 * algorithm's own (see the algorithms guide). Integers are accepted as floats when whole.
 * @param trainer The trainer (not during a fit).
 * @param key The setting's name.
 * @param value Its new value.
 * @return #ORL_OK; #ORL_E_UNKNOWN_KEY; #ORL_E_OUT_OF_RANGE (with the range in the message);
 *         #ORL_E_STATE (during a fit); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API int orl_trainer_set_float(orl_trainer *trainer, const char *key, double value);

/**
 * @brief Read a numeric setting by name.
 * @param trainer The trainer.
 * @param key The setting's name, as for orl_trainer_set_float().
 * @param[out] out_value The value.
 * @return #ORL_OK; #ORL_E_UNKNOWN_KEY; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API int orl_trainer_get_float(const orl_trainer *trainer, const char *key, double *out_value);

/**
 * @brief The whole configuration (algorithm, network, every setting) as one JSON object.
 * @param trainer The trainer.
 * @param buf Caller-owned buffer; may be NULL when @p buf_len is 0 (to ask for the size).
 * @param buf_len Its size in bytes.
 * @param[out] out_len Bytes needed including the terminating NUL; set on success and on
 *             #ORL_E_BUFFER_TOO_SMALL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API int orl_trainer_config_json(const orl_trainer *trainer, char *buf, size_t buf_len,
                                    size_t *out_len);

/**
 * @brief Receive progress reports during orl_trainer_fit().
 * @param trainer The trainer.
 * @param fn Called in the thread that runs the fit; NULL removes the callback.
 * @param user_data Passed back to @p fn; never freed by the library.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_STATE (during a fit).
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API int orl_trainer_set_progress_callback(orl_trainer *trainer, orl_progress_fn fn,
                                              void *user_data);

/**
 * @brief Give a "bcq" trainer a generative model G the host trained before.
 *
 * Discrete BCQ learns Q over the items a generative model G of the logged actions allows. By
 * default the trainer trains G itself, as a head on the Q network's encoder. With this call G
 * is @p model's supervised head instead (a model trained with "sl", or any model with a
 * supervised head), with its own encoder: G then only selects the allowed next items, is kept
 * fixed (never trained, no cross-entropy term) and the trainer trains the Q network alone. The
 * exported model scores with #ORL_HEAD_CONSTRAINED and holds both networks:
 * orl_model_with_head(#ORL_HEAD_SUPERVISED) gives G (scoring exactly as @p model's supervised
 * head) and #ORL_HEAD_Q the Q network. orl_trainer_config_json() then says
 * `"generative":"external"`.
 *
 * G must know the catalogue the trainer will train on: orl_trainer_fit() checks that the
 * training dataset has as many items as G and the same key for every dense id (a dataset built
 * from the same events in the same order), and fails with #ORL_E_INVALID_ARGUMENT naming the
 * first difference otherwise. G's encoder may differ from the trainer's (e.g. a SASRec G for a
 * GRU4Rec Q) but must read the same window.
 * @param trainer A trainer whose algorithm is "bcq".
 * @param model The model whose supervised head becomes G, or NULL to clear it (the trainer
 *        trains its own G again). Ownership: the trainer keeps its own copy of what it needs;
 *        the host may free @p model right after the call.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (the trainer's algorithm is not "bcq", @p model
 *         has no supervised head (e.g. one trained with "cql" or "rem"), its window is not the
 *         trainer's encoder's, or a handle is invalid); #ORL_E_STATE (a fit is running);
 *         #ORL_E_NOMEM (the trainer is unchanged).
 * @par Thread-safety As the other setters: one thread at a time per trainer, not during
 *      orl_trainer_fit(). @p model is only read, so other threads may score with it meanwhile.
 * @since 0.2.0
 */
ORL_API int orl_trainer_set_generative_model(orl_trainer *trainer, const orl_model *model);

/**
 * @brief Train on @p train for the configured number of epochs.
 *
 * Each call starts from fresh weights. After a successful fit (and after a cancelled one, from
 * the weights reached so far) orl_trainer_export_model() gives the trained policy.
 * @param trainer The trainer.
 * @param train Finalised training data (not modified; it must outlive the call only).
 * @param valid Finalised validation data sharing @p train's item dictionary (a split of the
 *        same dataset), evaluated at the end of each epoch; or NULL.
 * @return #ORL_OK; #ORL_E_CANCELLED (callback or orl_trainer_interrupt()); #ORL_E_NUMERIC
 *         (the loss or, checked at each epoch's end, a weight became non-finite: lower the
 *         learning rate or scale the rewards; nothing can then be exported); #ORL_E_STATE (a
 * dataset not finalised, or empty); #ORL_E_INVALID_ARGUMENT; #ORL_E_NOMEM; #ORL_E_THREAD.
 * @par Thread-safety One fit per trainer at a time; other trainers may fit concurrently.
 * @since 0.1.0
 */
ORL_API int orl_trainer_fit(orl_trainer *trainer, const orl_dataset *train,
                            const orl_dataset *valid);

/**
 * @brief Ask a running fit to stop after its current step. Safe from any thread.
 *
 * The fit then returns #ORL_E_CANCELLED. A call when no fit runs cancels the next fit's first
 * step. The flag is cleared when a fit returns.
 * @param trainer The trainer.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe from any thread, concurrently with orl_trainer_fit().
 * @since 0.1.0
 */
ORL_API int orl_trainer_interrupt(orl_trainer *trainer);

/**
 * @brief The per-epoch record of the last fit, as a JSON array.
 *
 * One object per completed epoch: `epoch`, `loss` (mean over the epoch), `transitions_per_s`,
 * `elapsed_s`, and `validation` (the orl_eval_result_json() object, or null without a
 * validation set); for algorithms with figures of their own also `algorithm_stats`, an object
 * of numbers ("reinforce", since 0.2.0: `ess`, `ess_share`, `clipped_share`, `mean_weight`,
 * `mean_lambda_k`, see the algorithms guide). An empty array before the first fit.
 * @param trainer The trainer.
 * @param buf Caller buffer; may be NULL when @p buf_len is 0 (to ask for the size).
 * @param buf_len Its size.
 * @param[out] out_len Bytes needed including the NUL; set on success and on
 *             #ORL_E_BUFFER_TOO_SMALL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API int orl_trainer_history_json(const orl_trainer *trainer, char *buf, size_t buf_len,
                                     size_t *out_len);

/**
 * @brief Write a training report: one self-contained HTML file with the learning curves of
 *        the last fit and the final test metrics.
 *
 * The page holds inline SVG line charts of the mean training loss per epoch and, when the fit
 * had a validation set, of HR\@10 and NDCG\@10 for click and purchase steps per epoch; a
 * per-epoch table; the final metrics table of @p final_test (HR and NDCG at 5, 10 and 20, step
 * counts); the configuration (orl_trainer_config_json()); and the library version and build.
 * It uses no script and no external asset, so it can be mailed or archived as is. The file is
 * written to a temporary file beside @p path and renamed over it, so @p path holds either its
 * old content or the complete report.
 * @param trainer A trainer that has completed at least one epoch (of a fit that succeeded or
 *        was cancelled); the report shows its last fit.
 * @param final_test The model's metrics on held-out data (from orl_model_evaluate()), with
 *        struct_size set; or NULL to leave the table out. Only read during the call.
 * @param path Destination path (UTF-8).
 * @return #ORL_OK; #ORL_E_STATE (no completed epoch yet); #ORL_E_IO (with the system's
 *         reason); #ORL_E_INVALID_ARGUMENT (NULL or wrong handle, NULL or empty @p path,
 *         @p final_test with a too small struct_size); #ORL_E_NOMEM.
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API int orl_trainer_write_report(const orl_trainer *trainer, const orl_eval_result *final_test,
                                     const char *path);

/**
 * @brief Export the trained policy as an immutable model.
 * @param trainer A trainer that has completed (or was cancelled during) a fit.
 * @param[out] out The model, independent of the trainer; release with orl_model_free().
 * @return #ORL_OK; #ORL_E_STATE (never fitted, or the last fit failed); #ORL_E_NUMERIC (the
 *         weights reached are not finite, after a cancelled fit); #ORL_E_INVALID_ARGUMENT;
 *         #ORL_E_NOMEM.
 * @par Thread-safety Not with other calls on the same trainer.
 * @since 0.1.0
 */
ORL_API int orl_trainer_export_model(const orl_trainer *trainer, orl_model **out);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OFFLINERL_TRAINER_H */
