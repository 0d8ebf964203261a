/* The ensemble's disagreement means what the guide says: on simulator logs,
 * items the logs rarely show get a larger standard deviation over REM's heads
 * than frequent ones. Over the catalogue, Spearman's rho between an item's
 * log count and its std (mean over histories from the logs) must be negative
 * with p < 0.01 (the t approximation, n = the catalogue), in the default
 * world's popularity for two seeds; the measured rho is printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "data/dataset.h"
#include "data/keymap.h"

enum { ITEMS = 200, SESSIONS = 4000, HISTORIES = 150, EPOCHS = 3 };

/* Ranks of v[0..n) (average ranks for ties), into r. */
static void ranks(const double *v, int n, double *r)
{
    int *idx = malloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) idx[i] = i;
    for (int i = 1; i < n; i++) /* insertion sort by value: n is small */
        for (int j = i; j > 0 && v[idx[j - 1]] > v[idx[j]]; j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) j++;
        for (int k = i; k <= j; k++) r[idx[k]] = 0.5 * (i + j) + 1.0;
        i = j + 1;
    }
    free(idx);
}

static double spearman(const double *a, const double *b, int n)
{
    double *ra = malloc(sizeof(double) * (size_t)n), *rb = malloc(sizeof(double) * (size_t)n);
    ranks(a, n, ra);
    ranks(b, n, rb);
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) ma += ra[i], mb += rb[i];
    ma /= n;
    mb /= n;
    for (int i = 0; i < n; i++) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    free(ra);
    free(rb);
    return sab / sqrt(saa * sbb);
}

static void check_world(uint64_t seed, float zipf)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = ITEMS;
    sp.n_clusters = ITEMS / 10;
    sp.popularity_zipf = zipf;
    sp.seed = seed;
    orl_sim *sim = NULL;
    assert_int_equal(orl_sim_create(&sp, &sim), ORL_OK);
    orl_dataset *ds = NULL;
    assert_int_equal(orl_dataset_create(NULL, &ds), ORL_OK);
    assert_int_equal(orl_sim_generate(sim, SESSIONS, ds), ORL_OK);
    assert_int_equal(orl_dataset_finalize(ds), ORL_OK);

    orl_encoder *enc = orl_test_encoder("gru4rec", 32);
    orl_model *m = orl_test_train(enc, "rem", EPOCHS, seed, ds);
    orl_encoder_free(enc);
    uint32_t heads = 0;
    assert_int_equal(orl_model_ensemble_size(m, &heads), ORL_OK);
    assert_true(heads >= 2);

    /* Log counts per catalogue item, by key. */
    const uint32_t n_items = ds->items.count;
    double *count = calloc(n_items, sizeof(double)), *std = calloc(n_items, sizeof(double));
    int64_t *keys = malloc(sizeof(int64_t) * n_items);
    for (uint64_t e = 0; e < ds->n; e++) count[ds->ev_item[e]] += 1.0;
    for (uint32_t i = 0; i < n_items; i++) keys[i] = orl_keymap_int(&ds->items, i);
    /* Mean std over histories: the first events of evenly spaced sessions. */
    float *sc = malloc(sizeof(float) * n_items), *sd = malloc(sizeof(float) * n_items);
    const uint64_t n_sess = ds->n_sessions;
    for (int h = 0; h < HISTORIES; h++) {
        uint64_t s = (uint64_t)h * n_sess / HISTORIES;
        uint64_t b = ds->sess_off[s], e = ds->sess_off[s + 1];
        int64_t hist[4];
        size_t len = 0;
        for (uint64_t k = b; k < e && len < 4; k++) hist[len++] = keys[ds->ev_item[k]];
        assert_int_equal(
            orl_model_score_candidates_with_std(m, hist, len, keys, n_items, sc, sd, NULL, NULL),
            ORL_OK);
        for (uint32_t i = 0; i < n_items; i++) std[i] += sd[i] / HISTORIES;
    }
    for (uint32_t i = 0; i < n_items; i++) count[i] = log(count[i] + 1.0);
    double rho = spearman(count, std, (int)n_items);
    double t = rho * sqrt((n_items - 2) / (1 - rho * rho));
    printf("world seed %llu (zipf %.1f): %u items, Spearman rho(log count, std) = %.3f, t = %.2f\n",
           (unsigned long long)seed, (double)zipf, n_items, rho, t);
    /* p < 0.01 two-sided at n - 2 >= 100 degrees of freedom: |t| > 2.63. */
    assert_true(rho < 0 && t < -2.63);
    free(count);
    free(std);
    free(keys);
    free(sc);
    free(sd);
    orl_model_free(m);
    orl_dataset_free(ds);
    orl_sim_free(sim);
}

static void test_rare_items_have_larger_std(void **state)
{
    (void)state;
    /* The default world (the amendment's claim), two seeds. A steeper popularity (zipf 1.5)
     * was measured weaker: rho -0.11, t -1.5 (seed 2), not asserted. */
    check_world(1, 1.0f);
    check_world(2, 1.0f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rare_items_have_larger_std)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
