/* Batch forms of the host API (issue 20, item 7): a batch row is the one-history result bit
 * for bit, for every encoder (orl_model_recommend_batch, orl_model_score_candidates, the
 * scores orl_model_evaluate ranks, orl_model_recommend_batch_excluding); string keys for
 * batch top-K, exclusion and candidates; a dataset's sessions and events read back. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "api/model_impl.h"
#include "core/alloc.h"

enum { N_ITEMS = 40, N_SESS = 150, LEN = 7, N_HIST = 70, K = 8 };

/* Histories of the dataset's sessions (prefixes of varied length, read back with
 * orl_dataset_session_events), concatenated with offsets. */
static size_t histories(const orl_dataset *ds, int64_t *all, size_t *offsets)
{
    uint64_t n = 0;
    assert_orl_ok(orl_dataset_session_count(ds, &n));
    assert_true(n >= N_HIST);
    size_t at = 0;
    for (int h = 0; h < N_HIST; h++) {
        int64_t keys[64];
        size_t len = 0;
        assert_orl_ok(
            orl_dataset_session_events(ds, (uint64_t)h, NULL, NULL, NULL, NULL, NULL, 0, &len));
        assert_true(len <= 64);
        assert_orl_ok(
            orl_dataset_session_events(ds, (uint64_t)h, NULL, keys, NULL, NULL, NULL, 64, &len));
        size_t use = (size_t)h % (len + 1); /* 0 .. len events, the empty history too */
        offsets[h] = at;
        memcpy(all + at, keys, use * sizeof(int64_t));
        at += use;
    }
    offsets[N_HIST] = at;
    return at;
}

static void check_model(const orl_model *m, const orl_dataset *ds, const char *name)
{
    static int64_t all[N_HIST * 64];
    size_t offsets[N_HIST + 1];
    histories(ds, all, offsets);
    int64_t *bi = calloc(N_HIST * K, sizeof *bi);
    float *bs = calloc(N_HIST * K, sizeof *bs);
    assert_orl_ok(orl_model_recommend_batch(m, N_HIST, all, offsets, K, bi, bs));
    /* The same rows through the net's batch scores (orl_model_evaluate's path). */
    const uint32_t T = m->encoder.window, I = m->n_items;
    int32_t *states = calloc((size_t)N_HIST * T, sizeof *states), lens[N_HIST];
    for (int h = 0; h < N_HIST; h++)
        orl_model_history_state(m, all + offsets[h], NULL, offsets[h + 1] - offsets[h],
                                states + (size_t)h * T, lens + h);
    size_t bytes = orl_sl_net_scratch_bytes(m->net, N_HIST);
    void *scratch = orl_aligned_alloc(bytes);
    float *rows = calloc((size_t)N_HIST * I, sizeof *rows);
    assert_orl_ok(orl_sl_net_scores(m->net, states, lens, N_HIST, scratch, bytes, rows));
    /* Exclusions: each history's own items. */
    int64_t *ei = calloc(N_HIST * K, sizeof *ei);
    float *es = calloc(N_HIST * K, sizeof *es);
    size_t counts[N_HIST];
    assert_orl_ok(orl_model_recommend_batch_excluding(m, N_HIST, all, offsets, all, offsets, K, ei,
                                                      es, counts));
    int64_t cands[N_ITEMS];
    for (uint64_t i = 0; i < I; i++) assert_orl_ok(orl_model_item_key(m, i, &cands[i]));
    for (int h = 0; h < N_HIST; h++) {
        const int64_t *hist = all + offsets[h];
        size_t hl = offsets[h + 1] - offsets[h];
        int64_t ids[K];
        float sc[K];
        assert_orl_ok(orl_model_recommend(m, hist, hl, K, ids, sc, NULL));
        if (memcmp(ids, bi + h * K, sizeof ids) || memcmp(sc, bs + h * K, sizeof sc))
            fail_msg("%s: batch row %d differs from orl_model_recommend", name, h);
        /* Every catalogue item as a candidate: the batch row of the net bit for bit. */
        float cs[N_ITEMS];
        assert_orl_ok(orl_model_score_candidates(m, hist, hl, cands, I, cs, NULL, NULL));
        if (memcmp(cs, rows + (size_t)h * I, sizeof(float) * I))
            fail_msg("%s: candidates of history %d differ from the batch scores", name, h);
        for (int j = 0; j < K; j++) {
            uint32_t id = 0;
            assert_true(orl_keymap_find_int(&m->items, ids[j], &id));
            assert_memory_equal(&cs[id], &sc[j], sizeof(float));
        }
        int64_t xi[K];
        float xs[K];
        size_t n = 0;
        assert_orl_ok(orl_model_recommend_excluding(m, hist, hl, hist, hl, K, xi, xs, &n, NULL));
        assert_int_equal(n, counts[h]);
        if (memcmp(xi, ei + h * K, n * sizeof *xi) || memcmp(xs, es + h * K, n * sizeof *xs))
            fail_msg("%s: batch exclusion row %d differs from orl_model_recommend_excluding", name,
                     h);
    }
    free(bi);
    free(bs);
    free(ei);
    free(es);
    free(states);
    free(rows);
    orl_aligned_free(scratch);
}

static void test_batch_rows_equal_single_for_every_encoder(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(N_ITEMS, N_SESS, LEN, 7, 3);
    const char *arch[] = {"gru4rec", "sasrec", "caser", "nextitnet", "gru4rec"};
    const uint32_t dim[] = {32, 32, 32, 32, 64};
    for (int a = 0; a < 5; a++) {
        orl_encoder_params ep;
        orl_encoder_params_init(&ep);
        ep.architecture = arch[a];
        ep.embed_dim = ep.hidden_dim = dim[a];
        orl_encoder *enc = NULL;
        int s = orl_encoder_create(&ep, &enc);
        if (s == ORL_E_UNSUPPORTED) {
            print_message("skipping %s: %s\n", arch[a], orl_last_error());
            continue;
        }
        assert_orl_ok(s);
        orl_model *m = orl_test_train(enc, "sl", 2, 5, ds);
        char name[64];
        snprintf(name, sizeof name, "%s/%u", arch[a], dim[a]);
        check_model(m, ds, name);
        orl_model_free(m);
        orl_encoder_free(enc);
    }
    orl_dataset_free(ds);
}

/* A string-keyed model: the _str forms give what the integer forms give for the same text. */
static void test_string_forms(void **state)
{
    (void)state;
    enum { N = N_SESS * LEN };
    static int64_t ts[N];
    static int32_t code[N];
    static char sb[N][16], ib[N][16];
    static const char *sk[N], *ik[N];
    orl_dataset *ds = NULL;
    int32_t click;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    for (int e = 0; e < N; e++) {
        int s = e / LEN, t = e % LEN;
        snprintf(sb[e], sizeof sb[e], "u%d", s);
        snprintf(ib[e], sizeof ib[e], "sku-%d", (s + 3 * t) % N_ITEMS);
        sk[e] = sb[e];
        ik[e] = ib[e];
        ts[e] = t;
        code[e] = click;
    }
    assert_orl_ok(orl_dataset_add_events_str(ds, N, sk, ik, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_encoder *enc = orl_test_encoder(NULL, 16);
    orl_model *m = orl_test_train(enc, "sl", 1, 2, ds);
    /* Histories: the first events of each session, as text. */
    enum { H = 66 };
    const char *hist[H * 3];
    size_t off[H + 1];
    for (int h = 0; h < H; h++) {
        off[h] = (size_t)h * 3;
        for (int j = 0; j < 3; j++) hist[h * 3 + j] = ik[h * LEN + j];
    }
    off[H] = H * 3;
    const char **bi = calloc(H * K, sizeof *bi);
    float *bs = calloc(H * K, sizeof *bs);
    assert_orl_ok(orl_model_recommend_batch_str(m, H, hist, off, K, bi, bs));
    const char **ei = calloc(H * K, sizeof *ei);
    float *es = calloc(H * K, sizeof *es);
    size_t counts[H];
    assert_orl_ok(
        orl_model_recommend_batch_excluding_str(m, H, hist, off, hist, off, K, ei, es, counts));
    for (int h = 0; h < H; h++) {
        const char *ids[K];
        float sc[K];
        assert_orl_ok(orl_model_recommend_str(m, hist + off[h], 3, K, ids, sc, NULL));
        for (int j = 0; j < K; j++) assert_string_equal(ids[j], bi[h * K + j]);
        assert_memory_equal(sc, bs + h * K, sizeof sc);
        /* Candidates by text: the recommended items' scores, bit for bit; unknown ones -inf. */
        const char *cand[K + 2];
        memcpy(cand, ids, sizeof ids);
        cand[K] = "no-such-sku";
        cand[K + 1] = NULL;
        float cs[K + 2];
        size_t unknown = 0, skipped = 9;
        assert_orl_ok(orl_model_score_candidates_str(m, hist + off[h], 3, cand, K + 2, cs, &skipped,
                                                     &unknown));
        assert_memory_equal(cs, sc, sizeof sc);
        assert_true(isinf(cs[K]) && cs[K] < 0 && isinf(cs[K + 1]));
        assert_int_equal(unknown, 2);
        assert_int_equal(skipped, 0);
        /* Exclusion: none of the history's items, the rest in order. */
        assert_int_equal(counts[h], K);
        for (size_t j = 0; j < counts[h]; j++)
            for (int x = 0; x < 3; x++) assert_string_not_equal(ei[h * K + j], hist[off[h] + x]);
    }
    /* The integer forms refuse a string-keyed model; an exclusion list is optional. */
    int64_t iout[K];
    size_t cnt = 0;
    const int64_t ih[1] = {1};
    const size_t o1[2] = {0, 1};
    assert_int_equal(
        orl_model_recommend_batch_excluding(m, 1, ih, o1, NULL, NULL, K, iout, NULL, &cnt),
        ORL_E_INVALID_ARGUMENT);
    assert_orl_ok(
        orl_model_recommend_batch_excluding_str(m, 1, hist, o1, NULL, NULL, K, ei, NULL, counts));
    assert_int_equal(counts[0], K);
    /* Decreasing offsets and a k too large are refused with a message. */
    const size_t bad[3] = {0, 3, 1};
    assert_int_equal(orl_model_recommend_batch_str(m, 2, hist, bad, K, bi, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "offsets"));
    assert_int_equal(orl_model_recommend_batch_str(m, 1, hist, o1, N_ITEMS + 1, bi, NULL),
                     ORL_E_OUT_OF_RANGE);
    free(bi);
    free(bs);
    free(ei);
    free(es);
    orl_model_free(m);
    orl_encoder_free(enc);
    /* String item keys cannot be read as integers; ids and orl_dataset_item_key can. */
    size_t len = 0;
    int64_t keys[LEN];
    assert_int_equal(orl_dataset_session_events(ds, 0, NULL, keys, NULL, NULL, NULL, LEN, &len),
                     ORL_E_INVALID_ARGUMENT);
    int32_t ids[LEN];
    assert_orl_ok(orl_dataset_session_events(ds, 0, ids, NULL, NULL, NULL, NULL, LEN, &len));
    char text[32];
    size_t tl = 0;
    assert_orl_ok(orl_dataset_item_key(ds, ids[0], text, sizeof text, &tl));
    assert_string_equal(text, "sku-0");
    assert_orl_ok(orl_dataset_session_key(ds, 0, text, sizeof text, &tl));
    assert_int_equal(tl, strlen(text) + 1);
    assert_true(text[0] == 'u');
    orl_dataset_free(ds);
}

static void test_dataset_sessions_read_back(void **state)
{
    (void)state;
    orl_dataset *open = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &open));
    const int64_t sess[5] = {7, 7, 9, 7, 9}, item[5] = {10, 11, 12, 13, 10};
    const int64_t ts[5] = {3, 1, 5, 2, 4};
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(open, "click", &click));
    assert_orl_ok(orl_dataset_event_type(open, "purchase", &buy));
    const int32_t code[5] = {click, click, buy, buy, click};
    const float reward[5] = {NAN, 0.5f, NAN, NAN, 2.0f};
    uint64_t n = 0;
    size_t len = 0;
    assert_int_equal(orl_dataset_session_count(open, &n), ORL_E_STATE);
    assert_int_equal(orl_dataset_session_events(open, 0, NULL, NULL, NULL, NULL, NULL, 0, &len),
                     ORL_E_STATE);
    assert_orl_ok(orl_dataset_add_events_i64(open, 5, sess, item, ts, code, reward, NULL));
    assert_orl_ok(orl_dataset_finalize(open));
    assert_orl_ok(orl_dataset_session_count(open, &n));
    assert_int_equal(n, 2);
    /* A size query is ORL_OK and leaves the last error alone. */
    assert_int_equal(orl_dataset_session_count(open, NULL), ORL_E_INVALID_ARGUMENT);
    char last[256];
    snprintf(last, sizeof last, "%s", orl_last_error());
    assert_orl_ok(orl_dataset_session_events(open, 0, NULL, NULL, NULL, NULL, NULL, 0, &len));
    assert_int_equal(len, 3);
    assert_string_equal(orl_last_error(), last);
    /* Session 0 (key 7) in time order: items 11, 13, 10 at 1, 2, 3. */
    int32_t ids[3], codes[3];
    int64_t keys[3], times[3];
    float rw[3];
    assert_int_equal(orl_dataset_session_events(open, 0, ids, keys, times, codes, rw, 2, &len),
                     ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, 3);
    assert_orl_ok(orl_dataset_session_events(open, 0, ids, keys, times, codes, rw, 3, &len));
    const int64_t want_keys[3] = {11, 13, 10}, want_times[3] = {1, 2, 3};
    assert_memory_equal(keys, want_keys, sizeof keys);
    assert_memory_equal(times, want_times, sizeof times);
    assert_int_equal(codes[0], click);
    assert_int_equal(codes[1], buy);
    /* Rewards as training sees them: the event's own, else its type's (click 0.2, purchase 1). */
    assert_true(rw[0] == 0.5f && rw[1] == 1.0f && rw[2] == 0.2f);
    for (int j = 0; j < 3; j++) {
        char text[16];
        size_t tl = 0;
        assert_orl_ok(orl_dataset_item_key(open, ids[j], text, sizeof text, &tl));
        assert_int_equal(strtoll(text, NULL, 10), keys[j]);
    }
    char key[8];
    size_t kl = 0;
    assert_orl_ok(orl_dataset_session_key(open, 1, NULL, 0, &kl));
    assert_int_equal(kl, 2);
    assert_orl_ok(orl_dataset_session_key(open, 1, key, sizeof key, &kl));
    assert_string_equal(key, "9");
    assert_int_equal(orl_dataset_session_key(open, 1, key, 1, &kl), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(orl_dataset_session_key(open, 2, key, sizeof key, &kl), ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_dataset_session_events(open, 2, ids, NULL, NULL, NULL, NULL, 3, &len),
                     ORL_E_OUT_OF_RANGE);
    assert_int_equal(orl_dataset_session_events(open, 0, NULL, NULL, NULL, NULL, NULL, 3, &len),
                     ORL_E_INVALID_ARGUMENT);
    orl_dataset_free(open);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_rows_equal_single_for_every_encoder),
        cmocka_unit_test(test_string_forms),
        cmocka_unit_test(test_dataset_sessions_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
