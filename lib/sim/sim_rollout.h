/* The rollout engine: runs fresh sessions in which a "picker" chooses every
 * shown item, and measures the return. Pickers for the built-in policies, for
 * host scoring callbacks (the public rollout, and the later model adapter) and
 * for test oracles that see the hidden user state live here too. */
#ifndef ORL_SIM_SIM_ROLLOUT_H
#define ORL_SIM_SIM_ROLLOUT_H

#include "sim/sim.h"

/* What a picker may look at. The hidden state (session) is for oracles only;
 * a real policy uses the history of clicked items. */
typedef struct orl_sim_pick_state {
    const orl_sim_session *session;
    const orl_sim_logctx *logctx;
    const int64_t *history; /* clicked / purchased item keys, oldest first */
    size_t history_len;
    const uint32_t *shown_stamp; /* item i was shown this session iff shown_stamp[i] == stamp */
    uint32_t stamp;
    double *scratch; /* [n_items] for pickers of slates (slate_size > 1), else NULL */
} orl_sim_pick_state;

static inline int orl_sim_was_shown(const orl_sim_pick_state *st, uint32_t item)
{
    return st->shown_stamp[item] == st->stamp;
}

/* Chooses the items to show: out_items[0 .. slate_size), distinct, in
 * position order (one item when slate_size = 1, drawn exactly as before
 * slates existed). Returns ORL_OK or an error status (set with orl_fail),
 * which stops the rollout. */
typedef int (*orl_sim_pick_fn)(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                               orl_rng *rng, uint32_t *out_items);

/* Runs n_sessions >= 2 sessions; session k's user and environment draws
 * depend only on (seed, k). Fills every field of *out but struct_size. */
int orl_sim_rollout_run(const orl_sim_world *w, orl_sim_pick_fn pick, void *pick_ctx,
                        uint64_t n_sessions, uint64_t seed, orl_sim_rollout_result *out);
/* The same on n_ctx threads, thread t picking with ctxs[t] (a picker's
 * context holds scratch, so one per thread; pick must be safe to call on
 * distinct contexts at once). The result is bit-identical for any n_ctx:
 * every session's figures are kept and summed in session order. */
int orl_sim_rollout_run_threads(const orl_sim_world *w, orl_sim_pick_fn pick, void *const *ctxs,
                                int n_ctx, uint64_t n_sessions, uint64_t seed,
                                orl_sim_rollout_result *out);

/* Built-in pickers (ctx unused, pass NULL). */
int orl_sim_pick_logging(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                         orl_rng *rng, uint32_t *out_item);
int orl_sim_pick_random(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item);
int orl_sim_pick_popularity(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                            orl_rng *rng, uint32_t *out_item);

/* A host scoring callback: the top-scoring allowed item, or a softmax sample
 * at rollout_temperature > 0. scores must hold n_items floats. */
typedef struct orl_sim_score_picker {
    orl_sim_policy_fn fn;
    void *user_data;
    float *scores;
} orl_sim_score_picker;
int orl_sim_pick_scores(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item);
/* Choose from scores already filled (shared by callback and model adapters):
 * with slates, the K best allowed items in order (rollout_temperature = 0) or
 * a Plackett-Luce draw from softmax(scores / T). */
int orl_sim_choose_from_scores(const orl_sim_world *w, const orl_sim_pick_state *st,
                               const float *scores, orl_rng *rng, uint32_t *out_items);

/* Oracles that know the hidden state (for tests and as upper references):
 * ORL_SIM_ORACLE_CLICK maximises the immediate click probability;
 * ORL_SIM_ORACLE_VALUE maximises expected immediate reward plus
 * sat_weight * expected satisfaction change. Both never repeat an item. */
enum { ORL_SIM_ORACLE_CLICK = 0, ORL_SIM_ORACLE_VALUE = 1 };
typedef struct orl_sim_oracle {
    int kind;
    float sat_weight;
} orl_sim_oracle;
int orl_sim_pick_oracle(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item);

#endif
