/* Batch forms of the host API: top-K with exclusion lists for many histories,
 * and the string-key forms of batch top-K and candidate scoring. Every score
 * comes from the same paths as the one-history calls (the net's batch paths
 * are bit-identical to its one-history ones; models with a scoring rule score
 * row by row through orl_model_score_row), so a batch row equals the
 * one-history result bit for bit. */
#include <math.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "models/topk.h"

/* Histories scored together: the most the net takes in one pass. */
enum { BLOCK = 64 };

static int check_offsets(const size_t *offsets, size_t n, const void *keys, const char *what,
                         const char *fn)
{
    for (size_t i = 0; i < n; i++)
        if (offsets[i + 1] < offsets[i])
            return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: %s offsets[%zu] > offsets[%zu]", fn, what,
                            i, i + 1);
    if (offsets[n] > offsets[0] && !keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: %s is NULL", fn, what);
    return ORL_OK;
}

/* The item id of a key (int64 when skeys is NULL); 1 when the model knows it. */
static int find_key(const orl_model *m, const int64_t *keys, const char *const *skeys, size_t i,
                    uint32_t *id)
{
    if (!skeys) return orl_keymap_find_int(&m->items, keys[i], id);
    return skeys[i] && orl_keymap_find_str(&m->items, skeys[i], strlen(skeys[i]), id);
}

/* Full score rows [nb x I] of a block of states, as the one-history calls score them. */
static int score_rows(const orl_model *m, const int32_t *states, const int32_t *lens, size_t nb,
                      void *scratch, size_t bytes, float *rows)
{
    if (orl_model_scores_plainly(m))
        return orl_sl_net_scores(m->net, states, lens, (int)nb, scratch, bytes, rows);
    const size_t T = m->encoder.window;
    int s = ORL_OK;
    for (size_t i = 0; s == ORL_OK && i < nb; i++)
        s = orl_model_score_row(m, states + i * T, lens[i], rows + i * m->n_items, NULL);
    return s;
}

typedef struct batch_args {
    size_t n;
    const int64_t *hist;
    const char *const *shist;
    const size_t *offsets;
    const int64_t *excl;
    const char *const *sexcl;
    const size_t *excl_offsets; /* NULL: nothing excluded */
    uint32_t k;
    int64_t *out_items;
    const char **out_sitems;
    float *out_scores;
    size_t *out_counts;
} batch_args;

static int excluding_common(const orl_model *m, const batch_args *a, const char *fn)
{
    ORL_TRY(orl_model_check_k(m, a->k, fn));
    ORL_TRY(check_offsets(a->offsets, a->n, a->shist ? (const void *)a->shist : a->hist,
                          "histories", fn));
    if (a->excl_offsets)
        ORL_TRY(check_offsets(a->excl_offsets, a->n, a->sexcl ? (const void *)a->sexcl : a->excl,
                              "exclude", fn));
    const size_t T = m->encoder.window, I = m->n_items, K = a->k;
    const size_t blk = a->n < BLOCK ? a->n : BLOCK;
    size_t bytes = orl_model_scratch_bytes(m, (int)blk);
    void *scratch = orl_aligned_alloc(bytes);
    int32_t *states = orl_malloc(sizeof(int32_t) * blk * T);
    int32_t *lens = orl_malloc(sizeof(int32_t) * blk);
    float *rows = orl_malloc(sizeof(float) * blk * I);
    uint8_t *masked = orl_calloc(I, 1);
    int32_t *ids = orl_malloc(sizeof(int32_t) * K);
    float *scores = orl_malloc(sizeof(float) * K);
    int s = ORL_OK;
    if (!scratch || !states || !lens || !rows || !masked || !ids || !scores)
        s = orl_fail(ORL_E_NOMEM, "%s: out of memory", fn);
    for (size_t b0 = 0; s == ORL_OK && b0 < a->n; b0 += BLOCK) {
        size_t nb = a->n - b0 < BLOCK ? a->n - b0 : BLOCK;
        for (size_t i = 0; i < nb; i++) {
            size_t h = b0 + i, o = a->offsets[h], len = a->offsets[h + 1] - o;
            orl_model_history_state(m, a->shist ? NULL : a->hist + o,
                                    a->shist ? a->shist + o : NULL, len, states + i * T, lens + i);
        }
        s = score_rows(m, states, lens, nb, scratch, bytes, rows);
        for (size_t i = 0; s == ORL_OK && i < nb; i++) {
            size_t h = b0 + i, e0 = 0, e1 = 0;
            if (a->excl_offsets) e0 = a->excl_offsets[h], e1 = a->excl_offsets[h + 1];
            uint32_t id;
            for (size_t e = e0; e < e1; e++)
                if (find_key(m, a->excl, a->sexcl, e, &id)) masked[id] = 1;
            /* As orl_model_recommend_excluding: excluded items never fill a slot. */
            const float *row = rows + i * I;
            orl_topk_heap heap;
            orl_topk_init(&heap, K, scores, ids);
            for (uint32_t it = 0; it < I; it++)
                if (!masked[it]) orl_topk_push(&heap, row[it], (int32_t)it);
            orl_topk_finish(&heap);
            for (size_t j = 0; j < heap.filled; j++) {
                if (a->out_items)
                    a->out_items[h * K + j] = orl_keymap_int(&m->items, (uint32_t)ids[j]);
                if (a->out_sitems) a->out_sitems[h * K + j] = m->item_text[ids[j]];
                if (a->out_scores) a->out_scores[h * K + j] = scores[j];
            }
            a->out_counts[h] = heap.filled;
            for (size_t e = e0; e < e1; e++)
                if (find_key(m, a->excl, a->sexcl, e, &id)) masked[id] = 0;
        }
    }
    orl_aligned_free(scratch);
    orl_free(states);
    orl_free(lens);
    orl_free(rows);
    orl_free(masked);
    orl_free(ids);
    orl_free(scores);
    return s;
}

ORL_API int orl_model_recommend_batch_excluding(const orl_model *model, size_t n_histories,
                                                const int64_t *histories, const size_t *offsets,
                                                const int64_t *exclude,
                                                const size_t *exclude_offsets, uint32_t k,
                                                int64_t *out_items, float *out_scores,
                                                size_t *out_counts)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(offsets);
    if (n_histories == 0) return ORL_OK;
    ORL_CHECK_NOT_NULL(out_items);
    ORL_CHECK_NOT_NULL(out_counts);
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: the model's item keys are strings; use "
                        "orl_model_recommend_batch_excluding_str",
                        __func__);
    batch_args a = {n_histories,     histories, NULL,      offsets, exclude,    NULL,
                    exclude_offsets, k,         out_items, NULL,    out_scores, out_counts};
    return excluding_common(model, &a, __func__);
}

ORL_API int orl_model_recommend_batch_excluding_str(
    const orl_model *model, size_t n_histories, const char *const *histories, const size_t *offsets,
    const char *const *exclude, const size_t *exclude_offsets, uint32_t k, const char **out_items,
    float *out_scores, size_t *out_counts)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(offsets);
    if (n_histories == 0) return ORL_OK;
    ORL_CHECK_NOT_NULL(out_items);
    ORL_CHECK_NOT_NULL(out_counts);
    batch_args a = {n_histories,     NULL, histories, offsets,   NULL,       exclude,
                    exclude_offsets, k,    NULL,      out_items, out_scores, out_counts};
    return excluding_common(model, &a, __func__);
}

ORL_API int orl_model_recommend_batch_str(const orl_model *model, size_t n_histories,
                                          const char *const *histories, const size_t *offsets,
                                          uint32_t k, const char **out_items, float *out_scores)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(offsets);
    if (n_histories == 0) return ORL_OK;
    ORL_CHECK_NOT_NULL(out_items);
    ORL_TRY(orl_model_check_k(model, k, __func__));
    ORL_TRY(check_offsets(offsets, n_histories, histories, "histories", __func__));
    /* As orl_model_recommend_batch: blocks of histories through the net's top-K. */
    const uint32_t T = model->encoder.window;
    const size_t blk = n_histories < BLOCK ? n_histories : BLOCK;
    size_t bytes = orl_model_scratch_bytes(model, (int)blk);
    void *scratch = orl_aligned_alloc(bytes);
    int32_t *states = orl_malloc(sizeof(int32_t) * blk * T);
    int32_t *lens = orl_malloc(sizeof(int32_t) * blk);
    int32_t *ids = orl_malloc(sizeof(int32_t) * blk * k);
    float *scores = orl_malloc(sizeof(float) * blk * k);
    float *row =
        orl_model_scores_plainly(model) ? NULL : orl_malloc(sizeof(float) * model->n_items);
    int s = ORL_OK;
    if (!scratch || !states || !lens || !ids || !scores ||
        (!orl_model_scores_plainly(model) && !row))
        s = orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    for (size_t b0 = 0; s == ORL_OK && b0 < n_histories; b0 += BLOCK) {
        size_t nb = n_histories - b0 < BLOCK ? n_histories - b0 : BLOCK;
        for (size_t i = 0; i < nb; i++) {
            size_t h = b0 + i;
            orl_model_history_state(model, NULL, histories + offsets[h],
                                    offsets[h + 1] - offsets[h], states + i * T, lens + i);
        }
        if (row) {
            for (size_t i = 0; s == ORL_OK && i < nb; i++) {
                s = orl_model_score_row(model, states + i * T, lens[i], row, NULL);
                if (s != ORL_OK) break;
                orl_topk_heap heap;
                orl_topk_init(&heap, k, scores + i * k, ids + i * k);
                for (uint32_t it = 0; it < model->n_items; it++)
                    orl_topk_push(&heap, row[it], (int32_t)it);
                orl_topk_finish(&heap);
            }
        } else {
            s = orl_sl_net_topk(model->net, states, lens, (int)nb, (int)k, scratch, bytes, ids,
                                scores);
        }
        for (size_t i = 0; s == ORL_OK && i < nb * k; i++) {
            out_items[b0 * k + i] = model->item_text[ids[i]];
            if (out_scores) out_scores[b0 * k + i] = scores[i];
        }
    }
    orl_aligned_free(scratch);
    orl_free(states);
    orl_free(lens);
    orl_free(ids);
    orl_free(scores);
    orl_free(row);
    return s;
}

ORL_API int orl_model_score_candidates_str(const orl_model *model, const char *const *history,
                                           size_t history_len, const char *const *candidates,
                                           size_t n_candidates, float *out_scores,
                                           size_t *out_skipped, size_t *out_unknown_candidates)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    if (history_len > 0 && !history)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: history is NULL", __func__);
    if (n_candidates > 0 && (!candidates || !out_scores))
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: candidates and out_scores must not be NULL",
                        __func__);
    if (n_candidates > (size_t)INT32_MAX)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: too many candidates", __func__);
    static const char *const empty[1] = {NULL};
    int32_t state[1024], len;
    size_t skipped =
        orl_model_history_state(model, NULL, history ? history : empty, history_len, state, &len);
    size_t bytes = orl_model_scratch_bytes(model, 1);
    size_t nc = n_candidates ? n_candidates : 1;
    int32_t *ids = orl_malloc(sizeof(int32_t) * nc);
    float *scores = orl_malloc(sizeof(float) * nc);
    void *scratch = orl_aligned_alloc(bytes);
    int s = ORL_OK;
    if (!ids || !scores || !scratch) s = orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    size_t unknown = 0, known = 0;
    if (s == ORL_OK) {
        for (size_t i = 0; i < n_candidates; i++) {
            uint32_t id;
            if (find_key(model, NULL, candidates, i, &id))
                ids[known++] = (int32_t)id;
            else
                unknown++;
        }
        /* The paths of orl_model_score_candidates. */
        if (known && !orl_model_scores_plainly(model)) {
            float *all = orl_malloc(sizeof(float) * model->n_items);
            s = all ? orl_model_score_row(model, state, len, all, NULL)
                    : orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
            for (size_t i = 0; s == ORL_OK && i < known; i++) scores[i] = all[ids[i]];
            orl_free(all);
        } else if (known) {
            s = orl_sl_net_score_candidates(model->net, state, &len, 1, ids, (int)known, scratch,
                                            bytes, scores);
        }
    }
    if (s == ORL_OK) {
        size_t j = 0;
        for (size_t i = 0; i < n_candidates; i++) {
            uint32_t id;
            out_scores[i] = find_key(model, NULL, candidates, i, &id) ? scores[j++] : -INFINITY;
        }
        if (out_skipped) *out_skipped = skipped;
        if (out_unknown_candidates) *out_unknown_candidates = unknown;
    }
    orl_free(ids);
    orl_free(scores);
    orl_aligned_free(scratch);
    return s;
}
