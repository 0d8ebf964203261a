/* What the rest of the api layer may read of a trainer. */
#ifndef ORL_API_TRAINER_IMPL_H
#define ORL_API_TRAINER_IMPL_H

#include <stdint.h>

#include "algos/algo.h"
#include "offlinerl/model.h"
#include "offlinerl/trainer.h"
#include "train/history.h"

/* The records of the last fit (empty before one); valid until the next fit or free. */
int orl_trainer_history(const orl_trainer *t, const orl_epoch_record **out, uint32_t *out_len);

/* The policy's weights of the current or last fit (NULL before one): for the
 * numerics tests, which poison them to simulate a divergence. */
struct orl_params;
struct orl_params *orl_trainer_policy_params(orl_trainer *t);
/* The algorithm instance of the current or last fit (NULL before one): for
 * tests that read what the policy store does not hold (reinforce's beta head). */
void *orl_trainer_algo_instance(orl_trainer *t);

/* orl_trainer_set_generative_model (trainer_generative.c): the trainer's own
 * copy of `model`'s supervised head as G, for a trainer of `algo` whose
 * encoder reads `window` items. ORL_E_INVALID_ARGUMENT (an algo without
 * ORL_ALGO_CONSTRAINED, i.e. not bcq; no supervised head; another window),
 * ORL_E_NOMEM. */
int orl_trainer_generative_copy(const orl_algo_class *algo, uint32_t window, const orl_model *model,
                                orl_model **out);
/* ORL_E_INVALID_ARGUMENT naming the first difference unless G's catalogue is
 * the training dataset's: as many items, the same key for every dense id. */
int orl_trainer_generative_check(const orl_model *g, const orl_dataset *train);

#endif
