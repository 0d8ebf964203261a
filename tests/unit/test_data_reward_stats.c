/* `orl data inspect` shows the reward column: the statistics JSON has "rewards" (count, min,
 * mean, max, histogram) when the dataset has per-event rewards, and nothing without. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offlinerl/offlinerl.h"
#include "test_support.h"

static char *stats_of(const char *name, const char *csv)
{
    char path[512];
    orl_test_tmp_path(name, path, sizeof path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(csv, f);
    fclose(f);
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_dataset_load_csv(ds, path, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    size_t len = 0;
    orl_dataset_stats_json(ds, NULL, 0, &len); /* the size query */
    char *json = malloc(len);
    assert_non_null(json);
    assert_orl_ok(orl_dataset_stats_json(ds, json, len, &len));
    orl_dataset_free(ds);
    return json;
}

static void test_whole_ratings_get_a_bin_per_value(void **state)
{
    (void)state;
    /* A 0-10 rating as the reward (the movietweetings preset's), two 8s. */
    char *json = stats_of("ratings.csv", "session_id,timestamp,item_id,event,reward\n"
                                         "1,1,100,click,8\n"
                                         "1,2,200,click,10\n"
                                         "2,3,100,click,2\n"
                                         "2,4,300,click,8\n");
    assert_non_null(strstr(json, "\"rewards\":{\"events\":4,\"from_column\":4,\"min\":2,"
                                 "\"mean\":7,\"max\":10,\"histogram\":[{\"lo\":2,\"hi\":3,"
                                 "\"events\":1},"));
    assert_non_null(strstr(json, "{\"lo\":8,\"hi\":9,\"events\":2}"));
    assert_non_null(strstr(json, "{\"lo\":10,\"hi\":11,\"events\":1}]}"));
    free(json);
}

static void test_fractional_rewards_get_ten_bins_and_type_rewards_fill_gaps(void **state)
{
    (void)state;
    /* The empty reward takes the click type's reward (0.2 by default). */
    char *json = stats_of("fractional.csv", "session_id,timestamp,item_id,event,reward\n"
                                            "1,1,100,click,0.5\n"
                                            "1,2,200,click,\n"
                                            "2,3,100,click,1.5\n"
                                            "2,4,300,click,1.25\n");
    const char *r = strstr(json, "\"rewards\":{\"events\":4,\"from_column\":3,\"min\":0.2,");
    assert_non_null(r);
    assert_non_null(strstr(r, "\"max\":1.5,"));
    int bins = 0;
    for (const char *p = r; (p = strstr(p + 1, "\"lo\":"));) bins++;
    assert_int_equal(bins, 10);
    assert_non_null(strstr(r, "\"hi\":1.5,\"events\":1}]}")); /* the last bin holds max */
    free(json);
}

static void test_no_reward_column_no_rewards(void **state)
{
    (void)state;
    char *json = stats_of("plain.csv", "session_id,timestamp,item_id,event\n"
                                       "1,1,100,click\n"
                                       "1,2,200,purchase\n");
    assert_null(strstr(json, "\"rewards\""));
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_ratings_get_a_bin_per_value),
        cmocka_unit_test(test_fractional_rewards_get_ten_bins_and_type_rewards_fill_gaps),
        cmocka_unit_test(test_no_reward_column_no_rewards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
