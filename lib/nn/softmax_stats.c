/* Online softmax statistics over item-major chunks of scores (see the header). */
#include "nn/softmax_stats.h"

#include <math.h>

#include "core/cpu.h"
#include "nn/vmath.h"

void orl_softmax_stats_init(orl_softmax_stats *s, int n, float inv_t)
{
    s->n = n;
    s->inv_t = inv_t;
    for (int r = 0; r < ORL_SOFTMAX_STATS_MAX_N; r++) {
        s->max[r] = -INFINITY;
        s->sum[r] = s->sumq[r] = 0.0;
        s->nan[r] = 0;
    }
}

int orl_softmax_stats_defined(const orl_softmax_stats *s, int r)
{
    return !s->nan[r] && isfinite(s->max[r]) && isfinite(s->max[r] * s->inv_t);
}

/* A chunk's max per lane cm raises the running max: rescale the sums. */
static void raise_max(orl_softmax_stats *s, const float *cm)
{
    for (int r = 0; r < s->n; r++) {
        if (!(cm[r] > s->max[r])) continue;
        if (s->max[r] == -INFINITY) {
            /* Every score so far was -inf (terms of 0); the sums hold what
             * the shift of -inf made of them. */
            s->sum[r] = s->sumq[r] = 0.0;
        } else {
            double scale = exp(((double)s->max[r] - (double)cm[r]) * (double)s->inv_t);
            s->sum[r] *= scale;
            s->sumq[r] *= scale;
        }
        s->max[r] = cm[r];
    }
}

void orl_softmax_stats_add_portable(orl_softmax_stats *s, const float *z, size_t ldz, size_t rows,
                                    const float *q)
{
    const int n = s->n;
    float cm[ORL_SOFTMAX_STATS_MAX_N];
    float acc[ORL_SOFTMAX_STATS_MAX_N] = {0}, accq[ORL_SOFTMAX_STATS_MAX_N] = {0};
    for (int r = 0; r < n; r++) cm[r] = -INFINITY;
    for (size_t i = 0; i < rows; i++)
        for (int r = 0; r < n; r++) {
            float v = z[i * ldz + (size_t)r];
            if (isnan(v))
                s->nan[r] = 1;
            else if (v > cm[r])
                cm[r] = v;
        }
    raise_max(s, cm);
    for (size_t i = 0; i < rows; i++)
        for (int r = 0; r < n; r++) {
            float e = orl_fast_expf((z[i * ldz + (size_t)r] - s->max[r]) * s->inv_t);
            acc[r] += e;
            if (q) accq[r] += e * q[i];
        }
    for (int r = 0; r < n; r++) {
        s->sum[r] += acc[r];
        s->sumq[r] += accq[r];
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "nn/exp16.h"

/* NV vectors of 16 lanes: a pass for the max (and NaNs), the rescale, a pass
 * for the exps, all on the chunk while it sits in cache. */
__attribute__((target("avx512f"), always_inline)) static inline void
add_nv(int NV, orl_softmax_stats *s, const float *z, size_t ldz, size_t rows, const float *q)
{
    __m512 cm[4], acc[4], accq[4], sh[4];
    __mmask16 nan[4];
    for (int v = 0; v < NV; v++) {
        cm[v] = _mm512_set1_ps(-INFINITY);
        nan[v] = 0;
    }
    for (size_t i = 0; i < rows; i++)
        for (int v = 0; v < NV; v++) {
            __m512 x = _mm512_loadu_ps(z + i * ldz + 16 * (size_t)v);
            nan[v] |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
            cm[v] = _mm512_max_ps(x, cm[v]); /* a NaN x keeps cm */
        }
    float cmf[ORL_SOFTMAX_STATS_MAX_N];
    for (int v = 0; v < NV; v++) {
        _mm512_storeu_ps(cmf + 16 * v, cm[v]);
        for (int l = 0; l < 16; l++)
            if (nan[v] >> l & 1 && 16 * v + l < s->n) s->nan[16 * v + l] = 1;
    }
    raise_max(s, cmf);
    const __m512 it = _mm512_set1_ps(s->inv_t);
    for (int v = 0; v < NV; v++) {
        float m[16];
        for (int l = 0; l < 16; l++) {
            int r = 16 * v + l;
            m[l] = r < s->n ? s->max[r] : 0.0f;
        }
        sh[v] = _mm512_loadu_ps(m);
        acc[v] = accq[v] = _mm512_setzero_ps();
    }
    for (size_t i = 0; i < rows; i++) {
        const __m512 qi = _mm512_set1_ps(q ? q[i] : 0.0f);
        for (int v = 0; v < NV; v++) {
            __m512 x = _mm512_loadu_ps(z + i * ldz + 16 * (size_t)v);
            __m512 e = orl_exp16(_mm512_mul_ps(_mm512_sub_ps(x, sh[v]), it));
            acc[v] = _mm512_add_ps(acc[v], e);
            accq[v] = _mm512_fmadd_ps(e, qi, accq[v]);
        }
    }
    float a[ORL_SOFTMAX_STATS_MAX_N] = {0}, aq[ORL_SOFTMAX_STATS_MAX_N] = {0};
    for (int v = 0; v < NV; v++) {
        _mm512_storeu_ps(a + 16 * v, acc[v]);
        _mm512_storeu_ps(aq + 16 * v, accq[v]);
    }
    for (int r = 0; r < s->n; r++) {
        s->sum[r] += a[r];
        s->sumq[r] += aq[r];
    }
}

__attribute__((target("avx512f"))) static void add_512(orl_softmax_stats *s, const float *z,
                                                       size_t ldz, size_t rows, const float *q)
{
    switch ((s->n + 15) / 16) {
    case 4:
        add_nv(4, s, z, ldz, rows, q);
        break;
    case 3:
        add_nv(3, s, z, ldz, rows, q);
        break;
    case 2:
        add_nv(2, s, z, ldz, rows, q);
        break;
    default:
        add_nv(1, s, z, ldz, rows, q);
        break;
    }
}
#endif

void orl_softmax_stats_add(orl_softmax_stats *s, const float *z, size_t ldz, size_t rows,
                           const float *q)
{
    if (rows == 0 || s->n <= 0) return;
#if defined(__x86_64__) && defined(__GNUC__)
    if (ldz % 16 == 0 && orl_cpu_has_avx512f()) {
        add_512(s, z, ldz, rows, q);
        return;
    }
#endif
    orl_softmax_stats_add_portable(s, z, ldz, rows, q);
}
