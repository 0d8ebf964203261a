/* Caser's horizontal convolution (Tang & Wang 2018; the SQN / SA2C
 * references' Caser.py): F filters of height h spanning the whole embedding
 * width slide over the time axis of one history x [T x E] (the valid
 * positions p = 0 .. T - h), + bias, ReLU, max over time.
 *
 * Only the first n rows of x are stored: rows n .. T-1 are zero (padding).
 * A position whose window lies wholly in them is conv(0) + b = b exactly, so
 * it costs nothing; the max over time still includes it, as the reference.
 *
 * Weights w [E x hF]: column t F + f holds filter f's weights on the row at
 * offset t of its window. Then z = x w [n x hF] gives every row's product with
 * every (offset, filter) pair, and conv(p, f) = sum_t z[p + t][t F + f]. */
#ifndef ORL_NN_HCONV_H
#define ORL_NN_HCONV_H

#include <stdint.h>

typedef struct orl_hconv_dims {
    int window, embed, filters, height; /* T, E, F, h (1 <= h <= T) */
} orl_hconv_dims;

/* out [F] = max_p relu(conv(p) + b) of one history with n stored rows
 * (0 <= n <= T); arg [F] = the first position of each maximum, -1 when it is
 * a padding-only position. z: scratch [n x ldz], ldz >= hF. The same as
 * orl_hconv_products then orl_hconv_pool. */
void orl_hconv_forward(float *out, int32_t *arg, float *z, int ldz, const float *x, int n,
                       const float *w, const float *b, orl_hconv_dims d);
/* z [rows x ldz] = x w for `rows` stacked rows (of one or many histories). */
void orl_hconv_products(float *z, int ldz, const float *x, int rows, const float *w,
                        orl_hconv_dims d);
/* The rest of the forward of one history, given its z (overwritten). */
void orl_hconv_pool(float *out, int32_t *arg, float *z, int ldz, int n, const float *b,
                    orl_hconv_dims d);
/* 1 when a row of orl_hconv_products (and of orl_hconv_backward_x) comes out
 * the same bits whichever other rows the call covers: on the AVX-512 kernel
 * (nn/kgemm.h) every entry is one FMA chain in a fixed order. Then a batch
 * may stack many histories in one call and still match a one-history call;
 * otherwise (CBLAS) it must call per history. */
int orl_hconv_stackable(orl_hconv_dims d);

/* The max-pool and ReLU backward of one history: dz [n x ldz] = dL/dz, where
 * filter f's g = d_out[f] * (out[f] > 0) reaches the entries z[arg + t][t F + f]
 * of its maximum's window (t < h, arg + t < n); every other entry is 0. */
void orl_hconv_backward_z(float *dz, int ldz, const float *d_out, const float *out,
                          const int32_t *arg, int n, orl_hconv_dims d);
/* dx [n x E] (+)= dz w^T, given wt = w^T [hF x E] (orl_hconv_pack_wt);
 * accumulate != 0 adds, else overwrites. */
void orl_hconv_backward_x(float *dx, const float *dz, int ldz, const float *wt, int n,
                          orl_hconv_dims d, int accumulate);
/* dw [E x hF] += x^T dz over `rows` stacked rows (of one or many histories):
 * one product, so the result does not depend on how histories were split. */
void orl_hconv_backward_w(float *dw, const float *x, const float *dz, int ldz, int rows,
                          orl_hconv_dims d);
/* db [F] += sum over n_hist histories, in order, of d_out * (out > 0); their
 * rows are `ld` floats apart. */
void orl_hconv_backward_b(float *db, const float *d_out, const float *out, int n_hist, int ld,
                          int filters);
/* wt [hF x E] = w^T. */
void orl_hconv_pack_wt(float *wt, const float *w, orl_hconv_dims d);

#endif
