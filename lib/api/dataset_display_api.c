/* Reading a finalized dataset's displays: what was shown at each logged step. */
#include <string.h>

#include "api/handle.h"
#include "core/error.h"
#include "data/dataset.h"

static int check_finalized(const orl_dataset *ds, const char *fn)
{
    if (!ds->finalized)
        return orl_fail(ORL_E_STATE, "%s: the dataset is not finalized (orl_dataset_finalize)", fn);
    return ORL_OK;
}

ORL_API int orl_dataset_display_count(const orl_dataset *ds, uint64_t *out_count)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_count);
    ORL_TRY(check_finalized(ds, __func__));
    *out_count = ds->disp.n;
    return ORL_OK;
}

ORL_API int orl_dataset_display_get(const orl_dataset *ds, uint64_t index,
                                    orl_display_view *out_view)
{
    ORL_CHECK_HANDLE(ds, ORL_TAG_DATASET);
    ORL_CHECK_NOT_NULL(out_view);
    if (out_view->struct_size < sizeof *out_view)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: out_view->struct_size = %zu is smaller than %zu; set it to "
                        "sizeof(orl_display_view)",
                        __func__, out_view->struct_size, sizeof *out_view);
    ORL_TRY(check_finalized(ds, __func__));
    const orl_displays *d = &ds->disp;
    if (index >= d->n)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: display %llu is outside [0, %llu)", __func__,
                        (unsigned long long)index, (unsigned long long)d->n);
    orl_display_view v;
    memset(&v, 0, sizeof v);
    v.struct_size = out_view->struct_size;
    v.session = d->session[index];
    v.display_session = d->dsess[index];
    v.events_before = d->pos[index];
    v.event_in_session = d->event[index] >= 0 ? (int64_t)d->pos[index] : -1;
    v.timestamp = d->time[index];
    v.clicked_slot = d->slot[index];
    v.reward = d->reward[index];
    v.slate_propensity = d->slate[index];
    const uint64_t o = d->off[index];
    v.n_shown = (size_t)(d->off[index + 1] - o);
    v.item_ids = d->item + o;
    v.propensities = d->beta + o;
    v.inclusion = d->incl + o;
    *out_view = v;
    return ORL_OK;
}
