/* Gathered outputs of a linear layer: for each of B inputs h[b] [H] and k
 * chosen output rows idx[b * k + j], the value w[idx] . h[b] + bias[idx],
 * without the full B x n_out product (Q(s, a) for the logged action and the
 * sampled negatives), and its gradient scattered back into the chosen rows. */
#ifndef ORL_NN_LINEAR_ROWS_H
#define ORL_NN_LINEAR_ROWS_H

#include <stdint.h>

typedef struct orl_linear_rows_dims {
    int batch, k, hidden;
} orl_linear_rows_dims;

/* out[b * k + j] = w[idx[b * k + j]] . h[b] + bias[idx[..]] (bias may be
 * NULL); w is [n_out x H] row-major; ids trusted. */
void orl_linear_rows_forward(float *out, const float *h, const float *w, const float *bias,
                             const int32_t *idx, orl_linear_rows_dims d);
/* Given g = dL/d(out) [B x k]: d_h[b] += sum_j g[b, j] w[idx] (d_h may be
 * NULL), d_w[idx] += g[b, j] h[b], d_bias[idx] += g[b, j] (d_bias may be NULL).
 * Repeated ids accumulate in order of (b, j): deterministic. */
void orl_linear_rows_backward(float *d_h, float *d_w, float *d_bias, const float *g, const float *h,
                              const float *w, const int32_t *idx, orl_linear_rows_dims d);

#endif
