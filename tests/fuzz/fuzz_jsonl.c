/* Fuzz target: the OTTO JSON-lines loader. Input: one flag byte (bit 0:
 * strict; bit 1: the rest is a raw deflate stream behind a gzip header, to
 * reach the compressed path and its truncation checks), then the file. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "offlinerl/offlinerl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orl_fuzz_quiet();
    if (size < 1) return 0;
    const char *path = NULL;
    if (data[0] & 2) {
        static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
        uint8_t *buf = malloc(size - 1 + sizeof header);
        if (!buf) return 0;
        memcpy(buf, header, sizeof header);
        if (size > 1) memcpy(buf + sizeof header, data + 1, size - 1);
        path = orl_fuzz_write_scratch(buf, size - 1 + sizeof header);
        free(buf);
    } else {
        path = orl_fuzz_write_scratch(data + 1, size - 1);
    }
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
