/* orl_sim_rollout_model: the simulator's true value of a trained model. */
#include <string.h>

#include "api/model_impl.h"
#include "api/sim_handle.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/pool.h"
#include "sim/sim_rollout.h"
#include "offlinerl/sim.h"

typedef struct model_policy {
    const orl_model *model;
    int64_t *all_keys; /* the simulator's item keys 0..n-1 */
    size_t n_items;
} model_policy;

/* Scores every simulator item with the model; items it never saw rank last. */
static int score_all(const int64_t *history, size_t history_len, float *out_scores, size_t n_items,
                     void *user_data)
{
    model_policy *p = user_data;
    if (n_items != p->n_items) return 1;
    int s = orl_model_score_candidates(p->model, history, history_len, p->all_keys, n_items,
                                       out_scores, NULL, NULL);
    if (s != ORL_OK) return 1;
    for (size_t i = 0; i < n_items; i++)
        if (out_scores[i] < -3e38f) out_scores[i] = -3e38f; /* finite for the simulator */
    return 0;
}

/* Sessions per thread below which a thread is not worth starting. */
#define SESSIONS_PER_THREAD 64

/* orl_sim_rollout with score_all, one score row per core: the model scores
 * concurrently and the result is the serial one bit for bit. */
static int rollout_on_cores(const orl_sim *sim, model_policy *p, uint64_t n_sessions, uint64_t seed,
                            orl_sim_rollout_result *out_result)
{
    ORL_TRY(orl_sim_check_rollout_args(sim, n_sessions, out_result, "orl_sim_rollout_model"));
    uint64_t most = n_sessions / SESSIONS_PER_THREAD;
    int nt = orl_cpu_count();
    if ((uint64_t)nt > most) nt = most > 1 ? (int)most : 1;
    orl_sim_score_picker *sp = orl_calloc((size_t)nt, sizeof *sp);
    void **ctxs = orl_calloc((size_t)nt, sizeof *ctxs);
    float *rows = orl_calloc((size_t)nt * p->n_items, sizeof(float));
    int s =
        sp && ctxs && rows ? ORL_OK : orl_fail(ORL_E_NOMEM, "orl_sim_rollout_model: out of memory");
    for (int t = 0; s == ORL_OK && t < nt; t++) {
        sp[t] = (orl_sim_score_picker){score_all, p, rows + (size_t)t * p->n_items};
        ctxs[t] = &sp[t];
    }
    orl_sim_rollout_result r;
    memset(&r, 0, sizeof r);
    if (s == ORL_OK)
        s = orl_sim_rollout_run_threads(sim->world, orl_sim_pick_scores, ctxs, nt, n_sessions, seed,
                                        &r);
    orl_free(sp);
    orl_free(ctxs);
    orl_free(rows);
    if (s != ORL_OK) return s;
    r.struct_size = out_result->struct_size;
    *out_result = r;
    return ORL_OK;
}

ORL_API int orl_sim_rollout_model(const orl_sim *sim, const orl_model *model, uint64_t n_sessions,
                                  uint64_t seed, orl_sim_rollout_result *out_result)
{
    ORL_CHECK_NOT_NULL(sim);
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_result);
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_sim_rollout_model: the model's item keys are strings, the "
                        "simulator's are integers");
    size_t n = 0;
    ORL_TRY(orl_sim_num_items(sim, &n));
    model_policy p = {model, orl_malloc(sizeof(int64_t) * (n ? n : 1)), n};
    if (!p.all_keys) return orl_fail(ORL_E_NOMEM, "orl_sim_rollout_model: out of memory");
    for (size_t i = 0; i < n; i++) p.all_keys[i] = (int64_t)i;
    int s = rollout_on_cores(sim, &p, n_sessions, seed, out_result);
    orl_free(p.all_keys);
    if (s == ORL_E_CANCELLED)
        s = orl_fail(ORL_E_INTERNAL, "orl_sim_rollout_model: scoring failed: %s", orl_last_error());
    return s;
}
