/* What the tests read of a "reinforce" instance. */
#ifndef ORL_ALGOS_ALGO_REINFORCE_H
#define ORL_ALGOS_ALGO_REINFORCE_H

#include <stdint.h>

#include "models/pg_net.h"

/* The instance's network (pi, beta head). */
const orl_pg_net *orl_algo_reinforce_net(const void *instance);
/* The returns of the prepared dataset, one per transition (NULL before prepare). */
const float *orl_algo_reinforce_returns(const void *instance, uint64_t *out_count);

#endif
