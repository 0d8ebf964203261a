/* The divergence check on a policy's weights, shared by the loop (once per
 * epoch) and by api/ before it exports a model. */
#ifndef ORL_TRAIN_DIVERGED_H
#define ORL_TRAIN_DIVERGED_H

#include "nn/params.h"

/* ORL_OK, or ORL_E_NUMERIC naming `when` and the first NaN or infinite weight. */
int orl_fit_check_weights(const orl_params *policy, const char *when);

#endif
