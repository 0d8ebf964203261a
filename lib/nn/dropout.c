#include "nn/dropout.h"

void orl_dropout_mask(float *mask, size_t n, float p, orl_rng *rng)
{
    float keep = 1.0f / (1.0f - p);
    for (size_t i = 0; i < n; i++) mask[i] = orl_rng_uniform(rng) < p ? 0.0f : keep;
}

void orl_dropout_forward(float *out, const float *in, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = in[i] * mask[i];
}

void orl_dropout_backward(float *d_in, const float *d_out, const float *mask, size_t n)
{
    for (size_t i = 0; i < n; i++) d_in[i] = d_out[i] * mask[i];
}
