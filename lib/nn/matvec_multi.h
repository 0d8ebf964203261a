/* One weight matrix times many inputs, each output bit-identical to what
 * orl_matvec (nn/vmath.h) gives for that input alone: the batch paths of
 * inference (a block of histories) use it so that their scores and states
 * equal the one-history paths' bit for bit.
 *
 * orl_matvec sums each row in 16 lanes (lane l accumulates columns l, l+16,
 * ... with FMA, in order), reduces the lanes by halves (l + 8, then + 4, + 2,
 * + 1) and adds the bias. Here the lanes of a vector are inputs instead: the
 * same 16 partial sums per (row, input), added in the same tree, so every
 * rounding is the same. Without AVX-512 (or cols not a multiple of 16) it
 * calls orl_matvec per output. Runs in the calling thread. */
#ifndef ORL_NN_MATVEC_MULTI_H
#define ORL_NN_MATVEC_MULTI_H

#include <stddef.h>
#include <stdint.h>

enum { ORL_MATVEC_MULTI_MAX_N = 64 };

/* Floats of the transposed inputs xt for inputs of dimension cols. */
size_t orl_matvec_multi_xt_floats(size_t cols);
/* xt [cols x np] = x [n x cols]^T, zero-padded to np = n rounded up to 16;
 * n in [1, 64]. */
void orl_matvec_multi_prep(float *xt, const float *x, int n, size_t cols);
/* out[i * ldo + r] = (W x_r + b)[i] for rows i in [0, rows) and inputs r in
 * [0, n), ldo >= n (transposed: an output row per weight row); w [rows x
 * cols] row-major, b [rows] or NULL, x [n x cols] and its xt from
 * orl_matvec_multi_prep. Equal, bit for bit, to
 * orl_matvec(y, w, x + r * cols, b, rows, cols)[i]. */
void orl_matvec_multi_t(float *out, size_t ldo, const float *w, const float *b, size_t rows,
                        size_t cols, const float *x, const float *xt, int n);
/* y[r * rows + i] = (W x_r + b)[i]: the same products, row-major per input
 * (n separate orl_matvec calls, bit for bit); work: rows x 64 +
 * orl_matvec_multi_xt_floats(cols) floats. n in [1, 64]. */
void orl_matvec_multi(float *y, const float *w, const float *b, size_t rows, size_t cols,
                      const float *x, int n, float *work);
size_t orl_matvec_multi_work_floats(size_t rows, size_t cols);

/* The top-K form (as orl_kgemm_scan, with orl_matvec's arithmetic): for rows
 * i in increasing order, the scores of row i for the n inputs (those of
 * orl_matvec_multi_t, bit for bit) go to fn(ctx, i, scores) when some score
 * beats its bar, !(score <= bar[r]) (a NaN always does); bar [np] (np = n
 * rounded up to 16, +inf past n) is read again after every call, so fn may
 * raise it. Scores stay in registers otherwise. work:
 * orl_matvec_multi_scan_work_floats() floats. */
enum { ORL_MATVEC_SCAN_CHUNK = 256 };
typedef void (*orl_matvec_scan_fn)(void *ctx, int32_t row, const float *scores);
size_t orl_matvec_multi_scan_work_floats(void);
void orl_matvec_multi_scan(const float *w, const float *b, size_t rows, size_t cols, const float *x,
                           const float *xt, int n, const float *bar, orl_matvec_scan_fn fn,
                           void *ctx, float *work);

#endif
