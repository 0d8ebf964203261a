/* orl_kgemm_scan: the scores it hands out are those of orl_kgemm plus the
 * bias, bit for bit; every item that beats a bar is handed out, in order, and
 * no other; bars raised by the callback are honoured. Native and portable. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/kgemm.h"
#include "nn/kgemm_scan.h"
#include "test_support.h"

typedef struct seen {
    int n, n_items, calls, last;
    const float *ref; /* [n_items x n] */
    float bar[64];
    int raise; /* the callback raises bar[r] to the score it saw */
    int *reported;
} seen;

static void on_item(void *ctx, int32_t item, const float *scores)
{
    seen *s = ctx;
    assert_true(item > s->last); /* increasing */
    s->last = item;
    s->calls++;
    s->reported[item] = 1;
    int beats = 0;
    for (int r = 0; r < s->n; r++) {
        float want = s->ref[(size_t)item * s->n + r];
        assert_memory_equal(&scores[r], &want, sizeof want);
        beats |= !(scores[r] <= s->bar[r]);
        if (s->raise && scores[r] > s->bar[r]) s->bar[r] = scores[r];
    }
    assert_true(beats);
}

static void run_case(int n_items, int hidden, int n, int raise, float bar0, orl_rng *r)
{
    float *w = malloc(sizeof(float) * (size_t)n_items * hidden),
          *b = malloc(sizeof(float) * n_items);
    float *x = malloc(sizeof(float) * (size_t)n * hidden),
          *xt = malloc(sizeof(float) * hidden * 64);
    float *ref = malloc(sizeof(float) * (size_t)n_items * 64);
    float *tight = malloc(sizeof(float) * (size_t)n_items * n);
    float *work = malloc(sizeof(float) * orl_kgemm_scan_work_floats(hidden));
    int *reported = calloc((size_t)n_items, sizeof(int));
    for (int i = 0; i < n_items * hidden; i++) w[i] = orl_rng_uniform(r) - 0.5f;
    for (int i = 0; i < n_items; i++) b[i] = orl_rng_uniform(r) - 0.5f;
    for (int i = 0; i < n * hidden; i++) x[i] = orl_rng_uniform(r) - 0.5f;
    int np = (n + 15) & ~15;
    for (int p = 0; p < hidden; p++)
        for (int c = 0; c < np; c++) xt[p * np + c] = c < n ? x[c * hidden + p] : 0.0f;
    /* In the scan's chunks of rows: CBLAS (the portable path) may round
     * differently for another M. */
    for (int i0 = 0; i0 < n_items; i0 += ORL_KSCAN_CHUNK) {
        int m = n_items - i0 < ORL_KSCAN_CHUNK ? n_items - i0 : ORL_KSCAN_CHUNK;
        orl_kgemm(m, np, hidden, w + (size_t)i0 * hidden, hidden, 1, xt, np, ref + (size_t)i0 * np,
                  np, 0);
    }
    for (int i = 0; i < n_items; i++)
        for (int c = 0; c < n; c++) tight[(size_t)i * n + c] = ref[(size_t)i * np + c] + b[i];
    seen s = {n, n_items, 0, -1, tight, {0}, raise, reported};
    for (int c = 0; c < n; c++) s.bar[c] = bar0;
    float bar_start[64];
    memcpy(bar_start, s.bar, sizeof bar_start);
    orl_kgemm_scan(n_items, hidden, w, b, x, n, s.bar, on_item, &s, work);
    /* Without raising, exactly the items with some score above the bar. */
    if (!raise)
        for (int i = 0; i < n_items; i++) {
            int beats = 0;
            for (int c = 0; c < n; c++) beats |= tight[(size_t)i * n + c] > bar_start[c];
            assert_int_equal(reported[i], beats);
        }
    else /* running maxima: item 0 always, then only new records */
        assert_true(s.calls >= 1 && s.calls < n_items);
    free(w);
    free(b);
    free(x);
    free(xt);
    free(ref);
    free(tight);
    free(work);
    free(reported);
}

static void test_scan_matches_kgemm_plus_bias(void **state)
{
    (void)state;
    orl_rng r;
    orl_rng_init(&r, 8, 0);
    for (int path = 0; path < 2; path++) {
        orl_kgemm_force_blas(path == 1);
        const int ns[] = {1, 7, 16, 33, 45, 64};
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            run_case(2611, 16, ns[i], 0, 0.4f, &r);      /* many beat it */
            run_case(1611, 64, ns[i], 0, 1.5f, &r);      /* few */
            run_case(1000, 64, ns[i], 1, -INFINITY, &r); /* bars rise as it goes */
            run_case(5, 8, ns[i], 0, -INFINITY, &r);     /* fewer items than a tile */
        }
    }
    orl_kgemm_force_blas(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_matches_kgemm_plus_bias),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
