/* Fuzz target: the CSV/TSV reader and loader under several column mappings.
 * Input: one selector byte (the mapping and dataset filters), then the file. */
#include "fuzz_common.h"
#include "fuzz_csv_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orl_fuzz_quiet();
    if (size < 1) return 0;
    const char *path = orl_fuzz_write_scratch(data + 1, size - 1);
    if (path) orl_fuzz_load_csv(path, data[0]);
    return 0;
}
