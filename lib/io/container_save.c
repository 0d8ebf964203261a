/* Atomic saving of a container to a path: a temporary file in the same
 * directory, fsync, rename over the target, fsync of the directory. A crash
 * or an error at any point leaves either the old file or the new one. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "io/container.h"
#include "io/container_writer_impl.h"

typedef struct fd_sink {
    int fd;
    const char *path; /* for messages */
} fd_sink;

static int fd_write(void *ctx, const void *data, size_t len)
{
    fd_sink *f = ctx;
    const uint8_t *p = data;
    while (len > 0) {
        /* Bounded chunks: some systems refuse single writes over 2 GiB. */
        size_t chunk = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : len;
        ssize_t n = write(f->fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            return orl_fail(ORL_E_IO, "writing %s: %s", f->path, strerror(errno));
        }
        if (n == 0) return orl_fail(ORL_E_IO, "writing %s: no progress", f->path);
        p += n;
        len -= (size_t)n;
    }
    return ORL_OK;
}

static _Atomic unsigned temp_counter;

/* Open a fresh temporary file beside `path`; the name is returned in *out_tmp. */
static int open_temp(const char *path, char **out_tmp, int *out_fd)
{
    size_t cap = strlen(path) + 48;
    char *tmp = orl_malloc(cap);
    if (!tmp) return orl_fail(ORL_E_NOMEM, "out of memory saving %s", path);
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = atomic_fetch_add(&temp_counter, 1);
        snprintf(tmp, cap, "%s.tmp.%ld.%u", path, (long)getpid(), n);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            *out_tmp = tmp;
            *out_fd = fd;
            return ORL_OK;
        }
        if (errno != EEXIST && errno != EINTR) {
            int s = orl_fail(ORL_E_IO, "cannot create %s: %s", tmp, strerror(errno));
            orl_free(tmp);
            return s;
        }
    }
    orl_free(tmp);
    return orl_fail(ORL_E_IO, "cannot create a temporary file beside %s", path);
}

/* Make the rename durable. Failure here is only logged: the new file is
 * already complete and in place, so reporting an error would mislead. No
 * allocation: a save that succeeded must not depend on memory afterwards. */
static void sync_parent_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
    if (n >= sizeof dir) {
        orl_log(ORL_LOG_WARN, "directory of %s too long to fsync", path);
        return;
    }
    memcpy(dir, slash ? path : ".", n);
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
            orl_log(ORL_LOG_WARN, "fsync of directory %s failed: %s", dir, strerror(errno));
        close(fd);
    }
}

int orl_container_save_path(const orl_container_writer *w, const char *path)
{
    ORL_CHECK_NOT_NULL(w);
    ORL_CHECK_NOT_NULL(path);
    if (path[0] == '\0') return orl_fail(ORL_E_INVALID_ARGUMENT, "empty path");
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return orl_fail(ORL_E_IO, "cannot save to %s: it is a directory", path);
    char *tmp = NULL;
    int fd = -1;
    ORL_TRY(open_temp(path, &tmp, &fd));
    fd_sink sink = {fd, tmp};
    int s = orl_cw_emit(w, fd_write, &sink);
    if (s == ORL_OK && fsync(fd) != 0)
        s = orl_fail(ORL_E_IO, "fsync of %s failed: %s", tmp, strerror(errno));
    if (close(fd) != 0 && s == ORL_OK)
        s = orl_fail(ORL_E_IO, "closing %s failed: %s", tmp, strerror(errno));
    if (s == ORL_OK && rename(tmp, path) != 0)
        s = orl_fail(ORL_E_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (s != ORL_OK) {
        unlink(tmp);
        orl_free(tmp);
        return orl_fail_context("saving %s", path);
    }
    orl_free(tmp);
    sync_parent_dir(path);
    return ORL_OK;
}
