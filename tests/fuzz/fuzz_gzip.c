/* Fuzz target: the gzip path of the CSV loader. Input: one selector byte, then
 * a gzip stream; input that does not start with the gzip magic gets a minimal
 * gzip header put in front, so the bytes reach inflate as a deflate stream. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_csv_maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orl_fuzz_quiet();
    if (size < 1) return 0;
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    const char *path = NULL;
    if (n >= 2 && body[0] == 0x1f && body[1] == 0x8b) {
        path = orl_fuzz_write_scratch(body, n);
    } else {
        uint8_t *buf = malloc(n + sizeof header);
        if (!buf) return 0;
        memcpy(buf, header, sizeof header);
        if (n) memcpy(buf + sizeof header, body, n);
        path = orl_fuzz_write_scratch(buf, n + sizeof header);
        free(buf);
    }
    if (path) orl_fuzz_load_csv(path, data[0]);
    return 0;
}
