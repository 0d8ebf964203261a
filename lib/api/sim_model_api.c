/* orl_sim_rollout_model: the simulator's true value of a trained model. */
#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
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
    int s = orl_sim_rollout(sim, score_all, &p, n_sessions, seed, out_result);
    orl_free(p.all_keys);
    if (s == ORL_E_CANCELLED)
        s = orl_fail(ORL_E_INTERNAL, "orl_sim_rollout_model: scoring failed: %s", orl_last_error());
    return s;
}
