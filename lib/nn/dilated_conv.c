#include "nn/dilated_conv.h"

#include <string.h>

#include "nn/kgemm.h"
#include "nn/vmath.h"

void orl_dconv_mm(int m, int n, int k, const float *a, int a_rs, int a_ps, const float *b, int ldb,
                  float *c, int ldc, int accumulate)
{
    if (m <= 0 || n <= 0) return;
    if (k > 0 && n % 16 == 0 && orl_kgemm_native()) {
        orl_kgemm(m, n, k, a, a_rs, a_ps, b, ldb, c, ldc, accumulate);
        return;
    }
    /* Row by row, each element accumulated over p in order. */
    for (int r = 0; r < m; r++) {
        float *cr = c + (size_t)r * ldc;
        if (!accumulate) memset(cr, 0, sizeof(float) * (size_t)n);
        for (int p = 0; p < k; p++) {
            const float av = a[(size_t)r * a_rs + (size_t)p * a_ps];
            const float *bp = b + (size_t)p * ldb;
            for (int o = 0; o < n; o++) cr[o] += av * bp[o];
        }
    }
}

/* Tap j reads `shift` = (k - 1 - j) d steps back; q counts taps from the
 * one on the same step (q = 0, j = k - 1), which every row has. */
static int shift_of(orl_dconv_dims d, int q)
{
    return q * d.dilation;
}

void orl_dconv_forward(float *out, const float *in, const float *w, const float *b,
                       orl_dconv_dims d, orl_dconv_seqs s)
{
    const int H = d.h;
    const size_t HH = (size_t)H * H;
    for (int q = 0; q < d.k; q++) {
        const int sh = shift_of(d, q);
        const float *wj = w + (size_t)(d.k - 1 - q) * HH;
        for (int t = sh; t < s.steps; t++) {
            size_t r0;
            const int m = orl_dconv_step_rows(s, t, &r0);
            if (!m) break;
            const size_t src = (size_t)s.start[t - sh] + (size_t)s.lo;
            orl_dconv_mm(m, H, H, in + src * H, H, 1, wj, H, out + r0 * H, H, q > 0);
        }
    }
    if (!b) return;
    for (int t = 0; t < s.steps; t++) {
        size_t r0;
        const int m = orl_dconv_step_rows(s, t, &r0);
        for (int i = 0; i < m; i++) orl_vec_add(out + (r0 + (size_t)i) * H, b, (size_t)H);
    }
}

void orl_dconv_pack_t(float *w_t, const float *w, orl_dconv_dims d, int tap)
{
    const size_t HH = (size_t)d.h * d.h;
    orl_kgemm_pack_t(w_t + (size_t)tap * HH, d.h, w + (size_t)tap * HH, d.h, d.h);
}

void orl_dconv_backward_data(float *d_in, const float *d_out, const float *w_t, orl_dconv_dims d,
                             orl_dconv_seqs s, int accumulate)
{
    const int H = d.h;
    const size_t HH = (size_t)H * H;
    /* The same-step tap covers every row first, so it may overwrite. */
    for (int q = 0; q < d.k; q++) {
        const int sh = shift_of(d, q);
        const float *wt = w_t + (size_t)(d.k - 1 - q) * HH;
        for (int t = sh; t < s.steps; t++) {
            size_t r0;
            const int m = orl_dconv_step_rows(s, t, &r0);
            if (!m) break;
            const size_t dst = (size_t)s.start[t - sh] + (size_t)s.lo;
            orl_dconv_mm(m, H, H, d_out + r0 * H, H, 1, wt, H, d_in + dst * H, H,
                         q > 0 || accumulate);
        }
    }
}

void orl_dconv_backward_params(float *d_w, float *d_b, const float *d_out, const float *in,
                               orl_dconv_dims d, orl_dconv_seqs s, int c0, int c1)
{
    const int H = d.h;
    const size_t HH = (size_t)H * H;
    if (c1 <= c0) return;
    /* dW_j[i][o] += sum over rows of in[row - shift][i] d_out[row][o]: the
     * transposed input block is A (a_rs = 1), one step at a time. */
    for (int q = 0; q < d.k; q++) {
        const int sh = shift_of(d, q);
        float *gj = d_w + (size_t)(d.k - 1 - q) * HH;
        for (int t = sh; t < s.steps; t++) {
            size_t r0;
            const int m = orl_dconv_step_rows(s, t, &r0);
            if (!m) break;
            const size_t src = (size_t)s.start[t - sh] + (size_t)s.lo;
            orl_dconv_mm(c1 - c0, H, m, in + src * H + c0, 1, H, d_out + r0 * H, H,
                         gj + (size_t)c0 * H, H, 1);
        }
    }
    if (!d_b) return;
    for (int t = 0; t < s.steps; t++) {
        size_t r0;
        const int m = orl_dconv_step_rows(s, t, &r0);
        for (int i = 0; i < m; i++) {
            const float *g = d_out + (r0 + (size_t)i) * H;
            for (int o = c0; o < c1; o++) d_b[o] += g[o];
        }
    }
}
