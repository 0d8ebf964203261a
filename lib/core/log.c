#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

/* One process-wide receiver, swapped under a lock so that a message never sees
 * a half-updated (fn, user_data) pair. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static orl_log_fn log_fn = NULL;
static void *log_user_data = NULL;
static int log_min_level = ORL_LOG_WARN;

static const char *level_name(int level)
{
    static const char *names[] = {"debug", "info", "warning", "error"};
    return (level >= 0 && level < 4) ? names[level] : "log";
}

void orl_log(int level, const char *fmt, ...)
{
    char message[1024];
    pthread_mutex_lock(&log_lock);
    int wanted = level >= log_min_level;
    orl_log_fn fn = log_fn;
    void *ud = log_user_data;
    pthread_mutex_unlock(&log_lock);
    if (!wanted) return;

    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (fn)
        fn(level, message, ud);
    else
        fprintf(stderr, "offlinerl %s: %s\n", level_name(level), message);
}

ORL_API int orl_set_log_callback(orl_log_fn fn, int32_t min_level, void *user_data)
{
    if (min_level < ORL_LOG_DEBUG || min_level > ORL_LOG_OFF)
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_set_log_callback: min_level %d is not a level",
                        (int)min_level);
    pthread_mutex_lock(&log_lock);
    log_fn = fn;
    log_user_data = fn ? user_data : NULL;
    log_min_level = min_level;
    pthread_mutex_unlock(&log_lock);
    return ORL_OK;
}
