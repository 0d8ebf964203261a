/* Ranking metrics as the offline-RL recommendation papers report them
 * (and as /work/shared/peer/sqn_torch.py evaluate() computes them): every
 * step ranks the whole catalogue; rank = number of items with a STRICTLY
 * larger score (0-based); a hit at K when rank < K; NDCG gain 1/log2(rank+2);
 * a NaN or infinite target score never counts as a hit. Metrics are means
 * over the steps of each class (click, purchase).
 *
 * Accumulators keep integer counts of steps per (class, rank < 20), so sums
 * are exact and results do not depend on batching or thread count. */
#ifndef ORL_EVAL_METRICS_H
#define ORL_EVAL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define ORL_EVAL_NUM_K 3
#define ORL_EVAL_MAX_K 20
/* The cut-offs, in order: 5, 10, 20. */
extern const uint32_t orl_eval_ks[ORL_EVAL_NUM_K];

enum { ORL_EVAL_CLICK = 0, ORL_EVAL_PURCHASE = 1, ORL_EVAL_NUM_CLASSES = 2 };

typedef struct orl_eval_accum {
    uint64_t rank_count[ORL_EVAL_NUM_CLASSES][ORL_EVAL_MAX_K]; /* steps with rank r < 20 */
    uint64_t steps[ORL_EVAL_NUM_CLASSES];
    uint64_t nonfinite[ORL_EVAL_NUM_CLASSES]; /* target score NaN or infinite */
} orl_eval_accum;

typedef struct orl_eval_metrics {
    double hr[ORL_EVAL_NUM_K][ORL_EVAL_NUM_CLASSES];   /* [k index][class] */
    double ndcg[ORL_EVAL_NUM_K][ORL_EVAL_NUM_CLASSES]; /* [k index][class] */
    uint64_t count[ORL_EVAL_NUM_CLASSES];              /* steps per class */
    uint64_t nonfinite[ORL_EVAL_NUM_CLASSES];          /* of which non-finite targets */
    uint32_t ks[ORL_EVAL_NUM_K];                       /* 5, 10, 20 */
    uint32_t n_items;                                  /* catalogue size ranked */
} orl_eval_metrics;

/* 0-based rank of `target` among n_items scores: the number of scores
 * strictly larger than scores[target] (NaN scores of other items are never
 * larger); n_items when the target's score is NaN or infinite. */
uint32_t orl_eval_rank(const float *scores, uint32_t n_items, uint32_t target);

void orl_eval_accum_init(orl_eval_accum *acc);
/* acc += other (exact: integer counts). */
void orl_eval_accum_merge(orl_eval_accum *acc, const orl_eval_accum *other);

/* Add `batch` steps: scores is batch x n_items (row-major), targets the true
 * items, is_purchase nonzero for purchase steps. ORL_E_OUT_OF_RANGE (acc
 * untouched) when a target is outside [0, n_items). */
int orl_eval_accumulate(orl_eval_accum *acc, const float *scores, size_t batch, uint32_t n_items,
                        const int32_t *targets, const uint8_t *is_purchase);

/* Means per class (0 for a class without steps, as the peer does). */
void orl_eval_finalize(const orl_eval_accum *acc, uint32_t n_items, orl_eval_metrics *out);

/* One JSON object with the peer's keys: n_click, n_purchase, click_hr@5,
 * click_ndcg@5, ..., purchase_ndcg@20, plus n_items and n_nonfinite.
 * Writes into buf (NUL-terminated); *out_len receives the bytes needed
 * including the NUL, also on ORL_E_BUFFER_TOO_SMALL (buf untouched then).
 * buf may be NULL when buf_len is 0. */
int orl_eval_metrics_json(const orl_eval_metrics *m, char *buf, size_t buf_len, size_t *out_len);

#endif
