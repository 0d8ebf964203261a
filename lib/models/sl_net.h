/* The supervised next-item network (GRU4Rec + full-catalogue CE head), as the
 * reference's "ce" mode: training steps with Adam, and inference that any
 * number of threads may run at once on one const net with their own scratch.
 * Plain arrays in and out, so it does not depend on the data layer:
 * states [B x window] left-aligned and padded with n_items, lens [B] in
 * [1, window], actions [B] in [0, n_items). */
#ifndef ORL_MODELS_SL_NET_H
#define ORL_MODELS_SL_NET_H

#include <stddef.h>
#include <stdint.h>

#include "models/ce_head.h"
#include "models/encoder.h"
#include "models/gru4rec.h"
#include "nn/adam.h"
#include "nn/params.h"

typedef struct orl_sl_net_config {
    int n_items;    /* catalogue size I (>= 1); the padding id is I */
    int embed_dim;  /* E, reference 64 */
    int hidden_dim; /* H, reference 64 */
    int window;     /* T, reference 10 */
    float dropout;  /* on the encoder output while training, [0, 1); reference 0 */
    int max_batch;  /* largest training batch; 0 = 256 */
    /* The encoder's kind and kind-specific settings; its embed_dim,
     * hidden_dim, window and dropout are replaced by the fields above. An
     * empty architecture means GRU4Rec (the 0.1.0 network). */
    orl_encoder_spec encoder;
} orl_sl_net_config;

/* The reference's shape (GRU4Rec) for a catalogue of n_items. */
orl_sl_net_config orl_sl_net_config_default(int n_items);

typedef struct orl_sl_net orl_sl_net;

/* Wall time per phase of train_step, accumulated (seconds) when enabled. */
typedef struct orl_sl_net_timing {
    double encode_fwd, head_pass1, head_pass2, encode_bwd, adam;
    /* Inside the head's passes, mean per thread: logits products, softmax
     * loops, backward products, the head's fused Adam. */
    double head_fwd_gemm, head_softmax, head_bwd_gemm, head_adam;
    int64_t steps;
} orl_sl_net_timing;

/* Creates the network with the reference initialisation from `seed`, and a
 * pool of `threads` (0 = all cores) for training. ORL_OK, ORL_E_OUT_OF_RANGE,
 * ORL_E_INVALID_ARGUMENT, ORL_E_NOMEM, ORL_E_THREAD; *out untouched on failure. */
int orl_sl_net_create(const orl_sl_net_config *cfg, uint64_t seed, int threads, orl_sl_net **out);
void orl_sl_net_free(orl_sl_net *net);

const orl_sl_net_config *orl_sl_net_get_config(const orl_sl_net *net);
/* The encoder (resolved spec, state size) the net was built with. */
const orl_enc *orl_sl_net_encoder(const orl_sl_net *net);
/* The resolved encoder spec a config describes (its dims and dropout from
 * the config's fields). ORL_OK, ORL_E_UNSUPPORTED, ORL_E_OUT_OF_RANGE. */
int orl_sl_net_config_encoder(const orl_sl_net_config *cfg, orl_enc *out);
/* The parameter store (value, grad, Adam moments, step): save or load it as
 * one blob; names are ORL_GRU4REC_* and ORL_CE_HEAD_*. */
orl_params *orl_sl_net_params(orl_sl_net *net);
const orl_params *orl_sl_net_params_const(const orl_sl_net *net);
/* Accumulate phase times into *t (NULL stops). The struct must outlive use. */
void orl_sl_net_set_timing(orl_sl_net *net, orl_sl_net_timing *t);

/* One step: forward, mean CE, backward, Adam(lr, 0.9, 0.999, 1e-8). No
 * allocation. ORL_OK; ORL_E_OUT_OF_RANGE for batch_size outside
 * [1, max_batch], an id, length or action out of range, or lr <= 0;
 * ORL_E_NUMERIC when the loss is not finite (parameters untouched). */
int orl_sl_net_train_step(orl_sl_net *net, const int32_t *states, const int32_t *lens,
                          const int32_t *actions, int batch_size, float lr, float *out_loss);

/* ---- inference: const net, caller scratch, safe from many threads ---- */

/* Catalogues from this size up get the fp16 screen (orl_sl_net_prepare_scoring):
 * below it the fp32 head sits in L2 and one stream of it is as fast. */
enum { ORL_SL_NET_SCREEN_MIN_ITEMS = 6000 };

/* Builds, once the weights are final, what one-history top-K uses to go
 * faster: the fp16 screen of the head (models/head_screen.h), where it pays
 * (n_items >= ORL_SL_NET_SCREEN_MIN_ITEMS and the AVX-512 kernel). Results do
 * not change: they stay bit-identical to the fp32 pass. Not thread-safe; a
 * training step drops the screen, and whoever writes the weights through
 * orl_sl_net_params must call this again. ORL_OK or ORL_E_NOMEM (net as before). */
int orl_sl_net_prepare_scoring(orl_sl_net *net);
/* As orl_sl_net_prepare_scoring, whatever the size and CPU (tests); with
 * weights the screen cannot hold (|w| >= 65504) the net goes without: ORL_OK. */
int orl_sl_net_build_screen(orl_sl_net *net);
/* Drops the screen (tests compare against the fp32 pass). */
void orl_sl_net_drop_screen(orl_sl_net *net);
/* Bytes the screen holds, 0 without one. */
size_t orl_sl_net_screen_bytes(const orl_sl_net *net);

/* Bytes of scratch any inference call on up to n histories needs (with the
 * full-score buffer of one block of histories included). */
size_t orl_sl_net_scratch_bytes(const orl_sl_net *net, int n_histories);

/* hidden [n x H] for n histories. */
int orl_sl_net_encode(const orl_sl_net *net, const int32_t *states, const int32_t *lens, int n,
                      void *scratch, size_t scratch_bytes, float *out_hidden);
/* Scores over the whole catalogue, out [n x I]. */
int orl_sl_net_scores(const orl_sl_net *net, const int32_t *states, const int32_t *lens, int n,
                      void *scratch, size_t scratch_bytes, float *out_scores);
/* The scores of orl_sl_net_scores (in nn/gemm_fma.h's rounding, about 1e-7
 * relative apart) handed out a chunk of items at a time instead of as
 * [n x I] rows: for each block of up to 64
 * histories [row0, row0 + m), the items in order, fn(ctx, row0, m, item0,
 * items, z, ldz) with z[(i - item0) * ldz + r] the score of item i for
 * history row0 + r (ldz >= m). out_hidden [n x state_dim] receives the
 * histories' states when not NULL (orl_sl_net_head_score). */
typedef void (*orl_sl_net_chunk_fn)(void *ctx, int row0, int m, size_t item0, size_t items,
                                    const float *z, size_t ldz);
int orl_sl_net_scores_chunked(const orl_sl_net *net, const int32_t *states, const int32_t *lens,
                              int n, void *scratch, size_t scratch_bytes, float *out_hidden,
                              orl_sl_net_chunk_fn fn, void *ctx);
/* One item's score from a state of orl_sl_net_encode, equal bit for bit to
 * its score from orl_sl_net_scores_chunked. item in [0, n_items). */
float orl_sl_net_head_score(const orl_sl_net *net, const float *hidden, int32_t item);
/* The width of the states orl_sl_net_encode writes. */
int orl_sl_net_state_dim(const orl_sl_net *net);
/* Top-k items per history, best first, ties by lower id: out_ids [n x k],
 * out_scores [n x k] (may be NULL). k in [1, n_items]. */
int orl_sl_net_topk(const orl_sl_net *net, const int32_t *states, const int32_t *lens, int n, int k,
                    void *scratch, size_t scratch_bytes, int32_t *out_ids, float *out_scores);
/* Scores of host-given candidates: for history i, the n_cand ids
 * cand[i * n_cand ..] give out[i * n_cand ..]. Ids in [0, n_items). */
int orl_sl_net_score_candidates(const orl_sl_net *net, const int32_t *states, const int32_t *lens,
                                int n, const int32_t *cand, int n_cand, void *scratch,
                                size_t scratch_bytes, float *out_scores);

#endif
