/* Display transitions: the displays of a finalized dataset read as the steps
 * of an MDP (FQE on display logs), the way data/transitions.h reads events.
 *
 * Transition of display i (one item shown): state = the click history before
 * it (orl_dataset_fill_display_states), action = the shown item, reward = the
 * display's (0 without a click), next state = the state of the next display
 * of the same display session (the click, if any, appended), done = 1 on the
 * display session's last display. Most displays get no click and the session
 * goes on: next state = state. */
#ifndef ORL_DATA_DISPLAY_STEPS_H
#define ORL_DATA_DISPLAY_STEPS_H

#include <stddef.h>
#include <stdint.h>

#include "data/transitions.h"

/* The displays that are transitions: one item shown, and that item in the
 * dataset's catalogue (a display of an unknown item says nothing about Q of
 * the known ones). *out_ids: an orl_malloc'd array in display order (the
 * caller frees it with orl_free; NULL when *out_n is 0). ORL_E_INVALID_ARGUMENT
 * (NULL), ORL_E_STATE (not finalized), ORL_E_NOMEM; outputs untouched on
 * failure. */
int orl_dataset_display_steps(const orl_dataset *ds, uint64_t **out_ids, uint64_t *out_n);

/* Assemble the transitions of displays ids[0..n) into out (n <= capacity,
 * window = the dataset's): states, next_states, actions, rewards, done,
 * propensities (the logged single-draw beta, NaN unknown), is_purchase and
 * event_codes of the display's click (0 and -1 without one), transition_ids =
 * the display ids. No allocation. ORL_E_INVALID_ARGUMENT (NULL, a batch that
 * does not fit), ORL_E_STATE (not finalized), ORL_E_OUT_OF_RANGE (an id >=
 * the display count, a display of several items or of an unknown item). */
int orl_dataset_fill_display_batch(const orl_dataset *ds, const uint64_t *ids, size_t n,
                                   orl_batch *out);

#endif
