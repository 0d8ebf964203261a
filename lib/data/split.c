#include "data/split.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/dataset.h"

void orl_split_params_defaults(orl_split_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->method = ORL_SPLIT_RANDOM;
    p->train = 0.8f;
    p->valid = 0.1f;
    p->seed = 0;
}

/* The displays that go with a subset (ds's sessions -> d's). */
static int subset_displays(const orl_dataset *ds, const uint64_t *sessions, uint64_t n,
                           const uint8_t *take_dsess, orl_dataset *d)
{
    if (ds->disp.n == 0) return ORL_OK;
    int64_t *map = orl_malloc((size_t)ds->n_sessions * sizeof *map + 1);
    if (!map) return orl_fail(ORL_E_NOMEM, "out of memory splitting the displays");
    for (uint64_t s = 0; s < ds->n_sessions; s++) map[s] = -1;
    for (uint64_t j = 0; j < n; j++) map[sessions[j]] = (int64_t)j;
    int st = orl_displays_subset(&ds->disp, map, ds->sess_off, d->sess_off, take_dsess, &d->disp);
    orl_free(map);
    return st;
}

int orl_dataset_subset(const orl_dataset *ds, const uint64_t *sessions, uint64_t n,
                       const uint8_t *take_dsess, orl_dataset **out)
{
    orl_dataset *d = NULL;
    ORL_TRY(orl_dataset_new(&ds->params, &d));
    uint64_t m = 0;
    for (uint64_t j = 0; j < n; j++) m += ds->sess_off[sessions[j] + 1] - ds->sess_off[sessions[j]];
    int ok = orl_event_table_copy(&d->types, &ds->types) == ORL_OK &&
             orl_keymap_copy(&d->items, &ds->items) == ORL_OK &&
             orl_keymap_copy(&d->sessions, &ds->sessions) == ORL_OK;
    if (ok) {
        d->ev_item = orl_malloc((size_t)m * sizeof *d->ev_item + 1);
        d->ev_time = orl_malloc((size_t)m * sizeof *d->ev_time + 1);
        d->ev_code = orl_malloc((size_t)m * sizeof *d->ev_code + 1);
        d->sess_off = orl_malloc((size_t)(n + 1) * sizeof *d->sess_off);
        d->sess_key = orl_malloc((size_t)n * sizeof *d->sess_key + 1);
        if (ds->ev_reward) d->ev_reward = orl_malloc((size_t)m * sizeof(float) + 1);
        if (ds->ev_prop) d->ev_prop = orl_malloc((size_t)m * sizeof(float) + 1);
        ok = d->ev_item && d->ev_time && d->ev_code && d->sess_off && d->sess_key &&
             (!ds->ev_reward || d->ev_reward) && (!ds->ev_prop || d->ev_prop);
    }
    if (!ok) {
        orl_dataset_delete(d);
        return orl_fail(ORL_E_NOMEM, "out of memory splitting the dataset");
    }
    uint64_t e = 0;
    for (uint64_t j = 0; j < n; j++) {
        uint64_t b = ds->sess_off[sessions[j]], end = ds->sess_off[sessions[j] + 1], len = end - b;
        d->sess_off[j] = e;
        d->sess_key[j] = ds->sess_key[sessions[j]];
        memcpy(d->ev_item + e, ds->ev_item + b, (size_t)len * sizeof *d->ev_item);
        memcpy(d->ev_time + e, ds->ev_time + b, (size_t)len * sizeof *d->ev_time);
        memcpy(d->ev_code + e, ds->ev_code + b, (size_t)len * sizeof *d->ev_code);
        if (d->ev_reward) memcpy(d->ev_reward + e, ds->ev_reward + b, (size_t)len * sizeof(float));
        if (d->ev_prop) memcpy(d->ev_prop + e, ds->ev_prop + b, (size_t)len * sizeof(float));
        e += len;
    }
    d->sess_off[n] = e;
    d->n = d->cap = m;
    d->n_sessions = n;
    d->n_items = ds->n_items;
    d->finalized = 1;
    if (orl_dataset_build_pos(d) != ORL_OK) {
        orl_dataset_delete(d);
        return ORL_E_NOMEM;
    }
    int st = subset_displays(ds, sessions, n, take_dsess, d);
    if (st != ORL_OK) {
        orl_dataset_delete(d);
        return st;
    }
    *out = d;
    return ORL_OK;
}

int orl_dataset_split_impl(const orl_dataset *ds, const orl_split_params *p, orl_dataset **out[3])
{
    if (p->struct_size < sizeof *p)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_split_params.struct_size is %zu, expected %zu",
                        p->struct_size, sizeof *p);
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "split: the dataset is not finalized");
    if (!(p->train >= 0 && p->valid >= 0 && p->train + p->valid <= 1.0f + 1e-6f))
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "split fractions train %g, valid %g must be >= 0 and sum to <= 1",
                        (double)p->train, (double)p->valid);
    if (p->method != ORL_SPLIT_RANDOM && p->method != ORL_SPLIT_TIME)
        return orl_fail(ORL_E_OUT_OF_RANGE, "split method %d is not an orl_split_method",
                        p->method);
    const uint64_t S = ds->n_sessions;
    uint64_t n_train = (uint64_t)floor((double)p->train * (double)S);
    uint64_t n_tv = (uint64_t)floor(((double)p->train + (double)p->valid) * (double)S);
    if (n_tv > S) n_tv = S;
    uint64_t *order = orl_malloc((size_t)S * sizeof *order + 1);
    uint8_t *part = orl_malloc((size_t)S + 1);
    uint64_t *ids = orl_malloc((size_t)S * sizeof *ids + 1);
    if (!order || !part || !ids) {
        orl_free(order);
        orl_free(part);
        orl_free(ids);
        return orl_fail(ORL_E_NOMEM, "out of memory splitting the dataset");
    }
    for (uint64_t i = 0; i < S; i++) order[i] = i;
    if (p->method == ORL_SPLIT_RANDOM) {
        orl_rng rng;
        orl_rng_init(&rng, p->seed, 0x5b117u);
        for (uint64_t i = S; i > 1; i--) {
            uint64_t j = orl_rng_below64(&rng, i), x = order[i - 1];
            order[i - 1] = order[j];
            order[j] = x;
        }
    } /* time: sessions are already ordered by start time */
    for (uint64_t i = 0; i < S; i++) part[order[i]] = i < n_train ? 0 : i < n_tv ? 1 : 2;
    /* Display sessions without events (the user clicked nothing) go to a part
     * of their own draw: by the fractions (random split, a stream of its own so
     * the sessions' split is unchanged) or by their first display time against
     * the first session of each part (time split). */
    const orl_displays *dp = &ds->disp;
    uint8_t *dpart = dp->n_dsess ? orl_malloc((size_t)dp->n_dsess) : NULL;
    if (dp->n_dsess && !dpart) {
        orl_free(order);
        orl_free(part);
        orl_free(ids);
        return orl_fail(ORL_E_NOMEM, "out of memory splitting the dataset");
    }
    if (dpart) {
        orl_rng drng;
        orl_rng_init(&drng, p->seed, 0xd15b1a75u);
        int64_t t1 = n_train < S ? ds->ev_time[ds->sess_off[order[n_train]]] : INT64_MAX;
        int64_t t2 = n_tv < S ? ds->ev_time[ds->sess_off[order[n_tv]]] : INT64_MAX;
        for (uint64_t i = 0; i < dp->n; i++) {
            if (i > 0 && dp->dsess[i] == dp->dsess[i - 1]) continue;
            uint8_t k;
            if (p->method == ORL_SPLIT_RANDOM) {
                double u = orl_rng_uniform_double(&drng);
                k = u < (double)p->train ? 0 : u < (double)p->train + (double)p->valid ? 1 : 2;
            } else {
                k = dp->time[i] < t1 ? 0 : dp->time[i] < t2 ? 1 : 2;
            }
            dpart[dp->dsess[i]] = k;
        }
    }
    orl_dataset *res[3] = {NULL, NULL, NULL};
    int s = ORL_OK;
    for (int k = 0; k < 3 && s == ORL_OK; k++) {
        if (!out[k]) continue;
        uint64_t n = 0;
        for (uint64_t i = 0; i < S; i++)
            if (part[i] == k) ids[n++] = i;
        uint8_t *take = NULL;
        if (dpart) {
            take = orl_malloc((size_t)dp->n_dsess);
            if (!take) {
                s = orl_fail(ORL_E_NOMEM, "out of memory splitting the dataset");
                break;
            }
            for (uint64_t g = 0; g < dp->n_dsess; g++) take[g] = dpart[g] == k;
        }
        s = orl_dataset_subset(ds, ids, n, take, &res[k]);
        orl_free(take);
    }
    orl_free(dpart);
    orl_free(order);
    orl_free(part);
    orl_free(ids);
    if (s != ORL_OK) {
        for (int k = 0; k < 3; k++) orl_dataset_delete(res[k]);
        return s;
    }
    for (int k = 0; k < 3; k++)
        if (out[k]) *out[k] = res[k];
    return ORL_OK;
}
