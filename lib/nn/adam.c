/* sqrtf without errno so the update loop vectorises. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-math-errno")
#endif

#include "nn/adam.h"

#include <math.h>

typedef struct adam_job {
    float *value, *grad, *m, *v;
    float beta1, beta2, eps, step_size, inv_sqrt_bc2;
    int zero_grad;
} adam_job;

static void adam_chunk(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const adam_job *j = ctx;
    float *restrict value = j->value, *restrict grad = j->grad, *restrict m = j->m,
                    *restrict v = j->v;
    const float b1 = j->beta1, b2 = j->beta2, c1 = 1.0f - j->beta1, c2 = 1.0f - j->beta2;
    const float eps = j->eps, step = j->step_size, ibc2 = j->inv_sqrt_bc2;
    /* One pass; clearing the gradient as it is read saves a second sweep
     * over the largest buffer. */
    if (j->zero_grad) {
        for (size_t i = begin; i < end; i++) {
            float g = grad[i];
            grad[i] = 0.0f;
            float mi = b1 * m[i] + c1 * g;
            float vi = b2 * v[i] + c2 * g * g;
            m[i] = mi;
            v[i] = vi;
            value[i] -= step * mi / (sqrtf(vi) * ibc2 + eps);
        }
    } else {
        for (size_t i = begin; i < end; i++) {
            float g = grad[i];
            float mi = b1 * m[i] + c1 * g;
            float vi = b2 * v[i] + c2 * g * g;
            m[i] = mi;
            v[i] = vi;
            value[i] -= step * mi / (sqrtf(vi) * ibc2 + eps);
        }
    }
}

orl_adam_config orl_adam_defaults(void)
{
    orl_adam_config c = {0.01f, 0.9f, 0.999f, 1e-8f};
    return c;
}

void orl_adam_step(orl_pool *pool, orl_params *p, const orl_adam_config *cfg, int zero_grad)
{
    p->step++;
    double t = (double)p->step;
    double bc1 = 1.0 - pow((double)cfg->beta1, t);
    double bc2 = 1.0 - pow((double)cfg->beta2, t);
    adam_job j = {p->value,
                  p->grad,
                  p->m,
                  p->v,
                  cfg->beta1,
                  cfg->beta2,
                  cfg->eps,
                  (float)(cfg->lr / bc1),
                  (float)(1.0 / sqrt(bc2)),
                  zero_grad};
    orl_pool_parallel_for(pool, p->count, adam_chunk, &j);
}
