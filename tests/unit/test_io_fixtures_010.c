/* Files written by 0.1.0 load in every later version and score bit-identically.
 *
 * tests/fixtures holds a dataset file and two model files written by the 0.1.0 code
 * (tests/fixtures/make_fixtures_010.c, commit 8cadf44), and model_0_1_0_expected.txt with
 * what 0.1.0 computed from them (format: the head of make_fixtures_010.c). This test loads
 * them with the current library and recomputes every recorded figure through the public API:
 * scores must have the same float bits, item ids and counts must be equal. Never regenerate
 * the fixtures: a difference means a later version broke compatibility with 0.1.0 files.
 *
 * The recorded bits come from the AVX-512 kernels (orl_matvec, the GRU cell, kgemm), which
 * every machine of this project has. On a CPU without AVX-512F the fallback kernels sum in
 * another order, so there the test compares scores to a relative 1e-4 instead (and says so).
 *
 * It also checks that a file claiming a newer format version is refused with
 * ORL_E_VERSION and a message naming both versions. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#ifndef ORL_FIXTURE_DIR
#error "ORL_FIXTURE_DIR must name tests/fixtures (tests/CMakeLists.txt)"
#endif

enum { MAX_LINES = 1024, MAX_TOK = 512, MAX_HIST = 64, MAX_HISTS = 16, MAX_CAND = 64 };

typedef struct line {
    int n;
    char *tok[MAX_TOK];
} line;

typedef struct history {
    char name[32];
    size_t len;
    int64_t keys[MAX_HIST];
} history;

static char *text;
static line lines[MAX_LINES];
static int n_lines;
static history hists[MAX_HISTS];
static int n_hists;
static int64_t cands[MAX_CAND];
static int n_cands;
static int exact = 1;  /* compare float bits (AVX-512) or to 1e-4 (other CPUs) */
static int mismatches; /* reported one by one, asserted zero at the end of each test */
static int checked;    /* figures compared, so that an empty parse cannot pass */

static const char *fixture_path(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", ORL_FIXTURE_DIR, name);
    return buf;
}

static void *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s: %s", path, strerror(errno));
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *out_len = (size_t)n;
    return buf;
}

static int64_t to_i64(const char *s)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end) fail_msg("fixture: '%s' is not an integer", s);
    return (int64_t)v;
}

static int find_hist(const char *name)
{
    for (int i = 0; i < n_hists; i++)
        if (strcmp(hists[i].name, name) == 0) return i;
    fail_msg("fixture: no history '%s'", name);
    return -1;
}

/* Read model_0_1_0_expected.txt into whitespace-separated tokens; collect histories and
 * candidates. */
static int setup(void **state)
{
    (void)state;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    exact = __builtin_cpu_supports("avx512f") ? 1 : 0;
#else
    exact = 0;
#endif
    if (!exact)
        printf("NOTE: no AVX-512F on this CPU: scores are compared to a relative 1e-4, not by "
               "their bits\n");
    char path[1024];
    size_t len = 0;
    text = read_all(fixture_path("model_0_1_0_expected.txt", path, sizeof path), &len);
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (l[0] == '#' || l[0] == '\0') continue;
        assert_true(n_lines < MAX_LINES);
        line *ln = &lines[n_lines++];
        char *s2 = NULL;
        for (char *t = strtok_r(l, " \r", &s2); t; t = strtok_r(NULL, " \r", &s2)) {
            assert_true(ln->n < MAX_TOK);
            ln->tok[ln->n++] = t;
        }
        if (strcmp(ln->tok[0], "history") == 0) {
            assert_true(n_hists < MAX_HISTS && ln->n >= 3);
            history *h = &hists[n_hists++];
            snprintf(h->name, sizeof h->name, "%s", ln->tok[1]);
            h->len = (size_t)to_i64(ln->tok[2]);
            assert_true(h->len <= MAX_HIST && ln->n == 3 + (int)h->len);
            for (size_t j = 0; j < h->len; j++) h->keys[j] = to_i64(ln->tok[3 + j]);
        } else if (strcmp(ln->tok[0], "candidates") == 0) {
            n_cands = (int)to_i64(ln->tok[1]);
            assert_true(n_cands <= MAX_CAND && ln->n == 2 + n_cands);
            for (int i = 0; i < n_cands; i++) cands[i] = to_i64(ln->tok[2 + i]);
        }
    }
    /* what the fixture promises to exercise */
    assert_true(n_hists >= 4 && n_cands >= 4);
    static const char *const needed[] = {"empty", "one", "window", "longer"};
    for (int i = 0; i < 4; i++) find_hist(needed[i]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(text);
    return 0;
}

static void mismatch(const char *what, const char *got, const char *want)
{
    print_error("MISMATCH %s: now %s, 0.1.0 wrote %s\n", what, got, want);
    mismatches++;
}

static void expect_i64(const char *what, int64_t got, const char *want)
{
    checked++;
    if (got != to_i64(want)) {
        char g[32];
        snprintf(g, sizeof g, "%lld", (long long)got);
        mismatch(what, g, want);
    }
}

/* A float score: same bits (or, without AVX-512, within a relative 1e-4). */
static void expect_f32(const char *what, float got, const char *want)
{
    checked++;
    char *end = NULL;
    float w = strtof(want, &end);
    if (end == want || *end) fail_msg("fixture: '%s' is not a float", want);
    uint32_t a, b;
    memcpy(&a, &got, 4);
    memcpy(&b, &w, 4);
    int ok = a == b;
    if (!ok && !exact)
        ok = isfinite(w) ? fabsf(got - w) <= 1e-4f * fmaxf(1.0f, fabsf(w)) : got == w;
    if (!ok) {
        char g[48];
        snprintf(g, sizeof g, "%a", (double)got);
        mismatch(what, g, want);
    }
}

/* A double metric: same bits (or, without AVX-512, within 1e-2: a rank may flip). */
static void expect_f64(const char *what, double got, const char *want, double tol);
/* As expect_f64, to tol on every CPU. */
static void expect_near(const char *what, double got, const char *want, double tol)
{
    int keep = exact;
    exact = 0;
    expect_f64(what, got, want, tol);
    exact = keep;
}

static void expect_f64(const char *what, double got, const char *want, double tol)
{
    checked++;
    char *end = NULL;
    double w = strtod(want, &end);
    if (end == want || *end) fail_msg("fixture: '%s' is not a float", want);
    uint64_t a, b;
    memcpy(&a, &got, 8);
    memcpy(&b, &w, 8);
    if (a != b && (exact || !(fabs(got - w) <= tol))) {
        char g[48];
        snprintf(g, sizeof g, "%a", got);
        mismatch(what, g, want);
    }
}

static void expect_str(const char *what, const char *got, const char *want)
{
    checked++;
    if (strcmp(got, want) != 0) mismatch(what, got, want);
}

/* ------------------------------------------------------------------ dataset */

static void test_dataset_fixture_loads(void **state)
{
    (void)state;
    char path[1024];
    orl_dataset *ds = NULL;
    mismatches = checked = 0;
    for (int i = 0; i < n_lines; i++) {
        line *l = &lines[i];
        char what[128];
        if (strcmp(l->tok[0], "dataset") == 0) {
            assert_null(ds);
            assert_orl_ok(orl_dataset_load(fixture_path(l->tok[1], path, sizeof path), &ds));
            continue;
        }
        if (strcmp(l->tok[0], "ds") != 0) continue;
        assert_non_null(ds);
        snprintf(what, sizeof what, "dataset %s %s", l->tok[1], l->n > 2 ? l->tok[2] : "");
        if (strcmp(l->tok[1], "stat") == 0) {
            assert_int_equal(l->n, 4);
            orl_dataset_stats st;
            memset(&st, 0, sizeof st);
            st.struct_size = sizeof st;
            assert_orl_ok(orl_dataset_get_stats(ds, &st));
            const char *k = l->tok[2], *v = l->tok[3];
            if (!strcmp(k, "finalized"))
                expect_i64(what, st.finalized, v);
            else if (!strcmp(k, "n_items"))
                expect_i64(what, st.n_items, v);
            else if (!strcmp(k, "n_event_types"))
                expect_i64(what, st.n_event_types, v);
            else if (!strcmp(k, "window"))
                expect_i64(what, st.window, v);
            else if (!strcmp(k, "n_events"))
                expect_i64(what, (int64_t)st.n_events, v);
            else if (!strcmp(k, "n_sessions"))
                expect_i64(what, (int64_t)st.n_sessions, v);
            else if (!strcmp(k, "n_purchases"))
                expect_i64(what, (int64_t)st.n_purchases, v);
            else if (!strcmp(k, "n_sessions_with_purchase"))
                expect_i64(what, (int64_t)st.n_sessions_with_purchase, v);
            else if (!strcmp(k, "n_with_propensity"))
                expect_i64(what, (int64_t)st.n_with_propensity, v);
            else if (!strcmp(k, "min_session_len"))
                expect_i64(what, (int64_t)st.min_session_len, v);
            else if (!strcmp(k, "max_session_len"))
                expect_i64(what, (int64_t)st.max_session_len, v);
            else if (!strcmp(k, "mean_session_len"))
                expect_f64(what, st.mean_session_len, v, 0);
            else if (!strcmp(k, "time_min"))
                expect_i64(what, st.time_min, v);
            else if (!strcmp(k, "time_max"))
                expect_i64(what, st.time_max, v);
            else
                fail_msg("fixture: unknown dataset stat %s", k);
        } else if (strcmp(l->tok[1], "count_events") == 0) {
            uint64_t n = 0;
            assert_orl_ok(orl_dataset_count_events(ds, l->tok[2], &n));
            expect_i64(what, (int64_t)n, l->tok[3]);
        } else if (strcmp(l->tok[1], "item_key") == 0) {
            char key[256];
            size_t len = 0;
            int32_t id = (int32_t)to_i64(l->tok[2]);
            assert_orl_ok(orl_dataset_item_key(ds, id, key, sizeof key, &len));
            expect_str(what, key, l->tok[3]);
            int32_t back = -1;
            assert_orl_ok(orl_dataset_item_id_str(ds, l->tok[3], &back));
            expect_i64(what, back, l->tok[2]);
        } else if (strcmp(l->tok[1], "histogram") == 0) {
            size_t nb = (size_t)to_i64(l->tok[2]);
            assert_true(nb >= 2 && nb <= 256 && l->n == 3 + (int)nb);
            uint64_t h[256];
            assert_orl_ok(orl_dataset_session_length_histogram(ds, h, nb));
            for (size_t b = 0; b < nb; b++) expect_i64(what, (int64_t)h[b], l->tok[3 + b]);
        } else {
            fail_msg("fixture: unknown dataset line %s", l->tok[1]);
        }
    }
    assert_non_null(ds);
    orl_dataset_free(ds);
    printf("dataset: %d figures compared\n", checked);
    assert_true(checked >= 30);
    assert_int_equal(mismatches, 0);
}

/* ------------------------------------------------------------------- models */

typedef struct scored {
    orl_model *loaded; /* as loaded from the file */
    uint32_t head;     /* the head it scores with */
    orl_model *other;  /* orl_model_with_head() to the other head, or NULL */
    /* Per head: one orl_model_recommend_batch() over all histories, made on the first
     * "batch" line of that head. */
    uint32_t batch_k[2];
    int64_t *bids[2];
    float *bscores[2];
} scored;

static const orl_model *with_head(scored *m, uint32_t head)
{
    if (head == m->head) return m->loaded;
    if (!m->other) assert_orl_ok(orl_model_with_head(m->loaded, head, &m->other));
    uint32_t h = 99;
    assert_orl_ok(orl_model_head(m->other, &h));
    assert_int_equal(h, head);
    return m->other;
}

static void info_value(const char *json, const char *key, char *val, size_t val_len)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p) fail_msg("no %s in the model info %s", key, json);
    p += strlen(pat);
    if (*p == '"') p++;
    size_t n = strcspn(p, "\",}");
    assert_true(n < val_len);
    memcpy(val, p, n);
    val[n] = '\0';
}

static void check_info(scored *m, line *l, const char *model_name)
{
    char what[128], got[256];
    snprintf(what, sizeof what, "model %s info %s", model_name, l->tok[1]);
    const char *k = l->tok[1];
    if (!strcmp(k, "item_count")) {
        uint64_t n = 0;
        assert_orl_ok(orl_model_item_count(m->loaded, &n));
        expect_i64(what, (int64_t)n, l->tok[2]);
    } else if (!strcmp(k, "head_count")) {
        uint32_t n = 0;
        assert_orl_ok(orl_model_head_count(m->loaded, &n));
        expect_i64(what, n, l->tok[2]);
    } else if (!strcmp(k, "head")) {
        expect_i64(what, m->head, l->tok[2]);
    } else {
        char json[16384];
        size_t len = 0;
        assert_orl_ok(orl_model_info_json(m->loaded, json, sizeof json, &len));
        info_value(json, k, got, sizeof got);
        expect_str(what, got, l->tok[2]);
    }
}

static void check_recommend(scored *m, line *l, const char *model_name)
{
    /* recommend HEAD HIST K SKIPPED id1 s1 .. */
    uint32_t head = (uint32_t)to_i64(l->tok[1]);
    const history *h = &hists[find_hist(l->tok[2])];
    uint32_t k = (uint32_t)to_i64(l->tok[3]);
    assert_true(k >= 1 && l->n == 5 + 2 * (int)k);
    int64_t *ids = calloc(k, sizeof *ids);
    float *scores = calloc(k, sizeof *scores);
    assert_true(ids && scores);
    size_t skipped = 99;
    assert_orl_ok(
        orl_model_recommend(with_head(m, head), h->keys, h->len, k, ids, scores, &skipped));
    char what[160];
    snprintf(what, sizeof what, "model %s head %u recommend %s k=%u skipped", model_name, head,
             h->name, k);
    expect_i64(what, (int64_t)skipped, l->tok[4]);
    for (uint32_t i = 0; i < k; i++) {
        snprintf(what, sizeof what, "model %s head %u recommend %s k=%u rank %u item", model_name,
                 head, h->name, k, i);
        expect_i64(what, ids[i], l->tok[5 + 2 * i]);
        snprintf(what, sizeof what, "model %s head %u recommend %s k=%u rank %u score", model_name,
                 head, h->name, k, i);
        expect_f32(what, scores[i], l->tok[6 + 2 * i]);
    }
    free(ids);
    free(scores);
}

static void check_score(scored *m, line *l, const char *model_name)
{
    /* score HEAD HIST SKIPPED UNKNOWN s1 .. sN */
    uint32_t head = (uint32_t)to_i64(l->tok[1]);
    const history *h = &hists[find_hist(l->tok[2])];
    assert_int_equal(l->n, 5 + n_cands);
    float scores[MAX_CAND];
    size_t skipped = 99, unknown = 99;
    assert_orl_ok(orl_model_score_candidates(with_head(m, head), h->keys, h->len, cands,
                                             (size_t)n_cands, scores, &skipped, &unknown));
    char what[160];
    snprintf(what, sizeof what, "model %s head %u score %s skipped", model_name, head, h->name);
    expect_i64(what, (int64_t)skipped, l->tok[3]);
    snprintf(what, sizeof what, "model %s head %u score %s unknown", model_name, head, h->name);
    expect_i64(what, (int64_t)unknown, l->tok[4]);
    for (int i = 0; i < n_cands; i++) {
        snprintf(what, sizeof what, "model %s head %u score %s candidate %lld", model_name, head,
                 h->name, (long long)cands[i]);
        expect_f32(what, scores[i], l->tok[5 + i]);
    }
}

static void check_batch(scored *m, line *l, const char *model_name)
{
    /* batch HEAD HIST K id1 s1 .. idK sK: row HIST of one call over all histories */
    uint32_t head = (uint32_t)to_i64(l->tok[1]);
    assert_true(head <= 1);
    int hi = find_hist(l->tok[2]);
    uint32_t k = (uint32_t)to_i64(l->tok[3]);
    assert_true(k >= 1 && l->n == 4 + 2 * (int)k);
    if (!m->bids[head]) {
        int64_t all[MAX_HISTS * MAX_HIST];
        size_t offsets[MAX_HISTS + 1] = {0};
        for (int i = 0; i < n_hists; i++) {
            memcpy(all + offsets[i], hists[i].keys, hists[i].len * sizeof(int64_t));
            offsets[i + 1] = offsets[i] + hists[i].len;
        }
        m->batch_k[head] = k;
        m->bids[head] = calloc((size_t)n_hists * k, sizeof(int64_t));
        m->bscores[head] = calloc((size_t)n_hists * k, sizeof(float));
        assert_true(m->bids[head] && m->bscores[head]);
        assert_orl_ok(orl_model_recommend_batch(with_head(m, head), (size_t)n_hists, all, offsets,
                                                k, m->bids[head], m->bscores[head]));
    }
    assert_int_equal(k, m->batch_k[head]);
    /* Since 0.2.0 a batch row is the single-history result bit for bit (issue 20); 0.1.0's
     * batch kernel summed in another order, so its scores are met to 1e-5 relative, and the
     * ranking (the items) exactly. */
    int64_t one_ids[64];
    float one_sc[64];
    assert_true(k <= 64);
    assert_orl_ok(orl_model_recommend(with_head(m, head), hists[hi].keys, hists[hi].len, k, one_ids,
                                      one_sc, NULL));
    assert_memory_equal(one_ids, m->bids[head] + (size_t)hi * k, k * sizeof(int64_t));
    assert_memory_equal(one_sc, m->bscores[head] + (size_t)hi * k, k * sizeof(float));
    char what[160];
    for (uint32_t i = 0; i < k; i++) {
        size_t at = (size_t)hi * k + i;
        snprintf(what, sizeof what, "model %s head %u batch %s rank %u item", model_name, head,
                 hists[hi].name, i);
        expect_i64(what, m->bids[head][at], l->tok[4 + 2 * i]);
        snprintf(what, sizeof what, "model %s head %u batch %s rank %u score", model_name, head,
                 hists[hi].name, i);
        expect_near(what, m->bscores[head][at], l->tok[5 + 2 * i],
                    1e-5 * fmax(1.0, fabs(strtod(l->tok[5 + 2 * i], NULL))));
    }
}

static void check_eval(scored *m, line *l, const char *model_name, const orl_dataset *ds)
{
    /* eval HEAD click_count N purchase_count N unknown_targets N click_hr a a a ... */
    uint32_t head = (uint32_t)to_i64(l->tok[1]);
    assert_int_equal(l->n, 2 + 6 + 4 * 4);
    orl_eval_result r;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    assert_orl_ok(orl_model_evaluate(with_head(m, head), ds, 1, &r));
    char what[160];
    const uint64_t counts[3] = {r.click_count, r.purchase_count, r.unknown_targets};
    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "model %s head %u eval %s", model_name, head,
                 l->tok[2 + 2 * i]);
        expect_i64(what, (int64_t)counts[i], l->tok[3 + 2 * i]);
    }
    const double *vals[4] = {r.click_hr, r.click_ndcg, r.purchase_hr, r.purchase_ndcg};
    for (int g = 0; g < 4; g++) {
        int at = 8 + 4 * g;
        for (int j = 0; j < 3; j++) {
            snprintf(what, sizeof what, "model %s head %u eval %s@%d", model_name, head, l->tok[at],
                     j == 0   ? 5
                     : j == 1 ? 10
                              : 20);
            expect_f64(what, vals[g][j], l->tok[at + 1 + j], 1e-2);
        }
    }
}

/* Every line of the section "model NAME FILE" up to the next "model" line. */
static void check_model(const char *name, const char *algorithm, uint32_t want_heads)
{
    char path[1024];
    mismatches = checked = 0;
    orl_dataset *ds = NULL;
    int at = -1;
    for (int i = 0; i < n_lines; i++) {
        if (strcmp(lines[i].tok[0], "dataset") == 0)
            assert_orl_ok(orl_dataset_load(fixture_path(lines[i].tok[1], path, sizeof path), &ds));
        if (strcmp(lines[i].tok[0], "model") == 0 && strcmp(lines[i].tok[1], name) == 0) at = i;
    }
    assert_non_null(ds);
    if (at < 0) fail_msg("fixture: no model %s", name);

    scored m;
    memset(&m, 0, sizeof m);
    assert_orl_ok(orl_model_load(fixture_path(lines[at].tok[2], path, sizeof path), &m.loaded));
    assert_orl_ok(orl_model_head(m.loaded, &m.head));

    /* What the brief promises, independently of the recorded lines. */
    char json[16384], v[256];
    size_t len = 0;
    assert_orl_ok(orl_model_info_json(m.loaded, json, sizeof json, &len));
    info_value(json, "architecture", v, sizeof v);
    assert_string_equal(v, "gru4rec");
    info_value(json, "algorithm", v, sizeof v);
    assert_string_equal(v, algorithm);
    uint32_t heads = 0;
    assert_orl_ok(orl_model_head_count(m.loaded, &heads));
    assert_int_equal(heads, want_heads);

    int n_rec = 0, n_score = 0, n_batch = 0, n_eval = 0;
    for (int i = at + 1; i < n_lines && strcmp(lines[i].tok[0], "model") != 0; i++) {
        line *l = &lines[i];
        const char *k = l->tok[0];
        if (!strcmp(k, "info"))
            check_info(&m, l, name);
        else if (!strcmp(k, "recommend"))
            check_recommend(&m, l, name), n_rec++;
        else if (!strcmp(k, "score"))
            check_score(&m, l, name), n_score++;
        else if (!strcmp(k, "batch"))
            check_batch(&m, l, name), n_batch++;
        else if (!strcmp(k, "eval"))
            check_eval(&m, l, name, ds), n_eval++;
        else
            fail_msg("fixture: unknown line '%s' in model %s", k, name);
    }
    printf("model %s: %d recommend, %d score, %d batch, %d eval lines; %d figures compared\n", name,
           n_rec, n_score, n_batch, n_eval, checked);
    assert_true(n_rec >= n_hists * (int)heads && n_score >= n_hists * (int)heads);
    assert_true(n_batch >= n_hists * (int)heads && n_eval >= (int)heads);

    for (int h = 0; h < 2; h++) free(m.bids[h]), free(m.bscores[h]);
    orl_model_free(m.other);
    orl_model_free(m.loaded);
    orl_dataset_free(ds);
    assert_int_equal(mismatches, 0);
}

static void test_sl_model_fixture_scores_bit_identically(void **state)
{
    (void)state;
    check_model("sl", "sl", 1);
}

/* Saved scoring with its Q head; its supervised head is checked through orl_model_with_head. */
static void test_sqn_model_fixture_scores_bit_identically(void **state)
{
    (void)state;
    check_model("sqn", "sqn", 2);
}

/* ------------------------------------------------------ newer versions refused */

/* The message names the file's version (999) and another number (the version this library
 * reads); @p path, which may hold digits, is left out of the search. */
static void assert_names_both_versions(const char *msg, const char *path)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", msg);
    if (path && path[0]) {
        size_t pl = strlen(path);
        for (char *p = strstr(buf, path); p; p = strstr(p, path)) memset(p, ' ', pl);
    }
    int found_999 = 0, other = 0;
    for (const char *p = buf; *p;) {
        if (*p >= '0' && *p <= '9') {
            char *end = NULL;
            unsigned long v = strtoul(p, &end, 10);
            if (v == 999)
                found_999 = 1;
            else
                other = 1;
            p = end;
        } else {
            p++;
        }
    }
    if (!found_999 || !other) fail_msg("the message does not name both versions: %s", msg);
}

static void patch_u32(unsigned char *b, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[off + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static const char *write_tmp(const char *name, const void *data, size_t len)
{
    static char p[1024];
    orl_test_tmp_path(name, p, sizeof p);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

/* Model files: container header offset 12 is the model format version, 16 the container
 * version (docs/guides/model_file_format.md). */
static void test_newer_model_version_is_refused(void **state)
{
    (void)state;
    static const char *const files[] = {"model_0_1_0_sl.orl", "model_0_1_0_sqn.orl"};
    static const size_t offsets[] = {12, 16};
    char path[1024];
    for (size_t f = 0; f < 2; f++) {
        size_t len = 0;
        unsigned char *orig = read_all(fixture_path(files[f], path, sizeof path), &len);
        assert_true(len > 64);
        orl_model *m = NULL;
        assert_orl_ok(orl_model_load_buffer(orig, len, &m)); /* the unpatched bytes load */
        orl_model_free(m);
        for (size_t o = 0; o < 2; o++) {
            unsigned char *b = malloc(len);
            assert_non_null(b);
            memcpy(b, orig, len);
            patch_u32(b, offsets[o], 999);
            m = NULL;
            assert_int_equal(orl_model_load_buffer(b, len, &m), ORL_E_VERSION);
            assert_null(m);
            printf("%s, version at offset %zu = 999 (buffer): %s\n", files[f], offsets[o],
                   orl_last_error());
            assert_names_both_versions(orl_last_error(), NULL);
            const char *tmp = write_tmp("fixture_010_newer.orl", b, len);
            assert_int_equal(orl_model_load(tmp, &m), ORL_E_VERSION);
            assert_null(m);
            printf("%s, version at offset %zu = 999 (file): %s\n", files[f], offsets[o],
                   orl_last_error());
            assert_names_both_versions(orl_last_error(), tmp);
            remove(tmp);
            free(b);
        }
        free(orig);
    }
}

/* Dataset files: a u32 version after the 8-byte magic (lib/data/dsfile.c). */
static void test_newer_dataset_version_is_refused(void **state)
{
    (void)state;
    char path[1024];
    size_t len = 0;
    unsigned char *b = read_all(fixture_path("dataset_0_1_0.orld", path, sizeof path), &len);
    assert_true(len > 16);
    patch_u32(b, 8, 999);
    const char *tmp = write_tmp("fixture_010_newer.orld", b, len);
    orl_dataset *ds = NULL;
    assert_int_equal(orl_dataset_load(tmp, &ds), ORL_E_VERSION);
    assert_null(ds);
    printf("dataset, version = 999: %s\n", orl_last_error());
    assert_names_both_versions(orl_last_error(), tmp);
    remove(tmp);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_fixture_loads),
        cmocka_unit_test(test_sl_model_fixture_scores_bit_identically),
        cmocka_unit_test(test_sqn_model_fixture_scores_bit_identically),
        cmocka_unit_test(test_newer_model_version_is_refused),
        cmocka_unit_test(test_newer_dataset_version_is_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
