/* Register-blocked single-precision products for the training hot path.
 *
 * Why not CBLAS alone: OpenBLAS 0.3.21 (Debian 12) does not recognise the CPUs
 * of our build machines (Sapphire Rapids under a hypervisor) and falls back to
 * its "Prescott" SSE3 kernels: 15 GFLOP/s instead of ~100 (measured with
 * shared/peer/gemm_peak.c; OPENBLAS_CORETYPE=SkylakeX restores it, but a
 * library cannot set that before the BLAS initialises). This kernel uses
 * AVX-512 when the CPU has it and falls back to CBLAS otherwise.
 *
 * C[M x N] (=, or += when accumulate) A B with
 *   A(r, p) = a[r * a_rs + p * a_ps]   (a_rs == 1 or a_ps == 1: A or A^T row-major)
 *   B       = row-major [K x N], leading dimension ldb
 *   C       = row-major, leading dimension ldc.
 * The fast path needs N % 16 == 0 and 64-byte-friendly rows are not required
 * (unaligned loads). Runs in the calling thread. */
#ifndef ORL_NN_KGEMM_H
#define ORL_NN_KGEMM_H

void orl_kgemm(int m, int n, int k, const float *a, int a_rs, int a_ps, const float *b, int ldb,
               float *c, int ldc, int accumulate);

/* The B operand of a product with W^T, packed: dst [k x ld] with
 * dst[p * ld + i] = w[i * k + p] for i < nt (w row-major [nt x k]) and zero
 * columns nt <= i < ld (ld >= nt). 16 x 16 register transposes when the CPU
 * has AVX-512 and k, ld are multiples of 16; the same bytes either way. */
void orl_kgemm_pack_t(float *dst, int ld, const float *w, int nt, int k);

/* 1 when orl_kgemm runs its own AVX-512 kernel on this CPU, 0 when it calls
 * CBLAS. */
int orl_kgemm_native(void);
/* Test and benchmark hook (process-wide): nonzero routes every orl_kgemm to
 * CBLAS, so the fallback path can be tested and compared on any CPU. */
void orl_kgemm_force_blas(int on);

#endif
