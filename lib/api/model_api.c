/* Scoring with an orl_model: top-K over the catalogue and host candidates.
 * Each call allocates its own scratch, so threads may share one model. */
#include <math.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "models/topk.h"

ORL_API int orl_model_item_count(const orl_model *model, uint64_t *out_count)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_count);
    *out_count = model->n_items;
    return ORL_OK;
}

/* Top-k of one state into ids/scores (k checked by the caller). */
/* Top-k of one state by a rule beyond the net's head (model_score.c). */
static int topk_by_rule(const orl_model *m, const int32_t *state, int32_t len, uint32_t k,
                        int32_t *ids, float *scores)
{
    return orl_model_rule_topk(m, state, len, k, ids, scores, NULL);
}

static int topk_one(const orl_model *m, const int32_t *state, int32_t len, uint32_t k, int32_t *ids,
                    float *scores)
{
    if (!orl_model_scores_plainly(m)) return topk_by_rule(m, state, len, k, ids, scores);
    size_t bytes = orl_model_scratch_bytes(m, 1);
    void *scratch = orl_aligned_alloc(bytes);
    if (!scratch) return orl_fail(ORL_E_NOMEM, "orl_model_recommend: out of memory");
    int s = orl_sl_net_topk(m->net, state, &len, 1, (int)k, scratch, bytes, ids, scores);
    orl_aligned_free(scratch);
    return s;
}

int orl_model_check_k(const orl_model *m, uint32_t k, const char *fn)
{
    const char *sep = fn ? ": " : "";
    if (!fn) fn = "";
    if (k < 1 || k > m->n_items)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s%sk = %u is outside [1, %u] (the catalogue size)",
                        fn, sep, k, m->n_items);
    if (k > 65536) return orl_fail(ORL_E_OUT_OF_RANGE, "%s%sk = %u is above 65536", fn, sep, k);
    return ORL_OK;
}

/* Shared body of the int64 and string forms. */
static int recommend_common(const orl_model *model, const int64_t *history,
                            const char *const *str_history, size_t history_len, uint32_t k,
                            int64_t *out_items, const char **out_str_items, float *out_scores,
                            size_t *out_skipped)
{
    ORL_TRY(orl_model_check_k(model, k, NULL));
    int32_t state[1024], len;
    size_t skipped = orl_model_history_state(model, history, str_history, history_len, state, &len);
    int32_t *ids = orl_malloc(sizeof(int32_t) * k);
    float *scores = orl_malloc(sizeof(float) * k);
    if (!ids || !scores) {
        orl_free(ids);
        orl_free(scores);
        return orl_fail(ORL_E_NOMEM, "orl_model_recommend: out of memory");
    }
    int s = topk_one(model, state, len, k, ids, scores);
    if (s == ORL_OK) {
        for (uint32_t i = 0; i < k; i++) {
            if (out_items) out_items[i] = orl_keymap_int(&model->items, (uint32_t)ids[i]);
            if (out_str_items) out_str_items[i] = model->item_text[ids[i]];
            if (out_scores) out_scores[i] = scores[i];
        }
        if (out_skipped) *out_skipped = skipped;
    }
    orl_free(ids);
    orl_free(scores);
    return s;
}

ORL_API int orl_model_recommend(const orl_model *model, const int64_t *history, size_t history_len,
                                uint32_t k, int64_t *out_items, float *out_scores,
                                size_t *out_skipped)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_items);
    if (history_len > 0 && !history)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_model_recommend: history is NULL");
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_model_recommend: the model's item keys are strings; use "
                        "orl_model_recommend_str");
    return recommend_common(model, history, NULL, history_len, k, out_items, NULL, out_scores,
                            out_skipped);
}

ORL_API int orl_model_recommend_str(const orl_model *model, const char *const *history,
                                    size_t history_len, uint32_t k, const char **out_items,
                                    float *out_scores, size_t *out_skipped)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_items);
    if (history_len > 0 && !history)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_model_recommend_str: history is NULL");
    static const char *const empty[1] = {NULL};
    return recommend_common(model, NULL, history ? history : empty, history_len, k, NULL, out_items,
                            out_scores, out_skipped);
}

ORL_API int orl_model_score_candidates(const orl_model *model, const int64_t *history,
                                       size_t history_len, const int64_t *candidates,
                                       size_t n_candidates, float *out_scores, size_t *out_skipped,
                                       size_t *out_unknown_candidates)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    if (history_len > 0 && !history)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_model_score_candidates: history is NULL");
    if (n_candidates > 0 && (!candidates || !out_scores))
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_model_score_candidates: candidates and out_scores must not be NULL");
    if (n_candidates > (size_t)INT32_MAX)
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_model_score_candidates: too many candidates");
    int32_t state[1024], len;
    size_t skipped = orl_model_history_state(model, history, NULL, history_len, state, &len);
    size_t bytes = orl_model_scratch_bytes(model, 1);
    int32_t *ids = orl_malloc(sizeof(int32_t) * (n_candidates ? n_candidates : 1));
    float *scores = orl_malloc(sizeof(float) * (n_candidates ? n_candidates : 1));
    void *scratch = orl_aligned_alloc(bytes);
    int s = ORL_OK;
    if (!ids || !scores || !scratch)
        s = orl_fail(ORL_E_NOMEM, "orl_model_score_candidates: out of memory");
    size_t unknown = 0, known = 0;
    if (s == ORL_OK) {
        for (size_t i = 0; i < n_candidates; i++) {
            uint32_t id;
            if (orl_keymap_find_int(&model->items, candidates[i], &id))
                ids[known++] = (int32_t)id;
            else
                unknown++;
        }
        if (known && !orl_model_scores_plainly(model)) {
            s = orl_model_score_items(model, state, len, ids, known, scores, NULL);
        } else if (known) {
            s = orl_sl_net_score_candidates(model->net, state, &len, 1, ids, (int)known, scratch,
                                            bytes, scores);
        }
    }
    if (s == ORL_OK) {
        size_t j = 0;
        for (size_t i = 0; i < n_candidates; i++) {
            uint32_t id;
            out_scores[i] =
                orl_keymap_find_int(&model->items, candidates[i], &id) ? scores[j++] : -INFINITY;
        }
        if (out_skipped) *out_skipped = skipped;
        if (out_unknown_candidates) *out_unknown_candidates = unknown;
    }
    orl_free(ids);
    orl_free(scores);
    orl_aligned_free(scratch);
    return s;
}

ORL_API int orl_model_recommend_batch(const orl_model *model, size_t n_histories,
                                      const int64_t *histories, const size_t *offsets, uint32_t k,
                                      int64_t *out_items, float *out_scores)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(offsets);
    if (n_histories == 0) return ORL_OK;
    ORL_CHECK_NOT_NULL(out_items);
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_model_recommend_batch: the model's item keys are strings");
    ORL_TRY(orl_model_check_k(model, k, NULL));
    for (size_t i = 0; i < n_histories; i++)
        if (offsets[i + 1] < offsets[i])
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "orl_model_recommend_batch: offsets[%zu] > offsets[%zu]", i, i + 1);
    if (offsets[n_histories] > offsets[0] && !histories)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_model_recommend_batch: histories is NULL");
    /* Encode and rank in blocks so the GEMM sees many rows at once: 64, the
     * most the net scans in one pass of the catalogue (ORL_KSCAN_MAX_N). */
    enum { BLOCK = 64 };
    const uint32_t T = model->encoder.window;
    size_t bytes = orl_model_scratch_bytes(model, BLOCK);
    void *scratch = orl_aligned_alloc(bytes);
    int32_t *states = orl_malloc(sizeof(int32_t) * BLOCK * T);
    int32_t *lens = orl_malloc(sizeof(int32_t) * BLOCK);
    int32_t *ids = orl_malloc(sizeof(int32_t) * BLOCK * k);
    float *scores = orl_malloc(sizeof(float) * BLOCK * k);
    int s = ORL_OK;
    if (!scratch || !states || !lens || !ids || !scores)
        s = orl_fail(ORL_E_NOMEM, "orl_model_recommend_batch: out of memory");
    for (size_t b0 = 0; s == ORL_OK && b0 < n_histories; b0 += BLOCK) {
        size_t nb = n_histories - b0 < BLOCK ? n_histories - b0 : BLOCK;
        for (size_t i = 0; i < nb; i++) {
            size_t h = b0 + i;
            orl_model_history_state(model, histories + offsets[h], NULL,
                                    offsets[h + 1] - offsets[h], states + i * T, lens + i);
        }
        if (orl_model_scores_plainly(model))
            s = orl_sl_net_topk(model->net, states, lens, (int)nb, (int)k, scratch, bytes, ids,
                                scores);
        for (size_t i = 0; !orl_model_scores_plainly(model) && s == ORL_OK && i < nb; i++)
            s = topk_by_rule(model, states + i * T, lens[i], k, ids + i * k, scores + i * k);
        for (size_t i = 0; s == ORL_OK && i < nb * k; i++) {
            out_items[b0 * k + i] = orl_keymap_int(&model->items, (uint32_t)ids[i]);
            if (out_scores) out_scores[b0 * k + i] = scores[i];
        }
    }
    orl_aligned_free(scratch);
    orl_free(states);
    orl_free(lens);
    orl_free(ids);
    orl_free(scores);
    return s;
}

ORL_API int orl_model_recommend_excluding(const orl_model *model, const int64_t *history,
                                          size_t history_len, const int64_t *exclude,
                                          size_t n_exclude, uint32_t k, int64_t *out_items,
                                          float *out_scores, size_t *out_n, size_t *out_skipped)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_items);
    ORL_CHECK_NOT_NULL(out_n);
    if (history_len > 0 && !history)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: history is NULL", __func__);
    if (n_exclude > 0 && !exclude)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: exclude is NULL", __func__);
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: the model's item keys are strings", __func__);
    ORL_TRY(orl_model_check_k(model, k, NULL));
    int32_t state[1024], len;
    size_t skipped = orl_model_history_state(model, history, NULL, history_len, state, &len);
    /* One pass over the catalogue into a full score row; excluded items are
     * masked (-inf, and skipped so that they never fill a slot), then top-k. */
    const uint32_t I = model->n_items;
    size_t bytes = orl_model_scratch_bytes(model, 1);
    void *scratch = orl_aligned_alloc(bytes);
    float *all = orl_malloc(sizeof(float) * I);
    uint8_t *masked = orl_calloc(I, 1);
    int32_t *ids = orl_malloc(sizeof(int32_t) * k);
    float *scores = orl_malloc(sizeof(float) * k);
    int s = ORL_OK;
    if (!scratch || !all || !masked || !ids || !scores)
        s = orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    if (s == ORL_OK)
        s = orl_model_scores_plainly(model)
                ? orl_sl_net_scores(model->net, state, &len, 1, scratch, bytes, all)
                : orl_model_score_row(model, state, len, all, NULL);
    if (s == ORL_OK) {
        for (size_t i = 0; i < n_exclude; i++) {
            uint32_t id;
            if (orl_keymap_find_int(&model->items, exclude[i], &id)) {
                masked[id] = 1;
                all[id] = -INFINITY;
            }
        }
        orl_topk_heap heap;
        orl_topk_init(&heap, k, scores, ids);
        for (uint32_t i = 0; i < I; i++)
            if (!masked[i]) orl_topk_push(&heap, all[i], (int32_t)i);
        orl_topk_finish(&heap);
        for (size_t i = 0; i < heap.filled; i++) {
            out_items[i] = orl_keymap_int(&model->items, (uint32_t)ids[i]);
            if (out_scores) out_scores[i] = scores[i];
        }
        *out_n = heap.filled;
        if (out_skipped) *out_skipped = skipped;
    }
    orl_aligned_free(scratch);
    orl_free(all);
    orl_free(masked);
    orl_free(ids);
    orl_free(scores);
    return s;
}

static int check_index(const orl_model *m, uint64_t index, const char *fn)
{
    if (index >= m->n_items)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: index %llu is outside [0, %u) (the catalogue)", fn,
                        (unsigned long long)index, m->n_items);
    return ORL_OK;
}

ORL_API int orl_model_item_key(const orl_model *model, uint64_t index, int64_t *out_key)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_key);
    ORL_TRY(check_index(model, index, __func__));
    if (orl_keymap_is_str(&model->items, (uint32_t)index))
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: the key of item %llu is a string; use orl_model_item_key_str",
                        __func__, (unsigned long long)index);
    *out_key = orl_keymap_int(&model->items, (uint32_t)index);
    return ORL_OK;
}

ORL_API int orl_model_item_key_str(const orl_model *model, uint64_t index, char *buf,
                                   size_t buf_len, size_t *out_len)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: NULL buf with buf_len > 0", __func__);
    ORL_TRY(check_index(model, index, __func__));
    size_t need = orl_keymap_text(&model->items, (uint32_t)index, NULL, 0) + 1;
    if (!buf) { /* a size query */
        *out_len = need;
        return ORL_OK;
    }
    *out_len = need; /* also when buf is short: the size the caller needs */
    if (buf_len < need)
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "%s: %zu bytes needed, %zu given", __func__, need,
                        buf_len);
    orl_keymap_text(&model->items, (uint32_t)index, buf, buf_len);
    return ORL_OK;
}
