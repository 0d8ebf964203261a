/* The rl_net-backed algorithm classes' shared implementation (algo_rl.c),
 * for the classes defined in other files (algo_cql.c). */
#ifndef ORL_ALGOS_ALGO_RL_H
#define ORL_ALGOS_ALGO_RL_H

#include "algos/algo.h"

/* An rl_net of `algorithm` (orl_rl_algo) from ctx, reading the settings of
 * cls's table by key ("gamma", "alpha", "heads", "vpq_c", ...; absent keys
 * take the rl_net defaults). */
int orl_algo_rl_create(const orl_algo_class *cls, int algorithm, const orl_algo_context *ctx,
                       void **out);
void orl_algo_rl_destroy(void *self);
int orl_algo_rl_step(void *self, const orl_batch *b, float lr, orl_step_losses *out);
const orl_params *orl_algo_rl_policy(const void *self);

#endif
