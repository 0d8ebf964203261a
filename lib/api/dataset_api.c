/* Exported dataset functions: argument checks, then the data layer. */
#include <math.h>
#include <string.h>

#include "api/handle.h"
#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/csv_load.h"
#include "data/dsfile.h"
#include "data/jsonl_load.h"
#include "data/split.h"
#include "data/stats.h"

ORL_API void orl_dataset_params_init(orl_dataset_params *params)
{
    if (params) orl_dataset_params_defaults(params);
}

ORL_API int orl_dataset_create(const orl_dataset_params *params, orl_dataset **out)
{
    ORL_CHECK_NOT_NULL(out);
    orl_dataset *ds = NULL;
    ORL_TRY(orl_dataset_new(params, &ds));
    ds->handle_tag = ORL_TAG_DATASET;
    *out = ds;
    return ORL_OK;
}

ORL_API void orl_dataset_free(orl_dataset *ds)
{
    if (!ds || ds->handle_tag != ORL_TAG_DATASET) return;
    ds->handle_tag = ORL_TAG_FREED;
    orl_dataset_delete(ds);
}

static int type_for_update(orl_dataset *ds, const char *name, int32_t *code)
{
    size_t len = strnlen(name, ORL_EVENT_NAME_MAX + 1);
    int32_t c = orl_event_table_find(&ds->types, name, len);
    if (c < 0 && ds->finalized)
        return orl_fail(ORL_E_STATE, "event type '%.64s' is unknown and the dataset is finalized",
                        name);
    if (c < 0) ORL_TRY(orl_event_table_get(&ds->types, name, len, &c));
    *code = c;
    return ORL_OK;
}

ORL_API int orl_dataset_event_type(orl_dataset *ds, const char *name, int32_t *out_code)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(name);
    ORL_CHECK_NOT_NULL(out_code);
    int32_t c = -1;
    ORL_TRY(type_for_update(ds, name, &c));
    *out_code = c;
    return ORL_OK;
}

ORL_API int orl_dataset_set_event_reward(orl_dataset *ds, const char *name, float reward)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(name);
    if (!isfinite(reward))
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: reward must be finite", __func__);
    int32_t c = -1;
    ORL_TRY(type_for_update(ds, name, &c));
    ds->types.types[c].reward = reward;
    return ORL_OK;
}

ORL_API int orl_dataset_set_event_purchase(orl_dataset *ds, const char *name, int32_t is_purchase)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(name);
    int32_t c = -1;
    ORL_TRY(type_for_update(ds, name, &c));
    ds->types.types[c].is_purchase = is_purchase != 0;
    return ORL_OK;
}

#define CHECK_EVENT_ARRAYS()                                                                       \
    do {                                                                                           \
        if (n > 0) {                                                                               \
            ORL_CHECK_NOT_NULL(session_keys);                                                      \
            ORL_CHECK_NOT_NULL(item_keys);                                                         \
            ORL_CHECK_NOT_NULL(timestamps);                                                        \
            ORL_CHECK_NOT_NULL(event_codes);                                                       \
        }                                                                                          \
    } while (0)

ORL_API int orl_dataset_add_events_i64(orl_dataset *ds, size_t n, const int64_t *session_keys,
                                       const int64_t *item_keys, const int64_t *timestamps,
                                       const int32_t *event_codes, const float *rewards,
                                       const float *propensities)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    CHECK_EVENT_ARRAYS();
    return orl_dataset_add_i64_impl(ds, n, session_keys, item_keys, timestamps, event_codes,
                                    rewards, propensities);
}

ORL_API int orl_dataset_add_events_str(orl_dataset *ds, size_t n, const char *const *session_keys,
                                       const char *const *item_keys, const int64_t *timestamps,
                                       const int32_t *event_codes, const float *rewards,
                                       const float *propensities)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    CHECK_EVENT_ARRAYS();
    return orl_dataset_add_str_impl(ds, n, session_keys, item_keys, timestamps, event_codes,
                                    rewards, propensities);
}

ORL_API int orl_dataset_finalize(orl_dataset *ds)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    return orl_dataset_finalize_impl(ds);
}

ORL_API int orl_dataset_get_stats(const orl_dataset *ds, orl_dataset_stats *out_stats)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_stats);
    if (out_stats->struct_size < sizeof *out_stats)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: out_stats->struct_size is %zu, expected %zu",
                        __func__, out_stats->struct_size, sizeof *out_stats);
    orl_dataset_stats_impl(ds, out_stats);
    return ORL_OK;
}

ORL_API int orl_dataset_count_events(const orl_dataset *ds, const char *name, uint64_t *out_count)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(name);
    ORL_CHECK_NOT_NULL(out_count);
    int32_t c = orl_event_table_find(&ds->types, name, strnlen(name, ORL_EVENT_NAME_MAX + 1));
    if (c < 0) return orl_fail(ORL_E_NOT_FOUND, "%s: no event type '%.64s'", __func__, name);
    uint64_t k = 0;
    for (uint64_t i = 0; i < ds->n; i++) k += ds->ev_code[i] == (uint16_t)c;
    *out_count = k;
    return ORL_OK;
}

ORL_API int orl_dataset_session_length_histogram(const orl_dataset *ds, uint64_t *buf,
                                                 size_t buf_len)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(buf);
    if (buf_len < 2) return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: buf_len must be >= 2", __func__);
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "%s: the dataset is not finalized", __func__);
    orl_dataset_histogram_impl(ds, buf, buf_len);
    return ORL_OK;
}

ORL_API int orl_dataset_stats_json(const orl_dataset *ds, char *buf, size_t buf_len,
                                   size_t *out_len)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: NULL buf with buf_len > 0", __func__);
    char *json;
    size_t len;
    ORL_TRY(orl_dataset_stats_json_impl(ds, &json, &len));
    *out_len = len + 1;
    int s = orl_check_out_buffer(buf, buf_len, len + 1, __func__);
    if (s == ORL_OK) memcpy(buf, json, len + 1);
    orl_free(json);
    return s == ORL_SIZE_QUERY ? ORL_OK : s;
}

static int check_finalized(const orl_dataset *ds, const char *fn)
{
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "%s: the dataset is not finalized", fn);
    return ORL_OK;
}

ORL_API int orl_dataset_item_id_i64(const orl_dataset *ds, int64_t key, int32_t *out_id)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_id);
    ORL_TRY(check_finalized(ds, __func__));
    uint32_t id;
    if (!orl_dataset_item_lookup_i64(ds, key, &id))
        return orl_fail(ORL_E_NOT_FOUND, "%s: no item with key %lld", __func__, (long long)key);
    *out_id = (int32_t)id;
    return ORL_OK;
}

ORL_API int orl_dataset_item_id_str(const orl_dataset *ds, const char *key, int32_t *out_id)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(key);
    ORL_CHECK_NOT_NULL(out_id);
    ORL_TRY(check_finalized(ds, __func__));
    uint32_t id;
    size_t len = strnlen(key, ORL_KEY_MAX_LEN + 1);
    if (len > ORL_KEY_MAX_LEN || !orl_dataset_item_lookup_str(ds, key, len, &id))
        return orl_fail(ORL_E_NOT_FOUND, "%s: no item with key '%.64s'", __func__, key);
    *out_id = (int32_t)id;
    return ORL_OK;
}

ORL_API int orl_dataset_item_key(const orl_dataset *ds, int32_t item_id, char *buf, size_t buf_len,
                                 size_t *out_len)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: NULL buf with buf_len > 0", __func__);
    ORL_TRY(check_finalized(ds, __func__));
    if (item_id < 0 || (uint32_t)item_id >= ds->n_items)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: item id %d outside [0, %u)", __func__, item_id,
                        ds->n_items);
    size_t len = orl_dataset_item_text(ds, (uint32_t)item_id, NULL, 0);
    *out_len = len + 1;
    ORL_OUT_BUFFER(buf, buf_len, len + 1);
    orl_dataset_item_text(ds, (uint32_t)item_id, buf, buf_len);
    return ORL_OK;
}

ORL_API void orl_csv_params_init(orl_csv_params *params)
{
    if (params) orl_csv_params_defaults(params);
}

ORL_API int orl_csv_params_preset(orl_csv_params *params, const char *name)
{
    ORL_CHECK_NOT_NULL(params);
    ORL_CHECK_NOT_NULL(name);
    orl_csv_params p;
    ORL_TRY(orl_csv_preset_impl(&p, name));
    *params = p;
    return ORL_OK;
}

static int check_report(const orl_load_report *r, const char *fn)
{
    if (r && r->struct_size < sizeof *r)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: out_report->struct_size is %zu, expected %zu",
                        fn, r->struct_size, sizeof *r);
    return ORL_OK;
}

ORL_API int orl_dataset_load_csv(orl_dataset *ds, const char *path, const orl_csv_params *params,
                                 orl_load_report *out_report)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(path);
    ORL_TRY(check_report(out_report, __func__));
    return orl_dataset_load_csv_impl(ds, path, params, out_report);
}

ORL_API int orl_dataset_load_jsonl(orl_dataset *ds, const char *path, int32_t strict,
                                   orl_load_report *out_report)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(path);
    ORL_TRY(check_report(out_report, __func__));
    return orl_dataset_load_jsonl_impl(ds, path, strict, out_report);
}

ORL_API void orl_split_params_init(orl_split_params *params)
{
    if (params) orl_split_params_defaults(params);
}

ORL_API int orl_dataset_split(const orl_dataset *ds, const orl_split_params *params,
                              orl_dataset **out_train, orl_dataset **out_valid,
                              orl_dataset **out_test)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    if (!out_train && !out_valid && !out_test)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: all outputs are NULL", __func__);
    orl_split_params defaults;
    if (!params) {
        orl_split_params_defaults(&defaults);
        params = &defaults;
    }
    orl_dataset **outs[3] = {out_train, out_valid, out_test};
    ORL_TRY(orl_dataset_split_impl(ds, params, outs));
    for (int k = 0; k < 3; k++)
        if (outs[k]) (*outs[k])->handle_tag = ORL_TAG_DATASET;
    return ORL_OK;
}

ORL_API int orl_dataset_save(const orl_dataset *ds, const char *path)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(path);
    return orl_dsfile_save(ds, path);
}

ORL_API int orl_dataset_load(const char *path, orl_dataset **out)
{
    ORL_CHECK_NOT_NULL(path);
    ORL_CHECK_NOT_NULL(out);
    orl_dataset *ds = NULL;
    ORL_TRY(orl_dsfile_load(path, &ds));
    ds->handle_tag = ORL_TAG_DATASET;
    *out = ds;
    return ORL_OK;
}
