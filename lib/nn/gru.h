/* A single-layer GRU with torch.nn.GRU semantics over a left-aligned,
 * right-padded window, returning the hidden state at each row's true length
 * (as the reference GRU4Rec). Gate layout r, z, n:
 *   r = s(W_ir x + b_ir + W_hr h + b_hr),  z = s(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) n + z h.
 * Inputs are time-major [T x B x E]. Rows are split over the pool. */
#ifndef ORL_NN_GRU_H
#define ORL_NN_GRU_H

#include <stddef.h>
#include <stdint.h>

#include "core/pool.h"

typedef struct orl_gru_dims {
    int batch, steps, in_dim, hidden;
} orl_gru_dims;

/* w_ih [3H x E], w_hh [3H x H], b_ih [3H], b_hh [3H] (PyTorch layout). */
typedef struct orl_gru_weights {
    const float *w_ih, *w_hh, *b_ih, *b_hh;
} orl_gru_weights;

typedef struct orl_gru_grads {
    float *w_ih, *w_hh, *b_ih, *b_hh;
} orl_gru_grads;

/* What the forward pass keeps for the backward pass, carved from one block of
 * orl_gru_cache_floats(d) floats. */
typedef struct orl_gru_cache {
    float *gi;              /* [T x B x 3H] x W_ih^T + b_ih; reused as dL/d(gi) */
    float *gates;           /* [T x B x 3H] r, z, n */
    float *hn;              /* [T x B x H]  W_hn h + b_hn */
    float *h;               /* [(T + 1) x B x H] states, h[0] = 0 */
    float *dgh;             /* [T x B x 3H] dL/d(h W_hh^T + b_hh) */
    float *work;            /* [B x 3H] per-step recurrent product */
    float *dh;              /* [B x H] running dL/dh */
    float *w_ih_t, *w_hh_t; /* [E x 3H], [H x 3H] transposed weights for orl_kgemm */
    int steps_run;          /* steps the last forward computed (max length) */
} orl_gru_cache;

size_t orl_gru_cache_floats(orl_gru_dims d);
/* Carve `block` (64-byte aligned, orl_gru_cache_floats floats) into a cache. */
void orl_gru_cache_bind(orl_gru_cache *c, float *block, orl_gru_dims d);

/* out[b] = h at step lens[b] - 1 (lens in [1, T]); x is [T x B x E]. */
void orl_gru_forward(orl_pool *pool, float *out, const float *x, const int32_t *lens,
                     orl_gru_weights w, orl_gru_dims d, orl_gru_cache *c);
/* Backward of the last forward: d_x [T x B x E] is overwritten (zero beyond
 * each row's length, and NULL skips it); weight gradients are ADDED to g. */
void orl_gru_backward(orl_pool *pool, float *d_x, orl_gru_grads g, const float *d_out,
                      const float *x, const int32_t *lens, orl_gru_weights w, orl_gru_dims d,
                      orl_gru_cache *c);

/* One more step for `rows` rows (no cache kept): h_next [rows x H] from the
 * inputs x [rows x E] and the states h_prev [rows x H], with the arithmetic of
 * orl_gru_forward's steps t > 0, so a history's state after len + 1 steps
 * equals, bit for bit, this step applied to its state after len steps. Uses
 * the transposed weights in `c`: its last orl_gru_forward must have had the
 * same weights `w` (only c->w_ih_t and c->w_hh_t are read). scratch:
 * orl_gru_step_floats(rows, d) floats. Rows are split over the pool. */
size_t orl_gru_step_floats(int rows, orl_gru_dims d);
void orl_gru_step(orl_pool *pool, float *h_next, const float *x, const float *h_prev, int rows,
                  orl_gru_weights w, orl_gru_dims d, const orl_gru_cache *c, float *scratch);

/* Inference for one history without BLAS: x [len x E] (time order), the
 * state after `len` steps in out [H]. scratch: orl_gru_one_floats(d) floats. */
size_t orl_gru_one_floats(orl_gru_dims d);
void orl_gru_encode_one(float *out, const float *x, int len, orl_gru_weights w, orl_gru_dims d,
                        float *scratch);

/* Inference for d.batch (<= 64) histories at once, each state bit-identical
 * to orl_gru_encode_one's for that history alone (its products through
 * orl_matvec_multi, its gates through the same code): x [batch x steps x E]
 * (each history's inputs in time order), lens [batch] in [1, steps], out
 * [batch x H]. scratch: orl_gru_rows_floats(d) floats. */
size_t orl_gru_rows_floats(orl_gru_dims d);
void orl_gru_encode_rows(float *out, const float *x, const int32_t *lens, orl_gru_weights w,
                         orl_gru_dims d, float *scratch);

#endif
