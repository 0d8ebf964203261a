/* Caser's layers (nn/hconv.h, nn/vconv.h): outputs against a literal
 * transcription of the reference (conv over the whole zero-padded image, ReLU,
 * max over time; weighted row sums), and gradients against finite
 * differences, with histories full, partly padded and empty. Two shapes: one
 * on the AVX-512 kernel path (E, hF multiples of 16), one on the BLAS path. */
#include <math.h>
#include <string.h>

#include "nn/hconv.h"
#include "nn/kgemm.h"
#include "nn/vconv.h"
#include "nn_test_util.h"
#include "test_support.h"

enum { MT = 8, ME = 16, MF = 16, MH = MT, MV = 3 }; /* largest sizes */

/* ---- horizontal ---- */

typedef struct h_ctx {
    orl_hconv_dims d;
    int n;
    float x[MT * ME], w[ME * MH * MF], b[MF], r[MF];
    float z[MT * MH * MF], out[MF];
    int32_t arg[MF];
} h_ctx;

static double h_loss(void *p)
{
    h_ctx *c = p;
    orl_hconv_forward(c->out, c->arg, c->z, c->d.height * c->d.filters, c->x, c->n, c->w, c->b,
                      c->d);
    double s = 0;
    for (int f = 0; f < c->d.filters; f++) s += (double)c->out[f] * c->r[f];
    return s;
}

/* The reference: conv1d over all T rows (rows >= n zero), + b, ReLU, amax. */
static void h_reference(const h_ctx *c, float *out)
{
    const orl_hconv_dims d = c->d;
    const int F = d.filters, h = d.height, E = d.embed;
    for (int f = 0; f < F; f++) {
        double best = -INFINITY;
        for (int p = 0; p + h <= d.window; p++) {
            double s = c->b[f];
            for (int t = 0; t < h; t++)
                for (int e = 0; e < E; e++) {
                    double xv = p + t < c->n ? c->x[(p + t) * E + e] : 0.0;
                    s += xv * c->w[e * h * F + t * F + f];
                }
            s = s > 0 ? s : 0;
            if (s > best) best = s;
        }
        out[f] = (float)best;
    }
}

static void h_setup(h_ctx *c, orl_hconv_dims d, int n, uint64_t seed)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    c->n = n;
    orl_rng r;
    orl_rng_init(&r, seed, 0);
    nn_fill_normal(c->x, (size_t)n * d.embed, 1.0f, &r);
    nn_fill_normal(c->w, (size_t)d.embed * d.height * d.filters, 0.3f, &r);
    nn_fill_normal(c->b, (size_t)d.filters, 0.3f, &r);
    nn_fill_normal(c->r, (size_t)d.filters, 1.0f, &r);
}

static void h_check(orl_hconv_dims d, int n, uint64_t seed)
{
    h_ctx c;
    h_setup(&c, d, n, seed);
    const int E = d.embed, hF = d.height * d.filters;
    float ref[MF];
    h_loss(&c);
    h_reference(&c, ref);
    for (int f = 0; f < d.filters; f++) assert_float_equal(c.out[f], ref[f], 1e-4);
    float dz[MT * MH * MF], wt[MH * MF * ME], dx[MT * ME], dw[ME * MH * MF] = {0}, db[MF] = {0};
    orl_hconv_backward_z(dz, hF, c.r, c.out, c.arg, n, d);
    orl_hconv_pack_wt(wt, c.w, d);
    for (int i = 0; i < n * E; i++) dx[i] = 7.0f;
    orl_hconv_backward_x(dx, dz, hF, wt, n, d, 0); /* overwrites */
    orl_hconv_backward_w(dw, c.x, dz, hF, n, d);
    orl_hconv_backward_b(db, c.r, c.out, 1, d.filters, d.filters);
    if (n > 0) nn_check_grad("hconv.x", h_loss, &c, c.x, dx, (size_t)n * E, 200, 1e-3f, 2e-2, 1e-2);
    if (n > 0)
        nn_check_grad("hconv.w", h_loss, &c, c.w, dw, (size_t)E * hF, 200, 1e-3f, 2e-2, 1e-2);
    nn_check_grad("hconv.b", h_loss, &c, c.b, db, (size_t)d.filters, 64, 1e-3f, 2e-2, 1e-2);
}

static void test_hconv_matches_reference_and_gradients(void **state)
{
    (void)state;
    const orl_hconv_dims fast = {MT, ME, MF, 3}, odd = {7, 5, 3, 2}, tall = {MT, ME, MF, MT};
    const int fast_n[] = {MT, 5, 2, 1}, odd_n[] = {7, 3, 1};
    for (int i = 0; i < 4; i++) h_check(fast, fast_n[i], 100 + (uint64_t)i);
    for (int i = 0; i < 3; i++) h_check(odd, odd_n[i], 20 + (uint64_t)i);
    h_check(tall, 5, 30); /* one position: the filter covers the window */
    orl_kgemm_force_blas(1);
    h_check(fast, 5, 40);
    orl_kgemm_force_blas(0);
}

/* A maximum on a padding-only position (its value is the bias) has no
 * position, and only the bias gets gradient; an empty history is relu(b). */
static void test_hconv_padding_maximum(void **state)
{
    (void)state;
    const orl_hconv_dims d = {MT, ME, MF, 2};
    const int hF = 2 * MF;
    h_ctx c;
    h_setup(&c, d, 3, 5);
    /* x > 0; odd filters all negative (every real position < b), even ones positive. */
    for (int i = 0; i < 3 * ME; i++) c.x[i] = fabsf(c.x[i]) + 0.1f;
    for (int e = 0; e < ME; e++)
        for (int j = 0; j < hF; j++)
            c.w[e * hF + j] = (j % MF % 2 ? -1.0f : 1.0f) * (fabsf(c.w[e * hF + j]) + 0.01f);
    for (int f = 0; f < MF; f++) c.b[f] = 0.5f;
    h_loss(&c);
    for (int f = 0; f < MF; f++) {
        assert_int_equal(c.arg[f] == -1, f % 2);
        assert_true(f % 2 ? c.out[f] == 0.5f : c.out[f] > 0.5f);
    }
    float dz[MT * 2 * MF], db[MF] = {0};
    orl_hconv_backward_z(dz, hF, c.r, c.out, c.arg, 3, d);
    for (int i = 0; i < 3 * hF; i++)
        if (i % MF % 2) assert_true(dz[i] == 0.0f);
    orl_hconv_backward_b(db, c.r, c.out, 1, MF, MF);
    for (int f = 0; f < MF; f++) assert_true(db[f] == c.r[f]);
    h_setup(&c, d, 0, 6);
    h_loss(&c);
    for (int f = 0; f < MF; f++) {
        assert_true(c.out[f] == (c.b[f] > 0 ? c.b[f] : 0.0f));
        assert_int_equal(c.arg[f], -1);
    }
}

/* ---- vertical ---- */

typedef struct v_ctx {
    orl_vconv_dims d;
    int n;
    float x[MT * ME], w[MV * MT], b[MV], r[MV * ME], out[MV * ME];
} v_ctx;

static double v_loss(void *p)
{
    v_ctx *c = p;
    orl_vconv_forward(c->out, c->x, c->n, c->w, c->b, c->d);
    double s = 0;
    for (int i = 0; i < c->d.filters * c->d.embed; i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void v_check(orl_vconv_dims d, int n, uint64_t seed)
{
    v_ctx c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.n = n;
    orl_rng r;
    orl_rng_init(&r, seed, 0);
    nn_fill_normal(c.x, (size_t)n * d.embed, 1.0f, &r);
    nn_fill_normal(c.w, (size_t)d.filters * d.window, 0.3f, &r);
    nn_fill_normal(c.b, (size_t)d.filters, 0.3f, &r);
    nn_fill_normal(c.r, (size_t)d.filters * d.embed, 1.0f, &r);
    c.b[0] = 0.5f; /* at least one filter active */
    v_loss(&c);
    for (int v = 0; v < d.filters; v++) /* the reference sums all T rows */
        for (int e = 0; e < d.embed; e++) {
            double s = c.b[v];
            for (int t = 0; t < d.window; t++)
                s += (t < n ? c.x[t * d.embed + e] : 0.0) * c.w[v * d.window + t];
            assert_float_equal(c.out[v * d.embed + e], s > 0 ? s : 0, 1e-5);
        }
    float dx[MT * ME] = {0}, dw[MV * MT] = {0}, db[MV] = {0};
    orl_vconv_backward(dx, dw, db, c.r, c.out, c.x, n, c.w, d);
    for (int t = n; t < d.window; t++) assert_true(dw[t] == 0.0f);
    if (n > 0) {
        nn_check_grad("vconv.x", v_loss, &c, c.x, dx, (size_t)n * d.embed, 200, 1e-3f, 2e-2, 1e-3);
        nn_check_grad("vconv.w", v_loss, &c, c.w, dw, (size_t)d.filters * d.window, 64, 1e-3f, 2e-2,
                      1e-3);
    }
    nn_check_grad("vconv.b", v_loss, &c, c.b, db, (size_t)d.filters, 8, 1e-3f, 2e-2, 1e-3);
}

static void test_vconv_matches_reference_and_gradients(void **state)
{
    (void)state;
    const orl_vconv_dims one = {MT, ME, 1}, many = {7, 5, MV};
    v_check(one, MT, 1);
    v_check(one, 3, 2);
    v_check(many, 7, 3);
    v_check(many, 2, 4);
    v_check(many, 0, 5); /* relu(b) everywhere */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hconv_matches_reference_and_gradients),
        cmocka_unit_test(test_hconv_padding_maximum),
        cmocka_unit_test(test_vconv_matches_reference_and_gradients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
