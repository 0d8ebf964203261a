/* Fitted Q evaluation (FQE, Le, Voloshin & Yue 2019) of a fixed target
 * policy pi on logged transitions: the library's encoder and a linear Q head
 * (models/fqe_net.h), trained for the purpose to
 *   y = r + gamma (1 - done) sum_a' pi(a' | s') Q_target(s', a')
 * with loss mean 0.5 (Q(s, a) - y)^2. With gamma = 0 it is a reward model
 * r(s, a), the direct method of the per-step estimators; with gamma > 0 it is
 * the value model of the sequential ones (sequential DR, and FQE itself as
 * the estimate V(s_0) = sum_a pi(a | s_0) Q(s_0, a)).
 *
 * Internal (no public API): the estimators wire it into
 * orl_model_estimate_value. Deterministic for a seed and a thread count; data
 * order as orl_dataset_epoch_order(seed, epoch); no allocation per step. */
#ifndef ORL_EVAL_FQE_H
#define ORL_EVAL_FQE_H

#include <stddef.h>
#include <stdint.h>

#include "data/transitions.h"
#include "models/spec.h"

typedef struct orl_fqe_settings {
    /* NULL = GRU4Rec defaults with the dataset's window; in a spec, window 0
     * takes the dataset's and any other must equal it (encoder.window) */
    const orl_encoder_spec *encoder;
    double gamma;           /* discount, [0, 1]; 0 = a reward model r(s, a) */
    uint32_t epochs;        /* passes over the data, [1, 10000]; default 3 */
    uint32_t batch;         /* [1, 65536]; default 256 */
    float learning_rate;    /* Adam's, (0, 1]; default 1e-3 */
    uint32_t target_update; /* steps between target copies, >= 1; default 1000 */
    /* > 0: target copies per epoch instead (period = ceil(steps per epoch /
     * this), at most target_update), so that a short log still gets the
     * Bellman backups a horizon of several steps needs; 0 (default) = off */
    uint32_t target_syncs_per_epoch;
    uint64_t seed; /* default 0 */
    int threads;   /* [0, 256], 0 = all cores; default 0 */
} orl_fqe_settings;

void orl_fqe_settings_init(orl_fqe_settings *s);
/* ORL_OK, or ORL_E_OUT_OF_RANGE / ORL_E_UNSUPPORTED naming the first bad
 * setting (encoder.* for the encoder's). */
int orl_fqe_settings_check(const orl_fqe_settings *s);

/* pi(. | s) of the target policy for each row of a batch's states
 * (use_next = 0) or next states (use_next = 1): out_probs[b->size x n_items]
 * in the dataset's dense item order, each row >= 0 summing to 1. Returns
 * ORL_OK or a status set with orl_fail (the fit stops with it; a positive
 * return is ORL_E_CANCELLED). Called from the fitting thread only; it may run
 * its own parallel work. */
typedef int (*orl_fqe_policy_fn)(void *ctx, const orl_batch *b, int use_next, float *out_probs);

typedef struct orl_fqe orl_fqe;

/* Trains Q^pi on the dataset's transitions (every event one step, states as
 * data/transitions.h). s NULL = the defaults; pi may be NULL only when gamma
 * is 0. Rows of the callback's output for terminal transitions are not read.
 * ORL_OK; ORL_E_INVALID_ARGUMENT (NULL ds / out, NULL pi with gamma > 0);
 * ORL_E_STATE (dataset not finalized or empty); ORL_E_OUT_OF_RANGE (a setting,
 * by name; a probability row that is negative, not finite or does not sum to
 * 1); ORL_E_UNSUPPORTED (encoder kind); ORL_E_NOMEM; ORL_E_NUMERIC; the
 * callback's status. *out untouched on failure, nothing leaked. */
int orl_fqe_fit(const orl_dataset *ds, const orl_fqe_settings *s, orl_fqe_policy_fn pi,
                void *pi_ctx, orl_fqe **out);

/* The same fit on the dataset's displays (data/display_steps.h): every
 * display of one known item is one step, clicked or not (reward 0 without a
 * click), its state the click history before it, its next state the one of
 * the next display of its display session, done on the session's last. The
 * batches hold display transitions (b->transition_ids are display ids) for
 * the callback. Same epochs, order generator, batching and determinism as
 * orl_fqe_fit; errors as orl_fqe_fit, ORL_E_STATE also when no display
 * qualifies. */
int orl_fqe_fit_displays(const orl_dataset *ds, const orl_fqe_settings *s, orl_fqe_policy_fn pi,
                         void *pi_ctx, orl_fqe **out);

/* Q(s, .) for the states of b (b->size rows x n_items, the dataset's dense
 * item order): the encoder in inference mode over the batch, then one GEMM.
 * No allocation. Safe to call from several threads at once (calls take turns
 * on the fit's pool and workspace). ORL_OK; ORL_E_INVALID_ARGUMENT (NULL, a
 * batch of another window); ORL_E_OUT_OF_RANGE (an id or length). */
int orl_fqe_q_values(const orl_fqe *f, const orl_batch *b, float *out_q);

/* The catalogue size (columns of orl_fqe_q_values), steps taken, target
 * copies made, and the mean loss of the last epoch. */
uint32_t orl_fqe_n_items(const orl_fqe *f);
int64_t orl_fqe_steps(const orl_fqe *f);
int64_t orl_fqe_target_syncs(const orl_fqe *f);
double orl_fqe_last_epoch_loss(const orl_fqe *f);

void orl_fqe_free(orl_fqe *f);

#endif
