/* The row-wise argmax of a linear layer's outputs over a large output set
 * (argmax_a Q(s, a) over the catalogue for the double-Q target) without
 * holding the B x n_out matrix: outputs are computed in tiles of
 * ORL_ARGMAX_TILE that stay in cache, tiles are split over the pool, and each
 * thread keeps a running best per row. Ties go to the lower index (as
 * torch.max on CPU); NaN outputs are never chosen (a row of NaNs gives 0). */
#ifndef ORL_NN_LINEAR_ARGMAX_H
#define ORL_NN_LINEAR_ARGMAX_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

enum { ORL_ARGMAX_TILE = 512 };

/* From this many outputs the exact AMX screen (nn/argmax_amx.h) runs first
 * where the CPU has it: below, one fp32 tile costs about as much. */
enum { ORL_ARGMAX_SCREEN_MIN_ITEMS = 1024 };

/* Floats of scratch (64-byte aligned) for `batch` rows of `hidden` inputs and
 * `threads` threads. */
size_t orl_linear_argmax_scratch_floats(int batch, int hidden, int threads);

/* out_idx[b] = argmax_i (h[b] . w[i] + bias[i]) over i < n_out, out_max[b]
 * the maximum (may be NULL). h [B x H], w [n_out x H]; bias may be NULL.
 * With AVX-512 the result is that of the fp32 kgemm path, bit for bit,
 * whether the AMX screen ran or not. */
void orl_linear_argmax(orl_pool *pool, const float *h, const float *w, const float *bias, int batch,
                       int hidden, int n_out, int32_t *out_idx, float *out_max, float *scratch);

/* Per-thread bests (laid out as for orl_argmax_merge) set to "none". */
void orl_argmax_clear(int batch, int threads, float *best, int32_t *idx, size_t stride);

/* The row-wise result from per-thread bests over ascending id ranges:
 * thread t's best value and index of row r at best[t * stride + r] and
 * idx[t * stride + r] (index < 0: none). Ties go to the lower thread. */
void orl_argmax_merge(int batch, int threads, const float *best, const int32_t *idx, size_t stride,
                      int32_t *out_idx, float *out_max);

/* Test and benchmark hook (process-wide): nonzero skips the AMX screen. */
void orl_linear_argmax_force_fp32(int on);

#endif
