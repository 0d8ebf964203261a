/* Transitions for the trainers: one per event of a finalized dataset, read as
 * windows over the session arrays (never materialised).
 *
 * Transition t is event t (global index in session order). With p its position
 * in its session: state = the last min(p, N) items before it, left-aligned and
 * right-padded with the pad id n_items (an empty history is one padding token,
 * length 1); action = its item; next state = the last min(p + 1, N) items up to
 * and including it; done = 1 on the session's last event. */
#ifndef ORL_DATA_TRANSITIONS_H
#define ORL_DATA_TRANSITIONS_H

#include <stddef.h>
#include <stdint.h>

#include "offlinerl/common.h"

typedef struct orl_batch {
    size_t capacity, size;
    uint32_t window;
    int32_t *states;      /* [size x window], left-aligned history, right-padded with n_items */
    int32_t *state_len;   /* clip(p, 1, window): an empty history is one padding token */
    int32_t *next_states; /* state with the action appended (last `window` items) */
    int32_t *next_len;    /* min(p + 1, window) */
    int32_t *actions;     /* dense item id of the event at position p */
    float *rewards;
    uint8_t *done;        /* 1 when p is the session's last step */
    uint8_t *is_purchase; /* event type counts as purchase for evaluation */
    int32_t *event_codes;
    float *propensities;      /* logging propensity or NaN when unknown */
    uint64_t *transition_ids; /* the dataset's transition id of each row */
} orl_batch;

/* Allocates every array once for `capacity` transitions of length `window`. */
int orl_batch_init(orl_batch *b, size_t capacity, uint32_t window);
void orl_batch_free(orl_batch *b);

/* Number of transitions (= events) of a finalized dataset; 0 before finalize. */
uint64_t orl_dataset_transition_count(const orl_dataset *ds);
/* n_items of a finalized dataset: also the padding id. */
uint32_t orl_dataset_item_count(const orl_dataset *ds);
/* The state length N of the dataset's params. */
uint32_t orl_dataset_window(const orl_dataset *ds);
/* Assemble n transitions (n <= out->capacity, out->window == the dataset's
 * window) into out; out->size = n. ORL_E_STATE before finalize,
 * ORL_E_OUT_OF_RANGE for an id >= transition count. No allocation. */
int orl_dataset_fill_batch(const orl_dataset *ds, const uint64_t *transition_ids, size_t n,
                           orl_batch *out);
/* A seeded shuffled order of all transitions for one epoch: out_ids must hold
 * orl_dataset_transition_count(ds) ids. Same (seed, epoch) -> same order. */
int orl_dataset_epoch_order(const orl_dataset *ds, uint64_t seed, uint64_t epoch,
                            uint64_t *out_ids);

#endif
