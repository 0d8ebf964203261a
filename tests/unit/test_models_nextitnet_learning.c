/* NextItNet learns: "sl" with the nextitnet encoder, trained a few epochs on
 * simulator logs, beats the popularity baseline's held-out click HR@10 by a
 * stated margin, on 3 worlds / seeds. */
#include <stdlib.h>
#include <string.h>

#include "data/transitions.h"
#include "test_support.h"

enum { N_ITEMS = 500, SESSIONS = 5000, EPOCHS = 3 };

/* Margin over popularity in click HR@10. Measured for seeds 1, 2, 3: 0.607
 * vs 0.429 (+0.179), 0.565 vs 0.349 (+0.216), 0.544 vs 0.360 (+0.184), on
 * ~3,000 test clicks each (standard error of a difference ~0.012), so 0.10
 * leaves ~0.08 (6-7 standard errors) of room. */
static const double margin = 0.10;

/* Popularity: the 10 most frequent training actions; its click HR@10 on the
 * test transitions (non-purchase steps, as orl_model_evaluate counts them). */
static double popularity_click_hr10(const orl_dataset *train, const orl_dataset *test)
{
    const uint32_t n_items = orl_dataset_item_count(train);
    double *count = calloc(n_items, sizeof *count);
    unsigned char *top = calloc(n_items, 1);
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 1, orl_dataset_window(train)));
    for (uint64_t t = 0; t < orl_dataset_transition_count(train); t++) {
        assert_orl_ok(orl_dataset_fill_batch(train, &t, 1, &b));
        count[b.actions[0]] += 1;
    }
    for (int k = 0; k < 10; k++) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < n_items; i++)
            if (!top[i] && (top[best] || count[i] > count[best])) best = i;
        top[best] = 1;
    }
    uint64_t hits = 0, clicks = 0;
    for (uint64_t t = 0; t < orl_dataset_transition_count(test); t++) {
        assert_orl_ok(orl_dataset_fill_batch(test, &t, 1, &b));
        if (b.is_purchase[0]) continue;
        clicks++;
        hits += top[b.actions[0]];
    }
    orl_batch_free(&b);
    free(top);
    free(count);
    return (double)hits / (double)clicks;
}

static void test_sl_nextitnet_beats_popularity(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        orl_sim_params sp;
        orl_sim_params_init(&sp);
        sp.n_items = N_ITEMS;
        sp.seed = seed;
        orl_sim *sim = NULL;
        orl_dataset *all = NULL, *train = NULL, *test = NULL;
        assert_orl_ok(orl_sim_create(&sp, &sim));
        assert_orl_ok(orl_dataset_create(NULL, &all));
        assert_orl_ok(orl_sim_generate(sim, SESSIONS, all));
        assert_orl_ok(orl_dataset_finalize(all));
        orl_split_params split;
        orl_split_params_init(&split);
        split.seed = seed;
        assert_orl_ok(orl_dataset_split(all, &split, &train, NULL, &test));

        orl_encoder *enc = orl_test_encoder("nextitnet", 0); /* the reference's settings */
        orl_model *m = orl_test_train(enc, "sl", EPOCHS, seed, train);
        orl_eval_result r = {.struct_size = sizeof r};
        assert_orl_ok(orl_model_evaluate(m, test, 2, &r));
        const double pop = popularity_click_hr10(train, test);
        print_message("seed %llu: nextitnet click HR@10 %.4f (n %llu), popularity %.4f, +%.4f\n",
                      (unsigned long long)seed, r.click_hr[1], (unsigned long long)r.click_count,
                      pop, r.click_hr[1] - pop);
        assert_true(r.click_hr[1] > pop + margin);
        orl_model_free(m);
        orl_encoder_free(enc);
        orl_dataset_free(test);
        orl_dataset_free(train);
        orl_dataset_free(all);
        orl_sim_free(sim);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sl_nextitnet_beats_popularity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
