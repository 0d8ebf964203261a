/* The network of fitted Q evaluation (FQE, Le et al. 2019): an encoder and a
 * linear Q head over the catalogue (ORL_Q_HEAD_*), with a target copy, trained
 * to the Q function of a FIXED target policy pi given as probabilities:
 *   y    = r + gamma (1 - done) sum_a' pi(a' | s') Q_target(s', a')
 *   loss = mean_b 0.5 (Q(s, a) - y)^2.
 * The expectation is one GEMM: sum_a' pi_a' (w_a' . h' + b_a') =
 * (pi W) . h' + pi . b over the batch. With gamma = 0 the target is r: the
 * net is a reward model r(s, a) and needs no probabilities.
 * The target is a hard copy every target_update steps; Adam (PyTorch
 * semantics) with the embedding and the Q head's logged rows in row-sparse
 * form. States, lens and actions as tq_net (left-aligned, padded with
 * n_items). */
#ifndef ORL_MODELS_FQE_NET_H
#define ORL_MODELS_FQE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "models/encoder.h"
#include "models/spec.h"
#include "nn/params.h"

typedef struct orl_fqe_net_config {
    int n_items;              /* I >= 1; padding id I */
    int max_batch;            /* largest batch, [1, 65536] */
    float gamma;              /* [0, 1] */
    int64_t target_update;    /* hard copy period in steps, >= 1 */
    orl_encoder_spec encoder; /* an empty architecture means GRU4Rec defaults */
} orl_fqe_net_config;

typedef struct orl_fqe_net orl_fqe_net;

/* ORL_OK or ORL_E_OUT_OF_RANGE naming the first bad field. */
int orl_fqe_net_check_config(const orl_fqe_net_config *cfg);
/* Online network from (seed, stream 0), target = a copy, pool of `threads`
 * (0 = all cores). ORL_OK, ORL_E_OUT_OF_RANGE, ORL_E_UNSUPPORTED,
 * ORL_E_NOMEM, ORL_E_THREAD; *out untouched on failure. */
int orl_fqe_net_create(const orl_fqe_net_config *cfg, uint64_t seed, int threads,
                       orl_fqe_net **out);
void orl_fqe_net_free(orl_fqe_net *net);

/* One step; no allocation. next_probs [batch x n_items]: pi(. | s'_b) per
 * row (read only where done is 0; may be NULL when gamma is 0). ORL_OK;
 * ORL_E_INVALID_ARGUMENT (NULL); ORL_E_OUT_OF_RANGE (batch, id, length,
 * action, reward, lr); ORL_E_NUMERIC when the loss is not finite (nothing
 * changed). out_loss may be NULL. */
int orl_fqe_net_train_step(orl_fqe_net *net, const int32_t *states, const int32_t *lens,
                           const int32_t *actions, const float *rewards, const int32_t *next_states,
                           const int32_t *next_lens, const uint8_t *done, const float *next_probs,
                           int batch, float lr, float *out_loss);

/* Q(s, .) of the online network for n histories: out [n x n_items]. The
 * deterministic (inference) encoder, up to max_batch rows per pass, then one
 * GEMM. scratch: orl_fqe_net_q_scratch_bytes(net), 64-byte aligned. Uses
 * `pool` (may be NULL), so not concurrently with another call on that pool.
 * Inputs are checked: ORL_E_OUT_OF_RANGE for an id or length. */
size_t orl_fqe_net_q_scratch_bytes(const orl_fqe_net *net);
int orl_fqe_net_q_values(const orl_fqe_net *net, orl_pool *pool, const int32_t *states,
                         const int32_t *lens, size_t n, void *scratch, float *out_q);

const orl_fqe_net_config *orl_fqe_net_get_config(const orl_fqe_net *net);
const orl_enc *orl_fqe_net_encoder(const orl_fqe_net *net);
orl_pool *orl_fqe_net_pool(orl_fqe_net *net);
orl_params *orl_fqe_net_online(orl_fqe_net *net);
const orl_params *orl_fqe_net_target(const orl_fqe_net *net);
int64_t orl_fqe_net_steps(const orl_fqe_net *net);
int64_t orl_fqe_net_target_syncs(const orl_fqe_net *net);

#endif
