/* The row-wise argmax of h W^T + b over a large output set, exactly as the
 * fp32 path of nn/linear_argmax.c computes it, but screened with AMX bf16
 * tiles: ~15x the multiply rate of fp32 AVX-512.
 *
 * How it stays exact. Every output gets a bf16 estimate z~ and a bound e with
 * |z - z~| <= e, where z is the fp32 path's own value (a k-ordered FMA chain,
 * then + b). Per row the screen keeps the best lower bound (z~ - e) seen and
 * the items whose upper bound (z~ + e) reaches it. At the end those few
 * items are recomputed with the fp32 path's arithmetic and the largest (ties
 * to the lower index) is returned: the same index and value, bit for bit.
 *
 * The bound, for hidden size H (u = 2^-24 fp32, u_b = 2^-8 bf16 rounding):
 *   converting h and w to bf16 changes each product by <= (2 u_b + u_b^2)|h||w|;
 *   the tile's fp32 sum of H exact bf16 products, in any order with any
 *   rounding that errs by <= 2u per add, and the fp32 path's FMA chain each
 *   err by <= 2.03 (H + 1) u sum|h||w| together; sum|h||w| <= ||h|| ||w||
 *   (Cauchy-Schwarz, norms rounded up); adding b and forming z~ +- e cost a
 *   few u of |z| + e <= ||h|| ||w|| + |b| (covered by 8u of it); DAZ/FTZ on
 *   values below 2^-126 moves a sum by < 2^-80 while |h|, |w| <= 2^32.
 * Inputs outside that (non-finite, |h| or |w| > 2^32, |b| > 2^64) and rows
 * with more than 64 near-ties make the screen decline; the caller then runs
 * the fp32 path. */
#ifndef ORL_NN_ARGMAX_AMX_H
#define ORL_NN_ARGMAX_AMX_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

/* Largest hidden size the screen takes. */
enum { ORL_ARGMAX_AMX_MAX_HIDDEN = 512 };

/* Floats of scratch (64-byte aligned) the screen needs for `batch` rows of
 * `hidden` inputs on `threads` threads; 0 when hidden is too large. */
size_t orl_argmax_amx_scratch_floats(int batch, int hidden, int threads);

/* out_idx[b] = argmax_i (h[b] . w[i] + bias[i]) over i < n_out and out_max[b]
 * its value (may be NULL), equal bit for bit to orl_linear_argmax's fp32
 * kgemm path on the same pool. Returns 1 when done, 0 when it declined (no
 * AMX on this CPU or OS, hidden too large, inputs out of range, too many
 * near-ties): outputs are then untouched. Tiles of ORL_ARGMAX_TILE items go
 * to the pool's threads as in the fp32 path. */
int orl_argmax_amx(orl_pool *pool, const float *h, const float *w, const float *bias, int batch,
                   int hidden, int n_out, int32_t *out_idx, float *out_max, float *scratch);

#endif
