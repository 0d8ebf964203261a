/* The display table: what was shown at each logged step (a slate of one or
 * more items, clicked or not), kept beside the events.
 *
 * Events stay what the algorithms train on (clicks and purchases); a display
 * says which items were on screen when, with their logging propensities, which
 * slot (if any) was clicked and which event that click became. The estimators
 * of off-policy evaluation read it: every display step, clicked or not, with
 * the click history before it as its state.
 *
 * Before finalize a display holds raw ids: its session key id, the raw index
 * of the event it produced (or -1) and, in `pos`, the number of events
 * appended before it (it orders a no-click display among the session's events
 * of the same timestamp). Shown items are raw item-key ids.
 *
 * After finalize (orl_displays_finalize), displays are grouped by display
 * session (`dsess`, 0 .. n_dsess-1): first one per dataset session, in session
 * order, then the sessions that have displays but no event (session = -1),
 * by first display time; within one, by time. `pos` = events of its session
 * before it (the state is the click history, same window rule as
 * data/transitions.h), `event` = the event index or -1, items are dense ids
 * or -1 when the catalogue does not have them (never clicked, or dropped by
 * min_item_count: the display is kept, its item unknown). Displays of a
 * session that finalize drops (min_session_len, or every event filtered) are
 * dropped. Rewards are resolved (the event's reward; 0 without a click). */
#ifndef ORL_DATA_DISPLAYS_H
#define ORL_DATA_DISPLAYS_H

#include <stddef.h>
#include <stdint.h>

#include "data/event_types.h"

#define ORL_MAX_SHOWN 1000 /* items of one display */

typedef struct orl_displays {
    uint64_t n, cap;             /* displays */
    uint64_t n_shown, shown_cap; /* shown items, all displays */
    uint64_t n_dsess;            /* display sessions (after finalize) */
    uint64_t *off;               /* [n + 1] display d shows items off[d] .. off[d+1]-1 */
    int64_t *time;
    int64_t *event;   /* raw event index, then event index; -1 none */
    int64_t *session; /* after finalize: dataset session or -1 */
    uint64_t *dsess;  /* after finalize: display session */
    uint32_t *skey;   /* raw session key id */
    uint64_t *pos;    /* see above */
    int16_t *slot;    /* clicked slot or -1 */
    float *reward;    /* NaN before finalize: the event's reward */
    double *slate;    /* slate probability, NaN unknown */
    int32_t *item;    /* per shown item: raw key id, then dense id or -1 */
    float *beta;      /* single-draw logging probability, NaN unknown */
    float *incl;      /* marginal inclusion probability, NaN unknown */
} orl_displays;

struct orl_dataset;

void orl_displays_free(orl_displays *d); /* and reset to empty */
/* Room for n more displays with m more shown items. */
int orl_displays_reserve(orl_displays *d, uint64_t n, uint64_t m);
/* Append one display (space reserved). Items are raw item-key ids. */
void orl_displays_push(orl_displays *d, uint32_t skey, int64_t time, int64_t raw_event,
                       uint64_t events_before, int slot, float reward, double slate,
                       const uint32_t *items, const float *beta, const float *incl, uint32_t k);
/* Appends n displays of k items with integer keys (the simulator's): the
 * event of display i, if any, is first_event + event_rel[i] (events already
 * appended); a display without one has event_rel -1 and slot -1. Checks
 * everything first (ORL_E_INVALID_ARGUMENT, ORL_E_OUT_OF_RANGE); all or
 * nothing (ORL_E_NOMEM). */
int orl_dataset_add_displays_int(struct orl_dataset *ds, uint64_t first_event, size_t n, uint32_t k,
                                 const int64_t *session_keys, const int64_t *times,
                                 const int64_t *event_rel, const int16_t *slots,
                                 const float *rewards, const double *slate_probs,
                                 const uint32_t *item_keys, const float *beta, const float *incl);
/* Keep the first n displays (rollback of a failed append). */
void orl_displays_truncate(orl_displays *d, uint64_t n);
size_t orl_displays_bytes(const orl_displays *d);

/* What finalize knows when it remaps displays. */
typedef struct orl_disp_remap {
    uint64_t n_raw_events;
    const uint64_t *perm;    /* [n] raw event at sorted position k */
    const uint64_t *cnt;     /* [R + 1] raw session r owns positions cnt[r] .. cnt[r+1]-1 */
    const uint64_t *seg_off; /* [nseg + 1] */
    uint64_t nseg;
    const int64_t *seg_sess;  /* [nseg] final session or -1 (dropped) */
    const int64_t *k_event;   /* [n] final event index of position k, or -1 */
    const int32_t *item_new;  /* [raw items] dense id or -1 */
    const int64_t *raw_time;  /* [n] raw event times */
    const float *raw_reward;  /* [n] or NULL */
    const uint16_t *raw_code; /* [n] */
    const orl_event_table *types;
    const uint64_t *sess_off; /* final offsets */
    uint64_t n_sessions;
    uint32_t n_raw_sessions;
} orl_disp_remap;

/* Builds the finalized table into *out (d untouched; ORL_E_NOMEM). */
int orl_displays_finalize(const orl_displays *d, const orl_disp_remap *m, orl_displays *out);

/* The displays of the sessions kept by a session subset (sess_map[s] = new
 * index or -1; event offsets old_off -> new_off) plus the eventless display
 * sessions with take_dsess[g] != 0 (NULL: none). ORL_E_NOMEM. */
int orl_displays_subset(const orl_displays *d, const int64_t *sess_map, const uint64_t *old_off,
                        const uint64_t *new_off, const uint8_t *take_dsess, orl_displays *out);

/* Serialised form for the dataset file. */
uint64_t orl_displays_blob_len(const orl_displays *d);
void orl_displays_blob_write(const orl_displays *d, void (*put)(void *ctx, const void *p, size_t n),
                             void *ctx);
/* Parses and validates a blob against the finalized dataset (ORL_E_FORMAT
 * naming path, ORL_E_NOMEM). */
int orl_displays_blob_read(const char *path, const uint8_t *p, uint64_t len,
                           const struct orl_dataset *ds, orl_displays *out);

/* Display states for the estimators: state of display d = the last
 * min(pos, window) items of its session's events before it (left-aligned,
 * right-padded with n_items; an empty history is one padding token, length 1),
 * as orl_dataset_fill_batch builds a transition's state. states holds
 * n * window ints, state_len n. ORL_E_STATE before finalize,
 * ORL_E_OUT_OF_RANGE for an id >= the display count. */
int orl_dataset_fill_display_states(const struct orl_dataset *ds, const uint64_t *display_ids,
                                    size_t n, uint32_t window, int32_t *states, int32_t *state_len);

#endif
