#include "nn/hconv.h"

#include <math.h>
#include <string.h>

#include "core/clones.h"
#include "nn/kgemm.h"

/* best, arg = the running first maximum, given the values v at position p.
 * Written with a mask so that it vectorises. */
__attribute__((always_inline)) static inline void
keep_max(float *restrict best, int32_t *restrict arg, const float *restrict v, int32_t p, int F)
{
    for (int f = 0; f < F; f++) {
        const float x = v[f], o = best[f];
        const int32_t m = -(int32_t)(x > o); /* strict: the first maximum stays */
        best[f] = x > o ? x : o;
        arg[f] = (p & m) | (arg[f] & ~m);
    }
}

void orl_hconv_products(float *z, int ldz, const float *x, int rows, const float *w,
                        orl_hconv_dims d)
{
    const int hF = d.height * d.filters;
    if (rows > 0) orl_kgemm(rows, hF, d.embed, x, d.embed, 1, w, hF, z, ldz, 0);
}

int orl_hconv_stackable(orl_hconv_dims d)
{
    return orl_kgemm_native() && (d.height * d.filters) % 16 == 0 && d.embed % 16 == 0;
}

ORL_CLONES static void pool_clones(float *out, int32_t *arg, float *z, int ldz, int n,
                                   const float *b, orl_hconv_dims d)
{
    const int F = d.filters, h = d.height, P = d.window - h + 1;
    const int real = n < P ? n : P; /* positions whose window starts on a stored row */
    for (int f = 0; f < F; f++) out[f] = -INFINITY, arg[f] = -1;
    for (int p = 0; p < real; p++) {
        /* conv(p) gathers into z[p][0, F): later rows are only read at
         * columns >= F, which nothing overwrites. */
        float *restrict c = z + (size_t)p * ldz;
        const int taps = n - p < h ? n - p : h;
        for (int t = 1; t < taps; t++) {
            const float *restrict zt = z + (size_t)(p + t) * ldz + (size_t)t * F;
            for (int f = 0; f < F; f++) c[f] += zt[f];
        }
        for (int f = 0; f < F; f++) c[f] += b[f];
        keep_max(out, arg, c, p, F);
    }
    if (real < P) keep_max(out, arg, b, -1, F); /* padding-only positions: conv(0) + b */
    for (int f = 0; f < F; f++) out[f] = out[f] > 0.0f ? out[f] : 0.0f;
}

/* A hidden entry point over the static clones: a clone's resolver would be
 * exported. */
void orl_hconv_pool(float *out, int32_t *arg, float *z, int ldz, int n, const float *b,
                    orl_hconv_dims d)
{
    pool_clones(out, arg, z, ldz, n, b, d);
}

void orl_hconv_forward(float *out, int32_t *arg, float *z, int ldz, const float *x, int n,
                       const float *w, const float *b, orl_hconv_dims d)
{
    orl_hconv_products(z, ldz, x, n, w, d);
    orl_hconv_pool(out, arg, z, ldz, n, b, d);
}

void orl_hconv_backward_z(float *dz, int ldz, const float *d_out, const float *out,
                          const int32_t *arg, int n, orl_hconv_dims d)
{
    const int F = d.filters, h = d.height;
    for (int r = 0; r < n; r++) memset(dz + (size_t)r * ldz, 0, sizeof(float) * (size_t)(h * F));
    for (int f = 0; f < F; f++) {
        const int p = arg[f];
        if (p < 0 || !(out[f] > 0.0f)) continue;
        const int taps = n - p < h ? n - p : h;
        for (int t = 0; t < taps; t++) dz[(size_t)(p + t) * ldz + (size_t)t * F + f] = d_out[f];
    }
}

void orl_hconv_backward_x(float *dx, const float *dz, int ldz, const float *wt, int n,
                          orl_hconv_dims d, int accumulate)
{
    orl_kgemm(n, d.embed, d.height * d.filters, dz, ldz, 1, wt, d.embed, dx, d.embed, accumulate);
}

void orl_hconv_backward_w(float *dw, const float *x, const float *dz, int ldz, int rows,
                          orl_hconv_dims d)
{
    const int hF = d.height * d.filters;
    if (rows > 0) orl_kgemm(d.embed, hF, rows, x, 1, d.embed, dz, ldz, dw, hF, 1);
}

void orl_hconv_backward_b(float *db, const float *d_out, const float *out, int n_hist, int ld,
                          int filters)
{
    for (int i = 0; i < n_hist; i++) {
        const float *g = d_out + (size_t)i * ld, *o = out + (size_t)i * ld;
        for (int f = 0; f < filters; f++) db[f] += o[f] > 0.0f ? g[f] : 0.0f;
    }
}

void orl_hconv_pack_wt(float *wt, const float *w, orl_hconv_dims d)
{
    const int hF = d.height * d.filters;
    orl_kgemm_pack_t(wt, d.embed, w, d.embed, hF);
}
