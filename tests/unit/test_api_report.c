/* orl_trainer_write_report: a well-formed self-contained HTML page whose charts have one
 * point per epoch and whose metrics table shows the given result; errors, atomic
 * replacement, allocation failures; the HTML buffer's escaping and number format. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/html_buf.h"
#include "api/trainer_impl.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "test_support.h"

enum { N_ITEMS = 30, N_SESSIONS = 160, SESSION_LEN = 6, EPOCHS = 3 };

static orl_dataset *make_dataset(uint64_t seed)
{
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    enum { N = N_SESSIONS * SESSION_LEN };
    static int64_t sess[N], item[N], ts[N];
    static int32_t code[N];
    orl_rng r;
    orl_rng_init(&r, seed, 0);
    for (int s = 0, e = 0; s < N_SESSIONS; s++) {
        int64_t it = orl_rng_below(&r, N_ITEMS);
        for (int t = 0; t < SESSION_LEN; t++, e++) {
            sess[e] = s;
            item[e] = it;
            ts[e] = t;
            code[e] = (t % 3 == 2) ? buy : click;
            it = (5 * it + 1) % N_ITEMS;
        }
    }
    assert_orl_ok(orl_dataset_add_events_i64(ds, N, sess, item, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static orl_trainer *make_trainer(void)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = EPOCHS;
    tp.batch_size = 32;
    tp.seed = 3;
    tp.threads = 1;
    return orl_test_trainer(&tp, 8);
}

typedef struct fixture {
    orl_dataset *train, *valid, *test;
    orl_trainer *with_valid, *without_valid;
    orl_eval_result result;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->train = make_dataset(1);
    f->valid = make_dataset(2);
    f->test = make_dataset(3);
    f->with_valid = make_trainer();
    assert_orl_ok(orl_trainer_fit(f->with_valid, f->train, f->valid));
    f->without_valid = make_trainer();
    assert_orl_ok(orl_trainer_fit(f->without_valid, f->train, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(f->with_valid, &m));
    f->result.struct_size = sizeof f->result;
    assert_orl_ok(orl_model_evaluate(m, f->test, 1, &f->result));
    orl_model_free(m);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orl_trainer_free(f->with_valid);
    orl_trainer_free(f->without_valid);
    orl_dataset_free(f->train);
    orl_dataset_free(f->valid);
    orl_dataset_free(f->test);
    free(f);
    return 0;
}

static char *read_all(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
    s[n] = '\0';
    fclose(fp);
    return s;
}

/* XML well-formedness as far as the report needs it: balanced, properly nested tags
 * (void elements self-closed), quoted attributes, only known entities. */
static void assert_well_formed(const char *s)
{
    char stack[64][32];
    int depth = 0;
    const char *p = s;
    assert_true(strncmp(p, "<!DOCTYPE html>", 15) == 0);
    p += 15;
    while (*p) {
        if (*p == '&') {
            const char *e = strchr(p, ';');
            assert_non_null(e);
            size_t n = (size_t)(e - p + 1);
            int ok = (n == 5 && !strncmp(p, "&amp;", 5)) || (n == 4 && !strncmp(p, "&lt;", 4)) ||
                     (n == 4 && !strncmp(p, "&gt;", 4)) || (n == 6 && !strncmp(p, "&quot;", 6)) ||
                     (p[1] == '#' && n >= 4 && n <= 8);
            if (!ok) fail_msg("bad entity near '%.20s'", p);
            p = e + 1;
            continue;
        }
        if (*p != '<') {
            assert_true(*p != '>');
            p++;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t nlen = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (nlen == 0 || nlen >= 32) fail_msg("bad tag near '%.30s'", p);
        const char *q = name + nlen;
        /* attributes: name="value" pairs */
        while (*q && *q != '>' && !(q[0] == '/' && q[1] == '>')) {
            if (*q == ' ' || *q == '\n') {
                q++;
                continue;
            }
            size_t an =
                strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
            if (an == 0 || q[an] != '=' || q[an + 1] != '"') fail_msg("bad attribute '%.30s'", q);
            const char *end = strchr(q + an + 2, '"');
            assert_non_null(end);
            assert_null(memchr(q + an + 2, '<', (size_t)(end - q - an - 2)));
            q = end + 1;
        }
        assert_true(*q != '\0');
        int self_closing = *q == '/';
        if (closing) {
            assert_true(depth > 0);
            depth--;
            if (strlen(stack[depth]) != nlen || strncmp(stack[depth], name, nlen) != 0)
                fail_msg("</%.*s> closes <%s>", (int)nlen, name, stack[depth]);
        } else if (!self_closing) {
            assert_true(depth < 64);
            memcpy(stack[depth], name, nlen);
            stack[depth][nlen] = '\0';
            if (!strcmp(stack[depth], "meta") || !strcmp(stack[depth], "br"))
                fail_msg("void element <%s> not self-closed", stack[depth]);
            depth++;
            if (!strcmp(stack[depth - 1], "style")) { /* raw text up to </style> */
                const char *end = strstr(q, "</style>");
                assert_non_null(end);
                q = end - 1;
            }
        }
        p = q + (self_closing ? 2 : 1);
    }
    assert_int_equal(depth, 0);
}

/* Nothing is fetched: no scripts, no links, no external URLs but the SVG namespace. */
static void assert_self_contained(const char *s)
{
    assert_null(strstr(s, "<script"));
    assert_null(strstr(s, "src="));
    assert_null(strstr(s, "href="));
    assert_null(strstr(s, "url("));
    assert_null(strstr(s, "@import"));
    for (const char *p = strstr(s, "http"); p; p = strstr(p + 1, "http"))
        assert_true(strncmp(p, "http://www.w3.org/2000/svg\"", 27) == 0);
}

static size_t count(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
    return n;
}

/* The points attribute of the polyline of series `key` in svg `chart_id`; y values out. */
static int polyline_points(const char *s, const char *chart_id, const char *key, double *ys,
                           int max)
{
    char needle[64];
    snprintf(needle, sizeof needle, "id=\"%s\"", chart_id);
    const char *svg = strstr(s, needle);
    assert_non_null(svg);
    const char *end = strstr(svg, "</svg>");
    snprintf(needle, sizeof needle, "data-series=\"%s\"", key);
    const char *pl = strstr(svg, needle);
    assert_true(pl && pl < end);
    const char *pts = strstr(pl, "points=\"");
    assert_non_null(pts);
    pts += 8;
    int n = 0;
    while (*pts != '"') {
        char *e;
        double x = strtod(pts, &e);
        assert_true(e != pts && *e == ',');
        double y = strtod(e + 1, &e);
        assert_true(x > 0 && y > 0);
        if (n < max) ys[n] = y;
        n++;
        pts = e;
        while (*pts == ' ') pts++;
    }
    return n;
}

static double cell(const char *s, const char *id)
{
    char needle[128];
    snprintf(needle, sizeof needle, "id=\"%s\">", id);
    const char *p = strstr(s, needle);
    if (!p) fail_msg("no cell %s", id);
    return strtod(p + strlen(needle), NULL);
}

static void test_report_with_validation_and_test(void **state)
{
    fixture *f = *state;
    char path[512];
    orl_test_tmp_path("report_full.html", path, sizeof path);
    remove(path);
    assert_orl_ok(orl_trainer_write_report(f->with_valid, &f->result, path));
    char *html = read_all(path);
    assert_non_null(html);
    assert_well_formed(html);
    assert_self_contained(html);
    assert_non_null(strstr(html, "Training report: sl"));
    assert_non_null(strstr(html, orl_version_string()));
    /* Three charts, five series, each polyline with one point per epoch. */
    assert_int_equal(count(html, "<svg "), 3);
    assert_int_equal(count(html, "<polyline "), 5);
    double ys[16];
    assert_int_equal(polyline_points(html, "chart-loss", "loss", ys, 16), EPOCHS);
    double yh[16];
    assert_int_equal(polyline_points(html, "chart-hr10", "click", yh, 16), EPOCHS);
    assert_int_equal(polyline_points(html, "chart-hr10", "purchase", yh, 16), EPOCHS);
    assert_int_equal(polyline_points(html, "chart-ndcg10", "click", yh, 16), EPOCHS);
    assert_int_equal(polyline_points(html, "chart-ndcg10", "purchase", yh, 16), EPOCHS);
    /* A lower loss is drawn higher on the page (larger y): the order must agree. */
    const orl_epoch_record *rec = NULL;
    uint32_t n = 0;
    assert_orl_ok(orl_trainer_history(f->with_valid, &rec, &n));
    assert_int_equal(n, EPOCHS);
    for (int i = 0; i + 1 < EPOCHS; i++)
        assert_true((rec[i].loss > rec[i + 1].loss) == (ys[i] < ys[i + 1]));
    /* HR@10 of clicks per epoch, in order, against the history (same axis: same ordering). */
    polyline_points(html, "chart-hr10", "click", yh, 16);
    for (int i = 0; i + 1 < EPOCHS; i++)
        if (fabs(rec[i].validation.click_hr[1] - rec[i + 1].validation.click_hr[1]) > 1e-3)
            assert_true((rec[i].validation.click_hr[1] > rec[i + 1].validation.click_hr[1]) ==
                        (yh[i] < yh[i + 1]));
    /* The metrics table shows the result given. */
    const orl_eval_result *r = &f->result;
    assert_true(r->click_count > 0 && r->purchase_count > 0);
    assert_int_equal((uint64_t)cell(html, "test-click-count"), r->click_count);
    assert_int_equal((uint64_t)cell(html, "test-purchase-count"), r->purchase_count);
    static const char *ks[3] = {"5", "10", "20"};
    for (int k = 0; k < 3; k++) {
        char id[64];
        snprintf(id, sizeof id, "test-click-hr-%s", ks[k]);
        assert_float_equal(cell(html, id), r->click_hr[k], 5.1e-5);
        snprintf(id, sizeof id, "test-click-ndcg-%s", ks[k]);
        assert_float_equal(cell(html, id), r->click_ndcg[k], 5.1e-5);
        snprintf(id, sizeof id, "test-purchase-hr-%s", ks[k]);
        assert_float_equal(cell(html, id), r->purchase_hr[k], 5.1e-5);
        snprintf(id, sizeof id, "test-purchase-ndcg-%s", ks[k]);
        assert_float_equal(cell(html, id), r->purchase_ndcg[k], 5.1e-5);
    }
    /* The configuration is there as rows. */
    assert_non_null(strstr(html, "settings.batch_size</td><td class=\"l num\">32<"));
    assert_non_null(strstr(html, "encoder.embed_dim</td><td class=\"l num\">8<"));
    free(html);
}

static void test_report_without_validation_or_test(void **state)
{
    fixture *f = *state;
    char path[512];
    orl_test_tmp_path("report_loss_only.html", path, sizeof path);
    assert_orl_ok(orl_trainer_write_report(f->without_valid, NULL, path));
    char *html = read_all(path);
    assert_non_null(html);
    assert_well_formed(html);
    assert_self_contained(html);
    assert_int_equal(count(html, "<svg "), 1);
    double ys[16];
    assert_int_equal(polyline_points(html, "chart-loss", "loss", ys, 16), EPOCHS);
    assert_null(strstr(html, "chart-hr10"));
    assert_null(strstr(html, "test-metrics"));
    assert_non_null(strstr(html, "No validation set was given"));
    assert_non_null(strstr(html, "No test result was given"));
    free(html);
}

static int no_temp_files_left(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int clean = 1;
    for (struct dirent *e; (e = readdir(d));)
        if (strstr(e->d_name, "report") && strstr(e->d_name, ".tmp.")) clean = 0;
    closedir(d);
    return clean;
}

static void test_errors_leave_nothing_behind(void **state)
{
    fixture *f = *state;
    char path[512];
    orl_test_tmp_path("report_err.html", path, sizeof path);
    assert_int_equal(orl_trainer_write_report(NULL, NULL, path), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_trainer_write_report(f->with_valid, NULL, NULL), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_trainer_write_report(f->with_valid, NULL, ""), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(
        orl_trainer_write_report((const orl_trainer *)(const void *)f->train, NULL, path),
        ORL_E_INVALID_ARGUMENT);
    orl_eval_result small = f->result;
    small.struct_size = 8;
    assert_int_equal(orl_trainer_write_report(f->with_valid, &small, path), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "struct_size"));
    /* A trainer that never fitted has nothing to report. */
    orl_trainer *fresh = make_trainer();
    assert_int_equal(orl_trainer_write_report(fresh, NULL, path), ORL_E_STATE);
    orl_trainer_free(fresh);
    /* A missing directory is an I/O error naming the path. */
    char bad[600];
    orl_test_tmp_path("no_such_dir/r.html", bad, sizeof bad);
    assert_int_equal(orl_trainer_write_report(f->with_valid, NULL, bad), ORL_E_IO);
    assert_non_null(strstr(orl_last_error(), "no_such_dir"));
    /* A directory as the destination. */
    char dir[512];
    orl_test_tmp_path("", dir, sizeof dir);
    assert_int_equal(orl_trainer_write_report(f->with_valid, NULL, dir), ORL_E_IO);
    FILE *fp = fopen(path, "r");
    assert_null(fp);
    /* Replacing an existing file: the new report replaces it whole. */
    fp = fopen(path, "w");
    fputs("old content", fp);
    fclose(fp);
    assert_orl_ok(orl_trainer_write_report(f->with_valid, NULL, path));
    char *html = read_all(path);
    assert_true(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    assert_null(strstr(html, "old content"));
    free(html);
    remove(path);
    assert_true(no_temp_files_left(dir));
}

static void test_every_allocation_failure_is_clean(void **state)
{
    fixture *f = *state;
    char path[512];
    orl_test_tmp_path("report_nomem.html", path, sizeof path);
    remove(path);
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_alloc_fail_after(n);
        int s = orl_trainer_write_report(f->with_valid, &f->result, path);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) break;
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(orl_alloc_live_blocks(), base);
        FILE *fp = fopen(path, "r");
        assert_null(fp);
        failures++;
    }
    assert_true(failures >= 3); /* config, scratch, html buffer (and its growth), temp name */
    assert_int_equal(orl_alloc_live_blocks(), base);
    remove(path);
}

static void test_html_buffer_escapes_and_formats(void **state)
{
    (void)state;
    orl_html h = {0};
    orl_html_cstr(&h, "<script>a&b \"c\" 'd'\x01</script>");
    assert_string_equal(h.buf, "&lt;script&gt;a&amp;b &quot;c&quot; &#39;d&#39;&lt;/script&gt;");
    orl_html_free(&h);
    static const struct {
        double v;
        int d;
        const char *s;
    } cases[] = {{0.0, 4, "0.0000"},
                 {1.5, 2, "1.50"},
                 {-1.5, 2, "-1.50"},
                 {-0.00001, 4, "0.0000"},
                 {123456.789, 1, "123456.8"},
                 {0.99996, 4, "1.0000"},
                 {42.0, 0, "42"},
                 {NAN, 3, "n/a"},
                 {INFINITY, 3, "n/a"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orl_html_fixed(&h, cases[i].v, cases[i].d);
        assert_string_equal(h.buf, cases[i].s);
        h.len = 0;
    }
    orl_html_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_with_validation_and_test),
        cmocka_unit_test(test_report_without_validation_or_test),
        cmocka_unit_test(test_errors_leave_nothing_behind),
        cmocka_unit_test(test_every_allocation_failure_is_clean),
        cmocka_unit_test(test_html_buffer_escapes_and_formats),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
