/* sqrtf without errno so the update loop vectorises. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-math-errno")
#endif

#include "nn/adam.h"

#include "core/cpu.h"

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

/* The scalar loops below, 16 lanes at a time: GCC leaves them scalar (the
 * division and square root of the step), ~10 cycles a float, which made
 * Adam a fifth of an RL step at 25,000 items. Every operation is the scalar
 * code's, in its order, rounded once (no FMA: ISO C builds contract nothing),
 * so the result is the same bits (test_nn_params_adam). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ORL_ADAM_AVX512 1

__attribute__((target("avx512f"))) static void adam_512(const orl_adam_step_consts *k,
                                                        float *restrict value, float *restrict grad,
                                                        float *restrict m, float *restrict v,
                                                        size_t n, int has_grad, int zero_grad)
{
    const __m512 b1 = _mm512_set1_ps(k->beta1), b2 = _mm512_set1_ps(k->beta2);
    const __m512 c1 = _mm512_set1_ps(1.0f - k->beta1), c2 = _mm512_set1_ps(1.0f - k->beta2);
    const __m512 eps = _mm512_set1_ps(k->eps), step = _mm512_set1_ps(k->step_size);
    const __m512 ibc2 = _mm512_set1_ps(k->inv_sqrt_bc2), zero = _mm512_setzero_ps();
    for (size_t i = 0; i < n; i += 16) {
        const __mmask16 mk = n - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1u);
        __m512 mi = _mm512_mul_ps(b1, _mm512_maskz_loadu_ps(mk, m + i));
        __m512 vi = _mm512_mul_ps(b2, _mm512_maskz_loadu_ps(mk, v + i));
        if (has_grad) {
            __m512 g = _mm512_maskz_loadu_ps(mk, grad + i);
            if (zero_grad) _mm512_mask_storeu_ps(grad + i, mk, zero);
            mi = _mm512_add_ps(mi, _mm512_mul_ps(c1, g));
            vi = _mm512_add_ps(vi, _mm512_mul_ps(_mm512_mul_ps(c2, g), g));
        } else {
            mi = _mm512_add_ps(mi, zero);
            vi = _mm512_add_ps(vi, zero);
        }
        _mm512_mask_storeu_ps(m + i, mk, mi);
        _mm512_mask_storeu_ps(v + i, mk, vi);
        __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), ibc2), eps);
        __m512 upd = _mm512_div_ps(_mm512_mul_ps(step, mi), den);
        _mm512_mask_storeu_ps(value + i, mk,
                              _mm512_sub_ps(_mm512_maskz_loadu_ps(mk, value + i), upd));
    }
}
#endif

static int forced_scalar = 0;

void orl_adam_force_scalar(int on)
{
    __atomic_store_n(&forced_scalar, on ? 1 : 0, __ATOMIC_RELAXED);
}

/* 1 when the AVX-512 loops run (the CPU has them and no test forced scalar). */
static int use_avx512(void)
{
#ifdef ORL_ADAM_AVX512
    if (__atomic_load_n(&forced_scalar, __ATOMIC_RELAXED)) return 0;
    return orl_cpu_has_avx512f();
#else
    return 0;
#endif
}

void orl_adam_update(const orl_adam_step_consts *k, float *restrict value, float *restrict grad,
                     float *restrict m, float *restrict v, size_t n, int zero_grad)
{
#ifdef ORL_ADAM_AVX512
    if (use_avx512()) {
        adam_512(k, value, grad, m, v, n, 1, zero_grad);
        return;
    }
#endif
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
#ifdef ORL_ADAM_AVX512
    if (use_avx512()) {
        adam_512(k, value, NULL, m, v, n, 0, 0);
        return;
    }
#endif
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
    /* Runs of rows with the same flag are contiguous floats: one call each
     * (the update is elementwise, so this is the per-row result). */
    for (size_t r = begin; r < end;) {
        size_t e = r + 1;
        while (e < end && !j->touched[e] == !j->touched[r]) e++;
        size_t o = j->offset + r * j->cols, n = (e - r) * j->cols;
        if (j->touched[r])
            orl_adam_update(j->k, p->value + o, p->grad + o, p->m + o, p->v + o, n, 1);
        else
            update_nograd(j->k, p->value + o, p->m + o, p->v + o, n);
        r = e;
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
