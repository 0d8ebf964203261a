/* The rl_net struct and its loss, shared by rl_net*.c and the tests only. */
#ifndef ORL_MODELS_RL_NET_INTERNAL_H
#define ORL_MODELS_RL_NET_INTERNAL_H

#include "core/pool.h"
#include "core/rng.h"
#include "models/gru4rec.h"
#include "models/q_head.h"
#include "models/rl_net.h"
#include "models/sl_net_internal.h"
#include "nn/adam.h"
#include "nn/softmax_ce.h"

/* One batch of transitions, already validated. */
typedef struct orl_rl_inputs {
    const int32_t *states, *lens, *actions;
    const float *rewards;
    const int32_t *next_states, *next_lens;
    const uint8_t *done;
    const float *behaviour; /* [B] or NULL */
    int batch;
} orl_rl_inputs;

struct orl_rl_net {
    orl_rl_net_config cfg;
    orl_enc enc;          /* the encoder; heads read enc.state_dim floats */
    orl_params qn[2];     /* QN_1, QN_2: value, grad, first Adam's moments */
    float *m2[2], *v2[2]; /* SA2C second Adam's moments (NULL otherwise) */
    int64_t step2[2];     /* its step counts */
    int64_t steps;        /* steps of the pair */
    orl_pool *pool;
    orl_rng coin, neg_rng;
    orl_rng drop_rng;                       /* dropout masks of encoders with their own dropout */
    orl_rng *dropout;                       /* &drop_rng for those encoders, NULL otherwise */
    const int32_t *last_states, *last_lens; /* the batch of the last training forward */
    float *behaviour;                       /* [I] item table or NULL */
    orl_rl_net_timing *timing;
    struct orl_sl_net view_ce, view_q; /* QN_1 as an sl_net, CE or Q head */

    float *block;             /* the training workspace, sized once for max_batch */
    void *work;               /* main network on s, kept for the backward pass */
    void *work_ng;            /* encodes without gradient */
    float *h;                 /* [2B x H]: main network on s, then on s' */
    float *d_h;               /* [B x H] */
    float *h_aux;             /* [2B x H]: target network on s, then on s' */
    int32_t *states2, *lens2; /* [2B x window], [2B]: s' rows to encode */
    /* s' = s + action: rows stepped from their encoding of s, the others. */
    int32_t *ext_rows, *ext_ids, *oth_rows; /* [B] each */
    float *h_ext;                           /* [2B x H]: states of s, then stepped */
    float *step_scratch;                    /* the encoder's step_bytes(B), if it has a step */
    float *ce_scratch, *argmax_scratch;
    int32_t *q_idx;        /* [B x (1 + K)]: the action, then the negatives */
    float *q_val, *q_grad; /* [B x (1 + K)] Q_main(s, .) at q_idx, dL/dQ */
    /* argmax_a Q_main(s', a), argmax_a Q_main(s, a); Q_target(s', a*),
     * Q_target(s, a*_c). a_star_c and q_tc start their buffers of 2B, a_star
     * and q_tp1 follow them at + batch (set by each loss). */
    int32_t *a_star, *a_star_c;
    float *q_tp1, *q_tc;
    float *y, *y_neg;     /* TD targets of the action and of the negatives */
    float *row_ce, *ce_w; /* per-row CE and the CE row weights used */
    int32_t *neg;         /* [B x K] */

    /* The optimiser's sparse path (rl_net_adam.c). */
    unsigned char *touched_emb; /* [I + 1] embedding rows with a gradient this step */
    unsigned char *touched_q;   /* [I] Q head rows with a gradient this step (REM: [K * I]) */
    orl_ce_tile_fn ce_hook;     /* run in the CE layer's pass 2 (the head's Adam) or NULL */
    void *ce_hook_ctx;
    /* CQL, SQN_CQL (rl_net_cql.c): the CQL term is a softmax-CE with the Q
     * head's values as logits, on its own scratch (the CE head's is live). */
    float *q_scratch;            /* softmax-CE scratch of the Q head */
    float *row_cql;              /* [B] logsumexp Q(s, .) - Q(s, a) */
    float *cql_w;                /* [B] the CQL row weights (all cql_alpha) */
    float *dq_h;                 /* [B x H] the CQL term's dL/dh */
    orl_adam_step_consts q_adam; /* the Q head's Adam, run in the CQL pass 2 ... */
    int q_adam_in_pass2;         /* ... when 1 (train_step's sparse path) */
    /* SQN_REM (rl_net_rem.c): Q heads mixed with one draw per step. */
    orl_rng rem_rng;                     /* the draws of rem_alpha */
    float rem_alpha[ORL_Q_ENSEMBLE_MAX]; /* this step's mixture weights */
    float *mix_w[2], *mix_b[2];          /* [I x H], [I]: per network's mixed head */
    float *mix_gw, *mix_gb;              /* [I x H], [I]: gradient of the main's mix */
    float *vpq_w;                        /* [B] VPQ's bootstrap weights (set only with VPQ) */
    int mean_stale;                      /* QN_1's ORL_Q_HEAD_* lag its ensemble */
    float *ext_block;                    /* the buffers above, for the new algorithms */
    int dense_adam;       /* tests: 1 = the plain dense Adam after the loss (the old path) */
    int separate_targets; /* tests: 1 = plain targets: s' encoded from scratch, the double-Q
                           * values of s' and s in separate calls */
};

/* The CE head's Adam, run tile by tile inside the output layer's pass 2. */
typedef struct orl_rl_head_adam {
    orl_adam_step_consts k;
    orl_params *p; /* the store with the optimiser's moments */
    size_t w, b, H;
} orl_rl_head_adam;

/* orl_ce_tile_fn for orl_rl_head_adam. */
void orl_rl_net_ce_adam_tile(void *ctx, size_t i0, size_t n);

/* Adam on every tensor of `p` but the CE head (done in pass 2), with exactly
 * the dense update's result: the embedding and Q head rows without a gradient
 * this step get the zero-gradient update without reading their gradient;
 * touched rows have their gradient cleared. Uses the touched flags of the
 * last loss (main network's encoding of s, and q_idx of `batch` rows).
 * q_head_done: the Q head's Adam ran in the CQL pass 2 (skip it). sqn_rem:
 * the ensemble takes the row-sparse form, its mean (derived) no Adam. */
void orl_rl_net_adam_sparse(orl_rl_net *net, orl_params *p, const orl_adam_step_consts *k,
                            int batch, int n_q_idx, int q_head_done);

/* Loss of the batch with network `main_net` updated and the other as target,
 * in `phase` (0 plain / warm-up, 1 weighted). neg [B x n_neg] or NULL for
 * algorithms without negatives. fixed_ce_weights [B]: when not NULL, the CE
 * row weights to use instead of the computed (stop-gradient) ones (for
 * gradient checks). Gradients are ADDED to qn[main_net].grad, which must be
 * zero. ORL_OK, or ORL_E_NUMERIC with no gradient written. */
int orl_rl_net_loss_grad(orl_rl_net *net, int main_net, int phase, const orl_rl_inputs *in,
                         const int32_t *neg, const float *fixed_ce_weights, orl_rl_losses *out);

/* ---- CQL, SQN_CQL (rl_net_cql.c) ---- */

static inline int orl_rl_has_cql(int algorithm)
{
    return algorithm == ORL_RL_CQL || algorithm == ORL_RL_SQN_CQL;
}
/* Floats of the CQL buffers for max_batch B (0 for other algorithms). */
size_t orl_rl_cql_floats(const orl_rl_net *net);
/* Carves them out of base (the Q head's CE scratch first, 64-byte aligned). */
float *orl_rl_cql_bind(orl_rl_net *net, float *base);
/* The CQL term's forward on the main network's Q head (q_w, q_b) at net->h:
 * row values into row_cql, returns their mean. */
float orl_rl_cql_forward(orl_rl_net *net, const float *q_w, const float *q_b,
                         const orl_rl_inputs *in);
/* Backward of alpha * CQL + the TD rows (q_grad at q_idx, one per row):
 * adds to net->d_h and writes the Q head's gradient in p (overwritten, dense);
 * with q_adam_in_pass2 the Q head's Adam runs tile by tile in pass 2. */
void orl_rl_cql_backward(orl_rl_net *net, orl_params *p, const orl_rl_inputs *in);

/* ---- SQN_REM (rl_net_rem.c) ---- */

size_t orl_rl_rem_floats(const orl_rl_net *net);
float *orl_rl_rem_bind(orl_rl_net *net, float *base);
/* Adds "qens.w" [K*I x H] and "qens.b" [K*I x 1] to specs (2 entries). */
void orl_rl_rem_param_specs(const orl_rl_net *net, orl_param_spec *specs);
/* Each head Xavier-uniform (as the single Q head), zero bias; then the mean. */
void orl_rl_rem_init(orl_rl_net *net, orl_params *p, orl_rng *rng);
/* rem_alpha = u / sum u, u ~ U(0, 1)^K from rng. */
void orl_rl_rem_draw(orl_rl_net *net, orl_rng *rng);
/* mix_w/b[which] = sum_k alpha_k head_k, all rows. */
void orl_rl_rem_mix(orl_rl_net *net, int which);
/* The same for the rows idx[0..n) only (the target's gathered rows). */
void orl_rl_rem_mix_rows(orl_rl_net *net, int which, const int32_t *idx, int n);
/* VPQ: vpq_w[b] = 1 / (1 + c std_k Q_k^tgt(s'_b, a*_b)), h_tgt the target's
 * encoding of s' [B x H]; scales q_tp1 by it. */
void orl_rl_rem_vpq(orl_rl_net *net, int tgt, const float *h_tgt, int B);
/* Moves the main network's mix gradient (rows idx) to its heads:
 * dW_k += alpha_k dW_mix; clears the mix gradient. */
void orl_rl_rem_distribute(orl_rl_net *net, int main_net, const int32_t *idx, int n);
/* ORL_Q_HEAD_* of network `which` = the mean of its heads. */
void orl_rl_rem_refresh_mean(orl_rl_net *net, int which);

/* Fills neg [B x K] with uniform ids in [0, I) different from each action. */
void orl_rl_net_sample_negatives(orl_rl_net *net, const int32_t *actions, int batch, int32_t *neg);

#endif
