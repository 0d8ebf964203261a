/* The rollout engine: fresh sessions, a picker per step, return statistics. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/pool.h"
#include "sim/sim_rollout.h"
#include "sim/sim_slate.h"

/* Rollout streams never collide with logging streams (which use the world
 * seed and the session number directly). */
#define ROLLOUT_DOMAIN 0x726f6c6c6f757421ULL

/* One thread's buffers: a session's history, the shown marks, the logging
 * context's scratch and a slate picker's scratch. */
typedef struct rollout_worker {
    int64_t *history;
    uint32_t *stamps;
    double *scratch, *pick_scratch;
    uint32_t stamp;
    void *pick_ctx;
    int status;
    char message[512];
} rollout_worker;

/* Per session of a block: its return, clicks, purchases and length. */
typedef struct rollout_job {
    const orl_sim_world *w;
    orl_sim_pick_fn pick;
    rollout_worker *workers;
    uint64_t seed, first;
    double *ret, *clicks, *purchases, *length;
} rollout_job;

static int worker_init(rollout_worker *r, const orl_sim_world *w, void *pick_ctx)
{
    memset(r, 0, sizeof *r);
    r->pick_ctx = pick_ctx;
    r->history = orl_calloc(w->p.max_steps, sizeof *r->history);
    r->stamps = orl_calloc(w->n_items, sizeof *r->stamps);
    r->scratch = orl_calloc(2 * (size_t)w->n_clusters, sizeof *r->scratch);
    const int slates = w->p.slate_size > 1;
    r->pick_scratch = slates ? orl_calloc(w->n_items, sizeof *r->pick_scratch) : NULL;
    if (r->history && r->stamps && r->scratch && (!slates || r->pick_scratch)) return ORL_OK;
    return orl_fail(ORL_E_NOMEM, "rollout: out of memory");
}

static void worker_free(rollout_worker *r)
{
    orl_free(r->history);
    orl_free(r->stamps);
    orl_free(r->scratch);
    orl_free(r->pick_scratch);
}

/* Session k (its user and environment draws depend only on (seed, k)). */
static int one_session(const rollout_job *j, rollout_worker *wk, uint64_t k, double *ret,
                       double *clicks, double *purchases, double *length)
{
    const orl_sim_world *w = j->w;
    const uint32_t K = w->p.slate_size;
    orl_rng env, pol;
    orl_rng_init(&env, j->seed ^ ROLLOUT_DOMAIN, 2 * k);
    orl_rng_init(&pol, j->seed ^ ROLLOUT_DOMAIN, 2 * k + 1);
    if (++wk->stamp == 0) { /* wrapped after 2^32 sessions: forget old marks */
        memset(wk->stamps, 0, w->n_items * sizeof *wk->stamps);
        wk->stamp = 1;
    }
    orl_sim_session s;
    orl_sim_logctx lc;
    uint32_t user = orl_rng_below(&env, w->n_users);
    orl_sim_session_start(w, &s, user);
    orl_sim_logctx_init(w, &lc, user, wk->scratch);
    orl_sim_pick_state st = {&s, &lc, wk->history, 0, wk->stamps, wk->stamp, wk->pick_scratch};
    *ret = *clicks = *purchases = 0.0;
    for (int leaves = 0; !leaves;) {
        uint32_t items[ORL_SIM_MAX_SLATE] = {0};
        ORL_TRY(j->pick(wk->pick_ctx, w, &st, &pol, items));
        for (uint32_t a = 0; a < K; a++) {
            if (items[a] >= w->n_items)
                return orl_fail(ORL_E_INTERNAL, "rollout: picker chose item %u of %u",
                                (unsigned)items[a], (unsigned)w->n_items);
            for (uint32_t b = 0; b < a; b++)
                if (items[a] == items[b])
                    return orl_fail(ORL_E_INTERNAL, "rollout: picker showed item %u twice",
                                    (unsigned)items[a]);
        }
        int slot;
        int r = orl_sim_step_slate(w, &s, items, K, &env, &leaves, &slot);
        for (uint32_t a = 0; a < K; a++) wk->stamps[items[a]] = wk->stamp;
        uint32_t item = items[slot < 0 ? 0 : slot];
        *ret += orl_sim_reward_of(w, r);
        if (r != ORL_SIM_SKIP) {
            wk->history[st.history_len++] = item;
            orl_sim_logctx_set_last(w, &lc, item);
            *clicks += 1;
            *purchases += r == ORL_SIM_PURCHASE;
        }
    }
    *length = s.steps;
    return ORL_OK;
}

static void run_range(void *ctx, size_t begin, size_t end, int thread)
{
    rollout_job *j = ctx;
    rollout_worker *wk = &j->workers[thread];
    for (size_t i = begin; i < end && wk->status == ORL_OK; i++) {
        int s = one_session(j, wk, j->first + i, &j->ret[i], &j->clicks[i], &j->purchases[i],
                            &j->length[i]);
        if (s != ORL_OK) {
            wk->status = s;
            snprintf(wk->message, sizeof wk->message, "%s", orl_last_error());
        }
    }
}

/* Sessions per block: their figures are kept, then summed in session order. */
#define ROLLOUT_BLOCK 16384

int orl_sim_rollout_run_threads(const orl_sim_world *w, orl_sim_pick_fn pick, void *const *ctxs,
                                int n_ctx, uint64_t n_sessions, uint64_t seed,
                                orl_sim_rollout_result *out)
{
    if (n_sessions < 2)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "rollout: n_sessions = %llu, need at least 2 for a standard error",
                        (unsigned long long)n_sessions);
    if (n_ctx < 1) return orl_fail(ORL_E_INVALID_ARGUMENT, "rollout: %d picker contexts", n_ctx);
    orl_pool *pool = NULL;
    int status = n_ctx > 1 ? orl_pool_create(n_ctx, &pool) : ORL_OK;
    int nt = pool ? orl_pool_threads(pool) : 1;
    rollout_worker *workers = status == ORL_OK ? orl_calloc((size_t)nt, sizeof *workers) : NULL;
    double *figs = status == ORL_OK ? orl_malloc(sizeof(double) * 4 * ROLLOUT_BLOCK) : NULL;
    if (status == ORL_OK && (!workers || !figs))
        status = orl_fail(ORL_E_NOMEM, "rollout: out of memory");
    for (int t = 0; status == ORL_OK && t < nt; t++) status = worker_init(&workers[t], w, ctxs[t]);
    double mean = 0, m2 = 0, clicks = 0, purchases = 0, length = 0;
    for (uint64_t b0 = 0; status == ORL_OK && b0 < n_sessions; b0 += ROLLOUT_BLOCK) {
        size_t nb = n_sessions - b0 < ROLLOUT_BLOCK ? (size_t)(n_sessions - b0) : ROLLOUT_BLOCK;
        rollout_job j = {w,
                         pick,
                         workers,
                         seed,
                         b0,
                         figs,
                         figs + ROLLOUT_BLOCK,
                         figs + 2 * ROLLOUT_BLOCK,
                         figs + 3 * ROLLOUT_BLOCK};
        orl_pool_parallel_for(pool, nb, run_range, &j);
        for (int t = 0; status == ORL_OK && t < nt; t++)
            if (workers[t].status != ORL_OK)
                status = orl_fail(workers[t].status, "%s", workers[t].message);
        for (size_t i = 0; status == ORL_OK && i < nb; i++) { /* in session order: any threads */
            uint64_t k = b0 + i;
            double ret = j.ret[i], delta = ret - mean; /* Welford */
            mean += delta / (double)(k + 1);
            m2 += delta * (ret - mean);
            clicks += j.clicks[i];
            purchases += j.purchases[i];
            length += j.length[i];
        }
    }
    for (int t = 0; workers && t < nt; t++) worker_free(&workers[t]);
    orl_free(workers);
    orl_free(figs);
    orl_pool_free(pool);
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

int orl_sim_rollout_run(const orl_sim_world *w, orl_sim_pick_fn pick, void *pick_ctx,
                        uint64_t n_sessions, uint64_t seed, orl_sim_rollout_result *out)
{
    void *ctxs[1] = {pick_ctx};
    return orl_sim_rollout_run_threads(w, pick, ctxs, 1, n_sessions, seed, out);
}
