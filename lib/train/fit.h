/* The training loop: epochs over a seeded shuffle of the transitions, batches
 * into an algorithm's step, a divergence check and validation after every
 * epoch, progress reports, interruption, and the history.
 *
 * It knows no handles and no public structs but the validation result:
 * api/ checks the arguments, unwraps the handles into these structs and turns
 * the reports into the public ones. Checkpoints, warm starts, collectives and
 * imagined batches belong here, not in api/. */
#ifndef ORL_TRAIN_FIT_H
#define ORL_TRAIN_FIT_H

#include <stdatomic.h>
#include <stdint.h>

#include "algos/algo.h"
#include "data/keymap.h"
#include "models/spec.h"
#include "train/history.h"

/* A fit's settings, already checked by the caller. */
typedef struct orl_fit_config {
    const orl_algo_class *algo;
    const orl_encoder_spec *encoder; /* with the training dropout */
    const double *algo_settings;     /* algo's settings, in its table's order */
    uint32_t epochs, batch_size;
    float learning_rate;
    uint64_t seed;
    int threads;
    /* BCQ's fixed G the host trained before (sl_net layout) and its encoder, or NULL. */
    const orl_params *generative;
    const orl_encoder_spec *generative_encoder;
} orl_fit_config;

/* Where the loop is: reported after every step and at the end of every epoch. */
typedef struct orl_fit_progress {
    uint32_t epoch, epochs; /* epoch from 1 */
    uint64_t step, total_steps;
    float loss;       /* of the last step */
    float epoch_loss; /* mean over the epoch so far */
    double transitions_per_s;
    double elapsed_s;
    int end_of_epoch;
    const orl_eval_result *validation; /* at the end of an epoch, when validating */
} orl_fit_progress;

/* Non-zero cancels the fit with ORL_E_CANCELLED. */
typedef int (*orl_fit_progress_fn)(const orl_fit_progress *p, void *user);
/* Evaluates the current policy (orl_fit_state's) after an epoch; a failure
 * stops the fit with its status. */
typedef int (*orl_fit_validate_fn)(void *user, orl_eval_result *out);

/* The loop's ties to its caller (required); any field may be NULL. */
typedef struct orl_fit_hooks {
    orl_fit_progress_fn progress;
    void *progress_user;
    orl_fit_validate_fn validate; /* NULL: no validation, records have none */
    void *validate_user;
    atomic_int *interrupt; /* set from any thread: the next step cancels (and clears it) */
} orl_fit_hooks;

/* What fits leave behind: the algorithm instance holding the policy, the
 * catalogue it was trained on, and the history of the last fit. */
typedef struct orl_fit_state {
    const orl_algo_class *algo; /* the instance's class */
    void *instance;             /* NULL before a fit and after a failed one */
    uint32_t n_items;
    orl_keymap items; /* the training set's dictionary: dense id <-> key */
    int fitted;       /* weights exist (also after a cancelled fit) */
    orl_fit_history history;
} orl_fit_state;

void orl_fit_state_init(orl_fit_state *st);
void orl_fit_state_free(orl_fit_state *st);
/* The policy's weights (sl_net layout), or NULL without an instance. */
const orl_params *orl_fit_policy(const orl_fit_state *st);

/* Train a new instance of cfg->algo on `train` (finalized, with transitions,
 * of the encoder's window), replacing the state's. ORL_OK; ORL_E_CANCELLED
 * (by the progress hook or the interrupt flag: the weights so far are kept);
 * ORL_E_NUMERIC, ORL_E_NOMEM or a hook's status (the instance is dropped).
 * The history holds the epochs completed either way. */
int orl_fit(orl_fit_state *st, const orl_fit_config *cfg, const orl_dataset *train,
            const orl_fit_hooks *hooks);

#endif
