/* Training-set item frequencies, for algorithms with popularity terms. */
#ifndef ORL_TRAIN_POPULARITY_H
#define ORL_TRAIN_POPULARITY_H

#include "data/dataset.h"

/* n_items frequencies of a finalized dataset (orl_free them), add-one smoothed
 * so that items of a shared dictionary absent from this split stay > 0; NULL
 * when out of memory (no message set). */
float *orl_item_popularity(const orl_dataset *ds);

#endif
