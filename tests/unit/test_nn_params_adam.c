/* The parameter store's layout and the Adam step against a hand computation
 * of torch.optim.Adam. */
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/pool.h"
#include "nn/adam.h"
#include "nn/params.h"
#include "test_support.h"

static const orl_param_spec SPECS[3] = {{"emb", 5, 3}, {"w", 2, 7}, {"b", 1, 1}};

static void test_layout_is_one_aligned_blob(void **state)
{
    (void)state;
    orl_params p;
    assert_orl_ok(orl_params_init(&p, SPECS, 3, 1));
    assert_int_equal(p.n_views, 3);
    assert_int_equal(((uintptr_t)p.value) % 64, 0);
    for (int i = 0; i < 3; i++) {
        const orl_param_view *v = orl_params_find(&p, SPECS[i].name);
        assert_non_null(v);
        assert_int_equal(v->offset % 16, 0); /* every tensor starts on a cache line */
        assert_int_equal(v->rows, SPECS[i].rows);
        assert_int_equal(v->cols, SPECS[i].cols);
        assert_true(v->offset + v->rows * v->cols <= p.count);
        if (i > 0) assert_true(v->offset >= p.views[i - 1].offset + 15); /* no overlap */
    }
    assert_ptr_equal(orl_params_at(&p, p.grad, "w"), p.grad + orl_params_find(&p, "w")->offset);
    assert_null(orl_params_find(&p, "nope"));
    for (size_t i = 0; i < p.count; i++)
        assert_true(p.value[i] == 0 && p.grad[i] == 0 && p.m[i] == 0 && p.v[i] == 0);
    orl_params_free(&p);
    orl_params_free(&p); /* zeroed: freeing twice is harmless */

    orl_params q;
    assert_orl_ok(orl_params_init(&q, SPECS, 3, 0));
    assert_null(q.grad);
    assert_null(q.m);
    orl_params_free(&q);
}

static void test_bad_specs_are_rejected(void **state)
{
    (void)state;
    orl_params p;
    orl_param_spec dup[2] = {{"a", 1, 1}, {"a", 2, 2}};
    assert_int_equal(orl_params_init(&p, dup, 2, 1), ORL_E_INVALID_ARGUMENT);
    orl_param_spec zero[1] = {{"a", 0, 1}};
    assert_int_equal(orl_params_init(&p, zero, 1, 1), ORL_E_INVALID_ARGUMENT);
    orl_param_spec huge[1] = {{"a", SIZE_MAX / 4, 4}};
    assert_int_equal(orl_params_init(&p, huge, 1, 1), ORL_E_OUT_OF_RANGE);
    orl_param_spec longname[1] = {{"a_name_that_is_far_too_long_for_the_store", 1, 1}};
    assert_int_equal(orl_params_init(&p, longname, 1, 1), ORL_E_INVALID_ARGUMENT);
}

static void test_params_init_survives_every_allocation_failure(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_params p;
        orl_alloc_fail_after(n);
        int s = orl_params_init(&p, SPECS, 3, 1);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            orl_params_free(&p);
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_int_equal(failures, 4); /* value, grad, m, v */
    assert_int_equal(orl_alloc_live_blocks(), base);
}

/* torch.optim.Adam, written out in double. */
static void adam_reference(double *p, double *m, double *v, const double *g, int n, int t,
                           double lr)
{
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t);
    for (int i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        double denom = sqrt(v[i]) / sqrt(bc2) + eps;
        p[i] -= lr / bc1 * m[i] / denom;
    }
}

static void test_adam_matches_hand_computed_steps(void **state)
{
    (void)state;
    orl_params p;
    assert_orl_ok(orl_params_init(&p, SPECS, 3, 1));
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    int n = (int)p.count;
    double *rp = calloc((size_t)n, sizeof(double)), *rm = calloc((size_t)n, sizeof(double));
    double *rv = calloc((size_t)n, sizeof(double)), *rg = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) rp[i] = p.value[i] = 0.1f * (float)(i % 7) - 0.3f;
    orl_adam_config cfg = orl_adam_defaults();
    assert_true(cfg.lr == 0.01f && cfg.beta1 == 0.9f && cfg.beta2 == 0.999f && cfg.eps == 1e-8f);
    /* The very first step moves every parameter with a gradient by ~lr. */
    for (int t = 1; t <= 5; t++) {
        for (int i = 0; i < n; i++) rg[i] = p.grad[i] = (float)(sin(i * 1.7 + t) * (i % 3));
        orl_adam_step(pool, &p, &cfg, 1);
        adam_reference(rp, rm, rv, rg, n, t, 0.01);
        for (int i = 0; i < n; i++) {
            assert_true(fabs(p.value[i] - rp[i]) < 1e-6);
            assert_true(p.grad[i] == 0.0f); /* consumed */
        }
        if (t == 1)
            for (int i = 0; i < n; i++)
                if (rg[i] != 0)
                    assert_true(fabs(fabs(p.value[i] - (0.1 * (i % 7) - 0.3)) - 0.01) < 1e-5);
    }
    assert_int_equal(p.step, 5);
    free(rp);
    free(rm);
    free(rv);
    free(rg);
    orl_pool_free(pool);
    orl_params_free(&p);
}

/* The row-sparse update equals the dense one when the gradient is zero
 * outside the touched rows, bit for bit, and clears the touched rows. */
static void test_row_sparse_adam_equals_dense(void **state)
{
    (void)state;
    orl_params a, b;
    assert_orl_ok(orl_params_init(&a, SPECS, 3, 1));
    assert_orl_ok(orl_params_init(&b, SPECS, 3, 1));
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    const orl_param_view *e = orl_params_find(&a, "emb");
    unsigned char touched[5] = {0, 1, 0, 0, 1};
    orl_adam_config cfg = orl_adam_defaults();
    for (size_t i = 0; i < a.count; i++) a.value[i] = b.value[i] = 0.01f * (float)(i % 11);
    for (int t = 0; t < 4; t++) {
        for (size_t r = 0; r < e->rows; r++)
            for (size_t c = 0; c < e->cols; c++) {
                float g = touched[r] ? (float)sin((double)(r * 3 + c + t)) : 0.0f;
                a.grad[e->offset + r * e->cols + c] = b.grad[e->offset + r * e->cols + c] = g;
            }
        orl_adam_step_consts ka = orl_adam_begin_step(&a, &cfg);
        orl_adam_step_consts kb = orl_adam_begin_step(&b, &cfg);
        orl_adam_update_rows(pool, &a, &ka, e->offset, e->rows, e->cols, touched);
        orl_adam_update_range(pool, &b, &kb, e->offset, e->offset + e->rows * e->cols, 1);
        assert_memory_equal(a.value, b.value, sizeof(float) * a.count);
        assert_memory_equal(a.m, b.m, sizeof(float) * a.count);
        assert_memory_equal(a.v, b.v, sizeof(float) * a.count);
        for (size_t i = 0; i < e->rows * e->cols; i++) assert_true(a.grad[e->offset + i] == 0.0f);
    }
    orl_pool_free(pool);
    orl_params_free(&a);
    orl_params_free(&b);
}

/* The AVX-512 loops give the scalar loops' bits: dense (keeping and clearing
 * the gradient) and row-sparse (rows without a gradient), over lengths that
 * leave a partial vector, gradients from 0 to 1e6 and both signs, several
 * steps. (Trivially equal on a CPU without AVX-512: both runs are scalar.) */
static void run_adam_steps(orl_params *p, orl_pool *pool, int scalar)
{
    static const orl_param_spec specs[2] = {{"emb", 37, 21}, {"w", 3, 5}};
    assert_orl_ok(orl_params_init(p, specs, 2, 1));
    const orl_param_view *e = orl_params_find(p, "emb");
    unsigned char touched[37];
    for (int r = 0; r < 37; r++) touched[r] = (unsigned char)(r % 3 == 0);
    orl_adam_config cfg = orl_adam_defaults();
    orl_adam_force_scalar(scalar);
    for (size_t i = 0; i < p->count; i++) p->value[i] = (float)sin((double)i * 0.37);
    for (int t = 0; t < 6; t++) {
        for (size_t i = 0; i < p->count; i++) {
            double mag = pow(10.0, (double)((i + (size_t)t) % 13) - 6.0);
            p->grad[i] = (i % 17 == 0) ? 0.0f : (float)(mag * cos((double)i * 1.3 + t));
        }
        for (size_t r = 0; r < e->rows; r++)
            if (!touched[r])
                for (size_t c = 0; c < e->cols; c++) p->grad[e->offset + r * e->cols + c] = 0.0f;
        orl_adam_step_consts k = orl_adam_begin_step(p, &cfg);
        orl_adam_update_rows(pool, p, &k, e->offset, e->rows, e->cols, touched);
        const orl_param_view *w = orl_params_find(p, "w");
        orl_adam_update_range(pool, p, &k, w->offset, w->offset + w->rows * w->cols, t % 2);
        /* An odd single call on the caller's thread too (tail of 7 floats). */
        orl_adam_update(&k, p->value + w->offset, p->grad + w->offset, p->m + w->offset,
                        p->v + w->offset, 7, 0);
    }
    orl_adam_force_scalar(0);
}

static void test_vector_adam_equals_scalar_bits(void **state)
{
    (void)state;
    orl_pool *pool = NULL;
    assert_orl_ok(orl_pool_create(2, &pool));
    orl_params a, b;
    run_adam_steps(&a, pool, 1);
    run_adam_steps(&b, pool, 0);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.value, b.value, sizeof(float) * a.count);
    assert_memory_equal(a.m, b.m, sizeof(float) * a.count);
    assert_memory_equal(a.v, b.v, sizeof(float) * a.count);
    assert_memory_equal(a.grad, b.grad, sizeof(float) * a.count);
    /* The steps did move the parameters (the comparison is not of zeros). */
    assert_true(a.m[1] != 0.0f && a.v[1] != 0.0f);
    orl_params_free(&a);
    orl_params_free(&b);
    orl_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_is_one_aligned_blob),
        cmocka_unit_test(test_bad_specs_are_rejected),
        cmocka_unit_test(test_params_init_survives_every_allocation_failure),
        cmocka_unit_test(test_adam_matches_hand_computed_steps),
        cmocka_unit_test(test_row_sparse_adam_equals_dense),
        cmocka_unit_test(test_vector_adam_equals_scalar_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
