/* The reinforcement-learning networks of Xin et al.: SQN and SAC (SIGIR 2020),
 * SNQN and SA2C (WSDM 2022), as the reference sqn_torch.py (--impl fast).
 *
 * A pair of networks QN_1, QN_2, each = GRU4Rec encoder + CE head + Q head with
 * its own Adam. Each step a coin from the net's seeded RNG picks the main
 * network; the other is the target (double Q-learning):
 *   a*  = argmax_a Q_main(s', a),  y = r + gamma (1 - done) Q_target(s', a*)
 *   td  = 0.5 (y - Q_main(s, a))^2,  ce = CE of the main's CE head at a.
 * SQN:  loss = mean(ce + td).
 * SNQN: + k uniform negatives a- != a per transition with reward r_neg and the
 *       current state as their next state (no done mask):
 *       y- = r_neg + gamma Q_target(s, argmax_a Q_main(s, a)),
 *       td_neg = sum_j 0.5 (y- - Q_main(s, a-_j))^2; loss = mean(ce + td + td_neg).
 * SAC:  SQN for warmup_steps, then loss = mean(Q_main(s, a)* ce + td) with the
 *       weight's gradient stopped (*).
 * SA2C: SNQN for warmup_steps, then with a second Adam (lr2) per network
 *       loss = mean(weight (td + td_neg) + A* ips* ce), the advantage
 *       A = Q(s, a) - mean(Q(s, a), Q(s, a-_1..k)) clipped to [adv_clip_lo,
 *       adv_clip_hi], ips = clip(p_ce(a | s) / beta(a), ips_clip_lo,
 *       ips_clip_hi)^ips_smooth (smooth 0 = off), beta the behaviour estimate.
 * The steps counted by warmup are the pair's steps (both networks together).
 * Offline-RL (the peer offrl_torch.py), same pair and coin, 0.5 e^2 TD:
 * CQL:     loss = mean(td + cql_alpha (logsumexp_a Q_main(s, .) - Q_main(s, a)));
 *           the CE head is not trained (ORL_ALGO_Q_ONLY). The CQL term is the
 *           softmax-CE of the Q head's values (rl_net_cql.c).
 * SQN_CQL: SQN's loss + the same CQL term.
 * SQN_REM: SQN with q_heads Q heads per network ("qens.*"); per step one
 *           alpha_k = u_k / sum u, u ~ U(0,1)^K (net's RNG) mixes both
 *           networks' heads: Q = sum_k alpha_k Q^k for Q_main(s, a), the
 *           argmax on s' and Q_target(s', a*); VPQ (vpq_c > 0) multiplies the
 *           bootstrap by 1 / (1 + vpq_c std_k Q_target^k(s', a*)) (ddof 0).
 *           ORL_Q_HEAD_* hold the heads' mean (rl_net_rem.c).
 *
 * Plain arrays in and out, like sl_net: states [B x window] left-aligned and
 * padded with n_items, lens [B] in [1, window], actions [B] in [0, n_items).
 *
 * Deployment: the policy is QN_1 (index 0). orl_rl_net_policy() exposes it as
 * an orl_sl_net, so every sl_net inference call (encode, scores, top-k,
 * candidates; const, caller scratch, many threads) works on it, scoring with
 * the CE head or, selected, the Q head. Its store holds ORL_GRU4REC_*,
 * ORL_CE_HEAD_* and ORL_Q_HEAD_* tensors (SQN_REM: also ORL_Q_ENSEMBLE_*):
 * save it as one blob, and view a loaded store's Q head as a CE head with
 * orl_q_head_as_ce_view(). */
#ifndef ORL_MODELS_RL_NET_H
#define ORL_MODELS_RL_NET_H

#include <stddef.h>
#include <stdint.h>

#include "models/sl_net.h"
#include "nn/params.h"

typedef enum orl_rl_algo {
    ORL_RL_SQN = 0,
    ORL_RL_SAC = 1,
    ORL_RL_SNQN = 2,
    ORL_RL_SA2C = 3,
    /* The offline-RL family from 10 on (4..9 stay invalid, as before). */
    ORL_RL_CQL = 10,     /* Q head only: 0.5 e^2 + cql_alpha (logsumexp Q(s, .) - Q(s, a)) */
    ORL_RL_SQN_CQL = 11, /* SQN + the CQL term on the Q head */
    ORL_RL_SQN_REM = 12  /* SQN with a REM ensemble of q_heads Q heads (VPQ with vpq_c > 0) */
} orl_rl_algo;

typedef struct orl_rl_net_config {
    int n_items;          /* catalogue size I (>= 2 with negatives, else >= 1); padding id I */
    int embed_dim;        /* E, reference 64 */
    int hidden_dim;       /* H, reference 64 */
    int window;           /* T, reference 10 */
    int max_batch;        /* largest training batch; 0 = 256 */
    int algorithm;        /* orl_rl_algo */
    float gamma;          /* discount, [0, 1]; 0.5 */
    int n_neg;            /* negatives per transition (SNQN, SA2C), [1, 1000]; 10 */
    float r_neg;          /* reward of a negative, finite; 0 */
    int64_t warmup_steps; /* SAC, SA2C: steps before the weighted phase, >= 0; 15000 */
    float lr2;            /* SA2C second-phase Adam learning rate, > 0; 0.001 */
    float adv_clip_lo;    /* SA2C advantage clip; lo <= hi, +-INFINITY allowed; 0 */
    float adv_clip_hi;    /* 10 */
    float weight;         /* SA2C second-phase weight of the Q losses, >= 0; 1 */
    float ips_smooth;     /* SA2C ips exponent, [0, 10]; 0 = no correction */
    float ips_clip_lo;    /* ips ratio clip, 0 < lo <= hi; 0.1 */
    float ips_clip_hi;    /* 10 */
    /* The encoder's kind and kind-specific settings; embed_dim, hidden_dim and
     * window above replace its own (and its dropout applies, SASRec / Caser).
     * An empty architecture means GRU4Rec (the 0.1.0 networks). */
    orl_encoder_spec encoder;
    float cql_alpha; /* CQL, SQN_CQL: weight of the CQL term, [0, 1e6]; 1 */
    int q_heads;     /* SQN_REM: heads K, [2, ORL_Q_ENSEMBLE_MAX]; 4 */
    float vpq_c;     /* SQN_REM: VPQ's c, [0, 1e6]; 0 = off */
} orl_rl_net_config;

/* The papers' defaults for `algorithm` and a catalogue of n_items. */
orl_rl_net_config orl_rl_net_config_default(int n_items, int algorithm);
/* ORL_OK or ORL_E_OUT_OF_RANGE naming the first bad field. */
int orl_rl_net_check_config(const orl_rl_net_config *cfg);
/* "sqn", "sac", "snqn", "sa2c", "cql", "sqn_cql", "sqn_rem" (NULL for an unknown value) and back
 * (ORL_E_NOT_FOUND for an unknown name). */
const char *orl_rl_algo_name(int algorithm);
int orl_rl_algo_from_name(const char *name, int *out_algorithm);

/* The configuration as one JSON object (every field, algorithm by name) for
 * model metadata. buf_len in, *out_len = bytes with the NUL out (also when the
 * buffer is short: ORL_E_BUFFER_TOO_SMALL, buf may then be NULL). */
int orl_rl_net_config_json(const orl_rl_net_config *cfg, char *buf, size_t buf_len,
                           size_t *out_len);

typedef struct orl_rl_net orl_rl_net;

/* What one step optimised. Row means over the batch. */
typedef struct orl_rl_losses {
    float total;     /* the loss the step minimised */
    float ce;        /* unweighted cross-entropy */
    float td;        /* 0.5 (y - Q(s, a))^2 */
    float td_neg;    /* sum over negatives of 0.5 (y- - Q(s, a-))^2 (0 without) */
    float q_sa;      /* Q_main(s, a) */
    float ce_weight; /* the CE row weight (1 in SQN / SNQN / warm-up) */
    int main_net;    /* 0 or 1: the network that was updated */
    int phase;       /* 0 warm-up / plain, 1 weighted (SAC, SA2C after warmup) */
    float cql;       /* CQL term logsumexp Q(s, .) - Q(s, a), unweighted (0 without) */
} orl_rl_losses;

/* Wall time per phase of train_step, accumulated (seconds) when enabled. */
typedef struct orl_rl_net_timing {
    double encode_fwd; /* main network on s */
    double ce_fwd;     /* CE pass 1 and the gathered Q values */
    double targets;    /* encodes of s' (and s), argmaxes, target Q values */
    double head_bwd;   /* CE pass 2 and the Q rows' gradient */
    double encode_bwd, adam;
    int64_t steps;
} orl_rl_net_timing;

/* Creates both networks (QN_1 from seed stream 0, QN_2 from stream 1, as two
 * independently initialised torch modules), the coin and negative samplers,
 * and a pool of `threads` (0 = all cores). ORL_OK, ORL_E_INVALID_ARGUMENT,
 * ORL_E_OUT_OF_RANGE, ORL_E_NOMEM, ORL_E_THREAD; *out untouched on failure. */
int orl_rl_net_create(const orl_rl_net_config *cfg, uint64_t seed, int threads, orl_rl_net **out);
void orl_rl_net_free(orl_rl_net *net);

const orl_rl_net_config *orl_rl_net_get_config(const orl_rl_net *net);
/* The encoder both networks use (resolved spec, state size). */
const orl_enc *orl_rl_net_encoder(const orl_rl_net *net);
/* Steps taken by the pair (drives the warm-up). */
int64_t orl_rl_net_steps(const orl_rl_net *net);
/* Network `which` (0 = QN_1, the deployed policy; 1 = QN_2): its store with
 * value, gradient, first-phase Adam moments and step. */
orl_params *orl_rl_net_params(orl_rl_net *net, int which);
const orl_params *orl_rl_net_params_const(const orl_rl_net *net, int which);

/* Accumulate phase times into *t (NULL stops). The struct must outlive use. */
void orl_rl_net_set_timing(orl_rl_net *net, orl_rl_net_timing *t);

/* The behaviour estimate for SA2C's ips: beta(a) for each item (copied), e.g.
 * the training popularity. Values must be > 0 and finite. NULL clears it.
 * Without it (and without per-transition probabilities) ips is off.
 * ORL_OK, ORL_E_OUT_OF_RANGE, ORL_E_NOMEM. */
int orl_rl_net_set_behaviour(orl_rl_net *net, const float *item_probs);

/* One step. No allocation. rewards [B]; next_states / next_lens as states /
 * lens; done [B] (nonzero = terminal). lr is the first Adam's learning rate
 * (the reference's 0.01); SA2C's second phase uses cfg.lr2. ORL_OK;
 * ORL_E_INVALID_ARGUMENT (NULL); ORL_E_OUT_OF_RANGE (batch outside
 * [1, max_batch], an id, length, action or reward out of range, lr <= 0);
 * ORL_E_NUMERIC when a loss is not finite (parameters, moments and step count
 * untouched). out_losses may be NULL. */
int orl_rl_net_train_step(orl_rl_net *net, const int32_t *states, const int32_t *lens,
                          const int32_t *actions, const float *rewards, const int32_t *next_states,
                          const int32_t *next_lens, const uint8_t *done, int batch, float lr,
                          orl_rl_losses *out_losses);

/* The same with a per-transition behaviour probability beta(a | s) [B] for
 * the ips (e.g. from a behaviour model); NULL falls back to the item table. */
int orl_rl_net_train_step_ex(orl_rl_net *net, const int32_t *states, const int32_t *lens,
                             const int32_t *actions, const float *rewards,
                             const int32_t *next_states, const int32_t *next_lens,
                             const uint8_t *done, const float *behaviour, int batch, float lr,
                             orl_rl_losses *out_losses);

/* ---- inference ---- */

/* QN_1's store for export (as orl_rl_net_params_const(net, 0)). For SQN_REM
 * its ORL_Q_HEAD_* tensors are derived: the mean of the ensemble, refreshed
 * here (and by orl_rl_net_policy) when a step changed the heads since. So
 * these two calls write that cache through a const net: not concurrently with
 * each other or with a training step. */
const orl_params *orl_rl_net_policy_params(const orl_rl_net *net);

typedef enum orl_rl_head { ORL_RL_HEAD_CE = 0, ORL_RL_HEAD_Q = 1 } orl_rl_head;

/* QN_1 as a const orl_sl_net scoring with the CE head (the default policy) or
 * the Q head (SQN_REM: the heads' mean, refreshed as orl_rl_net_policy_params): pass it to
 * orl_sl_net_encode / _scores / _topk / _score_candidates / _scratch_bytes. Valid while `net`
 * lives; it sees every later training step. NULL for an unknown head. */
const orl_sl_net *orl_rl_net_policy(const orl_rl_net *net, int head);

#endif
