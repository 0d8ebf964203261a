/* Error capture: every exported function reports failure through here. */
#ifndef ORL_CORE_ERROR_H
#define ORL_CORE_ERROR_H

#include "offlinerl/common.h"

#if defined(__GNUC__)
#define ORL_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#define ORL_PRINTF(fmt_idx, arg_idx)
#endif

/* Record a failure for this thread and return `status`, so callers write
 * `return orl_fail(ORL_E_IO, "cannot open %s", path);`. */
int orl_fail(int status, const char *fmt, ...) ORL_PRINTF(2, 3);

/* Prefix the current thread's message with context ("loading x.csv: ..."),
 * keeping its status; returns that status. */
int orl_fail_context(const char *fmt, ...) ORL_PRINTF(1, 2);

/* Record why @p path could not be opened for reading, from the errno value @p err: a missing
 * file (ENOENT) is ORL_E_NOT_FOUND for every loader, 0 (zlib's gzopen() out of memory) is
 * ORL_E_NOMEM, anything else ORL_E_IO. Returns that status. */
int orl_fail_open(const char *path, int err);

/* Forget the current thread's error (used at the start of exported calls that
 * must report a fresh message). */
void orl_clear_error(void);

/* Propagate a failing status unchanged. */
#define ORL_TRY(expr)                                                                              \
    do {                                                                                           \
        int orl_try_status_ = (expr);                                                              \
        if (orl_try_status_ != ORL_OK) return orl_try_status_;                                     \
    } while (0)

/* Argument checks for exported functions. */
#define ORL_CHECK_ARG(cond, name)                                                                  \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: invalid argument '%s'", __func__, name);  \
    } while (0)
#define ORL_CHECK_NOT_NULL(ptr)                                                                    \
    do {                                                                                           \
        if ((ptr) == NULL)                                                                         \
            return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: '%s' must not be NULL", __func__, #ptr);  \
    } while (0)

/* The output-buffer rule of DESIGN.md 3.4, checked once @p need (bytes, NUL included) is known
 * and stored in the caller's out_len: a size query (buf NULL, buf_len 0) gives ORL_SIZE_QUERY
 * (callers return ORL_OK, leaving the last error alone); a non-NULL buffer shorter than @p need
 * fails with ORL_E_BUFFER_TOO_SMALL; otherwise ORL_OK (write the output). */
#define ORL_SIZE_QUERY 1
static inline int orl_check_out_buffer(const void *buf, size_t buf_len, size_t need, const char *fn)
{
    if (buf == NULL && buf_len == 0) return ORL_SIZE_QUERY;
    if (buf_len < need)
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "%s: %zu bytes needed, %zu given", fn, need,
                        buf_len);
    return ORL_OK;
}

/* Apply orl_check_out_buffer() in an exported function: return ORL_OK for a size query, the
 * failure for a short buffer, and fall through when the output fits. */
#define ORL_OUT_BUFFER(buf, buf_len, need)                                                         \
    do {                                                                                           \
        int orl_ob_status_ = orl_check_out_buffer((buf), (buf_len), (need), __func__);             \
        if (orl_ob_status_ != ORL_OK)                                                              \
            return orl_ob_status_ == ORL_SIZE_QUERY ? ORL_OK : orl_ob_status_;                     \
    } while (0)

#endif
