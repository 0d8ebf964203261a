/* The fqe_net struct and its loss, shared by fqe_net.c and the tests. */
#ifndef ORL_MODELS_FQE_NET_INTERNAL_H
#define ORL_MODELS_FQE_NET_INTERNAL_H

#include "core/rng.h"
#include "models/fqe_net.h"

/* One batch of transitions, already validated. */
typedef struct orl_fqe_inputs {
    const int32_t *states, *lens, *actions;
    const float *rewards;
    const int32_t *next_states, *next_lens;
    const uint8_t *done;
    const float *next_probs; /* [B x I], NULL when gamma is 0 */
    int batch;
} orl_fqe_inputs;

struct orl_fqe_net {
    orl_fqe_net_config cfg;
    orl_enc enc;
    orl_params on;  /* online: value, grad, Adam moments */
    orl_params tgt; /* target: value only, same layout */
    orl_pool *pool;
    orl_rng drop_rng; /* dropout masks of encoders with their own dropout */
    orl_rng *dropout; /* &drop_rng for those encoders, NULL otherwise */
    int64_t steps, syncs;
    int dense_adam;             /* tests: 1 = the plain dense Adam */
    unsigned char *touched_emb; /* [I + 1] embedding rows with a gradient this step */
    unsigned char *touched_q;   /* [I] Q head rows with a gradient this step */
    float *block;               /* the training workspace, sized once for max_batch */
    void *work, *work_ng;       /* online forward on s (kept for backward); target encodes */
    float *h, *d_h, *h_next;    /* [Bp x H], Bp = B rounded up to 16 */
    float *pw;                  /* [Bp x H] pi(. | s') W_target */
    float *pb, *q_sa, *g, *y;   /* [Bp] pi . b_target, Q(s, a), dL/dQ, targets */
};

/* The loss of the batch at the current online and target weights; the
 * gradient is ADDED to net->on.grad, which must be zero. ORL_OK, or
 * ORL_E_NUMERIC with no gradient written. */
int orl_fqe_net_loss_grad(orl_fqe_net *net, const orl_fqe_inputs *in, float *out_loss);

#endif
