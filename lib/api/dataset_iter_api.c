/* Reading a finalized dataset back, session by session: what a host replaying
 * its logs through a model needs without keeping its own copy. */
#include <string.h>

#include "api/handle.h"
#include "core/error.h"
#include "data/dataset.h"

static int check_session(const orl_dataset *ds, uint64_t session, const char *fn)
{
    if (!ds->finalized)
        return orl_fail(ORL_E_STATE, "%s: the dataset is not finalized (orl_dataset_finalize)", fn);
    if (session >= ds->n_sessions)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: session %llu is outside [0, %llu)", fn,
                        (unsigned long long)session, (unsigned long long)ds->n_sessions);
    return ORL_OK;
}

ORL_API int orl_dataset_session_count(const orl_dataset *ds, uint64_t *out_count)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_count);
    if (!ds->finalized)
        return orl_fail(ORL_E_STATE, "%s: the dataset is not finalized (orl_dataset_finalize)",
                        __func__);
    *out_count = ds->n_sessions;
    return ORL_OK;
}

ORL_API int orl_dataset_session_events(const orl_dataset *ds, uint64_t session,
                                       int32_t *out_item_ids, int64_t *out_item_keys,
                                       int64_t *out_timestamps, int32_t *out_event_codes,
                                       float *out_rewards, size_t buf_len, size_t *out_len)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_len);
    const void *any = out_item_ids      ? (const void *)out_item_ids
                      : out_item_keys   ? (const void *)out_item_keys
                      : out_timestamps  ? (const void *)out_timestamps
                      : out_event_codes ? (const void *)out_event_codes
                                        : (const void *)out_rewards;
    if (!any && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: every output array is NULL with buf_len > 0",
                        __func__);
    ORL_TRY(check_session(ds, session, __func__));
    uint64_t b, e;
    orl_dataset_session_range(ds, session, &b, &e);
    const size_t n = (size_t)(e - b);
    if (out_item_keys)
        for (uint64_t i = b; i < e; i++)
            if (orl_keymap_is_str(&ds->items, (uint32_t)ds->ev_item[i]))
                return orl_fail(ORL_E_INVALID_ARGUMENT,
                                "%s: the key of item %d is a string; ask for item ids and read "
                                "keys with orl_dataset_item_key",
                                __func__, (int)ds->ev_item[i]);
    if (!any) { /* a size query */
        *out_len = n;
        return ORL_OK;
    }
    *out_len = n; /* also when the arrays are short: the count the caller needs */
    if (buf_len < n)
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "%s: %zu events, arrays of %zu given", __func__, n,
                        buf_len);
    for (size_t j = 0; j < n; j++) {
        uint64_t i = b + j;
        if (out_item_ids) out_item_ids[j] = ds->ev_item[i];
        if (out_item_keys) out_item_keys[j] = orl_keymap_int(&ds->items, (uint32_t)ds->ev_item[i]);
        if (out_timestamps) out_timestamps[j] = ds->ev_time[i];
        if (out_event_codes) out_event_codes[j] = ds->ev_code[i];
        if (out_rewards) out_rewards[j] = orl_dataset_event_reward(ds, i);
    }
    return ORL_OK;
}

ORL_API int orl_dataset_session_key(const orl_dataset *ds, uint64_t session, char *buf,
                                    size_t buf_len, size_t *out_len)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: NULL buf with buf_len > 0", __func__);
    ORL_TRY(check_session(ds, session, __func__));
    uint32_t key = ds->sess_key[session];
    size_t len = orl_keymap_text(&ds->sessions, key, NULL, 0);
    *out_len = len + 1;
    ORL_OUT_BUFFER(buf, buf_len, len + 1);
    orl_keymap_text(&ds->sessions, key, buf, buf_len);
    return ORL_OK;
}
