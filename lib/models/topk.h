/* Top-K selection over a score vector: the K largest, best first, ties broken
 * by the lower id. A bounded min-heap, O(n log K), one pass. */
#ifndef ORL_MODELS_TOPK_H
#define ORL_MODELS_TOPK_H

#include <stddef.h>
#include <stdint.h>

/* k <= n. Writes out_ids[k] and out_scores[k] (both required).
 * NaN scores rank below every number. */
void orl_topk(const float *scores, size_t n, size_t k, int32_t *out_ids, float *out_scores);

#endif
