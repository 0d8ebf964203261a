/* The display table: orl_sim_generate and the CSV (canonical and trivago)
 * give the same displays; they survive finalize filters, split, the dataset
 * file and allocation failures; display states match the transitions'. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "data/dataset.h"
#include "data/displays.h"
#include "data/transitions.h"
#include "test_support.h"

static orl_sim *slate_sim(uint32_t K, int32_t log_impressions)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 40;
    sp.n_users = 50;
    sp.n_clusters = 4;
    sp.slate_size = K;
    sp.log_impressions = log_impressions;
    sp.seed = 21;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    return sim;
}

static orl_dataset *generated(uint32_t K, int32_t imp, uint64_t n, const orl_dataset_params *dp)
{
    orl_sim *sim = slate_sim(K, imp);
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(dp, &ds));
    assert_orl_ok(orl_sim_generate(sim, n, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

static void view(const orl_dataset *ds, uint64_t i, orl_display_view *v)
{
    memset(v, 0, sizeof *v);
    v->struct_size = sizeof *v;
    assert_orl_ok(orl_dataset_display_get(ds, i, v));
}

/* Two datasets hold the same displays (float and double fields bit for bit). */
static void assert_same_displays(const orl_dataset *a, const orl_dataset *b)
{
    uint64_t na, nb;
    assert_orl_ok(orl_dataset_display_count(a, &na));
    assert_orl_ok(orl_dataset_display_count(b, &nb));
    assert_int_equal(na, nb);
    for (uint64_t i = 0; i < na; i++) {
        orl_display_view x, y;
        view(a, i, &x);
        view(b, i, &y);
        assert_int_equal(x.session, y.session);
        assert_int_equal(x.display_session, y.display_session);
        assert_int_equal(x.events_before, y.events_before);
        assert_int_equal(x.event_in_session, y.event_in_session);
        assert_int_equal(x.timestamp, y.timestamp);
        assert_int_equal(x.clicked_slot, y.clicked_slot);
        assert_true(x.reward == y.reward);
        assert_memory_equal(&x.slate_propensity, &y.slate_propensity, sizeof(double));
        assert_int_equal(x.n_shown, y.n_shown);
        assert_memory_equal(x.item_ids, y.item_ids, x.n_shown * sizeof(int32_t));
        assert_memory_equal(x.propensities, y.propensities, x.n_shown * sizeof(float));
        assert_memory_equal(x.inclusion, y.inclusion, x.n_shown * sizeof(float));
    }
}

/* Every display agrees with the events: the clicked slot's item is the
 * event's, the state is the session's events before it, rewards add up. */
static void check_consistent(const orl_dataset *ds, uint32_t K)
{
    uint64_t n, S;
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    assert_orl_ok(orl_dataset_session_count(ds, &S));
    uint64_t clicked = 0, eventless = 0, last_g = 0;
    for (uint64_t i = 0; i < n; i++) {
        orl_display_view v;
        view(ds, i, &v);
        if (K) assert_int_equal(v.n_shown, K);
        assert_true(v.display_session == last_g || v.display_session == last_g + 1);
        last_g = v.display_session;
        if (v.session < 0) {
            eventless++;
            assert_int_equal(v.clicked_slot, -1);
            assert_int_equal(v.events_before, 0);
            continue;
        }
        assert_true((uint64_t)v.session < S);
        size_t len = 0;
        static int32_t items[4096];
        static int64_t times[4096];
        static float rewards[4096];
        assert_orl_ok(orl_dataset_session_events(ds, (uint64_t)v.session, items, NULL, times, NULL,
                                                 rewards, 4096, &len));
        assert_true(v.events_before <= len);
        if (v.event_in_session >= 0) {
            clicked++;
            assert_int_equal(v.event_in_session, v.events_before);
            /* slot -1 with an event: a log's click on an item outside the list (trivago) */
            if (v.clicked_slot >= 0 && v.item_ids[v.clicked_slot] >= 0)
                assert_int_equal(v.item_ids[v.clicked_slot], items[v.events_before]);
            assert_true(v.reward == rewards[v.events_before]);
            assert_int_equal(v.timestamp, times[v.events_before]);
        } else {
            assert_true(v.reward == 0 || v.clicked_slot >= 0);
            /* the events before it are exactly those earlier in time */
            if (v.events_before > 0) assert_true(times[v.events_before - 1] <= v.timestamp);
            if (v.events_before < len) assert_true(times[v.events_before] >= v.timestamp);
        }
        for (size_t a = 0; a < v.n_shown; a++) {
            assert_true(v.item_ids[a] >= -1);
            for (size_t b = 0; b < a; b++)
                assert_true(v.item_ids[a] < 0 || v.item_ids[a] != v.item_ids[b]);
        }
    }
    print_message("  %llu displays, %llu clicked, %llu in sessions without events\n",
                  (unsigned long long)n, (unsigned long long)clicked,
                  (unsigned long long)eventless);
}

static void test_generate_gives_consistent_displays(void **state)
{
    (void)state;
    orl_dataset *ds = generated(4, 0, 400, NULL);
    uint64_t n, events;
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    assert_true(n > 1000);
    check_consistent(ds, 4);
    orl_dataset_stats st = {.struct_size = sizeof st};
    assert_orl_ok(orl_dataset_get_stats(ds, &st));
    events = st.n_events;
    /* Every event came from a clicked display. */
    uint64_t clicked = 0;
    for (uint64_t i = 0; i < n; i++) {
        orl_display_view v;
        view(ds, i, &v);
        clicked += v.event_in_session >= 0;
        for (size_t a = 0; a < v.n_shown; a++)
            assert_true(v.propensities[a] > 0 && v.propensities[a] <= v.inclusion[a] + 1e-6f);
        assert_true(v.slate_propensity > 0 && v.slate_propensity <= 1);
    }
    assert_int_equal(clicked, events);
    orl_dataset_free(ds);
    /* K = 1 with log_impressions: a display per step, its propensities the event's. */
    ds = generated(1, 1, 300, NULL);
    check_consistent(ds, 1);
    orl_dataset_free(ds);
    /* K = 1 without: no display table, as before. */
    ds = generated(1, 0, 50, NULL);
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    assert_int_equal(n, 0);
    orl_dataset_free(ds);
}

/* The logging distribution rebuilt from the session's user and the display's
 * state (orl_sim_session_user + orl_sim_logging_probs) gives every shown
 * item's logged propensity back: the state is the right click history. */
static void test_logging_distribution_from_state(void **state)
{
    (void)state;
    orl_sim *sim = slate_sim(4, 0);
    orl_dataset *ds = generated(4, 0, 200, NULL);
    uint64_t n, checked = 0;
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    float probs[40];
    for (uint64_t i = 0; i < n; i++) {
        orl_display_view v;
        view(ds, i, &v);
        if (v.session < 0) continue;
        char key[32];
        size_t kl;
        assert_orl_ok(orl_dataset_session_key(ds, (uint64_t)v.session, key, sizeof key, &kl));
        uint32_t user;
        assert_orl_ok(orl_sim_session_user(sim, strtoll(key, NULL, 10), &user));
        size_t len;
        int32_t ids[512];
        int64_t hist[512];
        assert_orl_ok(orl_dataset_session_events(ds, (uint64_t)v.session, ids, hist, NULL, NULL,
                                                 NULL, 512, &len));
        assert_orl_ok(orl_sim_logging_probs(sim, user, hist, v.events_before, probs, 40));
        for (size_t a = 0; a < v.n_shown; a++) {
            if (v.item_ids[a] < 0) continue;
            char ik[32];
            assert_orl_ok(orl_dataset_item_key(ds, v.item_ids[a], ik, sizeof ik, &kl));
            float want = probs[strtol(ik, NULL, 10)];
            assert_true(fabsf(want - v.propensities[a]) <= 1e-6f * want);
            checked++;
        }
    }
    assert_true(checked > 1000);
    int64_t bad = -1;
    uint32_t user;
    assert_int_equal(orl_sim_session_user(sim, bad, &user), ORL_E_OUT_OF_RANGE);
    orl_dataset_free(ds);
    orl_sim_free(sim);
}

static orl_dataset *from_csv(const char *path, const char *preset, const orl_dataset_params *dp)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(dp, &ds));
    orl_csv_params cp;
    if (preset)
        assert_orl_ok(orl_csv_params_preset(&cp, preset));
    else
        orl_csv_params_init(&cp);
    orl_load_report r = {.struct_size = sizeof r};
    assert_orl_ok(orl_dataset_load_csv(ds, path, &cp, &r));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static void test_csv_round_trip(void **state)
{
    (void)state;
    char path[512];
    orl_test_tmp_path("displays.csv", path, sizeof path);
    for (int c = 0; c < 2; c++) {
        uint32_t K = c ? 1 : 5;
        orl_sim *sim = slate_sim(K, c);
        assert_orl_ok(orl_sim_write_csv(sim, 300, path));
        orl_sim_free(sim);
        orl_dataset *a = from_csv(path, NULL, NULL);
        orl_dataset *b = generated(K, c, 300, NULL);
        assert_same_displays(a, b);
        /* and the events too */
        orl_dataset_stats sa = {.struct_size = sizeof sa}, sb = {.struct_size = sizeof sb};
        assert_orl_ok(orl_dataset_get_stats(a, &sa));
        assert_orl_ok(orl_dataset_get_stats(b, &sb));
        assert_int_equal(sa.n_events, sb.n_events);
        assert_int_equal(sa.n_sessions, sb.n_sessions);
        orl_dataset_free(a);
        orl_dataset_free(b);
    }
}

static void test_file_round_trip(void **state)
{
    (void)state;
    char path[512];
    orl_test_tmp_path("displays.orld", path, sizeof path);
    orl_dataset *ds = generated(3, 0, 200, NULL);
    assert_orl_ok(orl_dataset_save(ds, path));
    orl_dataset *back = NULL;
    assert_orl_ok(orl_dataset_load(path, &back));
    assert_same_displays(ds, back);
    check_consistent(back, 3);
    orl_dataset_free(back);
    /* A corrupted display section (checksum fixed up) is refused. */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    unsigned char *buf = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    uint64_t disp_off;
    memcpy(&disp_off, buf + 240, 8);
    assert_true(disp_off > 0 && disp_off < (uint64_t)size);
    uint64_t huge = UINT64_MAX / 2;
    memcpy(buf + disp_off, &huge, 8); /* the display count */
    extern unsigned long crc32(unsigned long, const unsigned char *, unsigned int);
    uint32_t crc = (uint32_t)crc32(crc32(0, NULL, 0), buf, (unsigned)(size - 4));
    memcpy(buf + size - 4, &crc, 4);
    fseek(f, 0, SEEK_SET);
    fwrite(buf, 1, (size_t)size, f);
    fclose(f);
    free(buf);
    assert_int_equal(orl_dataset_load(path, &back), ORL_E_FORMAT);
    assert_non_null(strstr(orl_last_error(), "displays"));
    orl_dataset_free(ds);
}

static void test_split_keeps_displays(void **state)
{
    (void)state;
    orl_dataset *ds = generated(4, 0, 500, NULL);
    uint64_t n;
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    for (int method = 0; method < 2; method++) {
        orl_split_params sp;
        orl_split_params_init(&sp);
        sp.method = method ? ORL_SPLIT_TIME : ORL_SPLIT_RANDOM;
        sp.train = 0.6f;
        sp.valid = 0.2f;
        orl_dataset *tr = NULL, *va = NULL, *te = NULL;
        assert_orl_ok(orl_dataset_split(ds, &sp, &tr, &va, &te));
        uint64_t a, b, c;
        assert_orl_ok(orl_dataset_display_count(tr, &a));
        assert_orl_ok(orl_dataset_display_count(va, &b));
        assert_orl_ok(orl_dataset_display_count(te, &c));
        assert_int_equal(a + b + c, n);
        assert_true(a > b && a > c && b > 0 && c > 0);
        check_consistent(tr, 4);
        check_consistent(te, 4);
        orl_dataset_free(tr);
        orl_dataset_free(va);
        orl_dataset_free(te);
    }
    orl_dataset_free(ds);
}

static void test_filters(void **state)
{
    (void)state;
    orl_dataset_params dp;
    orl_dataset_params_init(&dp);
    dp.min_item_count = 25;
    dp.min_session_len = 3;
    orl_dataset *all = generated(4, 0, 400, NULL);
    orl_dataset *ds = generated(4, 0, 400, &dp);
    check_consistent(ds, 4);
    uint64_t n_all, n, unknown = 0, eventless_all = 0, eventless = 0;
    assert_orl_ok(orl_dataset_display_count(all, &n_all));
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    assert_true(n < n_all); /* displays of dropped sessions are gone */
    for (uint64_t i = 0; i < n_all; i++) {
        orl_display_view v;
        view(all, i, &v);
        eventless_all += v.session < 0;
    }
    for (uint64_t i = 0; i < n; i++) {
        orl_display_view v;
        view(ds, i, &v);
        eventless += v.session < 0;
        for (size_t a = 0; a < v.n_shown; a++) unknown += v.item_ids[a] < 0;
    }
    assert_int_equal(eventless, eventless_all); /* never had events: kept */
    assert_true(unknown > 0);                   /* items the catalogue dropped: -1 */
    orl_dataset_free(all);
    orl_dataset_free(ds);
}

static void test_display_states_match_transitions(void **state)
{
    (void)state;
    orl_dataset *ds = generated(3, 0, 300, NULL);
    const uint32_t W = orl_dataset_window(ds);
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 1, W));
    uint64_t n = ds->disp.n, checked = 0;
    int32_t *st = malloc(W * sizeof *st);
    for (uint64_t i = 0; i < n; i++) {
        int32_t len;
        assert_orl_ok(orl_dataset_fill_display_states(ds, &i, 1, W, st, &len));
        if (ds->disp.event[i] < 0) continue;
        uint64_t t = (uint64_t)ds->disp.event[i];
        assert_orl_ok(orl_dataset_fill_batch(ds, &t, 1, &b));
        assert_int_equal(len, b.state_len[0]);
        assert_memory_equal(st, b.states, W * sizeof *st);
        checked++;
    }
    assert_true(checked > 100);
    uint64_t bad_id = n;
    int32_t len;
    assert_int_equal(orl_dataset_fill_display_states(ds, &bad_id, 1, W, st, &len),
                     ORL_E_OUT_OF_RANGE);
    free(st);
    orl_batch_free(&b);
    orl_dataset_free(ds);
}

/* A trivago-format file: clickout rows carry the impressions and the clicked
 * item in `reference`; other rows are plain events. */
static void test_trivago_style_file(void **state)
{
    (void)state;
    char path[512];
    orl_test_tmp_path("trivago_style.csv", path, sizeof path);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("user_id,session_id,timestamp,step,action_type,reference,platform,city,device,"
          "current_filters,impressions,prices\n"
          "u1,s1,100,1,interaction item image,11,DE,\"Berlin, Germany\",mobile,,,\n"
          "u1,s1,110,2,clickout item,12,DE,\"Berlin, Germany\",mobile,,13|12|11,50|60|70\n"
          "u1,s1,120,3,search for destination,Paris,DE,\"Paris, France\",mobile,,,\n"
          "u1,s1,130,4,clickout item,14,DE,\"Paris, France\",mobile,,13|11,50|60\n"
          "u2,s2,200,1,clickout item,11,FR,\"Nice, France\",desktop,,11|12,1|2\n",
          f);
    fclose(f);
    orl_dataset *ds = from_csv(path, "trivago", NULL);
    uint64_t n;
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    assert_int_equal(n, 3);
    check_consistent(ds, 0);
    orl_display_view v;
    view(ds, 0, &v);
    assert_int_equal(v.n_shown, 3);
    assert_int_equal(v.clicked_slot, 1);
    assert_int_equal(v.events_before, 1);
    assert_true(isnan(v.propensities[0]) && isnan(v.inclusion[2]) && isnan(v.slate_propensity));
    char key[32];
    size_t kl;
    assert_int_equal(v.item_ids[0], -1); /* 13 was never clicked: outside the catalogue */
    assert_orl_ok(orl_dataset_item_key(ds, v.item_ids[1], key, sizeof key, &kl));
    assert_string_equal(key, "12");
    view(ds, 1, &v); /* clicked an item that was not in the list */
    assert_int_equal(v.clicked_slot, -1);
    assert_int_equal(v.event_in_session, 2);
    orl_dataset_free(ds);
    /* The canonical columns with a no-click row. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("session_id,timestamp,item_id,event,reward,propensity,impressions,"
          "impression_propensities,impression_inclusion,slate_propensity\n"
          "a,1,7,click,0.2,0.5,7|8,0.5|0.25,0.75|0.5,0.25\n"
          "a,2,,none,0,,8|9,0.25|0.125,0.5|0.25,0.0625\n"
          "b,3,,none,0,,7|9,,,\n",
          f);
    fclose(f);
    ds = from_csv(path, NULL, NULL);
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    assert_int_equal(n, 3);
    check_consistent(ds, 2);
    view(ds, 1, &v);
    assert_int_equal(v.events_before, 1);
    assert_int_equal(v.clicked_slot, -1);
    assert_true(v.slate_propensity == 0.0625 && v.propensities[1] == 0.125f);
    assert_int_equal(v.item_ids[1], -1); /* item 9 was never clicked */
    view(ds, 2, &v);
    assert_int_equal(v.session, -1); /* b: no event */
    orl_dataset_free(ds);
    /* Only steps without a click: no event, no session, the displays kept. */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("session_id,timestamp,item_id,event,impressions\n"
          "a,1,,none,7|8\n"
          "a,2,,none,8|9\n",
          f);
    fclose(f);
    ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_dataset_load_csv(ds, path, NULL, NULL));
    int fs = orl_dataset_finalize(ds);
    if (fs == ORL_OK) {
        assert_orl_ok(orl_dataset_display_count(ds, &n));
        assert_int_equal(n, 2);
        view(ds, 1, &v);
        assert_int_equal(v.session, -1);
        assert_int_equal(v.item_ids[0], -1);
    } else {
        print_message("  a log of no-click steps only: finalize says %s\n", orl_last_error());
    }
    orl_dataset_free(ds);
    /* Malformed lists are rejected with the column named. */
    const char *bad[] = {"a,1,7,click,0.2,0.5,7|8,0.5,0.75|0.5,0.25\n",
                         "a,1,7,click,0.2,0.5,7||8,,,\n", "a,1,7,click,0.2,0.5,7|8,0.5|2,,\n",
                         "a,1,7,click,0.2,0.5,7|8,,,1.5\n"};
    for (int k = 0; k < 4; k++) {
        f = fopen(path, "w");
        fputs("session_id,timestamp,item_id,event,reward,propensity,impressions,"
              "impression_propensities,impression_inclusion,slate_propensity\n",
              f);
        fputs(bad[k], f);
        fclose(f);
        orl_dataset *d = NULL;
        assert_orl_ok(orl_dataset_create(NULL, &d));
        assert_int_equal(orl_dataset_load_csv(d, path, NULL, NULL), ORL_E_PARSE);
        assert_non_null(strstr(orl_last_error(), "impression") ? orl_last_error()
                                                               : strstr(orl_last_error(), "slate"));
        orl_dataset_free(d);
    }
}

static void test_real_trivago(void **state)
{
    (void)state;
    char path[512];
    orl_test_shared_path("trivago_recsys2019_val100k/trivago_val_100k.csv.gz", path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        print_message("  skipped: %s is absent\n", path);
        return;
    }
    fclose(f);
    orl_dataset *ds = from_csv(path, "trivago", NULL);
    uint64_t n, in_list = 0, shown = 0, unknown = 0;
    assert_orl_ok(orl_dataset_display_count(ds, &n));
    for (uint64_t i = 0; i < n; i++) {
        orl_display_view v;
        view(ds, i, &v);
        in_list += v.clicked_slot >= 0;
        shown += v.n_shown;
        for (size_t a = 0; a < v.n_shown; a++) unknown += v.item_ids[a] < 0;
    }
    print_message("  trivago: %llu clickout displays, %.2f%% clicked in the list, %.1f shown "
                  "per display, %.1f%% of shown items outside the catalogue\n",
                  (unsigned long long)n, 100.0 * (double)in_list / (double)n,
                  (double)shown / (double)n, 100.0 * (double)unknown / (double)shown);
    /* SOURCE.txt: 13,597 clickouts, the clicked item in the list in 99.99% */
    assert_true(n > 13000 && n <= 13597);
    assert_true(in_list > 0.99 * (double)n);
    check_consistent(ds, 0);
    orl_dataset_free(ds);
}

/* Every allocation of generate -> finalize -> split -> save -> load -> CSV
 * with displays fails once in turn: ORL_E_NOMEM, nothing leaks. */
static void test_allocation_failures(void **state)
{
    (void)state;
    char path[512], csv[512];
    orl_test_tmp_path("displays_alloc.orld", path, sizeof path);
    orl_test_tmp_path("displays_alloc.csv", csv, sizeof csv);
    orl_sim *sim = slate_sim(3, 0);
    assert_orl_ok(orl_sim_write_csv(sim, 20, csv));
    orl_sim_free(sim);
    const int64_t live0 = orl_alloc_live_blocks();
    int completed = 0;
    uint64_t failures = 0;
    for (int64_t k = 0; !completed && k < 100000; k++) {
        orl_dataset *ds = NULL, *tr = NULL, *te = NULL, *back = NULL, *c = NULL;
        sim = slate_sim(3, 0); /* session keys from 0 again, as in the CSV */
        orl_alloc_fail_after(k);
        uint64_t before = orl_alloc_injected_failures();
        int s = orl_dataset_create(NULL, &ds);
        if (s == ORL_OK) s = orl_sim_generate(sim, 20, ds);
        if (s == ORL_OK) s = orl_dataset_finalize(ds);
        orl_split_params sp;
        orl_split_params_init(&sp);
        if (s == ORL_OK) s = orl_dataset_split(ds, &sp, &tr, NULL, &te);
        if (s == ORL_OK) s = orl_dataset_save(ds, path);
        if (s == ORL_OK) s = orl_dataset_load(path, &back);
        if (s == ORL_OK) s = orl_dataset_create(NULL, &c);
        if (s == ORL_OK) s = orl_dataset_load_csv(c, csv, NULL, NULL);
        if (s == ORL_OK) s = orl_dataset_finalize(c);
        orl_alloc_fail_after(-1);
        if (orl_alloc_injected_failures() == before) {
            assert_orl_ok(s);
            completed = 1;
            assert_same_displays(ds, back);
            assert_same_displays(ds, c);
        } else {
            failures++;
            if (s != ORL_E_NOMEM) print_error("k=%lld: %d %s\n", (long long)k, s, orl_last_error());
            assert_int_equal(s, ORL_E_NOMEM);
        }
        orl_dataset_free(ds);
        orl_dataset_free(tr);
        orl_dataset_free(te);
        orl_dataset_free(back);
        orl_dataset_free(c);
        orl_sim_free(sim);
        assert_int_equal(orl_alloc_live_blocks(), live0);
    }
    print_message("  %llu allocation failures injected, each ORL_E_NOMEM without a leak\n",
                  (unsigned long long)failures);
    assert_true(completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_gives_consistent_displays),
        cmocka_unit_test(test_csv_round_trip),
        cmocka_unit_test(test_logging_distribution_from_state),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_split_keeps_displays),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_display_states_match_transitions),
        cmocka_unit_test(test_trivago_style_file),
        cmocka_unit_test(test_real_trivago),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
