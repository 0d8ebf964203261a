/* One online Q network and a target copy of it: the networks of discrete BCQ
 * (Fujimoto et al. 2019) and REM (Agarwal et al. 2020), as the reference
 * offrl_torch.py (--algo bcq / rem).
 *
 * BCQ: encoder state h with two heads, G (generative model of the logged
 * action; CE head tensors) and Q (Q head tensors):
 *   allowed(s, a) <=> z_a - max_b z_b > log(threshold), z = G(s) logits
 *   a' = argmax over allowed a of Q_online(s', a), y = r + gamma (1 - done) Q_target(s', a')
 *   loss = mean_b(Huber(Q(s, a) - y) + CE(G, a)) + reg mean_{b,i}(z^2).
 * REM: K Q heads (ORL_Q_ENSEMBLE_* tensors); one alpha ~ u / sum u per step,
 *   u ~ U(0,1)^K, shared by online and target:
 *   y = r + gamma (1 - done) max_a' sum_k alpha_k Q'^k(s', a'),
 *   loss = mean_b Huber(sum_k alpha_k Q^k(s, a) - y).
 * Huber with delta 1. The target is a hard copy every target_update steps,
 * or, with tau > 0, theta' <- tau theta + (1 - tau) theta' after every step.
 * Adam (PyTorch semantics) with the step's learning rate on the online store.
 * States / lens / actions as rl_net (left-aligned, padded with n_items). */
#ifndef ORL_MODELS_TQ_NET_H
#define ORL_MODELS_TQ_NET_H

#include <stdint.h>

#include "models/spec.h"
#include "nn/params.h"

typedef enum orl_tq_algo { ORL_TQ_BCQ = 0, ORL_TQ_REM = 1 } orl_tq_algo;

typedef struct orl_tq_config {
    int algorithm;         /* orl_tq_algo */
    int n_items;           /* I >= 1; padding id I */
    int max_batch;         /* largest batch, [1, 65536] */
    float gamma;           /* [0, 1] */
    float threshold;       /* BCQ: [0, 1); 0 allows every item */
    float reg;             /* BCQ: weight of mean(z^2), >= 0 */
    int heads;             /* REM: K in [2, ORL_Q_ENSEMBLE_MAX] */
    int64_t target_update; /* hard copy period in steps, >= 1 */
    float tau;             /* Polyak rate in [0, 1]; > 0 replaces the hard copy */
    orl_encoder_spec encoder;
    /* BCQ: a fixed G trained before (an sl_net-layout store: its encoder's
     * tensors and the CE head), or NULL to train G as a head of the Q
     * network. With it G only selects a' (forward, never trained; no CE or
     * regulariser term) and the store holds the Q network alone. Read-only;
     * must outlive the net. */
    const orl_params *generative;
    orl_encoder_spec generative_encoder;
} orl_tq_config;

typedef struct orl_tq_net orl_tq_net;

typedef struct orl_tq_losses {
    float total, td, ce, reg; /* batch means; ce and reg NaN for REM */
} orl_tq_losses;

/* ORL_OK or ORL_E_OUT_OF_RANGE naming the first bad field. */
int orl_tq_check_config(const orl_tq_config *cfg);
/* Online network from (seed, stream 0), target = a copy; pool of `threads`.
 * ORL_OK, ORL_E_OUT_OF_RANGE, ORL_E_UNSUPPORTED, ORL_E_NOMEM, ORL_E_THREAD. */
int orl_tq_net_create(const orl_tq_config *cfg, uint64_t seed, int threads, orl_tq_net **out);
void orl_tq_net_free(orl_tq_net *net);

/* One training step; no allocation. ORL_E_OUT_OF_RANGE for a bad batch, id,
 * action, reward or lr; ORL_E_NUMERIC (nothing changed) when the loss is not
 * finite. out may be NULL. */
int orl_tq_net_train_step(orl_tq_net *net, const int32_t *states, const int32_t *lens,
                          const int32_t *actions, const float *rewards, const int32_t *next_states,
                          const int32_t *next_lens, const uint8_t *done, int batch, float lr,
                          orl_tq_losses *out);

/* The deployable store. BCQ: the online store (encoder, G as ORL_CE_HEAD_*,
 * Q as ORL_Q_HEAD_*; with a fixed G: encoder and Q head only, G is not in it). REM: encoder + the
 * mean head as ORL_Q_HEAD_* and (for model builds that need a supervised head) as ORL_CE_HEAD_* +
 * the ensemble as ORL_Q_ENSEMBLE_*; refreshed lazily from the online store on the first call after
 * a step (the net's export cache is mutable behind the const: never call it concurrently with a
 * step). */
const orl_params *orl_tq_net_policy(const orl_tq_net *net);
/* The online / target stores (value; the online one with grad and moments). */
orl_params *orl_tq_net_online(orl_tq_net *net);
const orl_params *orl_tq_net_target(const orl_tq_net *net);
int64_t orl_tq_net_steps(const orl_tq_net *net);
/* Target copies made so far (hard copies; Polyak updates are not counted). */
int64_t orl_tq_net_target_syncs(const orl_tq_net *net);

#endif
