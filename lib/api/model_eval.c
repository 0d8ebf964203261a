/* orl_model_evaluate: the papers' protocol over a dataset, through the eval
 * engine. The dataset may have its own item dictionary (a file loaded apart
 * from the training data): its ids are translated to the model's, and every
 * step is still ranked against the model's WHOLE catalogue. Scores come back
 * in an extended id space: the dataset's ids first (-inf for items the model
 * does not know, so such targets count as misses), then the model's items the
 * dataset never mentions, so they compete for the top ranks as they should. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/transitions.h"
#include "eval/evaluate.h"

typedef struct eval_ctx {
    const orl_model *model;
    const int32_t *to_model; /* dataset id -> model id, or -1; NULL = identity */
    const int32_t *to_ext;   /* model id -> column of the extended score row */
    uint32_t ds_items;
    uint32_t width; /* columns of a score row: ds_items + model items not in the dataset */
    uint32_t ds_window;
    size_t max_batch;
} eval_ctx;

/* Scores one block of states: translate them, score the model's catalogue, scatter back. */
static int score_block(void *vctx, const int32_t *states, const int32_t *lens, size_t batch,
                       float *out)
{
    const eval_ctx *c = vctx;
    const orl_model *m = c->model;
    const uint32_t T = m->encoder.window, I = m->n_items;
    size_t bytes = orl_model_scratch_bytes(m, (int)batch);
    void *scratch = orl_aligned_alloc(bytes);
    int32_t *st = orl_malloc(sizeof(int32_t) * batch * T + sizeof(int32_t) * batch);
    float *sc = c->to_model ? orl_malloc(sizeof(float) * batch * I) : NULL;
    if (!scratch || !st || (c->to_model && !sc)) {
        orl_aligned_free(scratch);
        orl_free(st);
        orl_free(sc);
        return orl_fail(ORL_E_NOMEM, "evaluate: out of memory");
    }
    int32_t *ln = st + batch * T;
    for (size_t b = 0; b < batch; b++) {
        /* Keep the last T known items of the dataset's window, in order. */
        uint32_t n = 0;
        int32_t tmp[1024];
        for (int32_t j = 0; j < lens[b]; j++) {
            int32_t id = states[b * c->ds_window + (size_t)j];
            if (id < 0 || (uint32_t)id >= c->ds_items) continue; /* padding */
            int32_t mid = c->to_model ? c->to_model[id] : id;
            if (mid >= 0) tmp[n++] = mid;
        }
        uint32_t first = n > T ? n - T : 0;
        for (uint32_t k = 0; k < T; k++)
            st[b * T + k] = first + k < n ? tmp[first + k] : (int32_t)I;
        ln[b] = n - first ? (int32_t)(n - first) : 1;
    }
    float *dst = c->to_model ? sc : out;
    int s = ORL_OK;
    if (orl_model_scores_plainly(m))
        s = orl_sl_net_scores(m->net, st, ln, (int)batch, scratch, bytes, dst);
    for (size_t b = 0; !orl_model_scores_plainly(m) && s == ORL_OK && b < batch; b++)
        s = orl_model_score_row(m, st + b * T, ln[b], dst + b * (c->to_model ? I : c->width), NULL);
    if (s == ORL_OK && c->to_model) {
        for (size_t b = 0; b < batch; b++) {
            float *row = out + b * c->width;
            for (uint32_t i = 0; i < c->ds_items; i++) row[i] = -INFINITY;
            for (uint32_t mid = 0; mid < I; mid++) row[c->to_ext[mid]] = sc[b * I + mid];
        }
    }
    orl_aligned_free(scratch);
    orl_free(st);
    orl_free(sc);
    return s;
}

/* NULL map when the dataset's dictionary is the model's (same keys, same order). */
static int build_translation(const orl_model *m, const orl_dataset *ds, int32_t **out_map,
                             int32_t **out_ext, uint32_t *out_width, uint64_t *out_unknown)
{
    uint32_t n = orl_dataset_item_count(ds);
    int same = n == m->n_items;
    for (uint32_t i = 0; same && i < n; i++) {
        uint32_t id;
        same = orl_dataset_item_lookup_str(ds, m->item_text[i], strlen(m->item_text[i]), &id) &&
               id == i;
    }
    *out_map = NULL;
    *out_ext = NULL;
    *out_width = n;
    *out_unknown = 0;
    if (same) return ORL_OK;
    int32_t *map = orl_malloc(sizeof(int32_t) * (n ? n : 1));
    int32_t *ext = orl_malloc(sizeof(int32_t) * m->n_items);
    if (!map || !ext) {
        orl_free(map);
        orl_free(ext);
        return orl_fail(ORL_E_NOMEM, "evaluate: out of memory");
    }
    for (uint32_t mid = 0; mid < m->n_items; mid++) ext[mid] = -1;
    char key[ORL_KEY_MAX_LEN + 1];
    for (uint32_t i = 0; i < n; i++) {
        size_t len = orl_dataset_item_text(ds, i, key, sizeof key);
        uint32_t id;
        map[i] = orl_keymap_find_str(&m->items, key, len, &id) ? (int32_t)id : -1;
        if (map[i] >= 0) ext[map[i]] = (int32_t)i;
    }
    /* The model's items the dataset never mentions get columns after the dataset's. */
    uint32_t width = n;
    for (uint32_t mid = 0; mid < m->n_items; mid++)
        if (ext[mid] < 0) ext[mid] = (int32_t)width++;
    *out_map = map;
    *out_ext = ext;
    *out_width = width;
    return ORL_OK;
}

ORL_API int orl_model_evaluate(const orl_model *model, const orl_dataset *test, int32_t threads,
                               orl_eval_result *out_result)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_HANDLE(test, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_result);
    if (out_result->struct_size < sizeof *out_result)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_model_evaluate: out_result->struct_size is %zu, expected %zu",
                        out_result->struct_size, sizeof *out_result);
    if (threads < 0 || threads > 256)
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_model_evaluate: threads %d is outside [0, 256]",
                        (int)threads);
    if (!test->finalized)
        return orl_fail(ORL_E_STATE, "orl_model_evaluate: the dataset is not finalized");
    int32_t *map = NULL, *ext = NULL;
    uint32_t width = 0;
    uint64_t unknown = 0;
    ORL_TRY(build_translation(model, test, &map, &ext, &width, &unknown));
    eval_ctx ctx = {model, map, ext, orl_dataset_item_count(test), width, orl_dataset_window(test),
                    0};
    orl_eval_options opt;
    orl_eval_options_init(&opt);
    opt.n_items = width;
    opt.batch_size = 64;
    orl_pool *pool = NULL;
    int s = orl_pool_create(threads, &pool);
    orl_eval_metrics met;
    if (s == ORL_OK) s = orl_eval_run(test, &opt, score_block, &ctx, pool, &met);
    orl_pool_free(pool);
    if (s == ORL_OK && map) {
        /* Count the steps whose target the model cannot know. */
        for (uint64_t e = 0; e < orl_dataset_transition_count(test); e++)
            unknown += map[test->ev_item[e]] < 0;
    }
    orl_free(map);
    orl_free(ext);
    if (s != ORL_OK) return s;
    size_t size = out_result->struct_size;
    memset(out_result, 0, sizeof *out_result);
    out_result->struct_size = size;
    out_result->click_count = met.count[ORL_EVAL_CLICK];
    out_result->purchase_count = met.count[ORL_EVAL_PURCHASE];
    for (int k = 0; k < 3; k++) {
        out_result->click_hr[k] = met.hr[k][ORL_EVAL_CLICK];
        out_result->click_ndcg[k] = met.ndcg[k][ORL_EVAL_CLICK];
        out_result->purchase_hr[k] = met.hr[k][ORL_EVAL_PURCHASE];
        out_result->purchase_ndcg[k] = met.ndcg[k][ORL_EVAL_PURCHASE];
    }
    out_result->unknown_targets = unknown;
    return ORL_OK;
}

ORL_API int orl_eval_result_json(const orl_eval_result *r, char *buf, size_t buf_len,
                                 size_t *out_len)
{
    ORL_CHECK_NOT_NULL(r);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_eval_result_json: buf is NULL");
    char tmp[1024];
    int n = snprintf(tmp, sizeof tmp,
                     "{\"click\":{\"count\":%llu,\"hr@5\":%.6f,\"hr@10\":%.6f,\"hr@20\":%.6f,"
                     "\"ndcg@5\":%.6f,\"ndcg@10\":%.6f,\"ndcg@20\":%.6f},"
                     "\"purchase\":{\"count\":%llu,\"hr@5\":%.6f,\"hr@10\":%.6f,\"hr@20\":%.6f,"
                     "\"ndcg@5\":%.6f,\"ndcg@10\":%.6f,\"ndcg@20\":%.6f},"
                     "\"unknown_targets\":%llu}",
                     (unsigned long long)r->click_count, r->click_hr[0], r->click_hr[1],
                     r->click_hr[2], r->click_ndcg[0], r->click_ndcg[1], r->click_ndcg[2],
                     (unsigned long long)r->purchase_count, r->purchase_hr[0], r->purchase_hr[1],
                     r->purchase_hr[2], r->purchase_ndcg[0], r->purchase_ndcg[1],
                     r->purchase_ndcg[2], (unsigned long long)r->unknown_targets);
    *out_len = (size_t)n + 1;
    ORL_OUT_BUFFER(buf, buf_len, (size_t)n + 1);
    memcpy(buf, tmp, (size_t)n + 1);
    return ORL_OK;
}
