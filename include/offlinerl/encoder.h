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

/** Architecture and sizes of a sequence encoder. Fill with orl_encoder_params_init(). */
typedef struct orl_encoder_params {
    size_t struct_size;       /**< sizeof(orl_encoder_params), set by orl_encoder_params_init(). */
    const char *architecture; /**< "gru4rec" (default). Copied by orl_encoder_create(). */
    uint32_t embed_dim;       /**< Item embedding size; default 64; 1..4096. */
    uint32_t hidden_dim;      /**< State size; default 64; 1..4096. GRU4Rec needs embed = hidden
                                   only in the reference; any pair is accepted. */
    uint32_t window;          /**< History length N (the last N items); default 10; 1..1024. */
    float dropout;            /**< Dropout on the state during training; default 0; [0, 1). */
} orl_encoder_params;

/**
 * @brief Fill @p params with the defaults (GRU4Rec, 64, 64, window 10, no dropout).
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
 *         #ORL_E_UNSUPPORTED (unknown architecture); #ORL_E_OUT_OF_RANGE (a size or the dropout);
 *         #ORL_E_NOMEM.
 * @par Thread-safety Safe from any thread.
 * @since 0.1.0
 */
ORL_API int orl_encoder_create(const orl_encoder_params *params, orl_encoder **out);

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
