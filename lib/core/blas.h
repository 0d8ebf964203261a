/* The CBLAS wrapper: row-major products, optionally split over a pool.
 * Every matrix product in the library goes through here. */
#ifndef ORL_CORE_BLAS_H
#define ORL_CORE_BLAS_H

#include <stddef.h>

#include "core/pool.h"

/* Name of the CBLAS the library was built with ("openblas", "cblas", ...). */
const char *orl_blas_name(void);

/* The BLAS's own name for the kernels it uses on this CPU (OpenBLAS), or "unknown". */
const char *orl_blas_core(void);

/* Make the BLAS itself single-threaded (once per process) where the BLAS
 * allows it: the library's pool owns the cores, and BLAS threads spinning
 * beside pool threads made the reference 4.5x slower. */
void orl_blas_use_single_thread(void);

/* C[M x N] = alpha * op(A) * op(B) + beta * C, row-major; trans_* nonzero
 * means transposed. Runs in the calling thread. */
void orl_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc);

/* The same product with the rows of C (or, when M is small, its columns)
 * split over the pool's threads. A NULL pool runs in the calling thread. */
void orl_sgemm_pool(orl_pool *pool, int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c,
                    int ldc);

/* y[M] = alpha * op(A) x + beta * y, row-major A of M x N (before op). */
void orl_sgemv(int trans_a, int m, int n, float alpha, const float *a, int lda, const float *x,
               float beta, float *y);

#endif
