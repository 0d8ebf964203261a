#include "test_support.h"

#include <stdio.h>
#include <sys/stat.h>

const char *orl_test_shared_path(const char *relative, char *buf, size_t buf_len)
{
    struct stat st;
    snprintf(buf, buf_len, "%s/data/%s", ORL_SHARED_DIR, relative);
    if (stat(buf, &st) != 0) {
        printf("SKIP: %s is absent (the shared data folder is not next to the repo)\n", buf);
        return NULL;
    }
    return buf;
}

const char *orl_test_tmp_path(const char *name, char *buf, size_t buf_len)
{
    snprintf(buf, buf_len, "%s/%s", ORL_TEST_TMPDIR, name);
    return buf;
}
