/* The pg_net struct, for pg_net.c and the tests only. */
#ifndef ORL_MODELS_PG_NET_INTERNAL_H
#define ORL_MODELS_PG_NET_INTERNAL_H

#include "models/pg_net.h"
#include "models/sl_net_internal.h"

struct orl_pg_net {
    orl_pg_config cfg;
    orl_sl_net *pi;  /* encoder + pi head, with the pool and the training workspace */
    orl_params beta; /* the behaviour head (zero tensors with logged beta) */
    int has_beta;
    float *block; /* the buffers below */
    float *beta_scratch, *ent_scratch;
    float *row_pi, *row_beta, *row_w, *coef; /* [B]: -log pi(a), -log beta(a), w, w lambda R */
    int test_fault; /* tests: 1 drops the entropy gradient into the state */
};

/* Forward and backward of the loss on a batch (validated), with the
 * gradients written into the stores' grad arrays: pi's head and beta's
 * overwritten, the encoder's ADDED (its grad must be zero). coef_fixed [B]:
 * when not NULL, the stopped factor w lambda R of each row to use instead
 * of the computed one (gradient checks). No optimiser step. */
int orl_pg_net_loss_grad(orl_pg_net *net, const orl_pg_inputs *in, const float *coef_fixed,
                         orl_pg_step *out);
/* The loss alone, its three terms in out (no gradient; same coef_fixed). */
int orl_pg_net_loss(orl_pg_net *net, const orl_pg_inputs *in, const float *coef_fixed,
                    orl_pg_step *out);

#endif
