/* Logging sessions under the logging policy into growable event arrays. The
 * API layer moves them into a dataset or writes them as CSV. */
#ifndef ORL_SIM_SIM_LOG_H
#define ORL_SIM_SIM_LOG_H

#include "sim/sim.h"

/* One row per display step (slate_size > 1 or log_impressions): the shown
 * items with their single-draw propensity and inclusion probability, the
 * slate's probability, the clicked slot (-1 none) and the event it produced. */
typedef struct orl_sim_displays {
    size_t n, cap;
    uint32_t k; /* items per display (the slate size) */
    int64_t *session, *timestamp;
    int64_t *event; /* index in the events of the same call, -1 none */
    int16_t *slot;
    float *reward;
    double *slate_prob;
    uint32_t *items; /* [cap * k] */
    float *beta;     /* [cap * k] */
    float *incl;     /* [cap * k] */
} orl_sim_displays;

/* The world logs display rows. */
static inline int orl_sim_logs_displays(const orl_sim_world *w)
{
    return w->p.slate_size > 1 || w->p.log_impressions;
}

typedef struct orl_sim_events {
    size_t n, cap;
    int64_t *session, *item, *timestamp;
    uint8_t *kind; /* ORL_SIM_SKIP / CLICK / PURCHASE */
    float *reward, *propensity;
    uint64_t shown;        /* items shown, logged or not */
    orl_sim_displays disp; /* filled when orl_sim_logs_displays */
} orl_sim_events;

void orl_sim_events_free(orl_sim_events *e); /* and reset to empty */

/* Appends sessions first .. first + n - 1. Session k depends only on the world
 * and k. On failure (ORL_E_NOMEM) the arrays keep what they held before. */
int orl_sim_log_sessions(const orl_sim_world *w, uint64_t first, uint64_t n, orl_sim_events *out);

const char *orl_sim_event_name(int kind);

/* The user of logged session k (its stream's first draw). */
uint32_t orl_sim_log_session_user(const orl_sim_world *w, uint64_t k);

#endif
