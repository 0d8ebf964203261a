#include "nn/linear_rows.h"

#include <stddef.h>

#include "nn/vmath.h"

void orl_linear_rows_forward(float *out, const float *h, const float *w, const float *bias,
                             const int32_t *idx, orl_linear_rows_dims d)
{
    const size_t H = (size_t)d.hidden, K = (size_t)d.k;
    for (size_t b = 0; b < (size_t)d.batch; b++)
        for (size_t j = 0; j < K; j++) {
            size_t i = (size_t)idx[b * K + j];
            out[b * K + j] = orl_vec_dot(w + i * H, h + b * H, H) + (bias ? bias[i] : 0.0f);
        }
}

void orl_linear_rows_backward(float *d_h, float *d_w, float *d_bias, const float *g, const float *h,
                              const float *w, const int32_t *idx, orl_linear_rows_dims d)
{
    const size_t H = (size_t)d.hidden, K = (size_t)d.k;
    for (size_t b = 0; b < (size_t)d.batch; b++)
        for (size_t j = 0; j < K; j++) {
            const float gj = g[b * K + j];
            const size_t i = (size_t)idx[b * K + j];
            const float *wi = w + i * H, *hb = h + b * H;
            float *dwi = d_w + i * H;
            if (d_h) {
                float *dhb = d_h + b * H;
                for (size_t c = 0; c < H; c++) dhb[c] += gj * wi[c];
            }
            for (size_t c = 0; c < H; c++) dwi[c] += gj * hb[c];
            if (d_bias) d_bias[i] += gj;
        }
}
