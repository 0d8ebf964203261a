/* Causal dilated 1-D convolution over time, H -> H channels, kernel k, as
 * NextItNet's (TF conv2d with a [1, k, H, H] kernel on a sequence left-padded
 * with (k - 1) d zero rows):
 *   out[t] = b + sum_j in[t - (k - 1 - j) d] W_j,   in[t' < 0] = 0,
 * W stored [k H x H]: W_j is rows j H .. j H + H - 1, row i input channel i,
 * column o output channel o (TF's [k][in][out] layout).
 *
 * Sequences are packed time-major (orl_dconv_seqs), so the rows a tap reads
 * at one step are one contiguous block: every product is a GEMM over the
 * sequences still running, and the zero padding is never multiplied.
 * Every output element is summed in a fixed order (tap by tap, each tap by
 * orl_dconv_mm) whatever rows are computed together, so a sequence gets the
 * same bits alone or inside any batch, and gradients the same bits however
 * the work is split over threads. */
#ifndef ORL_NN_DILATED_CONV_H
#define ORL_NN_DILATED_CONV_H

#include <stddef.h>
#include <stdint.h>

typedef struct orl_dconv_dims {
    int h, k, dilation;
} orl_dconv_dims;

/* Sequences packed time-major: step t holds count[t] rows from row start[t],
 * one per sequence still running, in the same sequence order at every step
 * (so count is non-increasing: sequences sorted by decreasing length). A call
 * covers the sequences [lo, hi) of that order, steps [0, steps). */
typedef struct orl_dconv_seqs {
    const int32_t *start, *count;
    int steps, lo, hi;
} orl_dconv_seqs;

/* Rows of step t that the call covers: returns their number (0 when none)
 * and the first in *row0. */
static inline int orl_dconv_step_rows(orl_dconv_seqs s, int t, size_t *row0)
{
    int end = s.count[t] < s.hi ? s.count[t] : s.hi;
    *row0 = (size_t)s.start[t] + (size_t)s.lo;
    return end > s.lo ? end - s.lo : 0;
}

/* C[m x n] (=, or += when accumulate) A B, A(r, p) = a[r a_rs + p a_ps],
 * B row-major [k x n] (ldb), C row-major (ldc). Element (r, c) is summed over
 * p in order whatever m is or where the rows start: orl_kgemm's AVX-512 path
 * when it runs (n % 16 == 0), else a plain loop, never a BLAS (whose small-
 * matrix kernels may round a row differently when it comes alone). */
void orl_dconv_mm(int m, int n, int k, const float *a, int a_rs, int a_ps, const float *b, int ldb,
                  float *c, int ldc, int accumulate);

/* out = conv(in) + b (b may be NULL) on the rows of s; out != in. */
void orl_dconv_forward(float *out, const float *in, const float *w, const float *b,
                       orl_dconv_dims d, orl_dconv_seqs s);

/* w_t [k H x H]: block j is W_j^T, the operand of the input gradient. */
void orl_dconv_pack_t(float *w_t, const float *w, orl_dconv_dims d, int tap);
/* d_in (+)= dL/d_in on the rows of s (accumulate != 0 adds, else
 * overwrites), given d_out; d_in != d_out. */
void orl_dconv_backward_data(float *d_in, const float *d_out, const float *w_t, orl_dconv_dims d,
                             orl_dconv_seqs s, int accumulate);
/* Adds to d_w the rows of input channels [c0, c1) of every tap, and to d_b
 * (may be NULL) its entries [c0, c1), the gradients over the rows of s, in a
 * fixed order: disjoint channel ranges may run on different threads and the
 * bits do not depend on the split. */
void orl_dconv_backward_params(float *d_w, float *d_b, const float *d_out, const float *in,
                               orl_dconv_dims d, orl_dconv_seqs s, int c0, int c1);

#endif
