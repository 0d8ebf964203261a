/* Splitting a finalized dataset by session into parts that share the item
 * dictionary (same dense ids). */
#ifndef ORL_DATA_SPLIT_H
#define ORL_DATA_SPLIT_H

#include "offlinerl/dataset.h"

void orl_split_params_defaults(orl_split_params *p);
/* part[k] receives the sessions with assignment k (k = 0 train, 1 valid, 2 test);
 * a NULL out pointer skips that part. */
int orl_dataset_split_impl(const orl_dataset *ds, const orl_split_params *p, orl_dataset **out[3]);
/* A new finalized dataset holding the given sessions (ascending ids) of ds,
 * their displays, and the displays of the sessions without events whose
 * display session g has take_dsess[g] != 0 (NULL: none). */
int orl_dataset_subset(const orl_dataset *ds, const uint64_t *sessions, uint64_t n,
                       const uint8_t *take_dsess, orl_dataset **out);

#endif
