/* Loading OTTO-style JSON-lines session files into a dataset. */
#ifndef ORL_DATA_JSONL_LOAD_H
#define ORL_DATA_JSONL_LOAD_H

#include "offlinerl/dataset.h"

int orl_dataset_load_jsonl_impl(orl_dataset *ds, const char *path, int strict,
                                orl_load_report *report);

#endif
