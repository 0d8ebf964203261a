/* Top-K selection over a score vector: the K largest, best first, ties broken
 * by the lower id. A bounded min-heap, O(n log K), one pass. */
#ifndef ORL_MODELS_TOPK_H
#define ORL_MODELS_TOPK_H

#include <stddef.h>
#include <stdint.h>

/* A streaming top-k: push (score, id) pairs in increasing id order. The heap
 * keeps the worst kept entry at [0], so `min` is the bar a new score must
 * beat (strictly: an equal score has a higher id and loses the tie). */
typedef struct orl_topk_heap {
    float *s;
    int32_t *id;
    size_t k, filled;
    float min; /* -inf until full */
} orl_topk_heap;

void orl_topk_init(orl_topk_heap *h, size_t k, float *scores, int32_t *ids);
void orl_topk_push_slow(orl_topk_heap *h, float v, int32_t id);
static inline void orl_topk_push(orl_topk_heap *h, float v, int32_t id)
{
    if (v > h->min || h->filled < h->k) orl_topk_push_slow(h, v, id);
}
/* Sorts the kept entries best first (ties by lower id); call once at the end. */
void orl_topk_finish(orl_topk_heap *h);

/* k <= n. Writes out_ids[k] and out_scores[k] (both required).
 * NaN scores rank below every number. */
void orl_topk(const float *scores, size_t n, size_t k, int32_t *out_ids, float *out_scores);

#endif
