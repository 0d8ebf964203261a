/* Dataset contract: appends, finalize (sort, filters, dense ids), transitions, batches. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "data/dataset.h"
#include "data/transitions.h"
#include "offlinerl/offlinerl.h"
#include "test_support.h"

/* Two sessions appended interleaved and out of time order:
 * session 7: items 100@t3, 200@t1, 300@t2 (purchase), 100@t2 (tie with 300: after it)
 * session 5: items 300@t10, 400@t11 */
static orl_dataset *make_small(uint32_t window)
{
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = window;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&p, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    int64_t s[] = {7, 5, 7, 7, 5, 7};
    int64_t it[] = {100, 300, 200, 300, 400, 100};
    int64_t t[] = {3, 10, 1, 2, 11, 2};
    int32_t c[] = {click, click, click, buy, click, click};
    assert_orl_ok(orl_dataset_add_events_i64(ds, 3, s, it, t, c, NULL, NULL));
    assert_orl_ok(orl_dataset_add_events_i64(ds, 3, s + 3, it + 3, t + 3, c + 3, NULL, NULL));
    return ds;
}

static void test_finalize_sorts_sessions_stably_and_assigns_sorted_ids(void **state)
{
    (void)state;
    orl_dataset *ds = make_small(10);
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(ds->n, 6);
    assert_int_equal(ds->n_sessions, 2);
    assert_int_equal(ds->n_items, 4);
    /* session 7 starts at t=1, session 5 at t=10: session 7 first */
    assert_int_equal(ds->sess_off[1], 4);
    /* dense ids ascending by key: 100->0, 200->1, 300->2, 400->3 */
    int32_t want[] = {1, 2, 0, 0, 2, 3};
    for (int i = 0; i < 6; i++) assert_int_equal(ds->ev_item[i], want[i]);
    int64_t tw[] = {1, 2, 2, 3, 10, 11};
    for (int i = 0; i < 6; i++) assert_int_equal(ds->ev_time[i], tw[i]);
    int32_t id;
    assert_orl_ok(orl_dataset_item_id_i64(ds, 300, &id));
    assert_int_equal(id, 2);
    assert_orl_ok(orl_dataset_item_id_str(ds, "400", &id));
    assert_int_equal(id, 3);
    assert_int_equal(orl_dataset_item_id_i64(ds, 999, &id), ORL_E_NOT_FOUND);
    char key[8];
    size_t len = 0;
    assert_orl_ok(orl_dataset_item_key(ds, 1, key, sizeof key, &len));
    assert_string_equal(key, "200");
    assert_int_equal(len, 4);
    assert_int_equal(orl_dataset_item_key(ds, 1, key, 2, &len), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(orl_dataset_item_key(ds, 4, key, sizeof key, &len), ORL_E_OUT_OF_RANGE);
    /* read-only now */
    int64_t k = 1;
    int32_t c0 = 0;
    assert_int_equal(orl_dataset_add_events_i64(ds, 1, &k, &k, &k, &c0, NULL, NULL), ORL_E_STATE);
    assert_int_equal(orl_dataset_finalize(ds), ORL_E_STATE);
    orl_dataset_free(ds);
}

static void test_batch_windows_padding_and_done(void **state)
{
    (void)state;
    orl_dataset *ds = make_small(2);
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(orl_dataset_transition_count(ds), 6);
    assert_int_equal(orl_dataset_item_count(ds), 4);
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 8, 2));
    uint64_t ids[] = {0, 1, 2, 3, 4, 5};
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, 6, &b));
    const int32_t P = 4; /* pad */
    /* session items [1,2,0,0], then [2,3] */
    int32_t st[6][2] = {{P, P}, {1, P}, {1, 2}, {2, 0}, {P, P}, {2, P}};
    int32_t sl[6] = {1, 1, 2, 2, 1, 1};
    int32_t nx[6][2] = {{1, P}, {1, 2}, {2, 0}, {0, 0}, {2, P}, {2, 3}};
    int32_t nl[6] = {1, 2, 2, 2, 1, 2};
    int32_t act[6] = {1, 2, 0, 0, 2, 3};
    uint8_t done[6] = {0, 0, 0, 1, 0, 1};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(b.states[i * 2], st[i][0]);
        assert_int_equal(b.states[i * 2 + 1], st[i][1]);
        assert_int_equal(b.state_len[i], sl[i]);
        assert_int_equal(b.next_states[i * 2], nx[i][0]);
        assert_int_equal(b.next_states[i * 2 + 1], nx[i][1]);
        assert_int_equal(b.next_len[i], nl[i]);
        assert_int_equal(b.actions[i], act[i]);
        assert_int_equal(b.done[i], done[i]);
        assert_true(isnan(b.propensities[i]));
    }
    /* event 1 is the purchase of item 300 */
    assert_int_equal(b.is_purchase[1], 1);
    assert_float_equal(b.rewards[1], 1.0f, 1e-6);
    assert_float_equal(b.rewards[0], 0.2f, 1e-6);
    assert_int_equal(b.is_purchase[0], 0);
    /* rewards come from the table at batch time */
    assert_orl_ok(orl_dataset_set_event_reward(ds, "click", 0.5f));
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, 1, &b));
    assert_float_equal(b.rewards[0], 0.5f, 1e-6);
    assert_int_equal(b.size, 1);
    uint64_t bad = 6;
    assert_int_equal(orl_dataset_fill_batch(ds, &bad, 1, &b), ORL_E_OUT_OF_RANGE);
    orl_batch_free(&b);
    orl_dataset_free(ds);
}

static void test_epoch_order_is_a_seeded_permutation(void **state)
{
    (void)state;
    orl_dataset *ds = make_small(10);
    assert_orl_ok(orl_dataset_finalize(ds));
    uint64_t a[6], b[6], c[6];
    assert_orl_ok(orl_dataset_epoch_order(ds, 42, 0, a));
    assert_orl_ok(orl_dataset_epoch_order(ds, 42, 0, b));
    assert_memory_equal(a, b, sizeof a);
    int seen[6] = {0};
    for (int i = 0; i < 6; i++) seen[a[i]]++;
    for (int i = 0; i < 6; i++) assert_int_equal(seen[i], 1);
    /* different epochs give different orders (6! = 720: some epoch among 8 differs) */
    int differs = 0;
    for (uint64_t e = 1; e < 8 && !differs; e++) {
        assert_orl_ok(orl_dataset_epoch_order(ds, 42, e, c));
        differs = memcmp(a, c, sizeof a) != 0;
    }
    assert_true(differs);
    orl_dataset_free(ds);
}

static void test_explicit_rewards_and_propensities(void **state)
{
    (void)state;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t c;
    assert_orl_ok(orl_dataset_event_type(ds, "view", &c));
    const char *sk[] = {"a-uuid", "a-uuid", "b"};
    const char *ik[] = {"x", "42", "x"};
    int64_t t[] = {1, 2, 3};
    int32_t codes[] = {c, c, c};
    float r[] = {NAN, 3.0f, 0.7f};
    float pr[] = {0.5f, NAN, 1.0f};
    float badp[] = {0.5f, 1.5f, 1.0f};
    assert_int_equal(orl_dataset_add_events_str(ds, 3, sk, ik, t, codes, r, badp),
                     ORL_E_OUT_OF_RANGE);
    assert_orl_ok(orl_dataset_add_events_str(ds, 3, sk, ik, t, codes, r, pr));
    int64_t s42 = 9, i42 = 42; /* the integer 42 is the key "42" */
    assert_orl_ok(orl_dataset_add_events_i64(ds, 1, &s42, &i42, t, codes, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(ds->n_items, 2); /* 42 and "x" */
    int32_t id42, idx;
    assert_orl_ok(orl_dataset_item_id_i64(ds, 42, &id42));
    assert_orl_ok(orl_dataset_item_id_str(ds, "x", &idx));
    assert_int_equal(id42, 0); /* integers sort before strings */
    assert_int_equal(idx, 1);
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 4, 10));
    uint64_t ids[] = {0, 1, 2, 3};
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, 4, &b));
    /* session order by start: "a-uuid" (t1, t2), "b" (t3), 9 (t1 but appended last: ties
     * keep first appended) -> a-uuid, 9, b */
    assert_float_equal(b.rewards[0], 0.2f, 1e-6); /* NaN -> table */
    assert_float_equal(b.rewards[1], 3.0f, 1e-6);
    assert_float_equal(b.propensities[0], 0.5f, 1e-6);
    assert_true(isnan(b.propensities[1]));
    assert_int_equal(b.actions[2], id42);         /* session 9 */
    assert_float_equal(b.rewards[3], 0.7f, 1e-6); /* session b */
    orl_dataset_stats st;
    st.struct_size = sizeof st;
    assert_orl_ok(orl_dataset_get_stats(ds, &st));
    assert_int_equal(st.n_with_propensity, 2);
    assert_int_equal(st.n_sessions, 3);
    orl_batch_free(&b);
    orl_dataset_free(ds);
}

static void test_iterated_filters_reach_a_fixed_point(void **state)
{
    (void)state;
    /* min 2/2: item 9 appears once -> dropped; then session B has 1 event -> dropped;
     * then item 8 appears once (only in A... see below) -> dropped, etc. */
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.min_item_count = 2;
    p.min_session_len = 2;
    for (int iterate = 0; iterate < 2; iterate++) {
        p.iterate_filters = iterate;
        orl_dataset *ds = NULL;
        assert_orl_ok(orl_dataset_create(&p, &ds));
        int32_t c;
        assert_orl_ok(orl_dataset_event_type(ds, "click", &c));
        /* A: 1 2 1 2 ; B: 3 9 ; C: 3 1 */
        int64_t s[] = {1, 1, 1, 1, 2, 2, 3, 3};
        int64_t it[] = {1, 2, 1, 2, 3, 9, 3, 1};
        int64_t t[] = {1, 2, 3, 4, 5, 6, 7, 8};
        int32_t codes[8] = {c, c, c, c, c, c, c, c};
        assert_orl_ok(orl_dataset_add_events_i64(ds, 8, s, it, t, codes, NULL, NULL));
        assert_orl_ok(orl_dataset_finalize(ds));
        /* pass 1: drop 9 -> B={3} dropped. pass 2: item 3 now once (C) -> dropped,
         * C={1} dropped. Fixed point: A only. One pass keeps A and C. */
        assert_int_equal(ds->n_sessions, iterate ? 1 : 2);
        assert_int_equal(ds->n, iterate ? 4 : 6);
        orl_dataset_free(ds);
    }
}

static void test_session_gap_splits_sessions(void **state)
{
    (void)state;
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.session_gap = 100;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&p, &ds));
    int32_t c;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &c));
    int64_t s[] = {1, 1, 1, 1};
    int64_t it[] = {1, 2, 3, 4};
    int64_t t[] = {0, 50, 151, 252};
    int32_t codes[4] = {c, c, c, c};
    assert_orl_ok(orl_dataset_add_events_i64(ds, 4, s, it, t, codes, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(ds->n_sessions,
                     3); /* {0,50} {151} {252}: a gap of exactly 100 would not split */
    orl_dataset_free(ds);
}

static void test_bad_appends_keep_nothing(void **state)
{
    (void)state;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t c;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &c));
    int64_t k[] = {1, 2};
    int32_t codes[] = {c, 5};
    assert_int_equal(orl_dataset_add_events_i64(ds, 2, k, k, k, codes, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(ds->n, 0);
    const char *good[] = {"s", "s"};
    const char *bad[] = {"s", ""};
    int32_t cc[] = {c, c};
    assert_int_equal(orl_dataset_add_events_str(ds, 2, good, bad, k, cc, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_dataset_add_events_i64(NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_dataset_add_events_i64(ds, 1, NULL, k, k, cc, NULL, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(ds->n, 0);
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = 0;
    orl_dataset *d2 = NULL;
    assert_int_equal(orl_dataset_create(&p, &d2), ORL_E_OUT_OF_RANGE);
    p.window = 10;
    p.struct_size = 4;
    assert_int_equal(orl_dataset_create(&p, &d2), ORL_E_INVALID_ARGUMENT);
    assert_null(d2);
    orl_dataset_free(ds);
    orl_dataset_free(NULL);
}

/* Every allocation of create + append + finalize failed in turn: ORL_E_NOMEM,
 * nothing leaked, and a failed finalize leaves the dataset usable. */
static void test_allocation_failures(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_dataset *ds = NULL;
        orl_alloc_fail_after(n);
        int s = orl_dataset_create(NULL, &ds);
        int32_t c = 0;
        if (s == ORL_OK) s = orl_dataset_event_type(ds, "click", &c);
        const char *sk[] = {"u1", "u2", "u1"};
        const char *ik[] = {"a", "b", "c"};
        int64_t t[] = {3, 2, 1};
        int32_t codes[] = {c, c, c};
        float r[] = {1, 2, 3}, pr[] = {0.5f, 0.25f, 1.0f};
        if (s == ORL_OK) s = orl_dataset_add_events_str(ds, 3, sk, ik, t, codes, r, pr);
        if (s == ORL_OK) s = orl_dataset_finalize(ds);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            assert_int_equal(ds->n, 3);
            orl_dataset_free(ds);
            break;
        }
        if (s != ORL_E_NOMEM) print_error("n=%d: %s\n", (int)n, orl_last_error());
        assert_int_equal(s, ORL_E_NOMEM);
        if (ds && !ds->finalized) { /* still usable after a failed step */
            if (ds->types.count == 1) {
                assert_orl_ok(orl_dataset_add_events_str(ds, 3, sk, ik, t, codes, r, pr));
                assert_orl_ok(orl_dataset_finalize(ds));
            }
        }
        orl_dataset_free(ds);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_true(failures >= 10);
    assert_int_equal(orl_alloc_live_blocks(), base);

    orl_batch b;
    for (int64_t n = 0; n < 10; n++) {
        orl_alloc_fail_after(n);
        int s = orl_batch_init(&b, 4, 3);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            orl_batch_free(&b);
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(orl_alloc_live_blocks(), base);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finalize_sorts_sessions_stably_and_assigns_sorted_ids),
        cmocka_unit_test(test_batch_windows_padding_and_done),
        cmocka_unit_test(test_epoch_order_is_a_seeded_permutation),
        cmocka_unit_test(test_explicit_rewards_and_propensities),
        cmocka_unit_test(test_iterated_filters_reach_a_fixed_point),
        cmocka_unit_test(test_session_gap_splits_sessions),
        cmocka_unit_test(test_bad_appends_keep_nothing),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
