/* The full-catalogue output layer fused with softmax cross-entropy: the hot
 * path of training. For hidden states h [B x H], weights W [I x H] and bias
 * b [I], logits z = h W^T + b, loss = mean_b (logsumexp(z_b) - z_b[a_b]) and
 * its gradients, without ever holding the B x I logits in memory: items are
 * split over the pool's threads and processed in tiles that stay in L2.
 *   pass 1, per tile: z = h W_t^T + b_t, running per-row max and sum of exp;
 *   pass 2, per tile: z again, dz = (softmax - onehot) / B, then
 *           dW_t = dz^T h, db_t = column sums of dz, dh += dz W_t.
 * Recomputing z costs a third more FLOPs than the 3-GEMM path but never
 * streams a B x I matrix through DRAM (25.6 MB at 25,000 items); when the
 * logits fit in 8 MB they are kept from pass 1 instead. bench_train prints
 * both ("ce_layer_ms_2t"): at 25,000 items they tie on our machine (memory
 * and FLOPs trade evenly), at 2,000 keeping is ~20% faster.
 * The layer also fuses the bias gradient into the softmax pass and offers a
 * per-tile hook (on_tile) so the optimiser updates each tile in cache. */
#ifndef ORL_NN_SOFTMAX_CE_H
#define ORL_NN_SOFTMAX_CE_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

typedef struct orl_ce_dims {
    int batch, hidden, n_items;
    /* 0: keep the B x I logits from pass 1 when they take <= 8 MB, else
     * recompute them in pass 2; 1: always recompute; -1: always keep (for
     * tests and measurements). */
    int recompute;
} orl_ce_dims;

/* Items per tile (a B x tile block of logits is the working set). */
enum { ORL_CE_TILE = 512 };

/* Seconds, accumulated when a pointer is given: wall time of each pass, and
 * inside them the mean per thread of the logits products (both passes), the
 * softmax loops, the two backward products and the on_tile hook. */
typedef struct orl_ce_timing {
    double pass1, pass2;
    double fwd_gemm, softmax, bwd_gemm, tile_hook;
} orl_ce_timing;

/* Called in pass 2 by the worker that owns items [i0, i0 + n), right after
 * their rows of d_w and d_b are written (and the tile's weights are used for
 * the last time): lets the caller apply the optimiser while they are in cache. */
typedef void (*orl_ce_tile_fn)(void *ctx, size_t i0, size_t n);

/* Floats of scratch orl_softmax_ce needs for `threads` pool threads. */
size_t orl_softmax_ce_scratch_floats(orl_ce_dims d, int threads);

/* Forward and backward in one call. targets[b] in [0, I). Overwrites d_h
 * [B x H], d_w [I x H] and d_b [I] (each may be NULL to skip that gradient:
 * all NULL gives the loss alone). Returns the mean loss; when it is not
 * finite the gradients are left untouched. `scratch` holds orl_softmax_ce_scratch_floats floats,
 * 64-byte aligned. Deterministic for a given thread count. */
float orl_softmax_ce(orl_pool *pool, const float *h, const float *w, const float *b,
                     const int32_t *targets, orl_ce_dims d, float *d_h, float *d_w, float *d_b,
                     float *scratch, orl_ce_timing *timing, orl_ce_tile_fn on_tile, void *tile_ctx);

/* The same in two calls, for losses whose row weights depend on the row
 * losses (SAC, SA2C). Forward (pass 1): returns the mean CE, writes each row's
 * CE (logsumexp - z_a) to out_row_loss [B] (may be NULL) and keeps the row
 * logsumexps (and, for small catalogues, the logits) in `scratch`. Backward
 * (pass 2), once after a forward with the same inputs and scratch (it turns
 * kept logits into their gradient in place): the gradients of
 * sum_b row_weights[b] * ce_b / B (row_weights NULL = all 1), overwriting d_h,
 * d_w, d_b (each may be NULL). Same tiles, kernels and fused bias gradient as
 * orl_softmax_ce, which is exactly forward + unweighted backward. */
float orl_softmax_ce_forward(orl_pool *pool, const float *h, const float *w, const float *b,
                             const int32_t *targets, orl_ce_dims d, float *scratch,
                             float *out_row_loss);
void orl_softmax_ce_backward(orl_pool *pool, const float *h, const float *w, const float *b,
                             const int32_t *targets, const float *row_weights, orl_ce_dims d,
                             float *d_h, float *d_w, float *d_b, float *scratch);
/* The backward call with the per-tile hook of orl_softmax_ce (on_tile may be
 * NULL): rl_net applies the CE head's Adam inside pass 2 with it. */
void orl_softmax_ce_backward_ex(orl_pool *pool, const float *h, const float *w, const float *b,
                                const int32_t *targets, const float *row_weights, orl_ce_dims d,
                                float *d_h, float *d_w, float *d_b, float *scratch,
                                orl_ce_tile_fn on_tile, void *tile_ctx);

#endif
