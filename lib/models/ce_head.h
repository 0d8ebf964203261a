/* The supervised head: Linear(H -> n_items) with the fused softmax
 * cross-entropy of nn/softmax_ce.h. Reference init (sqn_torch.py): Xavier-
 * uniform weights, zero bias. Parameters "head.w" [I x H] and "head.b" [I]. */
#ifndef ORL_MODELS_CE_HEAD_H
#define ORL_MODELS_CE_HEAD_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"
#include "core/rng.h"
#include "nn/params.h"
#include "nn/softmax_ce.h"

#define ORL_CE_HEAD_W "head.w"
#define ORL_CE_HEAD_B "head.b"
enum { ORL_CE_HEAD_N_PARAMS = 2 };

void orl_ce_head_param_specs(int n_items, int hidden, orl_param_spec *specs);
void orl_ce_head_init(orl_params *p, int n_items, int hidden, orl_rng *rng);

/* Mean CE of the batch (timing, on_tile may be NULL; see orl_softmax_ce); writes (overwrites) the
 * head's gradients in p->grad and d_hidden [B x H] unless the loss is not finite. scratch: see
 * orl_softmax_ce_scratch_floats. */
float orl_ce_head_train(orl_pool *pool, orl_params *p, int n_items, int hidden, const float *h,
                        const int32_t *targets, int batch, float *d_hidden, float *scratch,
                        orl_ce_timing *timing, orl_ce_tile_fn on_tile, void *tile_ctx);

/* out [n x I] = h [n x H] W^T + b, in the calling thread. */
void orl_ce_head_scores(const orl_params *p, int n_items, int hidden, const float *h, int n,
                        float *out);
/* Items per chunk of orl_ce_head_scores_t. */
enum { ORL_CE_HEAD_CHUNK = 1024 };
/* Scores of n histories for items [i0, i1) (i1 - i0 <= ORL_CE_HEAD_CHUNK),
 * TRANSPOSED: *out_chunk[(i - i0) * *out_ld + r] is item i for history r.
 * For batches: the catalogue streams through the fast kernel once per block
 * of histories. work: orl_ce_head_scores_t_floats(hidden, n) floats. */
size_t orl_ce_head_scores_t_floats(int hidden, int n);
void orl_ce_head_scores_t(const orl_params *p, int n_items, int hidden, const float *h, int n,
                          size_t i0, size_t i1, float *work, float **out_chunk, int *out_ld);

/* out[c] = score of item ids[c] for one hidden state h [H]; ids trusted. */
void orl_ce_head_candidates(const orl_params *p, int hidden, const float *h, const int32_t *ids,
                            size_t n_ids, float *out);

#endif
