/* Fuzz target: the model loader from a memory buffer. Each input is tried as
 * is and with its checksum trailer recomputed. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_model_use.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orl_fuzz_quiet();
    orl_model *m = NULL;
    if (orl_model_load_buffer(data, size, &m) == ORL_OK) orl_fuzz_use_model(m);
    uint8_t *fixed = malloc(size ? size : 1);
    if (!fixed) return 0;
    memcpy(fixed, data, size);
    m = NULL;
    if (orl_fuzz_fix_trailer(fixed, size) && orl_model_load_buffer(fixed, size, &m) == ORL_OK)
        orl_fuzz_use_model(m);
    free(fixed);
    return 0;
}
