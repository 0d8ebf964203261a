/* slate_size = 1 reproduces the worlds of 0.2.0 before slates, bit for bit.
 *
 * The golden hashes below were computed by this very program built on main
 * at 2851a10 (before the slate code existed; the fields slate_size,
 * position_bias and log_impressions were not set there, and their defaults
 * give K = 1 without display rows): FNV-1a 64 over the CSV files written by
 * orl_sim_write_csv, over the dataset files of orl_sim_generate + finalize +
 * orl_dataset_save, over orl_sim_logging_probs, and over the rollout results
 * (printed with %.17g) of the logging, random, popularity and callback
 * policies at rollout_temperature 0 and 0.7. */
#include <stdio.h>
#include <string.h>

#include "test_support.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t hash_file(uint64_t h, const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) h = fnv(h, buf, n);
    fclose(f);
    return h;
}

static uint64_t hash_result(uint64_t h, const orl_sim_rollout_result *r)
{
    char line[256];
    int n = snprintf(line, sizeof line, "%.17g %.17g %.17g %.17g %.17g", r->mean_return,
                     r->std_error, r->mean_clicks, r->mean_purchases, r->mean_length);
    return fnv(h, line, (size_t)n);
}

/* A deterministic host policy: prefers items whose key is close to a multiple
 * of the last clicked key. */
static int policy(const int64_t *hist, size_t len, float *scores, size_t n, void *ud)
{
    (void)ud;
    int64_t last = len ? hist[len - 1] : 7;
    for (size_t i = 0; i < n; i++) scores[i] = (float)(((int64_t)i * 31 + last * 17) % 97) / 97.0f;
    return 0;
}

static void world(int which, orl_sim_params *p)
{
    orl_sim_params_init(p);
    p->seed = 11 + (uint64_t)which;
    if (which == 1) {
        p->n_items = 50;
        p->n_clusters = 5;
        p->log_skips = 1;
    } else if (which == 2) {
        p->n_items = 200;
        p->log_epsilon = 0.0f;
        p->log_temperature = 0.5f;
        p->rollout_repeat = 1;
    }
}

static uint64_t world_hash(int which)
{
    orl_sim_params p;
    world(which, &p);
    uint64_t h = 0xcbf29ce484222325ULL;
    char path[512];
    orl_test_tmp_path("slate_k1.csv", path, sizeof path);
    orl_sim *sim = NULL;
    assert_int_equal(orl_sim_create(&p, &sim), ORL_OK);
    assert_int_equal(orl_sim_write_csv(sim, 300, path), ORL_OK);
    h = hash_file(h, path);
    orl_dataset *ds = NULL;
    assert_int_equal(orl_dataset_create(NULL, &ds), ORL_OK);
    assert_int_equal(orl_sim_generate(sim, 300, ds), ORL_OK);
    assert_int_equal(orl_dataset_finalize(ds), ORL_OK);
    orl_test_tmp_path("slate_k1.ods", path, sizeof path);
    assert_int_equal(orl_dataset_save(ds, path), ORL_OK);
    h = hash_file(h, path);
    orl_dataset_free(ds);
    float probs[1000];
    int64_t hist[2] = {3, 5};
    assert_int_equal(orl_sim_logging_probs(sim, 4, hist, 2, probs, 1000), ORL_OK);
    h = fnv(h, probs, p.n_items * sizeof(float));
    for (int t = 0; t < 2; t++) {
        if (t == 1) {
            orl_sim_free(sim);
            p.rollout_temperature = 0.7f;
            assert_int_equal(orl_sim_create(&p, &sim), ORL_OK);
        }
        orl_sim_rollout_result r = {.struct_size = sizeof r};
        assert_int_equal(orl_sim_rollout_logging(sim, 200, 5, &r), ORL_OK);
        h = hash_result(h, &r);
        assert_int_equal(orl_sim_rollout_random(sim, 200, 5, &r), ORL_OK);
        h = hash_result(h, &r);
        assert_int_equal(orl_sim_rollout_popularity(sim, 200, 5, &r), ORL_OK);
        h = hash_result(h, &r);
        assert_int_equal(orl_sim_rollout(sim, policy, NULL, 200, 5, &r), ORL_OK);
        h = hash_result(h, &r);
    }
    orl_sim_free(sim);
    return h;
}

static void test_k1_is_unchanged(void **state)
{
    (void)state;
    static const uint64_t golden[3] = {0xf4db329827288aa8ULL, 0x2e0f756c3a410299ULL,
                                       0xd3b797a8ed50740cULL};
    for (int w = 0; w < 3; w++) {
        uint64_t h = world_hash(w);
        print_message("  world %d: 0x%016llx\n", w, (unsigned long long)h);
        assert_true(h == golden[w]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_k1_is_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
