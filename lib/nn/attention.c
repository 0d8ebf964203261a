#include "nn/attention.h"

#include <math.h>
#include <string.h>

#include "nn/vmath.h"

static int is_item(const float *mask, int j)
{
    return !mask || mask[j] != 0.0f;
}

/* y[n] += a * x[n] */
static void axpy(float *y, float a, const float *x, int n)
{
    for (int c = 0; c < n; c++) y[c] += a * x[c];
}

void orl_attn_forward(float *out, float *probs, const float *q, const float *k, const float *v,
                      const float *mask, const float *drop, orl_attn_dims d)
{
    const int dh = d.dim / d.heads, q0 = d.len - d.n_q;
    const float sq = sqrtf((float)dh);
    for (int i = 0; i < d.n_q; i++) {
        const int p = q0 + i;
        float *o = out + (size_t)i * d.dim;
        memset(o, 0, sizeof(float) * (size_t)d.dim);
        for (int h = 0; h < d.heads; h++) {
            const size_t row = ((size_t)i * d.heads + h) * d.stride;
            float *a = probs + row;
            if (!is_item(mask, p)) { /* a padding query attends nothing */
                memset(a, 0, sizeof(float) * (size_t)(p + 1));
                continue;
            }
            const float *qh = q + (size_t)i * d.dim + h * dh;
            float mx = -INFINITY;
            for (int j = 0; j <= p; j++) {
                if (!is_item(mask, j)) continue;
                a[j] = orl_vec_dot(qh, k + (size_t)j * d.dim + h * dh, (size_t)dh) / sq;
                mx = a[j] > mx ? a[j] : mx;
            }
            float sum = 0.0f;
            for (int j = 0; j <= p; j++) {
                a[j] = is_item(mask, j) ? expf(a[j] - mx) : 0.0f;
                sum += a[j];
            }
            const float inv = 1.0f / sum;
            float *oh = o + h * dh;
            for (int j = 0; j <= p; j++) {
                a[j] *= inv;
                if (!is_item(mask, j)) continue;
                const float w = drop ? a[j] * drop[row + j] : a[j];
                axpy(oh, w, v + (size_t)j * d.dim + h * dh, dh);
            }
        }
    }
}

void orl_attn_backward(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
                       const float *probs, const float *q, const float *k, const float *v,
                       const float *mask, const float *drop, orl_attn_dims d)
{
    const int dh = d.dim / d.heads, q0 = d.len - d.n_q;
    const float sq = sqrtf((float)dh);
    memset(d_k, 0, sizeof(float) * (size_t)d.len * d.dim);
    memset(d_v, 0, sizeof(float) * (size_t)d.len * d.dim);
    memset(d_q, 0, sizeof(float) * (size_t)d.n_q * d.dim);
    for (int i = 0; i < d.n_q; i++) {
        const int p = q0 + i;
        if (!is_item(mask, p)) continue;
        for (int h = 0; h < d.heads; h++) {
            const size_t row = ((size_t)i * d.heads + h) * d.stride;
            const float *a = probs + row, *go = d_out + (size_t)i * d.dim + h * dh;
            const float *qh = q + (size_t)i * d.dim + h * dh;
            float *gq = d_q + (size_t)i * d.dim + h * dh;
            /* g_j = dL/da_j through the dropout; s = sum_j a_j g_j. */
            float s = 0.0f;
            for (int j = 0; j <= p; j++) {
                if (!is_item(mask, j)) continue;
                const size_t kj = (size_t)j * d.dim + h * dh;
                float g = orl_vec_dot(go, v + kj, (size_t)dh);
                const float keep = drop ? drop[row + j] : 1.0f;
                scratch[j] = g * keep;
                s += a[j] * scratch[j];
                axpy(d_v + kj, a[j] * keep, go, dh);
            }
            /* Softmax backward, then through the 1/sqrt(dh) scaled dot. */
            for (int j = 0; j <= p; j++) {
                if (!is_item(mask, j)) continue;
                const size_t kj = (size_t)j * d.dim + h * dh;
                const float ds = a[j] * (scratch[j] - s) / sq;
                axpy(gq, ds, k + kj, dh);
                axpy(d_k + kj, ds, qh, dh);
            }
        }
    }
}
