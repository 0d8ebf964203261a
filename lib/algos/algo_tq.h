/* What algo_bcq.c and algo_rem.c share: the tq_net behind the algorithm
 * interface (create from the context, step, destroy). */
#ifndef ORL_ALGOS_ALGO_TQ_H
#define ORL_ALGOS_ALGO_TQ_H

#include "algos/algo.h"
#include "models/tq_net.h"

/* The value of setting `key` in cls's table (ctx->settings), or `fallback`. */
double orl_algo_tq_setting(const orl_algo_context *ctx, const orl_algo_class *cls, const char *key,
                           double fallback);
/* A tq_net of `algorithm` with cls's settings from ctx. */
int orl_algo_tq_create(const orl_algo_class *cls, int algorithm, const orl_algo_context *ctx,
                       void **out);
void orl_algo_tq_destroy(void *self);
int orl_algo_tq_step(void *self, const orl_batch *b, float lr, orl_step_losses *out);
const orl_params *orl_algo_tq_policy(const void *self);

#endif
