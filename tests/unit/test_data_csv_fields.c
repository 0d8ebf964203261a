/* Strict means strict (issue 20): a row whose field count differs from the header's fails a
 * strict CSV load (file, line and both counts in the message) and is counted as malformed by a
 * lenient one; the JSON-lines reader refuses repeated keys and bare words in the same way. */
#include <stdio.h>
#include <string.h>

#include "offlinerl/offlinerl.h"
#include "test_support.h"

static const char *write_text(const char *name, const char *text)
{
    static char path[4][512];
    static int k;
    char *p = path[k++ % 4];
    orl_test_tmp_path(name, p, 512);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
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

static uint64_t events(orl_dataset *ds)
{
    orl_dataset_stats st;
    memset(&st, 0, sizeof st);
    st.struct_size = sizeof st;
    assert_orl_ok(orl_dataset_get_stats(ds, &st));
    return st.n_events;
}

/* Line 3 has an extra field, line 5 lacks the last one (both were loaded silently before). */
static const char *RAGGED = "session_id,timestamp,item_id,event,reward,propensity\n"
                            "1,10,5,click,0,0.5\n"
                            "1,11,6,click,0,0.5,surprise\n"
                            "2,12,5,click,1,0.25\n"
                            "2,13,7,purchase,1\n"
                            "3,14,8,click,0,0.5\n";

static void test_strict_rejects_a_row_with_another_field_count(void **state)
{
    (void)state;
    const char *path = write_text("fields_ragged.csv", RAGGED);
    orl_csv_params cp;
    orl_csv_params_init(&cp);
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    assert_int_equal(orl_dataset_load_csv(ds, path, &cp, &r), ORL_E_PARSE);
    const char *msg = orl_last_error();
    assert_non_null(strstr(msg, "fields_ragged.csv:3:"));
    assert_non_null(strstr(msg, "7 fields"));
    assert_non_null(strstr(msg, "the header has 6"));
    assert_int_equal(r.rows_malformed, 1);
    assert_int_equal(r.first_error_line, 3);
    assert_int_equal(events(ds), 0); /* nothing of the file is kept */
    orl_dataset_free(ds);

    /* A short row that still has every mapped column is refused too. */
    ds = new_ds();
    path = write_text("fields_short.csv", "session_id,timestamp,item_id,event,reward,propensity\n"
                                          "1,10,5,click,0,0.5\n"
                                          "1,11,6,click,0\n");
    assert_int_equal(orl_dataset_load_csv(ds, path, &cp, NULL), ORL_E_PARSE);
    assert_non_null(strstr(orl_last_error(), "fields_short.csv:3: 5 fields, but the header has 6"));
    orl_dataset_free(ds);
}

static void test_lenient_counts_such_rows_as_malformed(void **state)
{
    (void)state;
    const char *path = write_text("fields_ragged_lenient.csv", RAGGED);
    orl_csv_params cp;
    orl_csv_params_init(&cp);
    cp.strict = 0;
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    assert_orl_ok(orl_dataset_load_csv(ds, path, &cp, &r));
    assert_int_equal(r.rows_read, 5);
    assert_int_equal(r.rows_malformed, 2);
    assert_int_equal(r.rows_loaded, 3);
    assert_int_equal(r.first_error_line, 3);
    assert_non_null(strstr(r.first_error, "7 fields, but the header has 6"));
    assert_int_equal(events(ds), 3);
    orl_dataset_free(ds);
}

static void test_well_formed_files_still_load(void **state)
{
    (void)state;
    orl_csv_params cp;
    orl_csv_params_init(&cp);
    orl_dataset *ds = new_ds();
    orl_load_report r = report();
    /* Quoted fields with the delimiter inside count as one field; CRLF line ends are fine. */
    const char *path = write_text("fields_ok.csv", "session_id,timestamp,item_id,event\r\n"
                                                   "1,10,\"a,b\",click\r\n"
                                                   "1,11,c,click\r\n");
    assert_orl_ok(orl_dataset_load_csv(ds, path, &cp, &r));
    assert_int_equal(r.rows_loaded, 2);
    assert_int_equal(r.rows_malformed, 0);
    orl_dataset_free(ds);
}

/* The JSON-lines reader: a key given twice (which one wins?) and a bare word where a value
 * belongs were accepted silently; both are malformed lines now. */
static void test_jsonl_refuses_repeated_keys_and_bare_words(void **state)
{
    (void)state;
    static const struct {
        const char *line, *expected;
    } bad[] = {
        {"{\"session\":1,\"session\":2,\"events\":[{\"aid\":5,\"ts\":1,\"type\":\"clicks\"}]}",
         "session and events once"},
        {"{\"session\":1,\"events\":[{\"aid\":5,\"ts\":1,\"type\":\"clicks\"}],"
         "\"events\":[{\"aid\":6,\"ts\":2,\"type\":\"clicks\"}]}",
         "session and events once"},
        {"{\"session\":1,\"events\":[{\"aid\":5,\"aid\":6,\"ts\":1,\"type\":\"clicks\"}]}",
         "aid, ts and type once"},
        {"{\"session\":1,\"events\":[{\"aid\":5,\"ts\":1,\"ts\":2,\"type\":\"clicks\"}]}",
         "aid, ts and type once"},
        {"{\"session\":1,\"extra\":yes,\"events\":[{\"aid\":5,\"ts\":1,\"type\":\"clicks\"}]}",
         "expected a JSON value"},
    };
    const char *good = "{\"session\":9,\"events\":[{\"aid\":5,\"ts\":1,\"type\":\"clicks\","
                       "\"x\":[true,false,null,-1.5e3]}]}\n";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s\n", good, bad[i].line);
        const char *path = write_text("dup_keys.jsonl", text);
        orl_dataset *ds = new_ds();
        orl_load_report r = report();
        assert_int_equal(orl_dataset_load_jsonl(ds, path, 1, &r), ORL_E_PARSE);
        if (!strstr(orl_last_error(), bad[i].expected) ||
            !strstr(orl_last_error(), "dup_keys.jsonl:2:"))
            fail_msg("case %zu: %s", i, orl_last_error());
        assert_int_equal(events(ds), 0);
        r = report();
        assert_orl_ok(orl_dataset_load_jsonl(ds, path, 0, &r));
        assert_int_equal(r.rows_malformed, 1);
        assert_int_equal(r.rows_loaded, 1);
        orl_dataset_free(ds);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict_rejects_a_row_with_another_field_count),
        cmocka_unit_test(test_lenient_counts_such_rows_as_malformed),
        cmocka_unit_test(test_well_formed_files_still_load),
        cmocka_unit_test(test_jsonl_refuses_repeated_keys_and_bare_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
