/* Dataset statistics (counts, per-type counts, session-length histogram, JSON). */
#ifndef ORL_DATA_STATS_H
#define ORL_DATA_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "offlinerl/dataset.h"

void orl_dataset_stats_impl(const orl_dataset *ds, orl_dataset_stats *out);
/* Events per event code into counts[0..n_types); n_types = ds->types.count. */
void orl_dataset_count_codes(const orl_dataset *ds, uint64_t *counts);
void orl_dataset_histogram_impl(const orl_dataset *ds, uint64_t *buf, size_t buf_len);
/* JSON into a new orl_malloc'ed string. */
int orl_dataset_stats_json_impl(const orl_dataset *ds, char **out_json, size_t *out_len);

#endif
