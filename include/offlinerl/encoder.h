/**
 * @file encoder.h
 * @brief Sequence encoders and the heads on top of them: their architecture and sizes.
 *
 * An ::orl_encoder, an ::orl_genmodel and an ::orl_qnet describe a network: which architecture,
 * which dimensions. They hold no weights: a trainer creates the weights for the catalogue of the
 * data it is given, and a trained ::orl_model carries them.
 */
#ifndef OFFLINERL_ENCODER_H
#define OFFLINERL_ENCODER_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup encoder Encoders and heads
 * @brief The shape of the network a trainer builds.
 * @{
 */

/**
 * Architecture and sizes of a sequence encoder. Fill with orl_encoder_params_init().
 *
 * Four architectures, as the SQN / SA2C papers' base models: `"gru4rec"` (a GRU over the item
 * embeddings), `"sasrec"` (causal self-attention blocks), `"caser"` (horizontal and vertical
 * convolutions over the history as an image) and `"nextitnet"` (dilated causal convolution
 * residual blocks). Their own settings (blocks, heads, filters, dilations, ...) are set on the
 * created encoder with orl_encoder_set_int() and orl_encoder_set_int_list().
 */
typedef struct orl_encoder_params {
    size_t struct_size;       /**< sizeof(orl_encoder_params), set by orl_encoder_params_init(). */
    const char *architecture; /**< "gru4rec" (default), "sasrec", "caser" or "nextitnet". Copied
                                   by orl_encoder_create(). */
    uint32_t embed_dim;       /**< Item embedding size; default 64; 1..4096. SASRec and NextItNet
                                   need embed_dim = hidden_dim. */
    uint32_t hidden_dim;      /**< State size; default 64; 1..4096. Caser's state has
                                   num_filters x heights + num_v_filters x embed_dim values. */
    uint32_t window;          /**< History length N (the last N items); default 10; 1..1024. */
    float dropout;            /**< Dropout rate while training, [0, 1). Negative (the default since
                                   0.2.0; 0.1.0 set 0) = the architecture's default: 0 for GRU4Rec
                                   (on the state) and NextItNet (none), 0.1 for SASRec (embeddings,
                                   attention, feed-forward) and Caser (the state). */
} orl_encoder_params;

/**
 * @brief Fill @p params with the defaults (GRU4Rec, 64, 64, window 10, the architecture's
 *        dropout).
 * @param params Struct to fill; NULL is ignored.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_encoder_params_init(orl_encoder_params *params);

/**
 * @brief Create an encoder description.
 * @param params Filled by orl_encoder_params_init(), then edited; NULL means the defaults.
 *        Copied: it need not outlive the call.
 * @param[out] out The new encoder, to release with orl_encoder_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL @p out, bad struct_size);
 *         #ORL_E_UNSUPPORTED (unknown architecture); #ORL_E_OUT_OF_RANGE (a size or the dropout,
 *         the message names the field); #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_encoder_create(const orl_encoder_params *params, orl_encoder **out);

/**
 * @brief Set an integer setting of the encoder's architecture.
 *
 * Keys: SASRec `num_blocks` (1..8, default 1), `num_heads` (1..64, dividing hidden_dim,
 * default 1); Caser `num_filters` (horizontal filters per height, 1..1024, default 16),
 * `num_v_filters` (vertical filters, 1..64, default 1); NextItNet `kernel_size` (2..16,
 * default 3), `independent_init` (0: every convolution starts from one draw, as the reference;
 * 1: one draw each). Every architecture: `embed_dim`, `hidden_dim`, `window`. Trainers created
 * afterwards use the new value; trainers created before keep theirs.
 * @param encoder The encoder.
 * @param key The setting's name.
 * @param value Its value.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL); #ORL_E_UNKNOWN_KEY (no such setting for this
 *         architecture; the message lists them); #ORL_E_OUT_OF_RANGE (the message names the
 *         field and its range). The encoder is unchanged on failure.
 * @par Thread-safety Not with other calls on the same encoder.
 * @since 0.2.0
 */
ORL_API int orl_encoder_set_int(orl_encoder *encoder, const char *key, int64_t value);

/**
 * @brief Set the dropout rate (key `dropout`, [0, 1)).
 * @param encoder The encoder.
 * @param key `"dropout"`.
 * @param value The rate.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_UNKNOWN_KEY; #ORL_E_OUT_OF_RANGE.
 * @par Thread-safety Not with other calls on the same encoder.
 * @since 0.2.0
 */
ORL_API int orl_encoder_set_float(orl_encoder *encoder, const char *key, double value);

/**
 * @brief Set a list setting: Caser `filter_heights` (1..8 heights, each 1..window; default
 *        2, 3, 4) or NextItNet `dilations` (1..16 blocks, each 1..window; default 1, 2, 1, 2, 1,
 *        2).
 * @param encoder The encoder.
 * @param key The setting's name.
 * @param values @p count values, copied.
 * @param count Their number.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT (NULL); #ORL_E_UNKNOWN_KEY; #ORL_E_OUT_OF_RANGE.
 *         The encoder is unchanged on failure.
 * @par Thread-safety Not with other calls on the same encoder.
 * @since 0.2.0
 */
ORL_API int orl_encoder_set_int_list(orl_encoder *encoder, const char *key, const int32_t *values,
                                     size_t count);

/**
 * @brief The encoder's architecture and every setting it uses, defaults resolved, as one JSON
 *        object (e.g. `{"architecture":"sasrec","embed_dim":64,...,"num_heads":1}`).
 * @param encoder The encoder.
 * @param buf Caller-owned buffer; may be NULL when @p buf_len is 0 (to ask for the size).
 * @param buf_len Its size in bytes.
 * @param[out] out_len Bytes needed including the terminating NUL.
 * @return #ORL_OK, also for a size query (@p buf NULL, @p buf_len 0: the size in
 *         @p out_len, the last error untouched; see @ref orl_output_buffers);
 *         #ORL_E_BUFFER_TOO_SMALL (a non-NULL buffer shorter than that); #ORL_E_INVALID_ARGUMENT.
 * @par Thread-safety Safe with other reads of the same encoder.
 * @since 0.2.0
 */
ORL_API int orl_encoder_config_json(const orl_encoder *encoder, char *buf, size_t buf_len,
                                    size_t *out_len);

/**
 * @brief Release an encoder. NULL is accepted.
 * @param encoder The encoder; trainers created from it keep their own copy.
 * @par Thread-safety Not with other calls on the same encoder.
 * @since 0.1.0
 */
ORL_API void orl_encoder_free(orl_encoder *encoder);

/** Kind of a generative head. Fill with orl_genmodel_params_init(). */
typedef struct orl_genmodel_params {
    size_t struct_size; /**< sizeof(orl_genmodel_params), set by orl_genmodel_params_init(). */
    const char *kind;   /**< "softmax" (default): a full softmax over the catalogue. Copied. */
} orl_genmodel_params;

/**
 * @brief Fill @p params with the defaults (a full softmax head).
 * @param params Struct to fill; NULL is ignored.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_genmodel_params_init(orl_genmodel_params *params);

/**
 * @brief Create a generative (supervised / behaviour) head: a distribution over items.
 *
 * It is the supervised next-item head, and the behaviour model that BCQ and IPS corrections use.
 * @param params NULL for the defaults; copied.
 * @param[out] out The new head, to release with orl_genmodel_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_UNSUPPORTED (unknown kind); #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_genmodel_create(const orl_genmodel_params *params, orl_genmodel **out);

/**
 * @brief Release a generative head. NULL is accepted.
 * @param genmodel The head.
 * @par Thread-safety Not with other calls on the same head.
 * @since 0.1.0
 */
ORL_API void orl_genmodel_free(orl_genmodel *genmodel);

/** Settings of a Q head. Fill with orl_qnet_params_init(). */
typedef struct orl_qnet_params {
    size_t struct_size; /**< sizeof(orl_qnet_params), set by orl_qnet_params_init(). */
    float gamma;        /**< Discount of future rewards; default 0.5 (the papers'); [0, 1). */
} orl_qnet_params;

/**
 * @brief Fill @p params with the defaults (discount 0.5).
 * @param params Struct to fill; NULL is ignored.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API void orl_qnet_params_init(orl_qnet_params *params);

/**
 * @brief Create a Q head description: Q values over all items on the shared encoder.
 *
 * Reinforcement-learning algorithms ("sqn", "sac", "snqn", "sa2c") train it beside the
 * supervised head with double Q-learning (two networks whose roles swap at random each step).
 * @param params NULL for the defaults; copied.
 * @param[out] out The new Q head, to release with orl_qnet_free(). Untouched on failure.
 * @return #ORL_OK; #ORL_E_INVALID_ARGUMENT; #ORL_E_OUT_OF_RANGE (gamma); #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_qnet_create(const orl_qnet_params *params, orl_qnet **out);

/**
 * @brief Release a Q head description. NULL is accepted.
 * @param qnet The Q head.
 * @par Thread-safety Not with other calls on the same Q head.
 * @since 0.1.0
 */
ORL_API void orl_qnet_free(orl_qnet *qnet);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* OFFLINERL_ENCODER_H */
