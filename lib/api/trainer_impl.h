/* What the rest of the api layer may read of a trainer. */
#ifndef ORL_API_TRAINER_IMPL_H
#define ORL_API_TRAINER_IMPL_H

#include <stdint.h>

#include "offlinerl/model.h"
#include "offlinerl/trainer.h"
#include "train/history.h"

/* The records of the last fit (empty before one); valid until the next fit or free. */
int orl_trainer_history(const orl_trainer *t, const orl_epoch_record **out, uint32_t *out_len);

/* The policy's weights of the current or last fit (NULL before one): for the
 * numerics tests, which poison them to simulate a divergence. */
struct orl_params;
struct orl_params *orl_trainer_policy_params(orl_trainer *t);

#endif
