/* Loading text files: formats, bad input (each case), strict vs lenient,
 * splits and the binary dataset file. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "data/dataset.h"
#include "data/transitions.h"
#include "offlinerl/offlinerl.h"
#include "test_support.h"

static const char *write_file(const char *name, const void *data, size_t len)
{
    static char path[4][512];
    static int k;
    char *p = path[k++ % 4];
    orl_test_tmp_path(name, p, 512);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

static const char *write_text(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

static const char *write_gz(const char *name, const char *text)
{
    static char p[512];
    orl_test_tmp_path(name, p, sizeof p);
    gzFile g = gzopen(p, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
    gzclose(g);
    return p;
}

static orl_dataset *new_ds(void)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    return ds;
}

static orl_load_report report(void)
{
    orl_load_report r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    return r;
}

static const char *CANON = "session_id,timestamp,item_id,event,reward,propensity\n"
                           "1,10,100,click,,0.5\n"
                           "1,5,200,click,,\n"
                           "2,7,100,purchase,2.5,\n"
                           "2,8,300,cart,,0.25\n"
                           "1,11,300,click,,\n";

static void test_canonical_with_optional_columns(void **state)
{
    (void)state;
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    assert_orl_ok(orl_dataset_load_csv(ds, write_text("canon.csv", CANON), NULL, &r));
    assert_int_equal(r.rows_read, 5);
    assert_int_equal(r.rows_loaded, 5);
    assert_orl_ok(orl_dataset_finalize(ds));
    /* session 1 starts at t=5, session 2 at t=7 */
    assert_int_equal(ds->ev_time[0], 5);
    assert_int_equal(ds->n_sessions, 2);
    orl_batch b;
    assert_orl_ok(orl_batch_init(&b, 5, 10));
    uint64_t ids[] = {0, 1, 2, 3, 4};
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, 5, &b));
    assert_float_equal(b.propensities[1], 0.5f, 1e-6); /* 1,10,100 */
    assert_float_equal(b.rewards[3], 2.5f, 1e-6);      /* explicit reward wins */
    assert_int_equal(b.is_purchase[4], 1);             /* cart counts as purchase */
    assert_float_equal(b.rewards[4], 1.0f, 1e-6);
    orl_batch_free(&b);
    orl_dataset_free(ds);
}

static void test_bom_crlf_quotes_gzip_and_datetimes(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF"
                       "sess;\"the time\";item;what\r\n"
                       "\"a;b\";2019-10-01 00:00:01 UTC;\"x\"\"y\";view\r\n"
                       "\"a;b\";2019-10-01T00:00:00Z;i2;view\r\n"
                       "\"a;b\";2019-10-01 00:00:00.500+00:00;i3;\"view\"\r\n";
    orl_csv_params p;
    orl_csv_params_init(&p);
    p.delimiter = 0; /* guessed: ';' */
    p.session_col = "sess";
    p.time_col = "the time";
    p.item_col = "item";
    p.event_col = "what";
    p.reward_col = NULL;
    p.propensity_col = NULL;
    for (int gz = 0; gz < 2; gz++) {
        orl_dataset *ds = new_ds();
        const char *path = gz ? write_gz("fancy.csv.gz", text) : write_text("fancy.csv", text);
        assert_orl_ok(orl_dataset_load_csv(ds, path, &p, NULL));
        assert_orl_ok(orl_dataset_finalize(ds));
        assert_int_equal(ds->n, 3);
        assert_int_equal(ds->ev_time[0], 1569888000000LL); /* 2019-10-01 00:00:00 UTC in ms */
        assert_int_equal(ds->ev_time[1], 1569888000500LL);
        assert_int_equal(ds->ev_time[2], 1569888001000LL);
        int32_t id;
        assert_orl_ok(orl_dataset_item_id_str(ds, "x\"y", &id));
        assert_int_equal(ds->ev_item[2], id);
        assert_int_equal(ds->sessions.count, 1); /* "a;b" is one quoted key */
        orl_dataset_free(ds);
    }
}

static void test_event_mapping_unknown_types_skip_or_fail(void **state)
{
    (void)state;
    const char *text = "session_id,timestamp,item_id,event\n"
                       "1,1,1,view\n1,2,2,transaction\n1,3,3,interaction item image\n";
    const char *path = write_text("map.csv", text);
    orl_csv_params p;
    orl_csv_params_init(&p);
    p.event_map = "view=click,interaction item*=click";
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    assert_orl_ok(orl_dataset_load_csv(ds, path, &p, &r));
    assert_int_equal(r.rows_loaded, 2);
    assert_int_equal(r.rows_unknown_event, 1);
    p.unknown_events = ORL_UNKNOWN_ERROR;
    assert_int_equal(orl_dataset_load_csv(ds, path, &p, &r), ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "map.csv:3: column 4 (event): unknown event type "
                                             "'transaction'"));
    assert_int_equal(ds->n, 2); /* the failed file added nothing */
    orl_dataset_free(ds);
}

/* Each malformed input: strict fails with a precise message and keeps nothing;
 * lenient skips and counts. */
static void test_malformed_rows_strict_and_lenient(void **state)
{
    (void)state;
    struct {
        const char *name, *row, *msg;
    } cases[] = {
        {"bad_time.csv", "9,abc,5,click,,\n", ":3: column 2 (timestamp): expected an integer"},
        {"few_cols.csv", "9,3\n", ":3: 2 fields, but the header has 6"},
        {"empty_key.csv", "9,3,,click,,\n", ":3: column 3 (item_id): expected a non-empty key"},
        {"quote.csv", "9,3,\"5,click,,\n", "unterminated quoted field"},
        {"after_quote.csv", "9,3,\"5\"x,click,,\n", "expected a separator after the closing quote"},
        {"bad_reward.csv", "9,3,5,click,inf,\n", ":3: column 5 (reward): expected a finite"},
        {"bad_prop.csv", "9,3,5,click,,1.5\n", ":3: column 6 (propensity): expected a propensity"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char text[256];
        snprintf(text, sizeof text,
                 "session_id,timestamp,item_id,event,reward,propensity\n1,1,1,click,,\n%s"
                 "2,2,2,click,,\n",
                 cases[c].row);
        const char *path = write_text(cases[c].name, text);
        orl_dataset *ds = new_ds();
        int32_t code;
        assert_orl_ok(orl_dataset_event_type(ds, "click", &code));
        int64_t one = 77;
        assert_orl_ok(orl_dataset_add_events_i64(ds, 1, &one, &one, &one, &code, NULL, NULL));
        orl_load_report r = report();
        assert_int_equal(orl_dataset_load_csv(ds, path, NULL, &r), ORL_E_PARSE);
        if (!strstr(orl_last_error(), cases[c].msg))
            print_error("case %s: message '%s'\n", cases[c].name, orl_last_error());
        assert_non_null(strstr(orl_last_error(), cases[c].msg));
        assert_non_null(strstr(orl_last_error(), cases[c].name));
        assert_int_equal(r.rows_malformed, 1);
        /* nothing of the file was kept: only the event appended before */
        assert_int_equal(ds->n, 1);
        assert_int_equal(ds->items.count, 1);
        assert_int_equal(ds->sessions.count, 1);
        assert_int_equal(ds->types.count, 1);
        orl_csv_params p;
        orl_csv_params_init(&p);
        p.strict = 0;
        r = report();
        assert_orl_ok(orl_dataset_load_csv(ds, path, &p, &r));
        /* an unterminated quote runs to the end of the file (RFC 4180): one record */
        int swallowed = strcmp(cases[c].name, "quote.csv") == 0;
        assert_int_equal(r.rows_read, 3 - swallowed);
        assert_int_equal(r.rows_loaded, 2 - swallowed);
        assert_int_equal(r.rows_malformed, 1);
        assert_int_equal(r.first_error_line, 3);
        assert_non_null(strstr(r.first_error, cases[c].msg));
        assert_int_equal(ds->n, 3 - swallowed);
        assert_orl_ok(orl_dataset_finalize(ds));
        orl_dataset_free(ds);
    }
}

static void test_embedded_nul_absurd_lengths_empty_and_missing(void **state)
{
    (void)state;
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    /* embedded NUL */
    const char nul[] = "session_id,timestamp,item_id,event\n1,1,a\0b,click\n";
    assert_int_equal(orl_dataset_load_csv(ds, write_file("nul.csv", nul, sizeof nul - 1), NULL, &r),
                     ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "nul.csv:2: column 3: embedded NUL byte"));
    /* a 5000-byte key */
    static char big[6000 + 2 * 1024 * 1024];
    strcpy(big, "session_id,timestamp,item_id,event\n1,1,");
    size_t o = strlen(big);
    memset(big + o, 'k', 5000);
    strcpy(big + o + 5000, ",click\n");
    assert_int_equal(orl_dataset_load_csv(ds, write_text("long_key.csv", big), NULL, &r),
                     ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "expected a key of at most 4096 bytes (got 5000)"));
    /* a 2 MiB line */
    memset(big + o, 'k', 2 * 1024 * 1024);
    strcpy(big + o + 2 * 1024 * 1024, ",click\n2,2,2,click\n");
    assert_int_equal(orl_dataset_load_csv(ds, write_text("long_line.csv", big), NULL, &r),
                     ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "long_line.csv:2: line longer than"));
    orl_csv_params lp;
    orl_csv_params_init(&lp);
    lp.strict = 0;
    r = report();
    assert_orl_ok(orl_dataset_load_csv(ds, write_text("long_line.csv", big), &lp, &r));
    assert_int_equal(r.rows_malformed, 1);
    assert_int_equal(r.rows_loaded, 1);
    assert_int_equal(ds->n, 1);
    /* empty file, header only, missing column, missing file */
    assert_int_equal(orl_dataset_load_csv(ds, write_text("empty.csv", ""), NULL, &r), ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "empty file"));
    assert_orl_ok(orl_dataset_load_csv(
        ds, write_text("header_only.csv", "session_id,timestamp,item_id,event\n"), NULL, &r));
    assert_int_equal(r.rows_read, 0);
    assert_int_equal(
        orl_dataset_load_csv(
            ds, write_text("no_item.csv", "session_id,timestamp,event\n1,1,click\n"), NULL, &r),
        ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "item column 'item_id' not found in the header"));
    char missing[512];
    orl_test_tmp_path("does_not_exist.csv", missing, sizeof missing);
    assert_int_equal(orl_dataset_load_csv(ds, missing, NULL, &r), ORL_E_NOT_FOUND);
    assert_int_equal(ds->n, 1);
    orl_dataset_free(ds);
}

static void test_truncated_gzip(void **state)
{
    (void)state;
    char text[40000];
    size_t o = (size_t)snprintf(text, sizeof text, "session_id,timestamp,item_id,event\n");
    for (int i = 0; o < sizeof text - 64; i++)
        o += (size_t)snprintf(text + o, sizeof text - o, "%d,%d,%d,click\n", i % 97, i, i * 7919);
    const char *gz = write_gz("trunc_src.csv.gz", text);
    FILE *f = fopen(gz, "rb");
    assert_non_null(f);
    static unsigned char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const char *cut = write_file("trunc.csv.gz", buf, n / 2);
    orl_dataset *ds = new_ds();
    assert_int_equal(orl_dataset_load_csv(ds, cut, NULL, NULL), ORL_E_TRUNCATED);
    assert_non_null(strstr(orl_last_error(), "truncated"));
    assert_int_equal(ds->n, 0);
    assert_int_equal(ds->sessions.count, 0);
    orl_dataset_free(ds);
}

static void test_jsonl_bad_lines(void **state)
{
    (void)state;
    const char *text =
        "{\"session\":1,\"events\":[{\"aid\":5,\"ts\":1,\"type\":\"clicks\"},"
        "{\"aid\":6,\"ts\":2,\"type\":\"orders\",\"extra\":[1,{\"a\":null}]}]}\n"
        "{\"session\":2,\"events\":[{\"aid\":5,\"ts\":\"x\",\"type\":\"clicks\"}]}\n"
        "{\"session\":3,\"events\":[{\"aid\":7,\"ts\":3,\"type\":\"carts\"}]\n"
        "{\"session\":\"u-4\",\"events\":[{\"aid\":\"z\",\"ts\":4,\"type\":\"clicks\"}]}\n";
    const char *path = write_text("otto_bad.jsonl", text);
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    assert_int_equal(orl_dataset_load_jsonl(ds, path, 1, &r), ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "otto_bad.jsonl:2: column"));
    assert_non_null(strstr(orl_last_error(), "expected a value"));
    assert_int_equal(ds->n, 0);
    assert_int_equal(ds->types.count, 0);
    r = report();
    assert_orl_ok(orl_dataset_load_jsonl(ds, path, 0, &r));
    assert_int_equal(r.rows_malformed, 2);
    assert_int_equal(r.first_error_line, 2);
    assert_int_equal(r.rows_loaded, 3);
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(ds->n_sessions, 2);
    int32_t id;
    assert_orl_ok(orl_dataset_item_id_str(ds, "z", &id));
    assert_int_equal(orl_dataset_load_jsonl(ds, path, 0, &r), ORL_E_STATE);
    orl_dataset_free(ds);
    ds = new_ds();
    assert_int_equal(orl_dataset_load_jsonl(ds, write_text("empty.jsonl", "\n"), 1, NULL),
                     ORL_E_PARSE);
    orl_dataset_free(ds);
}

/* Sessions that appear with no events (the fuzzer's find: more raw sessions
 * than events overran finalize's scratch) finalize to the sessions that have
 * events, and all-empty input to an empty dataset. */
static void test_jsonl_sessions_without_events(void **state)
{
    (void)state;
    const char *text = "{\"session\":7,\"events\":[]}\n"
                       "{\"session\":8,\"events\":[]}\n"
                       "{\"session\":9,\"events\":[{\"aid\":5,\"ts\":1,\"type\":\"clicks\"},"
                       "{\"aid\":6,\"ts\":2,\"type\":\"clicks\"}]}\n";
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    assert_orl_ok(orl_dataset_load_jsonl(ds, write_text("otto_empty_sessions.jsonl", text), 1, &r));
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(ds->n_sessions, 1);
    orl_dataset_free(ds);
    ds = new_ds();
    assert_orl_ok(orl_dataset_load_jsonl(
        ds, write_text("otto_only_empty.jsonl", "{\"session\":7,\"events\":[]}\n"), 1, &r));
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_int_equal(ds->n_sessions, 0);
    orl_dataset_free(ds);
}

static orl_dataset *synthetic(uint32_t sessions)
{
    orl_dataset *ds = new_ds();
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    for (uint32_t s = 0; s < sessions; s++) {
        int64_t sk[5], ik[5], t[5];
        int32_t c[5];
        float pr[5];
        for (int j = 0; j < 5; j++) {
            sk[j] = 1000 + s;
            ik[j] = (s * 7 + j * 3) % 23;
            t[j] = s * 100 + j;
            c[j] = j == 4 ? buy : click;
            pr[j] = j % 2 ? NAN : 0.1f * (float)(j + 1);
        }
        assert_orl_ok(orl_dataset_add_events_i64(ds, 5, sk, ik, t, c, NULL, pr));
    }
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static void test_split_random_and_time(void **state)
{
    (void)state;
    orl_dataset *ds = synthetic(100);
    orl_dataset *tr = NULL, *va = NULL, *te = NULL, *tr2 = NULL;
    assert_orl_ok(orl_dataset_split(ds, NULL, &tr, &va, &te));
    assert_int_equal(tr->n_sessions, 80);
    assert_int_equal(va->n_sessions, 10);
    assert_int_equal(te->n_sessions, 10);
    assert_int_equal(tr->n + va->n + te->n, ds->n);
    assert_int_equal(te->n_items, ds->n_items); /* shared dictionary: same pad id */
    assert_orl_ok(orl_dataset_split(ds, NULL, &tr2, NULL, NULL));
    assert_int_equal(tr2->n, tr->n);
    assert_memory_equal(tr2->sess_key, tr->sess_key, 80 * sizeof(uint32_t));
    int32_t a, b;
    assert_orl_ok(orl_dataset_item_id_i64(ds, 7, &a));
    assert_orl_ok(orl_dataset_item_id_i64(te, 7, &b));
    assert_int_equal(a, b);
    orl_dataset_free(tr);
    orl_dataset_free(va);
    orl_dataset_free(te);
    orl_dataset_free(tr2);
    orl_split_params sp;
    orl_split_params_init(&sp);
    sp.method = ORL_SPLIT_TIME;
    sp.train = 0.5f;
    sp.valid = 0.25f;
    assert_orl_ok(orl_dataset_split(ds, &sp, &tr, NULL, &te));
    assert_int_equal(tr->n_sessions, 50);
    assert_int_equal(te->n_sessions, 25);
    /* the test part holds the latest sessions */
    assert_true(te->ev_time[0] >= 7500);
    assert_true(tr->ev_time[tr->n - 1] < 5000);
    orl_dataset_free(tr);
    orl_dataset_free(te);
    sp.train = 0.9f;
    assert_int_equal(orl_dataset_split(ds, &sp, &tr, NULL, NULL), ORL_E_OUT_OF_RANGE);
    orl_dataset *open = new_ds();
    assert_int_equal(orl_dataset_split(open, NULL, &tr, NULL, NULL), ORL_E_STATE);
    orl_dataset_free(open);
    orl_dataset_free(ds);
}

static void test_binary_roundtrip_and_corruption(void **state)
{
    (void)state;
    orl_dataset *ds = synthetic(50);
    assert_orl_ok(orl_dataset_set_event_reward(ds, "click", 0.3f));
    char path[512];
    orl_test_tmp_path("ds.orld", path, sizeof path);
    assert_orl_ok(orl_dataset_save(ds, path));
    orl_dataset *back = NULL;
    assert_orl_ok(orl_dataset_load(path, &back));
    assert_int_equal(back->n, ds->n);
    assert_int_equal(back->n_items, ds->n_items);
    orl_batch b1, b2;
    assert_orl_ok(orl_batch_init(&b1, 250, 10));
    assert_orl_ok(orl_batch_init(&b2, 250, 10));
    uint64_t ids[250];
    for (int i = 0; i < 250; i++) ids[i] = (uint64_t)i;
    assert_orl_ok(orl_dataset_fill_batch(ds, ids, 250, &b1));
    assert_orl_ok(orl_dataset_fill_batch(back, ids, 250, &b2));
    assert_memory_equal(b1.states, b2.states, 250 * 10 * sizeof(int32_t));
    assert_memory_equal(b1.rewards, b2.rewards, 250 * sizeof(float));
    assert_memory_equal(b1.done, b2.done, 250);
    for (int i = 0; i < 250; i++)
        assert_true(isnan(b1.propensities[i]) ? isnan(b2.propensities[i])
                                              : b1.propensities[i] == b2.propensities[i]);
    char key[32];
    size_t kl;
    assert_orl_ok(orl_dataset_item_key(back, 3, key, sizeof key, &kl));
    int32_t id;
    assert_orl_ok(orl_dataset_item_id_str(back, key, &id));
    assert_int_equal(id, 3);
    orl_batch_free(&b1);
    orl_batch_free(&b2);
    orl_dataset *parts = NULL;
    assert_orl_ok(orl_dataset_split(back, NULL, &parts, NULL, NULL)); /* works on a mapping */
    orl_dataset_free(parts);
    orl_dataset_free(back);

    FILE *f = fopen(path, "rb");
    static unsigned char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 1000);
    struct {
        const char *name;
        size_t len;
        long flip; /* byte to change, or -1 */
        int status;
    } cases[] = {
        {"trunc_half.orld", n / 2, -1, ORL_E_TRUNCATED},
        {"trunc_header.orld", 100, -1, ORL_E_TRUNCATED},
        {"empty.orld", 0, -1, ORL_E_TRUNCATED},
        {"flip_data.orld", n, (long)n / 2, ORL_E_CHECKSUM},
        {"flip_crc.orld", n, (long)n - 1, ORL_E_CHECKSUM},
        {"magic.orld", n, 0, ORL_E_FORMAT},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        static unsigned char copy[1 << 16];
        memcpy(copy, buf, n);
        if (cases[c].flip >= 0) copy[cases[c].flip] ^= 0x5a;
        orl_dataset *x = NULL;
        assert_int_equal(orl_dataset_load(write_file(cases[c].name, copy, cases[c].len), &x),
                         cases[c].status);
        assert_null(x);
    }
    /* a future version with a valid checksum */
    static unsigned char v2[1 << 16];
    memcpy(v2, buf, n);
    v2[8] = 2;
    uint32_t crc = (uint32_t)crc32(crc32(0, NULL, 0), v2, (uInt)(n - 4));
    memcpy(v2 + n - 4, &crc, 4);
    orl_dataset *x = NULL;
    assert_int_equal(orl_dataset_load(write_file("v2.orld", v2, n), &x), ORL_E_VERSION);
    /* a consistent checksum over an item id out of range: caught by validation */
    memcpy(v2, buf, n);
    uint64_t item_off;
    memcpy(&item_off, v2 + 80, 8); /* sec[0].offset (dsfile.h header layout) */
    int32_t badid = 1 << 20;
    memcpy(v2 + item_off, &badid, 4);
    crc = (uint32_t)crc32(crc32(0, NULL, 0), v2, (uInt)(n - 4));
    memcpy(v2 + n - 4, &crc, 4);
    assert_int_equal(orl_dataset_load(write_file("badid.orld", v2, n), &x), ORL_E_FORMAT);
    assert_non_null(strstr(orl_last_error(), "event out of range"));
    orl_dataset_free(ds);
}

/* Every allocation of the loaders and split failed in turn. */
static void test_loaders_survive_allocation_failures(void **state)
{
    (void)state;
    const char *csv = write_text("alloc.csv", CANON);
    const char *jsonl = write_text("alloc.jsonl", "{\"session\":1,\"events\":[{\"aid\":5,"
                                                  "\"ts\":1,\"type\":\"clicks\"}]}\n");
    orl_dataset *src = synthetic(10);
    char bin[512];
    orl_test_tmp_path("alloc.orld", bin, sizeof bin);
    assert_orl_ok(orl_dataset_save(src, bin));
    int64_t base = orl_alloc_live_blocks();
    for (int which = 0; which < 4; which++) {
        int failures = 0;
        for (int64_t n = 0;; n++) {
            orl_dataset *ds = NULL, *out = NULL;
            if (which < 2) assert_orl_ok(orl_dataset_create(NULL, &ds));
            orl_alloc_fail_after(n);
            int s;
            if (which == 0)
                s = orl_dataset_load_csv(ds, csv, NULL, NULL);
            else if (which == 1)
                s = orl_dataset_load_jsonl(ds, jsonl, 1, NULL);
            else if (which == 2)
                s = orl_dataset_load(bin, &out);
            else
                s = orl_dataset_split(src, NULL, &out, NULL, NULL);
            orl_alloc_fail_after(-1);
            if (s == ORL_OK) {
                orl_dataset_free(ds);
                orl_dataset_free(out);
                break;
            }
            assert_int_equal(s, ORL_E_NOMEM);
            assert_null(out);
            if (ds) assert_int_equal(ds->n, 0);
            orl_dataset_free(ds);
            assert_int_equal(orl_alloc_live_blocks(), base);
            failures++;
        }
        assert_true(failures >= 2);
    }
    orl_dataset_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_with_optional_columns),
        cmocka_unit_test(test_bom_crlf_quotes_gzip_and_datetimes),
        cmocka_unit_test(test_event_mapping_unknown_types_skip_or_fail),
        cmocka_unit_test(test_malformed_rows_strict_and_lenient),
        cmocka_unit_test(test_embedded_nul_absurd_lengths_empty_and_missing),
        cmocka_unit_test(test_truncated_gzip),
        cmocka_unit_test(test_jsonl_bad_lines),
        cmocka_unit_test(test_jsonl_sessions_without_events),
        cmocka_unit_test(test_split_random_and_time),
        cmocka_unit_test(test_binary_roundtrip_and_corruption),
        cmocka_unit_test(test_loaders_survive_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
