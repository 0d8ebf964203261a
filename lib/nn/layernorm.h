/* Layer normalisation over the last dimension, as the SASRec / NextItNet
 * references (TF utility.normalize): biased variance, eps inside the sqrt,
 * y = gamma * (x - mean) / sqrt(var + eps) + beta. Rows are independent. */
#ifndef ORL_NN_LAYERNORM_H
#define ORL_NN_LAYERNORM_H

#include <stddef.h>

/* out [n x d] (may equal in); mean_rstd [2n] keeps each row's mean and
 * 1/sqrt(var + eps) for the backward pass (NULL at inference). */
void orl_layernorm_forward(float *out, float *mean_rstd, const float *in, const float *gamma,
                           const float *beta, size_t n, size_t d, float eps);
/* d_in (+)= dL/d_in (accumulate != 0 adds, else overwrites; d_in != d_out);
 * d_gamma, d_beta += their gradients (skipped when NULL). */
void orl_layernorm_backward(float *d_in, float *d_gamma, float *d_beta, const float *d_out,
                            const float *in, const float *mean_rstd, const float *gamma, size_t n,
                            size_t d, int accumulate);

#endif
