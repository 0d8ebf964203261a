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

#endif
