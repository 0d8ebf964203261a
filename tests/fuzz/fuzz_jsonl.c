/* Fuzz target: the OTTO JSON-lines loader. Input: one flag byte (bit 0:
 * strict), then the file. */
#include "fuzz_common.h"
#include "offlinerl/offlinerl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orl_fuzz_quiet();
    if (size < 1) return 0;
    const char *path = orl_fuzz_write_scratch(data + 1, size - 1);
    if (!path) return 0;
    orl_dataset *ds = NULL;
    if (orl_dataset_create(NULL, &ds) != ORL_OK) return 0;
    orl_load_report rep = {.struct_size = sizeof rep};
    if (orl_dataset_load_jsonl(ds, path, data[0] & 1, &rep) == ORL_OK &&
        orl_dataset_finalize(ds) == ORL_OK) {
        orl_dataset_stats st = {.struct_size = sizeof st};
        orl_dataset_get_stats(ds, &st);
    }
    orl_dataset_free(ds);
    return 0;
}
