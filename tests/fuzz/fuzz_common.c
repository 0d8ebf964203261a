#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/checksum.h"
#include "io/container_format.h"
#include "offlinerl/offlinerl.h"

static char scratch_path[512];

const char *orl_fuzz_write_scratch(const void *data, size_t size)
{
    if (!scratch_path[0]) {
        const char *dir = getenv("TMPDIR");
        if (!dir || !*dir) dir = "/tmp";
        snprintf(scratch_path, sizeof scratch_path, "%s/orl-fuzz-%ld.bin", dir, (long)getpid());
    }
    FILE *f = fopen(scratch_path, "wb");
    if (!f) return NULL;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    if (fclose(f) != 0 || w != size) return NULL;
    return scratch_path;
}

static void drop_log(int32_t level, const char *message, void *user_data)
{
    (void)level;
    (void)message;
    (void)user_data;
}

void orl_fuzz_quiet(void)
{
    static int done;
    if (done) return;
    done = 1;
    orl_set_log_callback(drop_log, ORL_LOG_OFF, NULL);
}

int orl_fuzz_fix_trailer(uint8_t *image, size_t size)
{
    if (size < ORL_CF_HEADER_SIZE + ORL_CF_TRAILER) return 0;
    size_t body = size - ORL_CF_TRAILER;
    orl_cf_put64(image + body, orl_xxh64(image, body, 0));
    return 1;
}
