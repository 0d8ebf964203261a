/* The evaluation engine behind orl_model_evaluate: every transition (every
 * step of every session) of a dataset is scored against the whole catalogue
 * by a callback, and ranked into HR@K / NDCG@K per class (eval/metrics.h).
 *
 * It does not know any model: the scorer is a callback. Work is split over
 * an orl_pool into one contiguous range of transitions per thread, each with
 * its own scratch (batch, score matrix); results are exact integer rank
 * counts, so they are identical for any thread count and batch size. */
#ifndef ORL_EVAL_EVALUATE_H
#define ORL_EVAL_EVALUATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "eval/metrics.h"
#include "offlinerl/common.h"

/* Score `batch` states against all n_items items: states is batch x window
 * (the dataset's window; left-aligned, right-padded with the pad id
 * n_items), lens their lengths (1..window). Writes batch x n_items scores.
 * Returns ORL_OK or a status set with orl_fail (evaluation stops with it).
 * With a pool, it is called concurrently from the pool's threads, and must
 * not itself run parallel work on that same pool. */
typedef int (*orl_eval_score_fn)(void *ctx, const int32_t *states, const int32_t *lens,
                                 size_t batch, float *out_scores);

typedef struct orl_eval_options {
    /* Steps scored per call; 0 = automatic: 256, reduced so that one
     * thread's score matrix stays within 64 MiB. */
    size_t batch_size;
    /* Width of the scorer's output; 0 = the dataset's item count. Every
     * evaluated item id must be below it. */
    uint32_t n_items;
    /* A subset of transitions to evaluate (NULL: all of them, in order). */
    const uint64_t *transition_ids;
    uint64_t n_transitions;
} orl_eval_options;

void orl_eval_options_init(orl_eval_options *opt);

/* Evaluate `ds` (finalized) with `score`. pool may be NULL (calling thread
 * only; the scorer may then use its own parallelism). On failure *out is
 * untouched: ORL_E_STATE (not finalized), ORL_E_INVALID_ARGUMENT,
 * ORL_E_OUT_OF_RANGE (a transition id, or an item >= n_items), ORL_E_NOMEM,
 * or the scorer's status with its message. */
int orl_eval_run(const orl_dataset *ds, const orl_eval_options *opt, orl_eval_score_fn score,
                 void *score_ctx, orl_pool *pool, orl_eval_metrics *out);

#endif
