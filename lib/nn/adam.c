/* sqrtf without errno so the update loop vectorises. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-math-errno")
#endif

#include "nn/adam.h"

#include <math.h>

orl_adam_step_consts orl_adam_begin_step(orl_params *p, const orl_adam_config *cfg)
{
    p->step++;
    double t = (double)p->step;
    double bc1 = 1.0 - pow((double)cfg->beta1, t);
    double bc2 = 1.0 - pow((double)cfg->beta2, t);
    orl_adam_step_consts k = {cfg->beta1, cfg->beta2, cfg->eps, (float)(cfg->lr / bc1),
                              (float)(1.0 / sqrt(bc2))};
    return k;
}

void orl_adam_update(const orl_adam_step_consts *k, float *restrict value, float *restrict grad,
                     float *restrict m, float *restrict v, size_t n, int zero_grad)
{
    const float b1 = k->beta1, b2 = k->beta2, c1 = 1.0f - k->beta1, c2 = 1.0f - k->beta2;
    const float eps = k->eps, step = k->step_size, ibc2 = k->inv_sqrt_bc2;
    /* One pass; clearing the gradient as it is read saves a second sweep
     * over the largest buffer. */
    if (zero_grad) {
        for (size_t i = 0; i < n; i++) {
            float g = grad[i];
            grad[i] = 0.0f;
            float mi = b1 * m[i] + c1 * g;
            float vi = b2 * v[i] + c2 * g * g;
            m[i] = mi;
            v[i] = vi;
            value[i] -= step * mi / (sqrtf(vi) * ibc2 + eps);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float g = grad[i];
            float mi = b1 * m[i] + c1 * g;
            float vi = b2 * v[i] + c2 * g * g;
            m[i] = mi;
            v[i] = vi;
            value[i] -= step * mi / (sqrtf(vi) * ibc2 + eps);
        }
    }
}

typedef struct range_job {
    orl_params *p;
    const orl_adam_step_consts *k;
    size_t base;
    int zero_grad;
} range_job;

static void range_chunk(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const range_job *j = ctx;
    size_t o = j->base + begin;
    orl_adam_update(j->k, j->p->value + o, j->p->grad + o, j->p->m + o, j->p->v + o, end - begin,
                    j->zero_grad);
}

void orl_adam_update_range(orl_pool *pool, orl_params *p, const orl_adam_step_consts *k,
                           size_t begin, size_t end, int zero_grad)
{
    if (end <= begin) return;
    range_job j = {p, k, begin, zero_grad};
    orl_pool_parallel_for(pool, end - begin, range_chunk, &j);
}

/* The update with g = 0: m *= beta1, v *= beta2, the step from them. */
static void update_nograd(const orl_adam_step_consts *k, float *restrict value, float *restrict m,
                          float *restrict v, size_t n)
{
    const float b1 = k->beta1, b2 = k->beta2, eps = k->eps, step = k->step_size;
    const float ibc2 = k->inv_sqrt_bc2;
    for (size_t i = 0; i < n; i++) {
        float mi = b1 * m[i] + 0.0f;
        float vi = b2 * v[i] + 0.0f;
        m[i] = mi;
        v[i] = vi;
        value[i] -= step * mi / (sqrtf(vi) * ibc2 + eps);
    }
}

typedef struct rows_job {
    orl_params *p;
    const orl_adam_step_consts *k;
    size_t offset, cols;
    const unsigned char *touched;
} rows_job;

static void rows_chunk(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const rows_job *j = ctx;
    orl_params *p = j->p;
    for (size_t r = begin; r < end; r++) {
        size_t o = j->offset + r * j->cols;
        if (j->touched[r])
            orl_adam_update(j->k, p->value + o, p->grad + o, p->m + o, p->v + o, j->cols, 1);
        else
            update_nograd(j->k, p->value + o, p->m + o, p->v + o, j->cols);
    }
}

void orl_adam_update_rows(orl_pool *pool, orl_params *p, const orl_adam_step_consts *k,
                          size_t offset, size_t rows, size_t cols, const unsigned char *touched)
{
    rows_job j = {p, k, offset, cols, touched};
    orl_pool_parallel_for(pool, rows, rows_chunk, &j);
}

orl_adam_config orl_adam_defaults(void)
{
    orl_adam_config c = {0.01f, 0.9f, 0.999f, 1e-8f};
    return c;
}

void orl_adam_step(orl_pool *pool, orl_params *p, const orl_adam_config *cfg, int zero_grad)
{
    orl_adam_step_consts k = orl_adam_begin_step(p, cfg);
    orl_adam_update_range(pool, p, &k, 0, p->count, zero_grad);
}
