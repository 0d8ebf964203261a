/* The dataset: internal layout shared by the data layer, evaluation and scoring.
 *
 * Before finalize, events sit in append order with raw session and item ids
 * (ids of the two key maps). orl_dataset_finalize_impl() reorders them into
 * session order: session s owns events [sess_off[s], sess_off[s+1]), sorted by
 * time, and items[] then holds dense item ids 0..n_items-1.
 *
 * Per-event storage after finalize: item 4 + time 8 + code 2 + position 2 bytes
 * (the position lets a batch find the history start and `done` without a
 * search over the session offsets), plus 4 for
 * rewards and 4 for propensities only when such values were given. */
#ifndef ORL_DATA_DATASET_H
#define ORL_DATA_DATASET_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "data/displays.h"
#include "data/event_types.h"
#include "data/keymap.h"
#include "offlinerl/dataset.h"

struct orl_dataset {
    uint32_t handle_tag; /* set by api/ (orl_handle_tag layout) */
    orl_dataset_params params;
    int finalized;
    orl_event_table types;
    orl_keymap items;    /* before finalize: raw ids; after: dense ids */
    orl_keymap sessions; /* raw session keys (a gap-split session shares its key) */

    uint64_t n, cap;      /* events and array capacity */
    uint32_t *ev_session; /* raw session id per event (before finalize only) */
    int32_t *ev_item;     /* raw item id, then dense item id */
    int64_t *ev_time;
    uint16_t *ev_code;
    float *ev_reward; /* NULL unless explicit rewards were given; NaN = from table */
    float *ev_prop;   /* NULL unless propensities were given; NaN = unknown */

    /* after finalize */
    uint64_t n_sessions;
    uint32_t n_items;
    uint64_t *sess_off; /* n_sessions + 1 */
    uint16_t *ev_pos;   /* position in its session, saturated at 65535 (always owned) */
    uint32_t *sess_key; /* raw session key id per session */

    /* set when the arrays point into a mapped file (orl_dataset_load) */
    void *map_base;
    size_t map_len;

    /* what was shown at each logged step, clicked or not (data/displays.h);
     * last, so that the layout only grew at its end (scripts/check-abi.sh) */
    orl_displays disp;
};

/* A rollback point: a failed load truncates back to it. */
typedef struct orl_ds_mark {
    uint64_t n, displays;
    uint32_t items, sessions, types;
} orl_ds_mark;

/* The defaults behind the exported orl_dataset_params_init (api/ wraps it). */
void orl_dataset_params_defaults(orl_dataset_params *p);
int orl_dataset_new(const orl_dataset_params *params, orl_dataset **out);
void orl_dataset_delete(orl_dataset *ds);
orl_ds_mark orl_ds_mark_now(const orl_dataset *ds);
void orl_ds_rollback(orl_dataset *ds, orl_ds_mark m);
/* Room for n more events (so orl_ds_push cannot fail for lack of space). */
int orl_ds_reserve(orl_dataset *ds, uint64_t n);
/* Turn on the optional per-event reward / propensity arrays (NaN-filled). */
int orl_ds_enable_rewards(orl_dataset *ds);
int orl_ds_enable_props(orl_dataset *ds);

/* Append one event; space reserved; reward/prop arrays enabled if the values
 * are not NaN. */
static inline void orl_ds_push(orl_dataset *ds, uint32_t sess, uint32_t item, int64_t t,
                               uint16_t code, float reward, float prop)
{
    uint64_t i = ds->n++;
    ds->ev_session[i] = sess;
    ds->ev_item[i] = (int32_t)item;
    ds->ev_time[i] = t;
    ds->ev_code[i] = code;
    if (ds->ev_reward) ds->ev_reward[i] = reward;
    if (ds->ev_prop) ds->ev_prop[i] = prop;
}

/* Release a mapping made by orl_dataset_load (dsfile.c). */
void orl_dsfile_unmap(void *base, size_t len);

int orl_dataset_finalize_impl(orl_dataset *ds);
int orl_dataset_add_i64_impl(orl_dataset *ds, size_t n, const int64_t *sk, const int64_t *ik,
                             const int64_t *ts, const int32_t *codes, const float *rewards,
                             const float *props);
int orl_dataset_add_str_impl(orl_dataset *ds, size_t n, const char *const *sk,
                             const char *const *ik, const int64_t *ts, const int32_t *codes,
                             const float *rewards, const float *props);

/* ---- read access (finalized) for evaluation and scoring ---- */
/* (The session count is ds->n_sessions; the exported orl_dataset_session_count reads it.) */
/* Events of session s are [*begin, *end) in the per-event arrays. */
static inline void orl_dataset_session_range(const orl_dataset *ds, uint64_t s, uint64_t *begin,
                                             uint64_t *end)
{
    *begin = ds->sess_off[s];
    *end = ds->sess_off[s + 1];
}
/* Session containing event e (binary search over the offsets). */
uint64_t orl_dataset_session_of(const orl_dataset *ds, uint64_t e);
static inline float orl_dataset_event_reward(const orl_dataset *ds, uint64_t e)
{
    if (ds->ev_reward && !isnan(ds->ev_reward[e])) return ds->ev_reward[e];
    return ds->types.types[ds->ev_code[e]].reward;
}
static inline int orl_dataset_event_is_purchase(const orl_dataset *ds, uint64_t e)
{
    return ds->types.types[ds->ev_code[e]].is_purchase;
}
static inline float orl_dataset_event_propensity(const orl_dataset *ds, uint64_t e)
{
    return ds->ev_prop ? ds->ev_prop[e] : NAN;
}
/* Item-key map (dense id <-> external key): lookups return 1 when found. */
static inline int orl_dataset_item_lookup_i64(const orl_dataset *ds, int64_t key, uint32_t *id)
{
    return orl_keymap_find_int(&ds->items, key, id);
}
static inline int orl_dataset_item_lookup_str(const orl_dataset *ds, const char *key, size_t len,
                                              uint32_t *id)
{
    return orl_keymap_find_str(&ds->items, key, len, id);
}
/* Text of a dense item's key into buf; returns the full length. */
static inline size_t orl_dataset_item_text(const orl_dataset *ds, uint32_t id, char *buf,
                                           size_t len)
{
    return orl_keymap_text(&ds->items, id, buf, len);
}
size_t orl_dataset_memory_bytes(const orl_dataset *ds);
/* Allocate and fill ev_pos from sess_off (ORL_E_NOMEM). */
int orl_dataset_build_pos(orl_dataset *ds);
int orl_dataset_check_params(const orl_dataset_params *p);

#endif
