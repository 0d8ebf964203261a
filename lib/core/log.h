/* Internal logging: routed to the host's callback or to stderr. */
#ifndef ORL_CORE_LOG_H
#define ORL_CORE_LOG_H

#include "core/error.h"

void orl_log(int level, const char *fmt, ...) ORL_PRINTF(2, 3);

#endif
