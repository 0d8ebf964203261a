/* Caser learns the next click: "sl" with the Caser encoder, trained on
 * simulator logs, ranks the held-out sessions' clicks well above the
 * popularity baseline (the training clicks' counts), in every one of SEEDS
 * worlds (each seed draws the world, its logs, the split and the training).
 * The simulator's users click successors of their last click and items of
 * their current cluster, which a sequence model can see and counts cannot.
 * The margin asserted is stated beside the assertion, with what was
 * measured. */
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "eval/evaluate.h"
#include "test_support.h"

enum { ITEMS = 300, SESSIONS = 20000, EPOCHS = 5, SEEDS = 3 };

typedef struct pop_ctx {
    float *score; /* [n_items] */
    uint32_t n_items;
} pop_ctx;

static int pop_scores(void *ctx, const int32_t *states, const int32_t *lens, size_t batch,
                      float *out)
{
    (void)states, (void)lens;
    const pop_ctx *c = ctx;
    for (size_t b = 0; b < batch; b++)
        memcpy(out + b * c->n_items, c->score, sizeof(float) * c->n_items);
    return ORL_OK;
}

/* Held-out click HR@10 of ranking every step by the training counts (ties
 * broken by id, so that ties do not count as hits). */
static double popularity_hr10(const orl_dataset *train, const orl_dataset *test)
{
    pop_ctx c = {calloc(train->n_items, sizeof(float)), train->n_items};
    for (uint64_t i = 0; i < train->n; i++) c.score[train->ev_item[i]] += 1.0f;
    for (uint32_t i = 0; i < c.n_items; i++)
        c.score[i] += 0.5f * (float)(c.n_items - i) / c.n_items;
    orl_eval_options opt;
    orl_eval_options_init(&opt);
    orl_eval_metrics m;
    assert_orl_ok(orl_eval_run(test, &opt, pop_scores, &c, NULL, &m));
    free(c.score);
    return m.hr[1][ORL_EVAL_CLICK];
}

static double caser_hr10(const orl_dataset *train, const orl_dataset *test, uint64_t seed)
{
    /* the reference's settings: 64, window 10, 16 x (2, 3, 4) */
    orl_encoder *enc = orl_test_encoder("caser", 0);
    orl_model *m = orl_test_train(enc, "sl", EPOCHS, seed, train);
    orl_encoder_free(enc);
    orl_eval_result r = {.struct_size = sizeof r};
    assert_orl_ok(orl_model_evaluate(m, test, 2, &r));
    orl_model_free(m);
    return r.click_hr[1];
}

static void test_caser_beats_popularity_on_held_out_sessions(void **state)
{
    (void)state;
    double worst = 1.0, mean_gain = 0.0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        orl_sim_params sp;
        orl_sim_params_init(&sp);
        sp.n_items = ITEMS;
        sp.n_clusters = ITEMS / 10;
        sp.seed = seed;
        orl_sim *sim = NULL;
        assert_orl_ok(orl_sim_create(&sp, &sim));
        orl_dataset *logs = NULL, *train = NULL, *test = NULL;
        assert_orl_ok(orl_dataset_create(NULL, &logs));
        assert_orl_ok(orl_sim_generate(sim, SESSIONS, logs));
        assert_orl_ok(orl_dataset_finalize(logs));
        orl_split_params split;
        orl_split_params_init(&split);
        split.train = 0.8f;
        split.valid = 0.0f;
        split.seed = seed;
        assert_orl_ok(orl_dataset_split(logs, &split, &train, NULL, &test));
        const double pop = popularity_hr10(train, test), caser = caser_hr10(train, test, seed);
        print_message("seed %llu: held-out click HR@10 caser %.3f, popularity %.3f (%+.3f)\n",
                      (unsigned long long)seed, caser, pop, caser - pop);
        worst = caser - pop < worst ? caser - pop : worst;
        mean_gain += (caser - pop) / SEEDS;
        orl_dataset_free(train);
        orl_dataset_free(test);
        orl_dataset_free(logs);
        orl_sim_free(sim);
    }
    print_message("gain over popularity: mean %+.3f, worst seed %+.3f\n", mean_gain, worst);
    /* Measured on seeds 1-3: +0.204, +0.270, +0.243 (mean +0.239; seeds 4-6: +0.220,
     * +0.259, +0.238; GRU4Rec on the same logs +0.207, +0.272, +0.249), each HR@10 over
     * 23,000-31,000 held-out steps (standard error ~0.003). We assert +0.10 on every seed
     * and +0.15 on the mean. */
    assert_true(worst > 0.10);
    assert_true(mean_gain > 0.15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caser_beats_popularity_on_held_out_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
