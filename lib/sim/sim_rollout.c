/* The rollout engine: fresh sessions, a picker per step, return statistics. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "sim/sim_rollout.h"
#include "sim/sim_slate.h"

/* Rollout streams never collide with logging streams (which use the world
 * seed and the session number directly). */
#define ROLLOUT_DOMAIN 0x726f6c6c6f757421ULL

int orl_sim_rollout_run(const orl_sim_world *w, orl_sim_pick_fn pick, void *pick_ctx,
                        uint64_t n_sessions, uint64_t seed, orl_sim_rollout_result *out)
{
    if (n_sessions < 2)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "rollout: n_sessions = %llu, need at least 2 for a standard error",
                        (unsigned long long)n_sessions);
    int64_t *history = orl_calloc(w->p.max_steps, sizeof *history);
    uint32_t *stamps = orl_calloc(w->n_items, sizeof *stamps);
    double *scratch = orl_calloc(2 * (size_t)w->n_clusters, sizeof *scratch);
    const uint32_t K = w->p.slate_size;
    double *pick_scratch = K > 1 ? orl_calloc(w->n_items, sizeof *pick_scratch) : NULL;
    if (!history || !stamps || !scratch || (K > 1 && !pick_scratch)) {
        orl_free(history);
        orl_free(stamps);
        orl_free(scratch);
        orl_free(pick_scratch);
        return orl_fail(ORL_E_NOMEM, "rollout: out of memory");
    }
    double mean = 0, m2 = 0, clicks = 0, purchases = 0, length = 0;
    uint32_t stamp = 0;
    int status = ORL_OK;
    for (uint64_t k = 0; k < n_sessions && status == ORL_OK; k++) {
        orl_rng env, pol;
        orl_rng_init(&env, seed ^ ROLLOUT_DOMAIN, 2 * k);
        orl_rng_init(&pol, seed ^ ROLLOUT_DOMAIN, 2 * k + 1);
        if (++stamp == 0) { /* wrapped after 2^32 sessions: forget old marks */
            memset(stamps, 0, w->n_items * sizeof *stamps);
            stamp = 1;
        }
        orl_sim_session s;
        orl_sim_logctx lc;
        uint32_t user = orl_rng_below(&env, w->n_users);
        orl_sim_session_start(w, &s, user);
        orl_sim_logctx_init(w, &lc, user, scratch);
        orl_sim_pick_state st = {&s, &lc, history, 0, stamps, stamp, pick_scratch};
        double ret = 0;
        for (int leaves = 0; !leaves;) {
            uint32_t items[ORL_SIM_MAX_SLATE] = {0};
            status = pick(pick_ctx, w, &st, &pol, items);
            if (status != ORL_OK) break;
            for (uint32_t a = 0; a < K && status == ORL_OK; a++) {
                if (items[a] >= w->n_items)
                    status = orl_fail(ORL_E_INTERNAL, "rollout: picker chose item %u of %u",
                                      (unsigned)items[a], (unsigned)w->n_items);
                for (uint32_t b = 0; b < a && status == ORL_OK; b++)
                    if (items[a] == items[b])
                        status = orl_fail(ORL_E_INTERNAL, "rollout: picker showed item %u twice",
                                          (unsigned)items[a]);
            }
            if (status != ORL_OK) break;
            int slot;
            int r = orl_sim_step_slate(w, &s, items, K, &env, &leaves, &slot);
            for (uint32_t a = 0; a < K; a++) stamps[items[a]] = stamp;
            uint32_t item = items[slot < 0 ? 0 : slot];
            ret += orl_sim_reward_of(w, r);
            if (r != ORL_SIM_SKIP) {
                history[st.history_len++] = item;
                orl_sim_logctx_set_last(w, &lc, item);
                clicks += 1;
                purchases += r == ORL_SIM_PURCHASE;
            }
        }
        length += s.steps;
        double delta = ret - mean; /* Welford */
        mean += delta / (double)(k + 1);
        m2 += delta * (ret - mean);
    }
    orl_free(history);
    orl_free(stamps);
    orl_free(scratch);
    orl_free(pick_scratch);
    if (status != ORL_OK) return status;
    const double n = (double)n_sessions;
    double se = sqrt(m2 / (n - 1) / n);
    out->n_sessions = n_sessions;
    out->mean_return = mean;
    out->std_error = se;
    out->ci_low = mean - 1.96 * se;
    out->ci_high = mean + 1.96 * se;
    out->mean_clicks = clicks / n;
    out->mean_purchases = purchases / n;
    out->mean_length = length / n;
    return ORL_OK;
}
