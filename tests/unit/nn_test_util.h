/* Finite-difference gradient checks shared by the tests/unit/test_nn_*.c
 * programs (header-only: each test is its own program). */
#ifndef ORL_NN_TEST_UTIL_H
#define ORL_NN_TEST_UTIL_H

#include <math.h>
#include <stdio.h>

#include "core/rng.h"
#include "test_support.h"

typedef double (*nn_loss_fn)(void *ctx);

/* Compares grad[i] with the central difference of loss() in param[i] for
 * `samples` random indices (all when samples >= n). The error is
 * |fd - an| / (|fd| + |an| + floor), floor absorbing float rounding of the
 * loss. Returns the worst error and fails the test when it exceeds tol. */
static inline double nn_check_grad(const char *what, nn_loss_fn loss, void *ctx, float *param,
                                   const float *grad, size_t n, size_t samples, float eps,
                                   double tol, double floor)
{
    orl_rng r;
    orl_rng_init(&r, 99, n);
    double worst = 0.0;
    size_t count = samples >= n ? n : samples;
    int nonzero = 0;
    for (size_t s = 0; s < count; s++) {
        size_t i = samples >= n ? s : (size_t)orl_rng_below64(&r, n);
        float keep = param[i];
        param[i] = keep + eps;
        double lp = loss(ctx);
        param[i] = keep - eps;
        double lm = loss(ctx);
        param[i] = keep;
        double fd = (lp - lm) / (2.0 * (double)eps);
        double an = grad[i];
        double err = fabs(fd - an) / (fabs(fd) + fabs(an) + floor);
        if (fabs(an) > 1e-6) nonzero++;
        if (err > worst) worst = err;
        if (err > tol)
            print_error("%s[%zu]: analytic %.6g, finite difference %.6g (rel err %.3g)\n", what, i,
                        an, fd, err);
        assert_true(err <= tol);
    }
    /* A check over all-zero gradients proves nothing. */
    assert_true(nonzero > 0);
    return worst;
}

static inline void nn_fill_normal(float *x, size_t n, float scale, orl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * orl_rng_normal(r);
}

#endif
