/* The public side of an ensemble of Q heads: which rule a model scores with,
 * and top-K and candidate scores with the heads' standard deviation. */
#include <math.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "models/topk.h"

ORL_API int orl_model_ensemble_size(const orl_model *model, uint32_t *out_heads)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_heads);
    *out_heads = model->n_ensemble;
    return ORL_OK;
}

ORL_API int orl_model_with_score_rule(const orl_model *model, uint32_t rule, float kappa,
                                      orl_model **out)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out);
    if (rule > ORL_SCORE_UCB)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: rule %u is not an orl_score_rule", __func__, rule);
    if (!(kappa >= 0.0f && kappa <= 1e6f))
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: kappa = %g is outside [0, 1e6]", __func__,
                        (double)kappa);
    if (!model->n_ensemble)
        return orl_fail(ORL_E_NOT_FOUND,
                        "%s: the model has no ensemble of Q heads (train with rem or sqn_rem)",
                        __func__);
    return orl_model_derive(model, ORL_HEAD_Q, rule, rule == ORL_SCORE_MEAN ? 0.0f : kappa, out);
}

ORL_API int orl_model_score_rule(const orl_model *model, uint32_t *out_rule, float *out_kappa)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_rule);
    *out_rule = model->score_rule;
    if (out_kappa) *out_kappa = model->kappa;
    return ORL_OK;
}

ORL_API int orl_model_recommend_with_std(const orl_model *model, const int64_t *history,
                                         size_t history_len, uint32_t k, int64_t *out_items,
                                         float *out_scores, float *out_std, size_t *out_skipped)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_items);
    ORL_CHECK_NOT_NULL(out_std);
    if (history_len > 0 && !history)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: history is NULL", __func__);
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: the model's item keys are strings", __func__);
    ORL_TRY(orl_model_check_k(model, k, __func__));
    if (!orl_model_scores_with_ensemble(model))
        return orl_fail(ORL_E_STATE, "%s: the model does not score with an ensemble of Q heads",
                        __func__);
    int32_t state[1024], len;
    size_t skipped = orl_model_history_state(model, history, NULL, history_len, state, &len);
    int32_t *ids = orl_malloc(sizeof(int32_t) * k);
    float *scores = orl_malloc(sizeof(float) * k);
    int s = ids && scores ? orl_model_rule_topk(model, state, len, k, ids, scores, out_std)
                          : orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    if (s == ORL_OK) {
        for (uint32_t i = 0; i < k; i++) {
            out_items[i] = orl_keymap_int(&model->items, (uint32_t)ids[i]);
            if (out_scores) out_scores[i] = scores[i];
        }
        if (out_skipped) *out_skipped = skipped;
    }
    orl_free(ids);
    orl_free(scores);
    return s;
}

ORL_API int orl_model_score_candidates_with_std(const orl_model *model, const int64_t *history,
                                                size_t history_len, const int64_t *candidates,
                                                size_t n_candidates, float *out_scores,
                                                float *out_std, size_t *out_skipped,
                                                size_t *out_unknown_candidates)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    if (history_len > 0 && !history)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: history is NULL", __func__);
    if (n_candidates > 0 && (!candidates || !out_scores || !out_std))
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: candidates, out_scores and out_std must not be NULL", __func__);
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: the model's item keys are strings", __func__);
    if (!orl_model_scores_with_ensemble(model))
        return orl_fail(ORL_E_STATE, "%s: the model does not score with an ensemble of Q heads",
                        __func__);
    int32_t state[1024], len;
    size_t skipped = orl_model_history_state(model, history, NULL, history_len, state, &len);
    /* Known candidates scored together (ensemble: per item, K + 1 rows each). */
    size_t n = n_candidates ? n_candidates : 1, known = 0, unknown = 0;
    int32_t *ids = orl_malloc(sizeof(int32_t) * n);
    float *sc = orl_malloc(sizeof(float) * n), *sd = orl_malloc(sizeof(float) * n);
    int s = ids && sc && sd ? ORL_OK : orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    for (size_t i = 0; s == ORL_OK && i < n_candidates; i++) {
        uint32_t id;
        if (orl_keymap_find_int(&model->items, candidates[i], &id)) ids[known++] = (int32_t)id;
    }
    if (s == ORL_OK && known) s = orl_model_score_items(model, state, len, ids, known, sc, sd);
    if (s == ORL_OK) {
        size_t j = 0;
        for (size_t i = 0; i < n_candidates; i++) {
            uint32_t id;
            if (orl_keymap_find_int(&model->items, candidates[i], &id)) {
                out_scores[i] = sc[j];
                out_std[i] = sd[j++];
            } else {
                out_scores[i] = -INFINITY;
                out_std[i] = NAN;
                unknown++;
            }
        }
        if (out_skipped) *out_skipped = skipped;
        if (out_unknown_candidates) *out_unknown_candidates = unknown;
    }
    orl_free(ids);
    orl_free(sc);
    orl_free(sd);
    return s;
}
