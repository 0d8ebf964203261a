/* Scores of a block of inputs over a long weight matrix, for the paths that
 * fold them away at once (nn/softmax_stats.h): out[i * ldo + r] = (sum_p
 * w[i][p] x_r[p]) + b[i], the products added in column order by FMA from 0,
 * the bias last. Another rounding than orl_matvec's 16-lane tree (about
 * 1e-7 relative apart), chosen because its AVX-512 tile keeps 24
 * accumulators in registers; every output depends on its own row and input
 * alone (not on which inputs share the block). The AVX-512 kernel and the
 * portable loop (fmaf, vectorised where the CPU has FMA) agree bit for bit.
 * Runs in the calling thread. */
#ifndef ORL_NN_GEMM_FMA_H
#define ORL_NN_GEMM_FMA_H

#include <stddef.h>

/* Rows [0, rows) of w [rows x cols] (row-major), b [rows] or NULL; xt [cols
 * x np] the inputs transposed and zero-padded (orl_matvec_multi_prep), np a
 * multiple of 16 up to 64; out [rows x ldo], ldo >= np: all np lanes are
 * written (lanes past the inputs hold the bias). */
void orl_gemm_fma_t(float *out, size_t ldo, const float *w, const float *b, size_t rows,
                    size_t cols, const float *xt, size_t np);
/* The portable loop itself (tests compare the two). */
void orl_gemm_fma_t_portable(float *out, size_t ldo, const float *w, const float *b, size_t rows,
                             size_t cols, const float *xt, size_t np);
/* One output of the same arithmetic: (sum_p w[p] x[p] by FMA from 0) + b. */
float orl_dot_fma(const float *w, const float *x, size_t cols, float b);

#endif
