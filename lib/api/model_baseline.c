/* Baseline models: popularity (log of the training count) and repeat (the
 * history's items, most recent first, above the rest in popularity order).
 * They are ordinary orl_model handles without a network: every scoring path
 * reaches them through orl_model_score_row. */
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/transitions.h"

/* Above every popularity score (log of a count: at most 44.4). */
#define REPEAT_SCORE 10000.0f

ORL_API int orl_model_create_baseline(const orl_dataset *ds, int32_t kind, orl_model **out)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out);
    if (kind != ORL_BASELINE_POPULARITY && kind != ORL_BASELINE_REPEAT)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "%s: kind = %d is not a baseline (0 popularity, 1 repeat)", __func__,
                        (int)kind);
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "%s: the dataset is not finalized", __func__);
    const uint32_t n = orl_dataset_item_count(ds);
    if (n == 0) return orl_fail(ORL_E_OUT_OF_RANGE, "%s: the dataset has no items", __func__);
    int64_t *counts = orl_calloc(n, sizeof *counts);
    if (!counts) return orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    for (uint64_t e = 0; e < ds->n; e++) {
        int32_t id = ds->ev_item[e];
        if (id >= 0 && (uint32_t)id < n) counts[id]++;
    }
    uint32_t window = orl_dataset_window(ds);
    int s = orl_model_build_baseline((uint32_t)kind, window, &ds->items, counts, NULL, out);
    orl_free(counts);
    return s;
}

void orl_model_baseline_row(const orl_model *m, const int32_t *state, int32_t len, float *scores)
{
    memcpy(scores, m->baseline_pop, sizeof(float) * m->n_items);
    if (m->baseline != 1 + ORL_BASELINE_REPEAT) return;
    /* Oldest first: a later (more recent) occurrence overwrites with a higher score. */
    for (int32_t k = 0; k < len; k++) {
        int32_t id = state[k];
        if (id >= 0 && (uint32_t)id < m->n_items) scores[id] = REPEAT_SCORE + (float)k;
    }
}

int orl_model_put_baseline(orl_container_writer *w, const orl_model *m)
{
    int s = orl_container_put_u32(w, "baseline", m->baseline - 1);
    if (s == ORL_OK)
        s = orl_container_add_blob_view(w, "baseline.counts", ORL_DTYPE_I64, m->baseline_counts,
                                        m->n_items);
    return s;
}

int orl_model_load_baseline(const orl_container_reader *r, orl_model **out)
{
    uint32_t kind = 0, window = 0, n_items = 0;
    ORL_TRY(orl_container_get_u32(r, "baseline", &kind));
    ORL_TRY(orl_container_get_u32(r, "window", &window));
    ORL_TRY(orl_container_get_u32(r, "n_items", &n_items));
    if (kind > ORL_BASELINE_REPEAT)
        return orl_fail(ORL_E_FORMAT, "model file: baseline kind %u is not a baseline", kind);
    if (n_items < 1 || n_items > (1u << 30))
        return orl_fail(ORL_E_FORMAT, "model file: n_items %u is out of range", n_items);
    const char *config = NULL;
    size_t len = 0;
    if (orl_container_has(r, "training_config"))
        ORL_TRY(orl_container_get_string(r, "training_config", &config, &len));
    orl_blob_view counts;
    ORL_TRY(orl_container_get_blob_typed(r, "baseline.counts", ORL_DTYPE_I64, n_items, &counts));
    int64_t *copy = orl_malloc(sizeof(int64_t) * n_items); /* the blob may be unaligned */
    if (!copy) return orl_fail(ORL_E_NOMEM, "loading model: out of memory");
    memcpy(copy, counts.data, sizeof(int64_t) * n_items);
    orl_keymap items;
    orl_keymap_init(&items);
    int s = orl_model_read_catalogue(r, n_items, &items);
    if (s == ORL_OK) s = orl_model_build_baseline(kind, window, &items, copy, config, out);
    orl_keymap_free(&items);
    orl_free(copy);
    return s;
}
