/* Dataset creation, appends and rollback. */
#include "data/dataset.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

void orl_dataset_params_defaults(orl_dataset_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->window = 10;
    p->min_session_len = 1;
    p->min_item_count = 1;
    p->iterate_filters = 1;
    p->item_order = ORL_ITEM_ORDER_SORTED;
    p->session_gap = 0;
}

int orl_dataset_check_params(const orl_dataset_params *p)
{
    if (p->struct_size < sizeof(orl_dataset_params))
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_dataset_params.struct_size is %zu, expected %zu (call "
                        "orl_dataset_params_init)",
                        p->struct_size, sizeof(orl_dataset_params));
    if (p->window < 1 || p->window > 1024)
        return orl_fail(ORL_E_OUT_OF_RANGE, "window must be in 1..1024, got %u", p->window);
    if (p->min_session_len < 1 || p->min_item_count < 1)
        return orl_fail(ORL_E_OUT_OF_RANGE, "min_session_len and min_item_count must be >= 1");
    if (p->item_order != ORL_ITEM_ORDER_SORTED && p->item_order != ORL_ITEM_ORDER_FIRST_SEEN)
        return orl_fail(ORL_E_OUT_OF_RANGE, "item_order %d is not an orl_item_order",
                        p->item_order);
    if (p->session_gap < 0) return orl_fail(ORL_E_OUT_OF_RANGE, "session_gap must be >= 0");
    return ORL_OK;
}

int orl_dataset_new(const orl_dataset_params *params, orl_dataset **out)
{
    orl_dataset_params p;
    orl_dataset_params_defaults(&p);
    if (params) {
        ORL_TRY(orl_dataset_check_params(params));
        p = *params;
        p.struct_size = sizeof p;
    }
    orl_dataset *ds = orl_calloc(1, sizeof *ds);
    if (!ds) return orl_fail(ORL_E_NOMEM, "out of memory creating a dataset");
    ds->params = p;
    orl_event_table_init(&ds->types);
    orl_keymap_init(&ds->items);
    orl_keymap_init(&ds->sessions);
    *out = ds;
    return ORL_OK;
}

void orl_dataset_delete(orl_dataset *ds)
{
    if (!ds) return;
    orl_event_table_free(&ds->types);
    orl_keymap_free(&ds->items);
    orl_keymap_free(&ds->sessions);
    if (ds->map_base) {
        /* arrays point into the mapping; only the session keys were allocated */
        orl_dsfile_unmap(ds->map_base, ds->map_len);
    } else {
        orl_free(ds->ev_item);
        orl_free(ds->ev_time);
        orl_free(ds->ev_code);
        orl_free(ds->ev_reward);
        orl_free(ds->ev_prop);
        orl_free(ds->sess_off);
    }
    orl_free(ds->ev_session);
    orl_free(ds->ev_pos);
    orl_free(ds->sess_key);
    orl_displays_free(&ds->disp);
    orl_free(ds);
}

orl_ds_mark orl_ds_mark_now(const orl_dataset *ds)
{
    orl_ds_mark m = {ds->n, ds->disp.n, ds->items.count, ds->sessions.count, ds->types.count};
    return m;
}

void orl_ds_rollback(orl_dataset *ds, orl_ds_mark m)
{
    ds->n = m.n;
    orl_displays_truncate(&ds->disp, m.displays);
    orl_keymap_truncate(&ds->items, m.items);
    orl_keymap_truncate(&ds->sessions, m.sessions);
    orl_event_table_truncate(&ds->types, m.types);
}

static int grow(void **p, uint64_t cap, size_t elem)
{
    if (!*p) return ORL_OK;
    void *q = orl_realloc_array(*p, (size_t)cap, elem);
    if (!q) return ORL_E_NOMEM;
    *p = q;
    return ORL_OK;
}

int orl_ds_reserve(orl_dataset *ds, uint64_t extra)
{
    if (ds->n + extra <= ds->cap && ds->ev_item) return ORL_OK;
    if (extra > (UINT64_MAX >> 5) - ds->n) return orl_fail(ORL_E_OUT_OF_RANGE, "too many events");
    uint64_t cap = ds->cap ? ds->cap : 1024;
    while (cap < ds->n + extra) cap = cap + cap / 2;
    /* First allocation: allocate all mandatory arrays at once. */
    if (!ds->ev_item) {
        ds->ev_session = orl_malloc((size_t)cap * sizeof *ds->ev_session);
        ds->ev_item = orl_malloc((size_t)cap * sizeof *ds->ev_item);
        ds->ev_time = orl_malloc((size_t)cap * sizeof *ds->ev_time);
        ds->ev_code = orl_malloc((size_t)cap * sizeof *ds->ev_code);
        if (!ds->ev_session || !ds->ev_item || !ds->ev_time || !ds->ev_code) {
            orl_free(ds->ev_session);
            orl_free(ds->ev_item);
            orl_free(ds->ev_time);
            orl_free(ds->ev_code);
            ds->ev_session = NULL;
            ds->ev_item = NULL;
            ds->ev_time = NULL;
            ds->ev_code = NULL;
            return orl_fail(ORL_E_NOMEM, "out of memory storing events");
        }
        ds->cap = cap;
        return ORL_OK;
    }
    /* Each array grows independently; a failure leaves the grown ones larger,
     * which is harmless: cap only rises once all have grown. */
    if (grow((void **)&ds->ev_session, cap, sizeof *ds->ev_session) ||
        grow((void **)&ds->ev_item, cap, sizeof *ds->ev_item) ||
        grow((void **)&ds->ev_time, cap, sizeof *ds->ev_time) ||
        grow((void **)&ds->ev_code, cap, sizeof *ds->ev_code) ||
        grow((void **)&ds->ev_reward, cap, sizeof *ds->ev_reward) ||
        grow((void **)&ds->ev_prop, cap, sizeof *ds->ev_prop))
        return orl_fail(ORL_E_NOMEM, "out of memory storing events");
    ds->cap = cap;
    return ORL_OK;
}

static int enable_optional(orl_dataset *ds, float **arr)
{
    if (*arr) return ORL_OK;
    if (!ds->ev_item) ORL_TRY(orl_ds_reserve(ds, 1)); /* so that cap is the real capacity */
    uint64_t cap = ds->cap;
    float *a = orl_malloc((size_t)cap * sizeof *a);
    if (!a) return orl_fail(ORL_E_NOMEM, "out of memory storing rewards or propensities");
    for (uint64_t i = 0; i < cap; i++) a[i] = NAN;
    *arr = a;
    return ORL_OK;
}

int orl_ds_enable_rewards(orl_dataset *ds)
{
    return enable_optional(ds, &ds->ev_reward);
}

int orl_ds_enable_props(orl_dataset *ds)
{
    return enable_optional(ds, &ds->ev_prop);
}

/* Validate the value arrays of an append before touching the dataset. */
static int check_values(const orl_dataset *ds, size_t n, const int64_t *ts, const int32_t *codes,
                        const float *rewards, const float *props, int *has_r, int *has_p)
{
    *has_r = 0;
    *has_p = 0;
    for (size_t i = 0; i < n; i++) {
        if (codes[i] < 0 || (uint32_t)codes[i] >= ds->types.count)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "event %zu: event code %d is not registered (%u types)", i, codes[i],
                            ds->types.count);
        if (rewards && !isnan(rewards[i])) {
            if (!isfinite(rewards[i]))
                return orl_fail(ORL_E_OUT_OF_RANGE, "event %zu: reward is not finite", i);
            *has_r = 1;
        }
        if (props && !isnan(props[i])) {
            if (!(props[i] > 0.0f && props[i] <= 1.0f))
                return orl_fail(ORL_E_OUT_OF_RANGE, "event %zu: propensity %g is outside (0, 1]", i,
                                (double)props[i]);
            *has_p = 1;
        }
    }
    (void)ts;
    return ORL_OK;
}

static int prepare(orl_dataset *ds, size_t n, const int64_t *ts, const int32_t *codes,
                   const float *rewards, const float *props)
{
    if (ds->finalized)
        return orl_fail(ORL_E_STATE, "the dataset is finalized: no more events can be added");
    int has_r, has_p;
    ORL_TRY(check_values(ds, n, ts, codes, rewards, props, &has_r, &has_p));
    ORL_TRY(orl_ds_reserve(ds, n));
    if (has_r) ORL_TRY(orl_ds_enable_rewards(ds));
    if (has_p) ORL_TRY(orl_ds_enable_props(ds));
    return ORL_OK;
}

int orl_dataset_add_i64_impl(orl_dataset *ds, size_t n, const int64_t *sk, const int64_t *ik,
                             const int64_t *ts, const int32_t *codes, const float *rewards,
                             const float *props)
{
    ORL_TRY(prepare(ds, n, ts, codes, rewards, props));
    orl_ds_mark m = orl_ds_mark_now(ds);
    for (size_t i = 0; i < n; i++) {
        uint32_t s, it;
        int st = orl_keymap_put_int(&ds->sessions, sk[i], &s);
        if (st == ORL_OK) st = orl_keymap_put_int(&ds->items, ik[i], &it);
        if (st != ORL_OK) {
            orl_ds_rollback(ds, m);
            return orl_fail(st, "event %zu: out of memory (or too many keys) adding keys", i);
        }
        orl_ds_push(ds, s, it, ts[i], (uint16_t)codes[i], rewards ? rewards[i] : NAN,
                    props ? props[i] : NAN);
    }
    return ORL_OK;
}

static int check_key(const char *k, size_t i, const char *what, size_t *len)
{
    if (!k) return orl_fail(ORL_E_INVALID_ARGUMENT, "event %zu: %s key is NULL", i, what);
    *len = strnlen(k, ORL_KEY_MAX_LEN + 1);
    if (*len == 0 || *len > ORL_KEY_MAX_LEN)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "event %zu: %s key must have 1..%d bytes", i, what,
                        ORL_KEY_MAX_LEN);
    return ORL_OK;
}

int orl_dataset_add_str_impl(orl_dataset *ds, size_t n, const char *const *sk,
                             const char *const *ik, const int64_t *ts, const int32_t *codes,
                             const float *rewards, const float *props)
{
    for (size_t i = 0; i < n; i++) {
        size_t l;
        ORL_TRY(check_key(sk[i], i, "session", &l));
        ORL_TRY(check_key(ik[i], i, "item", &l));
    }
    ORL_TRY(prepare(ds, n, ts, codes, rewards, props));
    orl_ds_mark m = orl_ds_mark_now(ds);
    for (size_t i = 0; i < n; i++) {
        uint32_t s, it;
        int st = orl_keymap_put_str(&ds->sessions, sk[i], strlen(sk[i]), &s);
        if (st == ORL_OK) st = orl_keymap_put_str(&ds->items, ik[i], strlen(ik[i]), &it);
        if (st != ORL_OK) {
            orl_ds_rollback(ds, m);
            return orl_fail(st, "event %zu: out of memory (or too many keys) adding keys", i);
        }
        orl_ds_push(ds, s, it, ts[i], (uint16_t)codes[i], rewards ? rewards[i] : NAN,
                    props ? props[i] : NAN);
    }
    return ORL_OK;
}

uint64_t orl_dataset_session_of(const orl_dataset *ds, uint64_t e)
{
    uint64_t lo = 0, hi = ds->n_sessions; /* sess_off[lo] <= e < sess_off[hi] */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ds->sess_off[mid] <= e)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

size_t orl_dataset_memory_bytes(const orl_dataset *ds)
{
    size_t per = sizeof(int32_t) + sizeof(int64_t) + sizeof(uint16_t) * (ds->finalized ? 2 : 1);
    if (ds->ev_reward) per += sizeof(float);
    if (ds->ev_prop) per += sizeof(float);
    size_t b = sizeof *ds;
    if (ds->finalized) {
        b += (size_t)ds->n * per + (size_t)(ds->n_sessions + 1) * 8 + (size_t)ds->n_sessions * 4;
    } else {
        b += (size_t)ds->cap * (per + sizeof(uint32_t));
    }
    b += orl_keymap_bytes(&ds->items) + orl_keymap_bytes(&ds->sessions);
    b += (size_t)ds->types.cap * sizeof(orl_event_type);
    b += orl_displays_bytes(&ds->disp);
    return b;
}

int orl_dataset_build_pos(orl_dataset *ds)
{
    uint16_t *pos = orl_malloc((size_t)ds->n * sizeof *pos + 1);
    if (!pos) return orl_fail(ORL_E_NOMEM, "out of memory indexing sessions");
    for (uint64_t s = 0; s < ds->n_sessions; s++)
        for (uint64_t e = ds->sess_off[s]; e < ds->sess_off[s + 1]; e++) {
            uint64_t p = e - ds->sess_off[s];
            pos[e] = (uint16_t)(p < 65535 ? p : 65535);
        }
    orl_free(ds->ev_pos);
    ds->ev_pos = pos;
    return ORL_OK;
}
