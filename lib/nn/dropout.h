/* Inverted dropout with an explicit, seeded mask: the mask is drawn once per
 * step and kept for the backward pass, so forward and backward agree and a run
 * is reproducible from its seed. */
#ifndef ORL_NN_DROPOUT_H
#define ORL_NN_DROPOUT_H

#include <stddef.h>

#include "core/rng.h"

/* mask[i] = 0 with probability p, else 1 / (1 - p). p in [0, 1). */
void orl_dropout_mask(float *mask, size_t n, float p, orl_rng *rng);
/* out = in * mask (out may equal in). */
void orl_dropout_forward(float *out, const float *in, const float *mask, size_t n);
/* d_in = d_out * mask (d_in may equal d_out). */
void orl_dropout_backward(float *d_in, const float *d_out, const float *mask, size_t n);

#endif
