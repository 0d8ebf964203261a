/* The entropy of a full-catalogue softmax policy and its gradient, for the
 * entropy bonus of policy-gradient losses. For hidden states h [B x H],
 * weights W [I x H] and bias b [I]: z = h W^T + b, pi = softmax(z) per row,
 * H_r = -sum_j pi_j log pi_j = logsumexp(z_r) - E_pi[z_r]. The B x I logits
 * are never held: items are split over the pool's threads in tiles (as
 * nn/softmax_ce.h), pass 1 keeps each row's running max, sum of exp and sum
 * of exp * z, pass 2 recomputes a tile's logits and backpropagates
 *   dH_r / dz_j = -pi_j (z_j - E_pi[z_r]). */
#ifndef ORL_NN_SOFTMAX_ENTROPY_H
#define ORL_NN_SOFTMAX_ENTROPY_H

#include <stddef.h>

#include "core/pool.h"

/* Floats of scratch orl_softmax_entropy needs for `threads` pool threads. */
size_t orl_softmax_entropy_scratch_floats(int batch, int hidden, int threads);

/* Returns mean_r H_r and, when out_row (may be NULL) is given, each H_r.
 * When coef != 0, ADDS the gradient of coef * mean_r H_r to d_h [B x H],
 * d_w [I x H] and d_b [I] (each may be NULL). scratch: the floats above,
 * 64-byte aligned. Deterministic for a given thread count. */
float orl_softmax_entropy(orl_pool *pool, const float *h, const float *w, const float *b, int batch,
                          int hidden, int n_items, float coef, float *d_h, float *d_w, float *d_b,
                          float *scratch, float *out_row);

#endif
