/* Fully connected layer, row-major: out[n x out_dim] = in[n x in_dim] W^T + b
 * with W stored [out_dim x in_dim] (PyTorch's nn.Linear layout). */
#ifndef ORL_NN_LINEAR_H
#define ORL_NN_LINEAR_H

#include "core/pool.h"

typedef struct orl_linear_dims {
    int n, in_dim, out_dim;
} orl_linear_dims;

/* b may be NULL (no bias). */
void orl_linear_forward(orl_pool *pool, float *out, const float *in, const float *w, const float *b,
                        orl_linear_dims d);
/* d_in = d_out W (skipped when d_in is NULL); d_w (+)= d_out^T in;
 * d_b (+)= column sums of d_out (skipped when NULL). With accumulate == 0 the
 * weight gradients are overwritten, else added to. */
void orl_linear_backward(orl_pool *pool, float *d_in, float *d_w, float *d_b, const float *d_out,
                         const float *in, const float *w, orl_linear_dims d, int accumulate);

#endif
