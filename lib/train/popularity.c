#include "train/popularity.h"

#include "core/alloc.h"
#include "data/transitions.h"

float *orl_item_popularity(const orl_dataset *ds)
{
    uint32_t n = orl_dataset_item_count(ds);
    float *pop = orl_calloc(n ? n : 1, sizeof *pop);
    if (!pop) return NULL;
    uint64_t total = orl_dataset_transition_count(ds);
    for (uint64_t e = 0; e < total; e++) pop[ds->ev_item[e]] += 1.0f;
    for (uint32_t i = 0; i < n; i++) pop[i] = (pop[i] + 1.0f) / (float)(total + n);
    return pop;
}
