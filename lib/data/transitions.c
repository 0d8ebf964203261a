#include "data/transitions.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/dataset.h"

#if defined(__GNUC__)
#define ORL_PREFETCH(p) __builtin_prefetch(p)
#else
#define ORL_PREFETCH(p) ((void)(p))
#endif

void orl_batch_free(orl_batch *b)
{
    if (!b) return;
    orl_free(b->states);
    orl_free(b->state_len);
    orl_free(b->next_states);
    orl_free(b->next_len);
    orl_free(b->actions);
    orl_free(b->rewards);
    orl_free(b->done);
    orl_free(b->is_purchase);
    orl_free(b->event_codes);
    orl_free(b->propensities);
    orl_free(b->transition_ids);
    memset(b, 0, sizeof *b);
}

int orl_batch_init(orl_batch *b, size_t capacity, uint32_t window)
{
    if (!b) return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_batch_init: NULL batch");
    if (capacity == 0 || window == 0 || window > 1024)
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_batch_init: capacity %zu / window %u invalid",
                        capacity, window);
    if (capacity > SIZE_MAX / 4 / window)
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_batch_init: capacity too large");
    orl_batch t;
    memset(&t, 0, sizeof t);
    t.capacity = capacity;
    t.window = window;
    t.states = orl_malloc(capacity * window * sizeof(int32_t));
    t.next_states = orl_malloc(capacity * window * sizeof(int32_t));
    t.state_len = orl_malloc(capacity * sizeof(int32_t));
    t.next_len = orl_malloc(capacity * sizeof(int32_t));
    t.actions = orl_malloc(capacity * sizeof(int32_t));
    t.rewards = orl_malloc(capacity * sizeof(float));
    t.done = orl_malloc(capacity);
    t.is_purchase = orl_malloc(capacity);
    t.event_codes = orl_malloc(capacity * sizeof(int32_t));
    t.propensities = orl_malloc(capacity * sizeof(float));
    t.transition_ids = orl_malloc(capacity * sizeof(uint64_t));
    if (!t.states || !t.next_states || !t.state_len || !t.next_len || !t.actions || !t.rewards ||
        !t.done || !t.is_purchase || !t.event_codes || !t.propensities || !t.transition_ids) {
        orl_batch_free(&t);
        return orl_fail(ORL_E_NOMEM, "out of memory allocating a batch of %zu", capacity);
    }
    *b = t;
    return ORL_OK;
}

uint64_t orl_dataset_transition_count(const orl_dataset *ds)
{
    return ds && ds->finalized ? ds->n : 0;
}

uint32_t orl_dataset_item_count(const orl_dataset *ds)
{
    return ds && ds->finalized ? ds->n_items : 0;
}

uint32_t orl_dataset_window(const orl_dataset *ds)
{
    return ds->params.window;
}

int orl_dataset_fill_batch(const orl_dataset *ds, const uint64_t *ids, size_t n, orl_batch *out)
{
    if (!ds || !out || (n && !ids))
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_dataset_fill_batch: NULL argument");
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "orl_dataset_fill_batch: not finalized");
    const uint32_t W = ds->params.window;
    if (out->window != W || n > out->capacity)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_dataset_fill_batch: batch (capacity %zu, window %u) does not fit %zu "
                        "transitions of window %u",
                        out->capacity, out->window, n, W);
    for (size_t b = 0; b < n; b++)
        if (ids[b] >= ds->n)
            return orl_fail(ORL_E_OUT_OF_RANGE, "transition id %llu >= count %llu",
                            (unsigned long long)ids[b], (unsigned long long)ds->n);
    const int32_t pad = (int32_t)ds->n_items;
    const int32_t *items = ds->ev_item;
    const uint16_t *pos = ds->ev_pos;
    /* Random transitions miss the cache: start every load first. */
    for (size_t b = 0; b < n; b++) {
        ORL_PREFETCH(pos + ids[b]);
        ORL_PREFETCH(items + ids[b]);
        ORL_PREFETCH(items + (ids[b] >= W ? ids[b] - W : 0)); /* history may span a line */
        ORL_PREFETCH(ds->ev_code + ids[b]);
        if (ds->ev_reward) ORL_PREFETCH(ds->ev_reward + ids[b]);
        if (ds->ev_prop) ORL_PREFETCH(ds->ev_prop + ids[b]);
    }
    for (size_t b = 0; b < n; b++) {
        uint64_t t = ids[b];
        uint32_t p = pos[t];                 /* saturated: only min(p, W) matters, W <= 1024 */
        uint32_t k = p < W ? p : W;          /* history length */
        uint32_t k2 = p + 1 < W ? p + 1 : W; /* next history length */
        int32_t *st = out->states + b * W, *nx = out->next_states + b * W;
        memcpy(st, items + t - k, k * sizeof *st);
        for (uint32_t j = k; j < W; j++) st[j] = pad;
        memcpy(nx, items + t + 1 - k2, k2 * sizeof *nx);
        for (uint32_t j = k2; j < W; j++) nx[j] = pad;
        out->state_len[b] = k ? (int32_t)k : 1;
        out->next_len[b] = (int32_t)k2;
        out->actions[b] = items[t];
        out->rewards[b] = orl_dataset_event_reward(ds, t);
        out->done[b] = t + 1 == ds->n || pos[t + 1] == 0;
        out->is_purchase[b] = (uint8_t)orl_dataset_event_is_purchase(ds, t);
        out->event_codes[b] = ds->ev_code[t];
        out->propensities[b] = orl_dataset_event_propensity(ds, t);
        out->transition_ids[b] = t;
    }
    out->size = n;
    return ORL_OK;
}

int orl_dataset_epoch_order(const orl_dataset *ds, uint64_t seed, uint64_t epoch, uint64_t *out_ids)
{
    if (!ds || !out_ids)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_dataset_epoch_order: NULL argument");
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "orl_dataset_epoch_order: not finalized");
    orl_rng rng;
    /* stream = epoch, so every epoch is an independent permutation */
    orl_rng_init(&rng, seed ^ 0x6a09e667f3bcc909ull, epoch);
    uint64_t n = ds->n;
    for (uint64_t i = 0; i < n; i++) out_ids[i] = i;
    for (uint64_t i = n; i > 1; i--) {
        uint64_t j = orl_rng_below64(&rng, i);
        uint64_t x = out_ids[i - 1];
        out_ids[i - 1] = out_ids[j];
        out_ids[j] = x;
    }
    return ORL_OK;
}
