/* The real public logs in ../shared/data load with the reference's counts
 * (peer/README.md: min 3 / min 3, iterated). Skipped when ../shared is absent. */
#include <stdio.h>
#include <string.h>

#include "data/dataset.h"
#include "offlinerl/offlinerl.h"
#include "test_support.h"

typedef struct expect {
    uint64_t events, sessions, items, purchases;
} expect;

static orl_dataset *new_ds(uint32_t min_len, uint32_t min_item, int64_t gap)
{
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.min_session_len = min_len;
    p.min_item_count = min_item;
    p.session_gap = gap;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&p, &ds));
    return ds;
}

static void check(orl_dataset *ds, expect e)
{
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_dataset_stats st;
    st.struct_size = sizeof st;
    assert_orl_ok(orl_dataset_get_stats(ds, &st));
    print_message("  events %llu sessions %llu items %u purchases %llu (%.1f bytes/event)\n",
                  (unsigned long long)st.n_events, (unsigned long long)st.n_sessions, st.n_items,
                  (unsigned long long)st.n_purchases, (double)st.memory_bytes / st.n_events);
    assert_int_equal(st.n_events, e.events);
    assert_int_equal(st.n_sessions, e.sessions);
    assert_int_equal(st.n_items, e.items);
    assert_int_equal(st.n_purchases, e.purchases);
}

static int load(orl_dataset *ds, const char *rel, const char *preset, orl_load_report *rep)
{
    char path[1024];
    if (!orl_test_shared_path(rel, path, sizeof path)) return 0;
    orl_csv_params p;
    assert_orl_ok(orl_csv_params_preset(&p, preset));
    rep->struct_size = sizeof *rep;
    assert_orl_ok(orl_dataset_load_csv(ds, path, &p, rep));
    return 1;
}

static void test_rees46(void **state)
{
    (void)state;
    orl_dataset *ds = new_ds(3, 3, 0);
    orl_load_report r;
    if (!load(ds, "rees46_ecommerce_2019oct_head/2019-Oct.head.csv", "rees46", &r)) {
        orl_dataset_free(ds);
        skip();
    }
    assert_int_equal(r.rows_read, 17434);
    assert_int_equal(r.rows_loaded, 17434);
    uint64_t carts;
    assert_orl_ok(orl_dataset_count_events(ds, "cart", &carts));
    assert_int_equal(carts, 165);
    check(ds, (expect){7321, 1319, 1100, 342});
    orl_dataset_free(ds);
}

static void test_diginetica_views_and_purchases(void **state)
{
    (void)state;
    orl_dataset *ds = new_ds(3, 3, 0);
    orl_load_report r;
    if (!load(ds, "diginetica_cikm16/sample_train-item-views.csv", "diginetica-views", &r)) {
        orl_dataset_free(ds);
        skip();
    }
    assert_int_equal(r.rows_loaded, 12391);
    assert_true(load(ds, "diginetica_cikm16/train-purchases.csv", "diginetica-purchases", &r));
    assert_int_equal(r.rows_read, 18025);
    assert_int_equal(r.rows_loaded, 256);
    assert_int_equal(r.rows_unknown_session, 18025 - 256);
    check(ds, (expect){2998, 596, 700, 67});
    orl_dataset_free(ds);
}

static void test_kuairand_per_user_and_30_min_sessions(void **state)
{
    (void)state;
    const char *f = "kuairand_pure_20220425_20220508/"
                    "kuairand_pure_log_standard_20220425_20220508.csv.gz";
    orl_dataset *ds = new_ds(3, 3, 0);
    orl_load_report r;
    if (!load(ds, f, "kuairand", &r)) {
        orl_dataset_free(ds);
        skip();
    }
    assert_int_equal(r.rows_read, 228329);
    assert_int_equal(r.rows_loaded, 100900);
    assert_int_equal(r.rows_filtered, 228329 - 100900);
    check(ds, (expect){85699, 12924, 3258, 2775});
    orl_dataset_free(ds);
    ds = new_ds(3, 3, 30 * 60 * 1000);
    assert_true(load(ds, f, "kuairand", &r));
    check(ds, (expect){6, 2, 2, 0});
    orl_dataset_free(ds);
}

static void test_trivago(void **state)
{
    (void)state;
    orl_dataset *ds = new_ds(3, 3, 0);
    orl_load_report r;
    if (!load(ds, "trivago_recsys2019_val100k/trivago_val_100k.csv.gz", "trivago", &r)) {
        orl_dataset_free(ds);
        skip();
    }
    assert_int_equal(r.rows_read, 100003);
    print_message("  trivago: loaded %llu, unknown %llu, malformed %llu (%s)\n",
                  (unsigned long long)r.rows_loaded, (unsigned long long)r.rows_unknown_event,
                  (unsigned long long)r.rows_malformed, r.first_error);
    check(ds, (expect){75416, 2975, 5207, 4677});
    orl_dataset_free(ds);
}

static void test_movietweetings(void **state)
{
    (void)state;
    orl_dataset *ds = new_ds(1, 1, 0);
    orl_load_report r;
    if (!load(ds, "movietweetings_100k/ratings.dat", "movietweetings", &r)) {
        orl_dataset_free(ds);
        skip();
    }
    assert_int_equal(r.rows_loaded, 100000);
    check(ds, (expect){100000, 16554, 10506, 0});
    /* movie ids keep their leading zeros on the way back */
    int32_t id;
    assert_orl_ok(orl_dataset_item_id_str(ds, "0104257", &id));
    char key[16];
    size_t len;
    assert_orl_ok(orl_dataset_item_key(ds, id, key, sizeof key, &len));
    assert_string_equal(key, "0104257");
    orl_dataset_free(ds);
}

static void test_otto_jsonl(void **state)
{
    (void)state;
    char path[1024];
    if (!orl_test_shared_path("otto_fixture/train.jsonl", path, sizeof path)) skip();
    orl_dataset *ds = new_ds(1, 1, 0);
    orl_load_report r;
    r.struct_size = sizeof r;
    assert_orl_ok(orl_dataset_load_jsonl(ds, path, 1, &r));
    assert_int_equal(r.rows_loaded, 862);
    uint64_t c;
    assert_orl_ok(orl_dataset_count_events(ds, "clicks", &c));
    assert_int_equal(c, 800);
    assert_orl_ok(orl_dataset_count_events(ds, "carts", &c));
    assert_int_equal(c, 52);
    assert_orl_ok(orl_dataset_count_events(ds, "orders", &c));
    assert_int_equal(c, 10);
    check(ds, (expect){862, 20, 510, 62});
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rees46),
        cmocka_unit_test(test_diginetica_views_and_purchases),
        cmocka_unit_test(test_kuairand_per_user_and_30_min_sessions),
        cmocka_unit_test(test_trivago),
        cmocka_unit_test(test_movietweetings),
        cmocka_unit_test(test_otto_jsonl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
