/* Fuzz target: the model loader from a file (memory-mapped). Each input is
 * tried as is and with its checksum trailer recomputed. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_model_use.h"

static void load_path(const uint8_t *data, size_t size)
{
    const char *path = orl_fuzz_write_scratch(data, size);
    orl_model *m = NULL;
    if (path && orl_model_load(path, &m) == ORL_OK) orl_fuzz_use_model(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orl_fuzz_quiet();
    load_path(data, size);
    uint8_t *fixed = malloc(size ? size : 1);
    if (!fixed) return 0;
    memcpy(fixed, data, size);
    if (orl_fuzz_fix_trailer(fixed, size)) load_path(fixed, size);
    free(fixed);
    return 0;
}
