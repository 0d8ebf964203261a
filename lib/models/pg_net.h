/* The off-policy policy-gradient network of "reinforce" (Chen et al. 2019,
 * top-K off-policy correction): the policy pi = softmax of the CE head on the
 * shared encoder (the sl_net layout: its store is the deployable model), and
 * a behaviour head beta, a separate Linear(state -> items) on the detached
 * state trained by cross-entropy on every logged action (or the logged
 * propensities instead). Per transition, with R its discounted return to the
 * end of the session:
 *   w      = min(pi(a|s) / beta(a|s), clip) ^ smooth  (ratio from log-probs;
 *            optionally divided by its batch mean)
 *   lambda = K (1 - pi(a|s))^(K - 1)
 *   loss   = mean(-w lambda R log pi(a|s) + CE(beta, a) - entropy * H(pi(.|s)))
 * with w and lambda stopped. Plain arrays in, as sl_net. */
#ifndef ORL_MODELS_PG_NET_H
#define ORL_MODELS_PG_NET_H

#include <stdint.h>

#include "models/sl_net.h"
#include "nn/params.h"

typedef struct orl_pg_config {
    orl_sl_net_config base; /* catalogue, encoder, dims, dropout, max_batch */
    float clip;             /* > 0 */
    float smooth;           /* >= 0 (0: w = 1) */
    int normalize;          /* 1: w divided by its batch mean */
    int topk;               /* K >= 1 */
    float entropy;          /* >= 0 */
    int logged_beta;        /* 1: beta = the logged propensities, no beta head */
} orl_pg_config;

/* The defaults (clip 10, smooth 1, K 1, no entropy, learned beta). */
orl_pg_config orl_pg_config_default(int n_items);

/* One batch, validated by the caller except where noted. */
typedef struct orl_pg_inputs {
    const int32_t *states, *lens, *actions;
    const float *returns;      /* [B] R_t */
    const float *propensities; /* [B] in (0, 1] with logged_beta, else ignored */
    int batch;
} orl_pg_inputs;

/* What one step computed. The sums are over the batch's rows. */
typedef struct orl_pg_step {
    float loss;    /* the whole loss */
    float pg;      /* mean(-w lambda R log pi) */
    float beta_ce; /* mean CE of the beta head (0 with logged beta) */
    float entropy; /* mean H(pi) */
    double w_sum, w_sq, lambda_sum;
    int clipped, rows; /* ratios above clip; rows */
} orl_pg_step;

typedef struct orl_pg_net orl_pg_net;

/* ORL_OK, ORL_E_OUT_OF_RANGE (a setting, naming it), ORL_E_INVALID_ARGUMENT,
 * ORL_E_NOMEM, ORL_E_THREAD; *out untouched on failure. */
int orl_pg_net_create(const orl_pg_config *cfg, uint64_t seed, int threads, orl_pg_net **out);
void orl_pg_net_free(orl_pg_net *net);
const orl_pg_config *orl_pg_net_get_config(const orl_pg_net *net);
/* The policy's store (encoder + CE head = pi): sl_net layout. */
const orl_params *orl_pg_net_policy(const orl_pg_net *net);
/* The behaviour head's store (ORL_CE_HEAD_* names), NULL with logged beta. */
const orl_params *orl_pg_net_beta(const orl_pg_net *net);

/* One step: forward, loss, backward, Adam(lr) on pi, the encoder and beta.
 * No allocation. ORL_E_OUT_OF_RANGE for a bad batch size, id, length,
 * action, propensity or lr; ORL_E_NUMERIC when the loss is not finite
 * (parameters untouched). */
int orl_pg_net_train_step(orl_pg_net *net, const orl_pg_inputs *in, float lr, orl_pg_step *out);

#endif
