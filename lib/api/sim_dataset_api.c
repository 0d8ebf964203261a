/* orl_sim_generate: logged sessions straight into a dataset, through the
 * dataset's public append API (all or nothing). */
#include <string.h>

#include "api/sim_handle.h"
#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"
#include "sim/sim_log.h"
#include "offlinerl/dataset.h"
#include "offlinerl/sim.h"

ORL_API int orl_sim_generate(orl_sim *sim, uint64_t n_sessions, orl_dataset *ds)
{
    ORL_TRY(orl_sim_check_log_args(sim, n_sessions, __func__));
    ORL_CHECK_NOT_NULL(ds);
    int32_t code[3] = {-1, -1, -1};
    if (sim->world->p.log_skips) ORL_TRY(orl_dataset_event_type(ds, "skip", &code[ORL_SIM_SKIP]));
    ORL_TRY(orl_dataset_event_type(ds, "click", &code[ORL_SIM_CLICK]));
    ORL_TRY(orl_dataset_event_type(ds, "purchase", &code[ORL_SIM_PURCHASE]));

    orl_sim_events ev;
    memset(&ev, 0, sizeof ev);
    int32_t *codes = NULL;
    int s = orl_sim_log_sessions(sim->world, sim->next_session, n_sessions, &ev);
    const orl_ds_mark mark = orl_ds_mark_now(ds);
    if (s == ORL_OK && ev.n > 0) {
        codes = orl_calloc(ev.n, sizeof *codes);
        if (!codes) s = orl_fail(ORL_E_NOMEM, "%s: out of memory for %zu events", __func__, ev.n);
    }
    if (s == ORL_OK && ev.n > 0) {
        for (size_t j = 0; j < ev.n; j++) codes[j] = code[ev.kind[j]];
        s = orl_dataset_add_events_i64(ds, ev.n, ev.session, ev.item, ev.timestamp, codes,
                                       ev.reward, ev.propensity);
        if (s != ORL_OK) orl_fail_context("%s", __func__);
    }
    if (s == ORL_OK && ev.disp.n > 0) {
        const orl_sim_displays *d = &ev.disp;
        s = orl_dataset_add_displays_int(ds, mark.n, d->n, d->k, d->session, d->timestamp, d->event,
                                         d->slot, d->reward, d->slate_prob, d->items, d->beta,
                                         d->incl);
        if (s != ORL_OK) {
            orl_ds_rollback(ds, mark);
            orl_fail_context("%s", __func__);
        }
    }
    orl_free(codes);
    orl_sim_events_free(&ev);
    if (s == ORL_OK) sim->next_session += n_sessions;
    return s;
}
