/* Logging sessions under the logging policy into growable event arrays. The
 * API layer moves them into a dataset or writes them as CSV. */
#ifndef ORL_SIM_SIM_LOG_H
#define ORL_SIM_SIM_LOG_H

#include "sim/sim.h"

typedef struct orl_sim_events {
    size_t n, cap;
    int64_t *session, *item, *timestamp;
    uint8_t *kind; /* ORL_SIM_SKIP / CLICK / PURCHASE */
    float *reward, *propensity;
    uint64_t shown; /* items shown, logged or not */
} orl_sim_events;

void orl_sim_events_free(orl_sim_events *e); /* and reset to empty */

/* Appends sessions first .. first + n - 1. Session k depends only on the world
 * and k. On failure (ORL_E_NOMEM) the arrays keep what they held before. */
int orl_sim_log_sessions(const orl_sim_world *w, uint64_t first, uint64_t n, orl_sim_events *out);

const char *orl_sim_event_name(int kind);

#endif
