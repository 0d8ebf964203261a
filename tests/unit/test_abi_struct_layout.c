/* Public struct layout guard (docs/guides/abi.md): every public params/result struct with a
 * struct_size keeps the field offsets it had in release 0.1.0, and never shrinks below its 0.1.0
 * size. A struct may only grow at the end. The numbers were measured on x86-64 from the 0.1.0
 * headers (commit 8cadf44; the same as tests/abi/baseline-0.1.0.abi records). */
#include <stddef.h>
#include <stdint.h>

#include "offlinerl/offlinerl.h"
#include "test_support.h"

#if defined(__x86_64__) && defined(__LP64__)
#define ORL_LAYOUT_CHECKED 1
#else
#define ORL_LAYOUT_CHECKED 0 /* the numbers below are x86-64's */
#endif

#define FIELD(type, field, offset) assert_int_equal(offsetof(type, field), (offset))
#define SIZE_010(type, size)       assert_true(sizeof(type) >= (size))
static void test_dataset_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_dataset_params, struct_size, 0);
    FIELD(orl_dataset_params, window, 8);
    FIELD(orl_dataset_params, min_session_len, 12);
    FIELD(orl_dataset_params, min_item_count, 16);
    FIELD(orl_dataset_params, iterate_filters, 20);
    FIELD(orl_dataset_params, item_order, 24);
    FIELD(orl_dataset_params, session_gap, 32);
    SIZE_010(orl_dataset_params, 40);
}

static void test_csv_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_csv_params, struct_size, 0);
    FIELD(orl_csv_params, delimiter, 8);
    FIELD(orl_csv_params, header, 12);
    FIELD(orl_csv_params, column_names, 16);
    FIELD(orl_csv_params, session_col, 24);
    FIELD(orl_csv_params, item_col, 32);
    FIELD(orl_csv_params, time_col, 40);
    FIELD(orl_csv_params, event_col, 48);
    FIELD(orl_csv_params, reward_col, 56);
    FIELD(orl_csv_params, propensity_col, 64);
    FIELD(orl_csv_params, date_col, 72);
    FIELD(orl_csv_params, filter_col, 80);
    FIELD(orl_csv_params, flag_events, 88);
    FIELD(orl_csv_params, event_map, 96);
    FIELD(orl_csv_params, default_event, 104);
    FIELD(orl_csv_params, time_format, 112);
    FIELD(orl_csv_params, strict, 116);
    FIELD(orl_csv_params, unknown_events, 120);
    FIELD(orl_csv_params, only_known_sessions, 124);
    FIELD(orl_csv_params, integer_items, 128);
    FIELD(orl_csv_params, max_field_len, 132);
    SIZE_010(orl_csv_params, 136);
}

static void test_load_report_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_load_report, struct_size, 0);
    FIELD(orl_load_report, rows_read, 8);
    FIELD(orl_load_report, rows_loaded, 16);
    FIELD(orl_load_report, rows_unknown_event, 24);
    FIELD(orl_load_report, rows_filtered, 32);
    FIELD(orl_load_report, rows_unknown_session, 40);
    FIELD(orl_load_report, rows_malformed, 48);
    FIELD(orl_load_report, first_error_line, 56);
    FIELD(orl_load_report, first_error, 64);
    SIZE_010(orl_load_report, 320);
}

static void test_dataset_stats_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_dataset_stats, struct_size, 0);
    FIELD(orl_dataset_stats, finalized, 8);
    FIELD(orl_dataset_stats, n_items, 12);
    FIELD(orl_dataset_stats, n_event_types, 16);
    FIELD(orl_dataset_stats, window, 20);
    FIELD(orl_dataset_stats, n_events, 24);
    FIELD(orl_dataset_stats, n_sessions, 32);
    FIELD(orl_dataset_stats, n_purchases, 40);
    FIELD(orl_dataset_stats, n_sessions_with_purchase, 48);
    FIELD(orl_dataset_stats, n_with_propensity, 56);
    FIELD(orl_dataset_stats, min_session_len, 64);
    FIELD(orl_dataset_stats, max_session_len, 72);
    FIELD(orl_dataset_stats, mean_session_len, 80);
    FIELD(orl_dataset_stats, time_min, 88);
    FIELD(orl_dataset_stats, time_max, 96);
    FIELD(orl_dataset_stats, memory_bytes, 104);
    SIZE_010(orl_dataset_stats, 112);
}

static void test_split_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_split_params, struct_size, 0);
    FIELD(orl_split_params, method, 8);
    FIELD(orl_split_params, train, 12);
    FIELD(orl_split_params, valid, 16);
    FIELD(orl_split_params, seed, 24);
    SIZE_010(orl_split_params, 32);
}

static void test_encoder_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_encoder_params, struct_size, 0);
    FIELD(orl_encoder_params, architecture, 8);
    FIELD(orl_encoder_params, embed_dim, 16);
    FIELD(orl_encoder_params, hidden_dim, 20);
    FIELD(orl_encoder_params, window, 24);
    FIELD(orl_encoder_params, dropout, 28);
    SIZE_010(orl_encoder_params, 32);
}

static void test_genmodel_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_genmodel_params, struct_size, 0);
    FIELD(orl_genmodel_params, kind, 8);
    SIZE_010(orl_genmodel_params, 16);
}

static void test_qnet_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_qnet_params, struct_size, 0);
    FIELD(orl_qnet_params, gamma, 8);
    SIZE_010(orl_qnet_params, 16);
}

static void test_eval_result_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_eval_result, struct_size, 0);
    FIELD(orl_eval_result, click_count, 8);
    FIELD(orl_eval_result, purchase_count, 16);
    FIELD(orl_eval_result, click_hr, 24);
    FIELD(orl_eval_result, click_ndcg, 48);
    FIELD(orl_eval_result, purchase_hr, 72);
    FIELD(orl_eval_result, purchase_ndcg, 96);
    FIELD(orl_eval_result, unknown_targets, 120);
    SIZE_010(orl_eval_result, 128);
}

static void test_sim_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_sim_params, struct_size, 0);
    FIELD(orl_sim_params, seed, 8);
    FIELD(orl_sim_params, n_users, 16);
    FIELD(orl_sim_params, n_items, 20);
    FIELD(orl_sim_params, n_clusters, 24);
    FIELD(orl_sim_params, taste_dim, 28);
    FIELD(orl_sim_params, min_steps, 32);
    FIELD(orl_sim_params, max_steps, 36);
    FIELD(orl_sim_params, popularity_zipf, 40);
    FIELD(orl_sim_params, leave_prob, 44);
    FIELD(orl_sim_params, leave_skip, 48);
    FIELD(orl_sim_params, leave_satisfaction, 52);
    FIELD(orl_sim_params, click_bias, 56);
    FIELD(orl_sim_params, click_relevance, 60);
    FIELD(orl_sim_params, click_appeal, 64);
    FIELD(orl_sim_params, click_successor, 68);
    FIELD(orl_sim_params, click_satisfaction, 72);
    FIELD(orl_sim_params, purchase_bias, 76);
    FIELD(orl_sim_params, purchase_quality, 80);
    FIELD(orl_sim_params, purchase_satisfaction, 84);
    FIELD(orl_sim_params, sat_decay, 88);
    FIELD(orl_sim_params, sat_quality, 92);
    FIELD(orl_sim_params, sat_variety, 96);
    FIELD(orl_sim_params, interest_drift, 100);
    FIELD(orl_sim_params, log_epsilon, 104);
    FIELD(orl_sim_params, log_temperature, 108);
    FIELD(orl_sim_params, log_successor_prob, 112);
    FIELD(orl_sim_params, log_popularity_weight, 116);
    FIELD(orl_sim_params, log_taste_weight, 120);
    FIELD(orl_sim_params, log_cluster_boost, 124);
    FIELD(orl_sim_params, reward_click, 128);
    FIELD(orl_sim_params, reward_purchase, 132);
    FIELD(orl_sim_params, rollout_temperature, 136);
    FIELD(orl_sim_params, log_skips, 140);
    FIELD(orl_sim_params, rollout_repeat, 144);
    FIELD(orl_sim_params, start_timestamp, 152);
    SIZE_010(orl_sim_params, 160);
}

static void test_sim_rollout_result_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_sim_rollout_result, struct_size, 0);
    FIELD(orl_sim_rollout_result, n_sessions, 8);
    FIELD(orl_sim_rollout_result, mean_return, 16);
    FIELD(orl_sim_rollout_result, std_error, 24);
    FIELD(orl_sim_rollout_result, ci_low, 32);
    FIELD(orl_sim_rollout_result, ci_high, 40);
    FIELD(orl_sim_rollout_result, mean_clicks, 48);
    FIELD(orl_sim_rollout_result, mean_purchases, 56);
    FIELD(orl_sim_rollout_result, mean_length, 64);
    SIZE_010(orl_sim_rollout_result, 72);
}

static void test_trainer_params_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_trainer_params, struct_size, 0);
    FIELD(orl_trainer_params, algorithm, 8);
    FIELD(orl_trainer_params, epochs, 16);
    FIELD(orl_trainer_params, batch_size, 20);
    FIELD(orl_trainer_params, learning_rate, 24);
    FIELD(orl_trainer_params, seed, 32);
    FIELD(orl_trainer_params, threads, 40);
    SIZE_010(orl_trainer_params, 48);
}

static void test_progress_layout(void **state)
{
    (void)state;
    if (!ORL_LAYOUT_CHECKED) skip();
    FIELD(orl_progress, struct_size, 0);
    FIELD(orl_progress, epoch, 8);
    FIELD(orl_progress, epochs, 12);
    FIELD(orl_progress, step, 16);
    FIELD(orl_progress, total_steps, 24);
    FIELD(orl_progress, loss, 32);
    FIELD(orl_progress, epoch_loss, 36);
    FIELD(orl_progress, transitions_per_s, 40);
    FIELD(orl_progress, elapsed_s, 48);
    FIELD(orl_progress, end_of_epoch, 56);
    FIELD(orl_progress, validation, 64);
    SIZE_010(orl_progress, 72);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_params_layout),
        cmocka_unit_test(test_csv_params_layout),
        cmocka_unit_test(test_load_report_layout),
        cmocka_unit_test(test_dataset_stats_layout),
        cmocka_unit_test(test_split_params_layout),
        cmocka_unit_test(test_encoder_params_layout),
        cmocka_unit_test(test_genmodel_params_layout),
        cmocka_unit_test(test_qnet_params_layout),
        cmocka_unit_test(test_eval_result_layout),
        cmocka_unit_test(test_sim_params_layout),
        cmocka_unit_test(test_sim_rollout_result_layout),
        cmocka_unit_test(test_trainer_params_layout),
        cmocka_unit_test(test_progress_layout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
