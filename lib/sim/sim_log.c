/* Sessions under the logging policy, with exact propensities. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "sim/sim_log.h"

/* Logging streams are (seed ^ LOG_DOMAIN, session); the world's own streams
 * use the plain seed, rollouts another domain. */
#define LOG_DOMAIN        0x6c6f6767696e6721ULL
#define SESSION_SPACING_S 60   /* seconds between session starts, on average */
#define MEAN_GAP_S        30.0 /* mean extra seconds between two shown items */

void orl_sim_events_free(orl_sim_events *e)
{
    orl_free(e->session);
    orl_free(e->item);
    orl_free(e->timestamp);
    orl_free(e->kind);
    orl_free(e->reward);
    orl_free(e->propensity);
    memset(e, 0, sizeof *e);
}

static int reserve(orl_sim_events *e, size_t need)
{
    if (need <= e->cap) return ORL_OK;
    size_t cap = e->cap ? e->cap : 1024;
    while (cap < need) cap *= 2;
    /* Each array is replaced only once all six grew, so a failure keeps the
     * old arrays consistent (realloc_array keeps the old block on failure). */
    void *p;
#define GROW(field)                                                                                \
    p = orl_realloc_array(e->field, cap, sizeof *e->field);                                        \
    if (!p) return orl_fail(ORL_E_NOMEM, "orl_sim: out of memory for %zu events", need);           \
    e->field = p;
    GROW(session)
    GROW(item)
    GROW(timestamp)
    GROW(kind)
    GROW(reward)
    GROW(propensity)
#undef GROW
    e->cap = cap;
    return ORL_OK;
}

const char *orl_sim_event_name(int kind)
{
    return kind == ORL_SIM_PURCHASE ? "purchase" : kind == ORL_SIM_CLICK ? "click" : "skip";
}

int orl_sim_log_sessions(const orl_sim_world *w, uint64_t first, uint64_t n, orl_sim_events *out)
{
    double *scratch = orl_calloc(2 * (size_t)w->n_clusters, sizeof *scratch);
    if (!scratch) return orl_fail(ORL_E_NOMEM, "orl_sim: out of memory");
    const size_t n_before = out->n;
    const uint64_t shown_before = out->shown;
    const int log_skips = w->p.log_skips;
    int status = ORL_OK;
    for (uint64_t k = first; k < first + n && status == ORL_OK; k++) {
        orl_rng rng;
        orl_rng_init(&rng, w->p.seed ^ LOG_DOMAIN, k);
        uint32_t user = orl_rng_below(&rng, w->n_users);
        int64_t ts = w->p.start_timestamp + (int64_t)k * SESSION_SPACING_S +
                     (int64_t)orl_rng_below(&rng, SESSION_SPACING_S);
        orl_sim_session s;
        orl_sim_logctx lc;
        orl_sim_session_start(w, &s, user);
        orl_sim_logctx_init(w, &lc, user, scratch);
        for (int leaves = 0; !leaves;) {
            double prop;
            uint32_t item = orl_sim_log_sample(w, &lc, &rng, &prop);
            int r = orl_sim_step(w, &s, item, &rng, &leaves);
            if (r != ORL_SIM_SKIP) orl_sim_logctx_set_last(w, &lc, item);
            if (r != ORL_SIM_SKIP || log_skips) {
                if (out->n == out->cap && (status = reserve(out, out->n + 1)) != ORL_OK) break;
                size_t j = out->n++;
                out->session[j] = (int64_t)k;
                out->item[j] = item;
                out->timestamp[j] = ts;
                out->kind[j] = (uint8_t)r;
                out->reward[j] = orl_sim_reward_of(w, r);
                /* a float must not round a possible draw down to 0 */
                out->propensity[j] = fmaxf((float)prop, FLT_MIN);
            }
            ts += 1 + (int64_t)(-MEAN_GAP_S * log(1.0 - orl_rng_uniform_double(&rng)));
        }
        out->shown += s.steps;
    }
    orl_free(scratch);
    if (status != ORL_OK) {
        out->n = n_before;
        out->shown = shown_before;
    }
    return status;
}
