/* Layer norm: gradients against finite differences, and the reference's
 * output on a padded (all-zero) row: beta, as TF's utility.normalize. */
#include <math.h>
#include <string.h>

#include "nn/layernorm.h"
#include "nn_test_util.h"
#include "test_support.h"

enum { N = 5, D = 7 };

typedef struct ln_ctx {
    float x[N * D], gamma[D], beta[D], r[N * D], y[N * D], stats[2 * N];
} ln_ctx;

static double ln_loss(void *p)
{
    ln_ctx *c = p;
    orl_layernorm_forward(c->y, c->stats, c->x, c->gamma, c->beta, N, D, 1e-8f);
    double s = 0;
    for (int i = 0; i < N * D; i++) s += (double)c->y[i] * c->r[i];
    return s;
}

static void test_layernorm_gradients(void **state)
{
    (void)state;
    ln_ctx c;
    orl_rng rng;
    orl_rng_init(&rng, 5, 0);
    nn_fill_normal(c.x, N * D, 1.5f, &rng);
    nn_fill_normal(c.gamma, D, 1.0f, &rng);
    nn_fill_normal(c.beta, D, 1.0f, &rng);
    nn_fill_normal(c.r, N * D, 1.0f, &rng);
    float dx[N * D], dg[D] = {0}, db[D] = {0};
    ln_loss(&c);
    orl_layernorm_backward(dx, dg, db, c.r, c.x, c.stats, c.gamma, N, D, 0);
    nn_check_grad("layernorm.x", ln_loss, &c, c.x, dx, N * D, N * D, 1e-3f, 2e-2, 1e-3);
    nn_check_grad("layernorm.gamma", ln_loss, &c, c.gamma, dg, D, D, 1e-3f, 2e-2, 1e-3);
    nn_check_grad("layernorm.beta", ln_loss, &c, c.beta, db, D, D, 1e-3f, 2e-2, 1e-3);
    /* accumulate adds to what is there */
    float dx2[N * D];
    for (int i = 0; i < N * D; i++) dx2[i] = 1.0f;
    orl_layernorm_backward(dx2, NULL, NULL, c.r, c.x, c.stats, c.gamma, N, D, 1);
    for (int i = 0; i < N * D; i++) assert_float_equal(dx2[i], dx[i] + 1.0f, 1e-6);
}

static void test_layernorm_zero_row_gives_beta(void **state)
{
    (void)state;
    float x[D] = {0}, g[D], b[D], y[D];
    for (int i = 0; i < D; i++) g[i] = 2.0f, b[i] = (float)i * 0.5f;
    orl_layernorm_forward(y, NULL, x, g, b, 1, D, 1e-8f);
    for (int i = 0; i < D; i++) assert_float_equal(y[i], b[i], 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layernorm_gradients),
        cmocka_unit_test(test_layernorm_zero_row_gives_beta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
