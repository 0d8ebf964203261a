/* Sessions under the logging policy, with exact propensities. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "sim/sim_log.h"
#include "sim/sim_slate.h"

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
    orl_sim_displays *d = &e->disp;
    orl_free(d->session);
    orl_free(d->timestamp);
    orl_free(d->event);
    orl_free(d->slot);
    orl_free(d->reward);
    orl_free(d->slate_prob);
    orl_free(d->items);
    orl_free(d->beta);
    orl_free(d->incl);
    memset(e, 0, sizeof *e);
}

static int reserve_displays(orl_sim_displays *d, size_t need)
{
    if (need <= d->cap) return ORL_OK;
    size_t cap = d->cap ? d->cap : 1024;
    while (cap < need) cap *= 2;
    const size_t k = d->k;
    void *p;
#define GROW(field, count)                                                                         \
    p = orl_realloc_array(d->field, (count), sizeof *d->field);                                    \
    if (!p) return orl_fail(ORL_E_NOMEM, "orl_sim: out of memory for %zu displays", need);         \
    d->field = p;
    GROW(session, cap)
    GROW(timestamp, cap)
    GROW(event, cap)
    GROW(slot, cap)
    GROW(reward, cap)
    GROW(slate_prob, cap)
    GROW(items, cap * k)
    GROW(beta, cap * k)
    GROW(incl, cap * k)
#undef GROW
    d->cap = cap;
    return ORL_OK;
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

uint32_t orl_sim_log_session_user(const orl_sim_world *w, uint64_t k)
{
    orl_rng rng;
    orl_rng_init(&rng, w->p.seed ^ LOG_DOMAIN, k);
    return orl_rng_below(&rng, w->n_users);
}

const char *orl_sim_event_name(int kind)
{
    return kind == ORL_SIM_PURCHASE ? "purchase" : kind == ORL_SIM_CLICK ? "click" : "skip";
}

/* Scratch of a display-logging call. */
typedef struct disp_scratch {
    double *p;     /* [n_items] single-draw probabilities */
    uint8_t *mark; /* [n_items] zero */
    double incl[ORL_SIM_MAX_SLATE], beta[ORL_SIM_MAX_SLATE];
    uint32_t items[ORL_SIM_MAX_SLATE];
} disp_scratch;

/* One display step of session k at time ts: draws the slate, its response,
 * and appends the display (and the event of a click). */
static int log_display_step(const orl_sim_world *w, orl_sim_session *s, orl_sim_logctx *lc,
                            orl_rng *rng, disp_scratch *x, uint64_t k, int64_t ts,
                            orl_sim_events *out, int *leaves)
{
    const uint32_t K = w->p.slate_size;
    double slate_prob;
    if (K == 1) { /* today's draw, so the events are today's */
        x->items[0] = orl_sim_log_sample(w, lc, rng, &x->beta[0]);
        x->incl[0] = slate_prob = x->beta[0];
    } else {
        orl_sim_log_probs_all(w, lc, x->p);
        orl_sim_pl_sample(x->p, w->n_items, K, rng, x->items, x->beta);
        orl_sim_pl_inclusion(x->p, w->n_items, K, x->items, K, x->mark, x->incl);
        slate_prob = orl_sim_pl_slate_prob(x->beta, K);
    }
    int slot;
    int r = orl_sim_step_slate(w, s, x->items, K, rng, leaves, &slot);
    orl_sim_displays *d = &out->disp;
    if (d->n == d->cap) ORL_TRY(reserve_displays(d, d->n + 1));
    if (r != ORL_SIM_SKIP) {
        uint32_t item = x->items[slot];
        orl_sim_logctx_set_last(w, lc, item);
        if (out->n == out->cap) ORL_TRY(reserve(out, out->n + 1));
        size_t j = out->n++;
        out->session[j] = (int64_t)k;
        out->item[j] = item;
        out->timestamp[j] = ts;
        out->kind[j] = (uint8_t)r;
        out->reward[j] = orl_sim_reward_of(w, r);
        out->propensity[j] = fmaxf((float)x->beta[slot], FLT_MIN);
    }
    size_t i = d->n++;
    d->session[i] = (int64_t)k;
    d->timestamp[i] = ts;
    d->event[i] = r != ORL_SIM_SKIP ? (int64_t)out->n - 1 : -1;
    d->slot[i] = (int16_t)slot;
    d->reward[i] = orl_sim_reward_of(w, r);
    d->slate_prob[i] = slate_prob > DBL_MIN ? slate_prob : DBL_MIN;
    for (uint32_t a = 0; a < K; a++) {
        d->items[i * K + a] = x->items[a];
        d->beta[i * K + a] = fmaxf((float)x->beta[a], FLT_MIN);
        d->incl[i * K + a] = fminf(fmaxf((float)x->incl[a], FLT_MIN), 1.0f);
    }
    return ORL_OK;
}

static int log_sessions_displays(const orl_sim_world *w, uint64_t first, uint64_t n,
                                 orl_sim_events *out)
{
    double *scratch = orl_calloc(2 * (size_t)w->n_clusters, sizeof *scratch);
    disp_scratch *x = orl_calloc(1, sizeof *x);
    double *p = w->p.slate_size > 1 ? orl_calloc(w->n_items, sizeof *p) : NULL;
    uint8_t *mark = w->p.slate_size > 1 ? orl_calloc(w->n_items, 1) : NULL;
    int status = ORL_OK;
    if (!scratch || !x || (w->p.slate_size > 1 && (!p || !mark)))
        status = orl_fail(ORL_E_NOMEM, "orl_sim: out of memory");
    const size_t n_before = out->n, d_before = out->disp.n;
    const uint64_t shown_before = out->shown;
    out->disp.k = w->p.slate_size;
    if (x) {
        x->p = p;
        x->mark = mark;
    }
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
        for (int leaves = 0; !leaves && status == ORL_OK;) {
            status = log_display_step(w, &s, &lc, &rng, x, k, ts, out, &leaves);
            ts += 1 + (int64_t)(-MEAN_GAP_S * log(1.0 - orl_rng_uniform_double(&rng)));
        }
        out->shown += (uint64_t)s.steps * w->p.slate_size;
    }
    orl_free(scratch);
    orl_free(x);
    orl_free(p);
    orl_free(mark);
    if (status != ORL_OK) {
        out->n = n_before;
        out->disp.n = d_before;
        out->shown = shown_before;
    }
    return status;
}

int orl_sim_log_sessions(const orl_sim_world *w, uint64_t first, uint64_t n, orl_sim_events *out)
{
    if (orl_sim_logs_displays(w)) return log_sessions_displays(w, first, n, out);
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
