/* Exported simulator functions: argument checks, then lib/sim/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api/sim_handle.h"
#include "core/alloc.h"
#include "core/error.h"
#include "sim/sim_log.h"
#include "sim/sim_rollout.h"
#include "offlinerl/sim.h"

#define MAX_SESSIONS_PER_CALL (1ULL << 32)

ORL_API void orl_sim_params_init(orl_sim_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->seed = 1;
    p->n_users = 1000;
    p->n_items = 1000;
    p->n_clusters = 20;
    p->taste_dim = 8;
    p->min_steps = 2;
    p->max_steps = 50;
    p->popularity_zipf = 1.0f;
    p->leave_prob = 0.08f;
    p->leave_skip = 1.0f;
    p->leave_satisfaction = 0.6f;
    p->click_bias = -1.0f;
    p->click_relevance = 2.0f;
    p->click_appeal = 1.2f;
    p->click_successor = 1.5f;
    p->click_satisfaction = 0.3f;
    p->purchase_bias = -2.5f;
    p->purchase_quality = 1.2f;
    p->purchase_satisfaction = 0.5f;
    p->sat_decay = 0.8f;
    p->sat_quality = 0.3f;
    p->sat_variety = 0.1f;
    p->interest_drift = 0.3f;
    p->log_epsilon = 0.1f;
    p->log_temperature = 1.0f;
    p->log_successor_prob = 0.3f;
    p->log_popularity_weight = 1.0f;
    p->log_taste_weight = 2.0f;
    p->log_cluster_boost = 1.0f;
    p->reward_click = 0.2f;
    p->reward_purchase = 1.0f;
    p->rollout_temperature = 0.0f;
    p->log_skips = 0;
    p->rollout_repeat = 0;
    p->start_timestamp = 1600000000;
    p->slate_size = 1;
    p->position_bias = 0.3f;
    p->log_impressions = 0;
}

ORL_API int orl_sim_create(const orl_sim_params *params, orl_sim **out)
{
    ORL_CHECK_NOT_NULL(out);
    orl_sim_params p;
    orl_sim_params_init(&p);
    if (params) {
        if (params->struct_size < sizeof p)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "orl_sim_create: params->struct_size = %zu is smaller than %zu; fill "
                            "the params with orl_sim_params_init()",
                            params->struct_size, sizeof p);
        memcpy(&p, params, sizeof p);
        p.struct_size = sizeof p;
    }
    orl_sim *sim = orl_calloc(1, sizeof *sim);
    if (!sim) return orl_fail(ORL_E_NOMEM, "orl_sim_create: out of memory");
    int s = orl_sim_world_create(&p, &sim->world);
    if (s != ORL_OK) {
        orl_free(sim);
        return s;
    }
    sim->tag.tag = ORL_TAG_SIM;
    *out = sim;
    return ORL_OK;
}

ORL_API void orl_sim_free(orl_sim *sim)
{
    if (!sim || sim->tag.tag != ORL_TAG_SIM) return; /* NULL, wrong kind or freed: ignored */
    orl_sim_world_free(sim->world);
    sim->tag.tag = ORL_TAG_FREED;
    orl_free(sim);
}

ORL_API int orl_sim_num_items(const orl_sim *sim, size_t *out_n_items)
{
    ORL_CHECK_HANDLE(sim, ORL_TAG_SIM);
    ORL_CHECK_NOT_NULL(out_n_items);
    *out_n_items = sim->world->n_items;
    return ORL_OK;
}

int orl_sim_check_rollout_args(const orl_sim *sim, uint64_t n_sessions,
                               const orl_sim_rollout_result *out_result, const char *func)
{
    ORL_CHECK_HANDLE(sim, ORL_TAG_SIM);
    if (!out_result)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: 'out_result' must not be NULL", func);
    if (out_result->struct_size < sizeof *out_result)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: out_result->struct_size = %zu is smaller than %zu; set it to "
                        "sizeof(orl_sim_rollout_result)",
                        func, out_result->struct_size, sizeof *out_result);
    if (n_sessions < 2 || n_sessions > MAX_SESSIONS_PER_CALL)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: n_sessions = %llu is outside [2, 2^32]", func,
                        (unsigned long long)n_sessions);
    return ORL_OK;
}

/* Runs into a local result and copies it out only on success. */
static int run_rollout(const orl_sim *sim, orl_sim_pick_fn pick, void *ctx, uint64_t n_sessions,
                       uint64_t seed, orl_sim_rollout_result *out_result)
{
    orl_sim_rollout_result r;
    memset(&r, 0, sizeof r);
    ORL_TRY(orl_sim_rollout_run(sim->world, pick, ctx, n_sessions, seed, &r));
    r.struct_size = out_result->struct_size;
    *out_result = r;
    return ORL_OK;
}

ORL_API int orl_sim_rollout(const orl_sim *sim, orl_sim_policy_fn policy_fn, void *user_data,
                            uint64_t n_sessions, uint64_t seed, orl_sim_rollout_result *out_result)
{
    ORL_TRY(orl_sim_check_rollout_args(sim, n_sessions, out_result, __func__));
    ORL_CHECK_NOT_NULL(policy_fn);
    orl_sim_score_picker sp = {policy_fn, user_data, NULL};
    sp.scores = orl_calloc(sim->world->n_items, sizeof(float));
    if (!sp.scores) return orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    int s = run_rollout(sim, orl_sim_pick_scores, &sp, n_sessions, seed, out_result);
    orl_free(sp.scores);
    return s;
}

ORL_API int orl_sim_rollout_logging(const orl_sim *sim, uint64_t n_sessions, uint64_t seed,
                                    orl_sim_rollout_result *out_result)
{
    ORL_TRY(orl_sim_check_rollout_args(sim, n_sessions, out_result, __func__));
    return run_rollout(sim, orl_sim_pick_logging, NULL, n_sessions, seed, out_result);
}

ORL_API int orl_sim_rollout_random(const orl_sim *sim, uint64_t n_sessions, uint64_t seed,
                                   orl_sim_rollout_result *out_result)
{
    ORL_TRY(orl_sim_check_rollout_args(sim, n_sessions, out_result, __func__));
    return run_rollout(sim, orl_sim_pick_random, NULL, n_sessions, seed, out_result);
}

ORL_API int orl_sim_rollout_popularity(const orl_sim *sim, uint64_t n_sessions, uint64_t seed,
                                       orl_sim_rollout_result *out_result)
{
    ORL_TRY(orl_sim_check_rollout_args(sim, n_sessions, out_result, __func__));
    return run_rollout(sim, orl_sim_pick_popularity, NULL, n_sessions, seed, out_result);
}

ORL_API int orl_sim_logging_probs(const orl_sim *sim, uint32_t user_id,
                                  const int64_t *history_item_keys, size_t history_len,
                                  float *out_probs, size_t n_items)
{
    ORL_CHECK_HANDLE(sim, ORL_TAG_SIM);
    ORL_CHECK_NOT_NULL(out_probs);
    const orl_sim_world *w = sim->world;
    if (history_len > 0 && !history_item_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: 'history_item_keys' must not be NULL when history_len = %zu", __func__,
                        history_len);
    if (user_id >= w->n_users)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: user_id = %u, the simulator has %u users",
                        __func__, (unsigned)user_id, (unsigned)w->n_users);
    if (n_items < w->n_items)
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "%s: n_items = %zu, the simulator has %u items",
                        __func__, n_items, (unsigned)w->n_items);
    for (size_t k = 0; k < history_len; k++)
        if (history_item_keys[k] < 0 || history_item_keys[k] >= (int64_t)w->n_items)
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "%s: history_item_keys[%zu] = %lld is not an item key (0 .. %u)",
                            __func__, k, (long long)history_item_keys[k], (unsigned)w->n_items - 1);
    double *scratch = orl_calloc(2 * (size_t)w->n_clusters, sizeof *scratch);
    if (!scratch) return orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    orl_sim_logctx lc;
    orl_sim_logctx_init(w, &lc, user_id, scratch);
    if (history_len > 0)
        orl_sim_logctx_set_last(w, &lc, (uint32_t)history_item_keys[history_len - 1]);
    for (uint32_t i = 0; i < w->n_items; i++) out_probs[i] = (float)orl_sim_log_prob(w, &lc, i);
    orl_free(scratch);
    return ORL_OK;
}

ORL_API int orl_sim_session_user(const orl_sim *sim, int64_t session_key, uint32_t *out_user)
{
    ORL_CHECK_HANDLE(sim, ORL_TAG_SIM);
    ORL_CHECK_NOT_NULL(out_user);
    if (session_key < 0)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: session_key = %lld is negative", __func__,
                        (long long)session_key);
    *out_user = orl_sim_log_session_user(sim->world, (uint64_t)session_key);
    return ORL_OK;
}

int orl_sim_check_log_args(const orl_sim *sim, uint64_t n_sessions, const char *func)
{
    ORL_CHECK_HANDLE(sim, ORL_TAG_SIM);
    if (n_sessions < 1 || n_sessions > MAX_SESSIONS_PER_CALL)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: n_sessions = %llu is outside [1, 2^32]", func,
                        (unsigned long long)n_sessions);
    if (sim->next_session > (uint64_t)INT64_MAX - n_sessions)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: session keys would overflow", func);
    return ORL_OK;
}

/* CSV in chunks of sessions so memory stays bounded. */
#define CSV_CHUNK_SESSIONS 4096

static int write_csv_rows(FILE *f, const orl_sim_events *e)
{
    for (size_t j = 0; j < e->n; j++)
        if (fprintf(f, "%lld,%lld,%lld,%s,%.7g,%.9g\n", (long long)e->session[j],
                    (long long)e->timestamp[j], (long long)e->item[j],
                    orl_sim_event_name(e->kind[j]), (double)e->reward[j],
                    (double)e->propensity[j]) < 0)
            return -1;
    return 0;
}

/* Display rows: one per display step; a click names its item, event and the
 * clicked item's single-draw propensity; a step with no click has an empty
 * item, event "none" and reward 0. */
static int write_csv_display_rows(FILE *f, const orl_sim_events *e)
{
    const orl_sim_displays *d = &e->disp;
    const uint32_t K = d->k;
    for (size_t i = 0; i < d->n; i++) {
        int rc;
        if (d->event[i] >= 0) {
            size_t j = (size_t)d->event[i];
            rc = fprintf(f, "%lld,%lld,%lld,%s,%.7g,%.9g,", (long long)d->session[i],
                         (long long)d->timestamp[i], (long long)e->item[j],
                         orl_sim_event_name(e->kind[j]), (double)e->reward[j],
                         (double)e->propensity[j]);
        } else {
            rc = fprintf(f, "%lld,%lld,,none,0,,", (long long)d->session[i],
                         (long long)d->timestamp[i]);
        }
        if (rc < 0) return -1;
        const size_t o = i * K;
        for (uint32_t a = 0; a < K; a++)
            if (fprintf(f, a ? "|%u" : "%u", (unsigned)d->items[o + a]) < 0) return -1;
        for (uint32_t a = 0; a < K; a++)
            if (fprintf(f, a ? "|%.9g" : ",%.9g", (double)d->beta[o + a]) < 0) return -1;
        for (uint32_t a = 0; a < K; a++)
            if (fprintf(f, a ? "|%.9g" : ",%.9g", (double)d->incl[o + a]) < 0) return -1;
        if (fprintf(f, ",%.17g\n", d->slate_prob[i]) < 0) return -1;
    }
    return 0;
}

ORL_API int orl_sim_write_csv(orl_sim *sim, uint64_t n_sessions, const char *path)
{
    ORL_TRY(orl_sim_check_log_args(sim, n_sessions, __func__));
    ORL_CHECK_NOT_NULL(path);
    size_t len = strlen(path);
    char *tmp = orl_malloc(len + 16);
    if (!tmp) return orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    snprintf(tmp, len + 16, "%s.tmp%05u", path, (unsigned)(sim->next_session % 100000));
    FILE *f = fopen(tmp, "w");
    if (!f) {
        int s = orl_fail(ORL_E_IO, "%s: cannot create %s: %s", __func__, tmp, strerror(errno));
        orl_free(tmp);
        return s;
    }
    orl_sim_events ev;
    memset(&ev, 0, sizeof ev);
    int s = ORL_OK;
    const int displays = orl_sim_logs_displays(sim->world);
    if (fputs(displays ? "session_id,timestamp,item_id,event,reward,propensity,impressions,"
                         "impression_propensities,impression_inclusion,slate_propensity\n"
                       : "session_id,timestamp,item_id,event,reward,propensity\n",
              f) < 0)
        s = orl_fail(ORL_E_IO, "%s: cannot write %s: %s", __func__, tmp, strerror(errno));
    for (uint64_t done = 0; s == ORL_OK && done < n_sessions;) {
        uint64_t chunk =
            n_sessions - done < CSV_CHUNK_SESSIONS ? n_sessions - done : CSV_CHUNK_SESSIONS;
        ev.n = 0;
        ev.disp.n = 0;
        s = orl_sim_log_sessions(sim->world, sim->next_session + done, chunk, &ev);
        if (s == ORL_OK &&
            (displays ? write_csv_display_rows(f, &ev) : write_csv_rows(f, &ev)) != 0)
            s = orl_fail(ORL_E_IO, "%s: cannot write %s: %s", __func__, tmp, strerror(errno));
        done += chunk;
    }
    orl_sim_events_free(&ev);
    if (fclose(f) != 0 && s == ORL_OK)
        s = orl_fail(ORL_E_IO, "%s: cannot write %s: %s", __func__, tmp, strerror(errno));
    if (s == ORL_OK && rename(tmp, path) != 0)
        s = orl_fail(ORL_E_IO, "%s: cannot rename %s to %s: %s", __func__, tmp, path,
                     strerror(errno));
    if (s != ORL_OK) remove(tmp);
    orl_free(tmp);
    if (s == ORL_OK) sim->next_session += n_sessions;
    return s;
}
