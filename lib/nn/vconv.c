#include "nn/vconv.h"

#include <stddef.h>

#include "core/clones.h"

enum { LANES = 8, CHUNK = 128 };

/* sum_j x[j] y[j] (y NULL: sum_j x[j]) in LANES explicit partial sums, so
 * that it vectorises without reassociation. */
static inline float lanes_dot(const float *x, const float *y, int n)
{
    float acc[LANES] = {0};
    int j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) acc[l] += x[j + l] * (y ? y[j + l] : 1.0f);
    float s = 0.0f;
    for (; j < n; j++) s += x[j] * (y ? y[j] : 1.0f);
    for (int l = 0; l < LANES; l++) s += acc[l];
    return s;
}

ORL_CLONES static void forward_clones(float *out, const float *x, int n, const float *w,
                                      const float *b, orl_vconv_dims d)
{
    const int E = d.embed;
    for (int v = 0; v < d.filters; v++) {
        float *o = out + (size_t)v * E;
        const float *wv = w + (size_t)v * d.window;
        for (int e = 0; e < E; e++) o[e] = 0.0f;
        for (int t = 0; t < n; t++) {
            const float *xt = x + (size_t)t * E;
            for (int e = 0; e < E; e++) o[e] += wv[t] * xt[e];
        }
        for (int e = 0; e < E; e++) {
            const float s = o[e] + b[v];
            o[e] = s > 0.0f ? s : 0.0f;
        }
    }
}

ORL_CLONES static void backward_clones(float *dx, float *dw, float *db, const float *d_out,
                                       const float *out, const float *x, int n, const float *w,
                                       orl_vconv_dims d)
{
    const int E = d.embed;
    for (int v = 0; v < d.filters; v++) {
        const float *wv = w + (size_t)v * d.window;
        for (int e0 = 0; e0 < E; e0 += CHUNK) {
            const int m = E - e0 < CHUNK ? E - e0 : CHUNK;
            const float *gd = d_out + (size_t)v * E + e0, *o = out + (size_t)v * E + e0;
            float g[CHUNK]; /* the gradient before the ReLU */
            for (int j = 0; j < m; j++) g[j] = o[j] > 0.0f ? gd[j] : 0.0f;
            db[v] += lanes_dot(g, NULL, m);
            for (int t = 0; t < n; t++) {
                const float *xt = x + (size_t)t * E + e0;
                float *dxt = dx + (size_t)t * E + e0;
                dw[(size_t)v * d.window + t] += lanes_dot(g, xt, m);
                for (int j = 0; j < m; j++) dxt[j] += wv[t] * g[j];
            }
        }
    }
}

/* Hidden entry points over the static clones: a clone's resolver would be
 * exported. */
void orl_vconv_forward(float *out, const float *x, int n, const float *w, const float *b,
                       orl_vconv_dims d)
{
    forward_clones(out, x, n, w, b, d);
}

void orl_vconv_backward(float *dx, float *dw, float *db, const float *d_out, const float *out,
                        const float *x, int n, const float *w, orl_vconv_dims d)
{
    backward_clones(dx, dw, db, d_out, out, x, n, w, d);
}
