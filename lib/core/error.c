#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

enum { ORL_ERROR_MAX = 1024 };

static _Thread_local char tls_message[ORL_ERROR_MAX];
static _Thread_local int tls_status;

int orl_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tls_message, sizeof tls_message, fmt, ap);
    va_end(ap);
    tls_status = status;
    orl_log(ORL_LOG_DEBUG, "error %d: %s", status, tls_message);
    return status;
}

int orl_fail_context(const char *fmt, ...)
{
    char prefix[ORL_ERROR_MAX];
    char old[ORL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, tls_message, sizeof old);
    /* Truncation is acceptable: the context comes first, the detail after. */
    size_t n = strlen(prefix);
    if (n > sizeof tls_message - 3) n = sizeof tls_message - 3;
    memcpy(tls_message, prefix, n);
    memcpy(tls_message + n, ": ", 2);
    size_t rest = sizeof tls_message - n - 3;
    size_t old_len = strnlen(old, rest);
    memcpy(tls_message + n + 2, old, old_len);
    tls_message[n + 2 + old_len] = '\0';
    return tls_status;
}

int orl_fail_open(const char *path, int err)
{
    if (err == 0) return orl_fail(ORL_E_NOMEM, "cannot open %s: out of memory", path);
    return orl_fail(err == ENOENT ? ORL_E_NOT_FOUND : ORL_E_IO, "cannot open %s: %s", path,
                    strerror(err));
}

void orl_clear_error(void)
{
    tls_message[0] = '\0';
    tls_status = ORL_OK;
}

ORL_API const char *orl_last_error(void)
{
    return tls_message[0] ? tls_message : "no error";
}

ORL_API int orl_last_status(void)
{
    return tls_status;
}

ORL_API const char *orl_status_string(int status)
{
    switch (status) {
    case ORL_OK:
        return "ok";
    case ORL_E_INVALID_ARGUMENT:
        return "invalid argument";
    case ORL_E_OUT_OF_RANGE:
        return "value out of range";
    case ORL_E_NOMEM:
        return "out of memory";
    case ORL_E_IO:
        return "input/output error";
    case ORL_E_PARSE:
        return "malformed input";
    case ORL_E_FORMAT:
        return "unrecognised format";
    case ORL_E_VERSION:
        return "unsupported format version";
    case ORL_E_CHECKSUM:
        return "checksum mismatch";
    case ORL_E_TRUNCATED:
        return "truncated input";
    case ORL_E_BUFFER_TOO_SMALL:
        return "buffer too small";
    case ORL_E_NOT_FOUND:
        return "not found";
    case ORL_E_UNKNOWN_KEY:
        return "unknown configuration key";
    case ORL_E_STATE:
        return "invalid state for this call";
    case ORL_E_CANCELLED:
        return "cancelled";
    case ORL_E_NUMERIC:
        return "numerical failure";
    case ORL_E_UNSUPPORTED:
        return "unsupported";
    case ORL_E_THREAD:
        return "thread error";
    case ORL_E_INTERNAL:
        return "internal error";
    default:
        return "unknown status";
    }
}
