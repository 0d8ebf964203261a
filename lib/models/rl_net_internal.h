/* The rl_net struct and its loss, shared by rl_net*.c and the tests only. */
#ifndef ORL_MODELS_RL_NET_INTERNAL_H
#define ORL_MODELS_RL_NET_INTERNAL_H

#include "core/pool.h"
#include "core/rng.h"
#include "models/gru4rec.h"
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
    unsigned char *touched_q;   /* [I] Q head rows with a gradient this step */
    orl_ce_tile_fn ce_hook;     /* run in the CE layer's pass 2 (the head's Adam) or NULL */
    void *ce_hook_ctx;
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
 * last loss (main network's encoding of s, and q_idx of `batch` rows). */
void orl_rl_net_adam_sparse(orl_rl_net *net, orl_params *p, const orl_adam_step_consts *k,
                            int batch, int n_q_idx);

/* Loss of the batch with network `main_net` updated and the other as target,
 * in `phase` (0 plain / warm-up, 1 weighted). neg [B x n_neg] or NULL for
 * algorithms without negatives. fixed_ce_weights [B]: when not NULL, the CE
 * row weights to use instead of the computed (stop-gradient) ones (for
 * gradient checks). Gradients are ADDED to qn[main_net].grad, which must be
 * zero. ORL_OK, or ORL_E_NUMERIC with no gradient written. */
int orl_rl_net_loss_grad(orl_rl_net *net, int main_net, int phase, const orl_rl_inputs *in,
                         const int32_t *neg, const float *fixed_ce_weights, orl_rl_losses *out);

/* Fills neg [B x K] with uniform ids in [0, I) different from each action. */
void orl_rl_net_sample_negatives(orl_rl_net *net, const int32_t *actions, int batch, int32_t *neg);

#endif
