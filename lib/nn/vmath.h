/* Vectorisable float kernels for the hot loops (softmax over the catalogue,
 * Adam, GRU gates). Built for AVX2/FMA and for the baseline ISA, the best one
 * chosen once at load time (GCC target_clones), so the library runs anywhere. */
#ifndef ORL_NN_VMATH_H
#define ORL_NN_VMATH_H

#include <stddef.h>

/* exp(x) to ~5e-6 relative for x in [-87, 88]; smaller x gives ~0 (no denormals). */
float orl_fast_expf(float x);

/* max_j (z[j] + b[j]); b may be NULL. */
float orl_vec_max_bias(const float *z, const float *b, size_t n);
/* sum_j exp(z[j] + b[j] - shift); b may be NULL. */
float orl_vec_sumexp_bias(const float *z, const float *b, size_t n, float shift);
/* z[j] = exp(z[j] + b[j] - shift) * scale, in place; b may be NULL. */
void orl_vec_exp_bias_scale(float *z, const float *b, size_t n, float shift, float scale);
/* As orl_vec_exp_bias_scale, also adding each result into acc[j] (the
 * softmax gradient and its column sum, the bias gradient, in one pass). */
void orl_vec_exp_bias_scale_acc(float *z, const float *b, size_t n, float shift, float scale,
                                float *acc);
/* y[j] += x[j]. */
void orl_vec_add(float *y, const float *x, size_t n);
/* Elementwise logistic and tanh, in place. */
void orl_vec_sigmoid(float *x, size_t n);
void orl_vec_tanh(float *x, size_t n);

/* The GRU cell of nn/gru.c for one row, in 16 lanes, with the scalar code's
 * operations in the same order (bit-identical): gi [3H] += b_ih; r, z =
 * sigmoid(gi + wk + b_hh) into g [0, 2H); hn [H] = wk_n + b_hh_n; g_n =
 * tanh(gi_n + r hn); h_next [H] = (1 - z) n + z h_prev. Returns 1 when done,
 * 0 (nothing written) when the CPU lacks AVX-512: the caller's scalar loop
 * runs then. */
int orl_vec_gru_cell(float *h_next, float *g, float *hn, float *gi, const float *wk,
                     const float *h_prev, const float *b_ih, const float *b_hh, size_t H);
/* Its backward for one row and step, given the running dL/dh [H] (updated to
 * its share for the previous step): dgi, dgh [3H] as nn/gru.c's loop. Same
 * contract (1 done, 0 nothing written). */
int orl_vec_gru_cell_backward(float *dgi, float *dgh, float *dh, const float *g, const float *hn,
                              const float *hp, size_t H);
/* sum_j x[j] * y[j]. */
float orl_vec_dot(const float *x, const float *y, size_t n);
/* y[rows] = W[rows x cols] x (+ b when b is not NULL); W row-major. For the
 * one-history paths, where a BLAS call costs more than the product. */
void orl_matvec(float *y, const float *w, const float *x, const float *b, size_t rows, size_t cols);

#endif
