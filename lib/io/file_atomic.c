/* Atomic whole-file writes for small text outputs (reports). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/file_atomic.h"

static _Atomic unsigned temp_serial;

static int write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        size_t chunk = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : len;
        ssize_t n = write(fd, p, chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int orl_write_file_atomic(const char *path, const void *data, size_t len)
{
    ORL_CHECK_NOT_NULL(path);
    if (!data && len) return orl_fail(ORL_E_INVALID_ARGUMENT, "writing %s: data is NULL", path);
    if (path[0] == '\0') return orl_fail(ORL_E_INVALID_ARGUMENT, "empty path");
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return orl_fail(ORL_E_IO, "cannot write %s: it is a directory", path);
    size_t cap = strlen(path) + 48;
    char *tmp = orl_malloc(cap);
    if (!tmp) return orl_fail(ORL_E_NOMEM, "writing %s: out of memory", path);
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, cap, "%s.tmp.%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&temp_serial, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST && errno != EINTR) break;
    }
    if (fd < 0) {
        int s = orl_fail(ORL_E_IO, "cannot create %s: %s", tmp, strerror(errno));
        orl_free(tmp);
        return s;
    }
    int s = ORL_OK;
    if (write_all(fd, data, len) != 0 || fsync(fd) != 0)
        s = orl_fail(ORL_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && s == ORL_OK)
        s = orl_fail(ORL_E_IO, "cannot write %s: %s", tmp, strerror(errno));
    if (s == ORL_OK && rename(tmp, path) != 0)
        s = orl_fail(ORL_E_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (s != ORL_OK) unlink(tmp);
    orl_free(tmp);
    return s;
}
