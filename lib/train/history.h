/* The history of a fit: one record per completed epoch, kept after the fit
 * (also a cancelled or failed one) for the JSON and the report api/ renders. */
#ifndef ORL_TRAIN_HISTORY_H
#define ORL_TRAIN_HISTORY_H

#include <stdint.h>

/* orl_eval_result: the validation hook hands back what api/ evaluates, and the
 * history keeps it as is so the host reads it without a conversion. */
#include "algos/algo.h"
#include "offlinerl/model.h"

/* One completed epoch of the last fit. */
typedef struct orl_epoch_record {
    uint32_t epoch;
    double loss;              /* mean training loss over the epoch */
    double transitions_per_s; /* epoch throughput */
    double elapsed_s;         /* since the fit started */
    int has_validation;
    orl_eval_result validation; /* when a validation set was given */
    orl_algo_stats algo_stats;  /* the algorithm's own figures (n = 0 for most) */
} orl_epoch_record;

typedef struct orl_fit_history {
    orl_epoch_record *records;
    uint32_t len, cap;
} orl_fit_history;

void orl_fit_history_init(orl_fit_history *h);
void orl_fit_history_free(orl_fit_history *h);
/* Drop the records and make room for `epochs`; on ORL_E_NOMEM (no message set:
 * the caller reports it) the history is left empty with no room. */
int orl_fit_history_reset(orl_fit_history *h, uint32_t epochs);
/* The next record, zeroed; NULL when the room is used up. */
orl_epoch_record *orl_fit_history_push(orl_fit_history *h);

#endif
