/* Adam with PyTorch's semantics (torch.optim.Adam, no weight decay, no
 * amsgrad): bias-corrected step size lr / (1 - beta1^t) and denominator
 * sqrt(v) / sqrt(1 - beta2^t) + eps. One fused pass over the parameter store,
 * split over the pool. */
#ifndef ORL_NN_ADAM_H
#define ORL_NN_ADAM_H

#include "core/pool.h"
#include "nn/params.h"

typedef struct orl_adam_config {
    float lr, beta1, beta2, eps;
} orl_adam_config;

/* The reference's settings: lr 0.01, betas 0.9 / 0.999, eps 1e-8. */
orl_adam_config orl_adam_defaults(void);

/* The per-step constants, so a step can be applied piecewise (e.g. fused into
 * the output layer's backward pass, tile by tile, while the tile is in cache). */
typedef struct orl_adam_step_consts {
    float beta1, beta2, eps, step_size, inv_sqrt_bc2;
} orl_adam_step_consts;

/* Increments p->step and returns the constants of that step. */
orl_adam_step_consts orl_adam_begin_step(orl_params *p, const orl_adam_config *cfg);
/* Adam on n consecutive parameters (value, grad, m, v at the same index). */
void orl_adam_update(const orl_adam_step_consts *k, float *value, float *grad, float *m, float *v,
                     size_t n, int zero_grad);
/* Adam on floats [begin, end) of the store, split over the pool. */
void orl_adam_update_range(orl_pool *pool, orl_params *p, const orl_adam_step_consts *k,
                           size_t begin, size_t end, int zero_grad);

/* Adam on a [rows x cols] tensor at `offset` whose gradient is zero outside
 * the rows flagged in `touched` (an embedding table): untouched rows get the
 * exact zero-gradient update without reading their gradient; touched rows
 * get the full update and their gradient cleared. Same result as the dense
 * update, a third less memory traffic. Split over the pool by rows. */
void orl_adam_update_rows(orl_pool *pool, orl_params *p, const orl_adam_step_consts *k,
                          size_t offset, size_t rows, size_t cols, const unsigned char *touched);

/* Test and benchmark hook (process-wide): nonzero makes orl_adam_update and
 * orl_adam_update_rows run their scalar loops even where the CPU has AVX-512
 * (the two give the same bits; the tests compare them). */
void orl_adam_force_scalar(int on);

/* One step over every parameter of `p` (value, grad, m, v all present):
 * increments p->step first. When zero_grad is nonzero the gradient is cleared
 * as it is consumed, saving a separate pass. */
void orl_adam_step(orl_pool *pool, orl_params *p, const orl_adam_config *cfg, int zero_grad);

#endif
