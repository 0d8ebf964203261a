/* Plackett-Luce inclusion probabilities (models/pl_inclusion.h): the exact
 * integral against brute-force enumeration of every ordered slate, the fast
 * form against both (and its error bound against its actual error), and the
 * fast form's cost on a catalogue of 25,000 items. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "models/pl_inclusion.h"
#include "test_support.h"

static void enumerate(const double *p, uint32_t n, uint32_t K, uint32_t depth, uint32_t *slate,
                      double prob, double taken, double *incl)
{
    if (depth == K) {
        for (uint32_t k = 0; k < K; k++) incl[slate[k]] += prob;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        int used = 0;
        for (uint32_t k = 0; k < depth; k++) used |= slate[k] == i;
        if (used) continue;
        slate[depth] = i;
        enumerate(p, n, K, depth + 1, slate, prob * p[i] / (1.0 - taken), taken + p[i], incl);
    }
}

/* Softmax of Gaussian logits with spread s (s large: a peaked distribution). */
static void random_probs(double *p, uint32_t n, double s, uint64_t seed)
{
    orl_rng r;
    orl_rng_init(&r, seed, 0);
    double z = 0;
    for (uint32_t i = 0; i < n; i++) z += p[i] = exp(s * orl_rng_normal(&r));
    for (uint32_t i = 0; i < n; i++) p[i] /= z;
}

/* Tiny catalogues: exact and fast (tau 0: nothing pooled; tau 1: everything
 * pooled but the listed items) against enumeration. */
static void test_enumeration(void **state)
{
    (void)state;
    const uint32_t ns[] = {4, 6, 7, 8}, Ks[] = {2, 3, 4, 3};
    for (int c = 0; c < 4; c++) {
        uint32_t n = ns[c], K = Ks[c], slate[8], items[8];
        double p[8], truth[8] = {0}, got[8], fast[8], err[8], big[8 + 8 * 8];
        uint8_t mark[8] = {0};
        random_probs(p, n, 1.0, 11 + (uint64_t)c);
        enumerate(p, n, K, 0, slate, 1.0, 0.0, truth);
        for (uint32_t i = 0; i < n; i++) items[i] = i;
        orl_pl_inclusion_step(p, n, K, items, n, mark, got, ORL_PL_STEP);
        orl_pl_inclusion_fast(p, n, K, items, n, 0.0, mark, big, fast, err);
        for (uint32_t i = 0; i < n; i++) {
            assert_true(fabs(got[i] - truth[i]) < 1e-9);
            assert_true(fabs(fast[i] - truth[i]) < 1e-9); /* nothing pooled: exact */
        }
        /* Two listed items, the rest pooled (tau 1): within the stated bound. */
        uint32_t two[2] = {0, n - 1};
        orl_pl_inclusion_fast(p, n, K, two, 2, 1.0, mark, big, fast, err);
        for (int a = 0; a < 2; a++) assert_true(fabs(fast[a] - truth[two[a]]) <= err[a] + 1e-9);
        for (uint32_t i = 0; i < n; i++) assert_int_equal(mark[i], 0);
    }
}

/* 2,000 items, peaked and flat: fast (default tau) against exact, within
 * 1e-6 and within the bound. */
static void test_fast_vs_exact(void **state)
{
    (void)state;
    const uint32_t n = 2000, K = 10, m = 10;
    double *p = malloc(sizeof(double) * n), *big = malloc(sizeof(double) * (n + m * K));
    uint8_t *mark = calloc(n, 1);
    assert_non_null(p);
    assert_non_null(big);
    assert_non_null(mark);
    const double spreads[] = {0.2, 1.0, 2.5};
    double worst = 0, worst_bound = 0;
    for (int c = 0; c < 3; c++) {
        random_probs(p, n, spreads[c], 100 + (uint64_t)c);
        uint32_t items[10];
        for (uint32_t a = 0; a < m; a++) items[a] = (a * 197 + (uint32_t)c) % n;
        double ex[10], fa[10], err[10];
        orl_pl_inclusion_step(p, n, K, items, m, mark, ex, ORL_PL_STEP);
        orl_pl_inclusion_fast(p, n, K, items, m, 1e-4, mark, big, fa, err);
        for (uint32_t a = 0; a < m; a++) {
            double d = fabs(fa[a] - ex[a]);
            assert_true(d <= err[a] + 1e-9);
            assert_true(d <= 1e-6 + 1e-3 * ex[a]);
            if (d / ex[a] > worst) worst = d / ex[a];
            if (err[a] / ex[a] > worst_bound) worst_bound = err[a] / ex[a];
        }
    }
    printf("fast vs exact at 2,000 items, K 10: worst relative error %.2e, bound %.2e\n", worst,
           worst_bound);
    free(p);
    free(big);
    free(mark);
}

/* 25,000 items, K 25, the 25 listed items among the likely and unlikely:
 * the fast form against the exact one, and its cost per display. */
static void test_large_catalogue(void **state)
{
    (void)state;
    const uint32_t n = 25000, K = 25, m = 25;
    double *p = malloc(sizeof(double) * n), *big = malloc(sizeof(double) * (n + m * K));
    uint8_t *mark = calloc(n, 1);
    assert_non_null(p);
    assert_non_null(big);
    assert_non_null(mark);
    random_probs(p, n, 1.5, 7);
    uint32_t items[25];
    for (uint32_t a = 0; a < m; a++) items[a] = a * 997 % n;
    double ex[25], fa[25], err[25];
    orl_pl_inclusion_step(p, n, K, items, m, mark, ex, ORL_PL_STEP);
    struct timespec t0, t1;
    const int reps = 50;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++)
        orl_pl_inclusion_fast(p, n, K, items, m, ORL_PL_FAST_TAU, mark, big, fa, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / reps;
    double worst = 0;
    for (uint32_t a = 0; a < m; a++) {
        double d = fabs(fa[a] - ex[a]);
        assert_true(d <= err[a] + 1e-9);
        if (d / ex[a] > worst) worst = d / ex[a];
    }
    printf("25,000 items, K 25: fast %.3f ms per display, worst relative error %.2e\n", ms, worst);
    assert_true(worst < 1e-3);
    assert_true(ms < 20.0); /* loose: shared machines; the figure is printed */
    free(p);
    free(big);
    free(mark);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enumeration),
        cmocka_unit_test(test_fast_vs_exact),
        cmocka_unit_test(test_large_catalogue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
