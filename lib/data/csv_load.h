/* Loading delimited text files of events into a dataset (column mapping,
 * event mapping, strict / lenient handling of malformed rows). */
#ifndef ORL_DATA_CSV_LOAD_H
#define ORL_DATA_CSV_LOAD_H

#include "offlinerl/dataset.h"

void orl_csv_params_defaults(orl_csv_params *p);
int orl_csv_preset_impl(orl_csv_params *p, const char *name);
/* All or nothing in strict mode; report may be NULL. */
int orl_dataset_load_csv_impl(orl_dataset *ds, const char *path, const orl_csv_params *p,
                              orl_load_report *report);
/* Record a malformed row in the report (first message kept). */
void orl_report_malformed(orl_load_report *rep, uint64_t line);

#endif
