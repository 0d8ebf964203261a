#include "nn/linear.h"

#include <string.h>

#include "core/blas.h"
#include "nn/vmath.h"

void orl_linear_forward(orl_pool *pool, float *out, const float *in, const float *w, const float *b,
                        orl_linear_dims d)
{
    orl_sgemm_pool(pool, 0, 1, d.n, d.out_dim, d.in_dim, 1.0f, in, d.in_dim, w, d.in_dim, 0.0f, out,
                   d.out_dim);
    if (b)
        for (int i = 0; i < d.n; i++)
            orl_vec_add(out + (size_t)i * d.out_dim, b, (size_t)d.out_dim);
}

void orl_linear_backward(orl_pool *pool, float *d_in, float *d_w, float *d_b, const float *d_out,
                         const float *in, const float *w, orl_linear_dims d, int accumulate)
{
    if (d_in)
        orl_sgemm_pool(pool, 0, 0, d.n, d.in_dim, d.out_dim, 1.0f, d_out, d.out_dim, w, d.in_dim,
                       0.0f, d_in, d.in_dim);
    orl_sgemm_pool(pool, 1, 0, d.out_dim, d.in_dim, d.n, 1.0f, d_out, d.out_dim, in, d.in_dim,
                   accumulate ? 1.0f : 0.0f, d_w, d.in_dim);
    if (d_b) {
        if (!accumulate) memset(d_b, 0, sizeof(float) * (size_t)d.out_dim);
        for (int i = 0; i < d.n; i++)
            orl_vec_add(d_b, d_out + (size_t)i * d.out_dim, (size_t)d.out_dim);
    }
}
