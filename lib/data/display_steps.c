/* Display transitions (data/display_steps.h): the displays as MDP steps. */
#include "data/display_steps.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/displays.h"

static int is_step(const orl_displays *d, uint64_t i)
{
    return d->off[i + 1] - d->off[i] == 1 && d->item[d->off[i]] >= 0;
}

int orl_dataset_display_steps(const orl_dataset *ds, uint64_t **out_ids, uint64_t *out_n)
{
    if (!ds || !out_ids || !out_n)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_dataset_display_steps: NULL argument");
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "orl_dataset_display_steps: not finalized");
    const orl_displays *d = &ds->disp;
    uint64_t n = 0;
    for (uint64_t i = 0; i < d->n; i++) n += (uint64_t)is_step(d, i);
    uint64_t *ids = NULL;
    if (n) {
        ids = orl_malloc(sizeof(uint64_t) * n);
        if (!ids)
            return orl_fail(ORL_E_NOMEM, "out of memory for %llu display transitions",
                            (unsigned long long)n);
        uint64_t k = 0;
        for (uint64_t i = 0; i < d->n; i++)
            if (is_step(d, i)) ids[k++] = i;
    }
    *out_ids = ids;
    *out_n = n;
    return ORL_OK;
}

int orl_dataset_fill_display_batch(const orl_dataset *ds, const uint64_t *ids, size_t n,
                                   orl_batch *out)
{
    static const char FN[] = "orl_dataset_fill_display_batch";
    if (!ds || !out || (n && !ids))
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: NULL argument", FN);
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "%s: not finalized", FN);
    const uint32_t W = ds->params.window;
    if (out->window != W || n > out->capacity)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: batch (capacity %zu, window %u) does not fit %zu transitions of "
                        "window %u",
                        FN, out->capacity, out->window, n, W);
    const orl_displays *d = &ds->disp;
    for (size_t b = 0; b < n; b++) {
        if (ids[b] >= d->n)
            return orl_fail(ORL_E_OUT_OF_RANGE, "%s: display id %llu >= count %llu", FN,
                            (unsigned long long)ids[b], (unsigned long long)d->n);
        if (!is_step(d, ids[b]))
            return orl_fail(ORL_E_OUT_OF_RANGE,
                            "%s: display %llu shows %llu items or an item not in the catalogue", FN,
                            (unsigned long long)ids[b],
                            (unsigned long long)(d->off[ids[b] + 1] - d->off[ids[b]]));
    }
    /* transition_ids holds the next displays for a moment: no scratch to allocate. The
     * next state of a last display is never read; it gets its own state. */
    for (size_t b = 0; b < n; b++) {
        const uint64_t i = ids[b];
        out->done[b] = i + 1 == d->n || d->dsess[i + 1] != d->dsess[i];
        out->transition_ids[b] = out->done[b] ? i : i + 1;
    }
    ORL_TRY(orl_dataset_fill_display_states(ds, out->transition_ids, n, W, out->next_states,
                                            out->next_len));
    ORL_TRY(orl_dataset_fill_display_states(ds, ids, n, W, out->states, out->state_len));
    for (size_t b = 0; b < n; b++) {
        const uint64_t i = ids[b];
        const int64_t e = d->event[i];
        out->actions[b] = d->item[d->off[i]];
        out->rewards[b] = d->reward[i];
        out->is_purchase[b] = e >= 0 ? (uint8_t)orl_dataset_event_is_purchase(ds, (uint64_t)e) : 0;
        out->event_codes[b] = e >= 0 ? (int32_t)ds->ev_code[e] : -1;
        out->propensities[b] = d->beta[d->off[i]];
        out->transition_ids[b] = i;
    }
    out->size = n;
    return ORL_OK;
}
