/* BCQ with a generative model the host trained before
 * (orl_trainer_set_generative_model): an "sl" model as G, a "bcq" trainer
 * that keeps it fixed, and the exported model: constrained scores from two
 * networks, G alone bit for bit as the host's model, a file round trip, the
 * errors, and a G whose encoder differs from Q's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "api/model_impl.h"

enum { I = 40, SESSIONS = 80, LEN = 8, DIM = 16 };

/* Every item's score for history hist[0..n) (keys are 0..I-1). */
static void scores_of(const orl_model *m, const int64_t *hist, size_t n, float *out)
{
    int64_t cand[I];
    for (int i = 0; i < I; i++) cand[i] = i;
    assert_orl_ok(orl_model_score_candidates(m, hist, n, cand, I, out, NULL, NULL));
}

/* A few histories of the chain's items. */
static const int64_t hists[][3] = {{0, 3, 24}, {5, 38, 25}, {11, 1, 10}, {7, 7, 7}, {39, 2, 17}};
enum { N_HISTS = sizeof hists / sizeof hists[0] };

/* 1 when needle occurs in the n bytes of hay. */
static int contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0) return 1;
    return 0;
}

/* The chain's events with every item key moved by 1000: as many items, other keys. */
static orl_dataset *shifted_dataset(void)
{
    enum { N = SESSIONS * LEN };
    int64_t sess[N], item[N], ts[N];
    int32_t code[N];
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    size_t e = 0;
    for (int s = 0; s < SESSIONS; s++)
        for (int t = 0, it = s % I; t < LEN; t++, e++, it = (it * 7 + 3) % I) {
            sess[e] = s;
            item[e] = 1000 + it;
            ts[e] = t;
            code[e] = click;
        }
    assert_orl_ok(orl_dataset_add_events_i64(ds, N, sess, item, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    return ds;
}

static void assert_same_scores(const orl_model *a, const orl_model *b)
{
    float sa[I], sb[I];
    for (int h = 0; h < N_HISTS; h++)
        for (size_t n = 1; n <= 3; n++) {
            scores_of(a, hists[h], n, sa);
            scores_of(b, hists[h], n, sb);
            assert_memory_equal(sa, sb, sizeof sa);
        }
}

static orl_trainer *bcq_trainer(const orl_encoder *enc)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "bcq";
    tp.epochs = 2;
    tp.seed = 3;
    tp.threads = 2;
    tp.batch_size = 64;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    assert_orl_ok(orl_trainer_set_float(t, "target_update", 5));
    return t;
}

/* bcq with G = g (freed by the caller right after the call, as a host may). */
static orl_model *train_bcq(const orl_encoder *enc, const orl_model *g, const orl_dataset *ds)
{
    orl_model *copy = NULL;
    assert_orl_ok(orl_model_with_head(g, ORL_HEAD_SUPERVISED, &copy));
    orl_trainer *t = bcq_trainer(enc);
    assert_orl_ok(orl_trainer_set_generative_model(t, copy));
    orl_model_free(copy);
    char cfg[4096];
    size_t len = 0;
    assert_orl_ok(orl_trainer_config_json(t, cfg, sizeof cfg, &len));
    assert_non_null(strstr(cfg, "\"generative\":\"external\""));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    orl_trainer_free(t);
    return m;
}

/* The model's scores are the constrained rule over G's and Q's own scores:
 * the items G allows score their Q, the rest rank below all of them, in G's order. */
static void assert_constrained(const orl_model *m, const orl_model *g)
{
    orl_model *q = NULL;
    assert_orl_ok(orl_model_with_head(m, ORL_HEAD_Q, &q));
    const double bar = log((double)m->bcq_threshold);
    float s[I], z[I], qs[I];
    for (int h = 0; h < N_HISTS; h++) {
        scores_of(m, hists[h], 3, s);
        scores_of(g, hists[h], 3, z);
        scores_of(q, hists[h], 3, qs);
        float zmax = -INFINITY, lo_allowed = INFINITY;
        for (int i = 0; i < I; i++) zmax = z[i] > zmax ? z[i] : zmax;
        int n_allowed = 0;
        for (int i = 0; i < I; i++)
            if ((double)(z[i] - zmax) > bar) {
                assert_float_equal(s[i], qs[i], 1e-5f * (1.0f + fabsf(qs[i])));
                lo_allowed = s[i] < lo_allowed ? s[i] : lo_allowed;
                n_allowed++;
            }
        assert_true(n_allowed >= 1);
        for (int i = 0; i < I; i++) {
            if ((double)(z[i] - zmax) > bar) continue;
            assert_true(s[i] < lo_allowed);
            for (int j = 0; j < I; j++) /* the rest in G's order */
                if ((double)(z[j] - zmax) <= bar && z[j] < z[i]) assert_true(s[j] < s[i]);
        }
    }
    orl_model_free(q);
}

static void test_bcq_keeps_the_host_g_fixed_and_scores_constrained(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(I, SESSIONS, LEN, 7, 3);
    orl_encoder *enc = orl_test_encoder(NULL, DIM);
    orl_model *g = orl_test_train(enc, "sl", 2, 1, ds);
    orl_model *m = train_bcq(enc, g, ds);

    uint32_t head = 99, heads = 0;
    assert_orl_ok(orl_model_head(m, &head));
    assert_int_equal(head, ORL_HEAD_CONSTRAINED);
    assert_orl_ok(orl_model_head_count(m, &heads));
    assert_int_equal(heads, 2);
    assert_non_null(m->g_net);
    char info[8192];
    size_t len = 0;
    assert_orl_ok(orl_model_info_json(m, info, sizeof info, &len));
    assert_non_null(strstr(info, "\"generative\":\"external\""));

    /* G alone: the host's model, weights and scores bit for bit (never trained). */
    orl_model *sup = NULL;
    assert_orl_ok(orl_model_with_head(m, ORL_HEAD_SUPERVISED, &sup));
    const orl_params *a = orl_sl_net_params_const(sup->net), *b = orl_sl_net_params_const(g->net);
    assert_int_equal(a->count, b->count);
    assert_memory_equal(a->value, b->value, sizeof(float) * a->count);
    assert_same_scores(sup, g);
    assert_constrained(m, g);

    /* Q alone keeps G, so the constrained rule comes back bit for bit. */
    orl_model *q = NULL, *back = NULL;
    assert_orl_ok(orl_model_with_head(m, ORL_HEAD_Q, &q));
    assert_orl_ok(orl_model_head(q, &head));
    assert_int_equal(head, ORL_HEAD_Q);
    assert_orl_ok(orl_model_with_head(q, ORL_HEAD_CONSTRAINED, &back));
    assert_same_scores(back, m);

    /* Top-K ranks by the same rule. */
    int64_t ids[5];
    float top[5], all[I];
    assert_orl_ok(orl_model_recommend(m, hists[0], 3, 5, ids, top, NULL));
    scores_of(m, hists[0], 3, all);
    for (int k = 0; k < 5; k++) assert_memory_equal(&top[k], &all[ids[k]], sizeof(float));

    orl_model_free(back);
    orl_model_free(q);
    orl_model_free(sup);
    orl_model_free(m);
    orl_model_free(g);
    orl_encoder_free(enc);
    orl_dataset_free(ds);
}

static void test_file_round_trip(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(I, SESSIONS, LEN, 7, 3);
    orl_encoder *enc = orl_test_encoder(NULL, DIM);
    orl_model *g = orl_test_train(enc, "sl", 1, 2, ds);
    orl_model *m = train_bcq(enc, g, ds);
    size_t n = 0;
    assert_orl_ok(orl_model_save_buffer(m, NULL, 0, &n));
    char *buf = malloc(n), *buf2 = malloc(n);
    assert_orl_ok(orl_model_save_buffer(m, buf, n, &n));
    orl_model *r = NULL;
    assert_orl_ok(orl_model_load_buffer(buf, n, &r));
    assert_same_scores(r, m);
    uint32_t head = 99;
    assert_orl_ok(orl_model_head(r, &head));
    assert_int_equal(head, ORL_HEAD_CONSTRAINED);
    orl_model *sup = NULL;
    assert_orl_ok(orl_model_with_head(r, ORL_HEAD_SUPERVISED, &sup));
    assert_same_scores(sup, g);
    /* Saved again, the same bytes. */
    size_t n2 = 0;
    assert_orl_ok(orl_model_save_buffer(r, buf2, n, &n2));
    assert_int_equal(n2, n);
    assert_memory_equal(buf, buf2, n);
    /* Other models' files carry none of G's keys. */
    size_t ng = 0;
    assert_orl_ok(orl_model_save_buffer(g, NULL, 0, &ng));
    char *gb = malloc(ng);
    assert_orl_ok(orl_model_save_buffer(g, gb, ng, &ng));
    assert_false(contains(gb, ng, "generative"));
    assert_true(contains(buf, n, "generative.weights"));
    free(gb);
    free(buf);
    free(buf2);
    orl_model_free(sup);
    orl_model_free(r);
    orl_model_free(m);
    orl_model_free(g);
    orl_encoder_free(enc);
    orl_dataset_free(ds);
}

static void test_errors(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(I, SESSIONS, LEN, 7, 3);
    orl_encoder *enc = orl_test_encoder(NULL, DIM);
    orl_model *g = orl_test_train(enc, "sl", 1, 1, ds);

    /* Only bcq takes a G. */
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sqn";
    tp.epochs = 1;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    assert_int_equal(orl_trainer_set_generative_model(t, g), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "bcq"));
    orl_trainer_free(t);

    /* A model without a supervised head (rem: Q only). */
    orl_model *rem = orl_test_train(enc, "rem", 1, 1, ds);
    t = bcq_trainer(enc);
    assert_int_equal(orl_trainer_set_generative_model(t, rem), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "supervised head"));
    orl_model_free(rem);

    /* Another catalogue: found at fit. */
    assert_orl_ok(orl_trainer_set_generative_model(t, g));
    orl_dataset *fewer = orl_test_chain_dataset(I - 1, SESSIONS, LEN, 7, 3);
    assert_int_equal(orl_trainer_fit(t, fewer, NULL), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "items"));
    orl_dataset *reordered = shifted_dataset();
    int s = orl_trainer_fit(t, reordered, NULL);
    assert_int_equal(s, ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "catalogue"));
    orl_model *none = NULL;
    assert_int_equal(orl_trainer_export_model(t, &none), ORL_E_STATE);
    assert_null(none);

    /* NULL clears: the trainer trains its own G again. */
    assert_orl_ok(orl_trainer_set_generative_model(t, NULL));
    char cfg[4096];
    size_t len = 0;
    assert_orl_ok(orl_trainer_config_json(t, cfg, sizeof cfg, &len));
    assert_null(strstr(cfg, "generative"));
    assert_orl_ok(orl_trainer_fit(t, fewer, NULL));
    orl_model *own = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &own));
    assert_null(own->g_net);
    orl_model_free(own);

    /* Export pairs the weights with the G they were trained with, whatever was set since. */
    orl_model *after = NULL;
    assert_orl_ok(orl_trainer_set_generative_model(t, g));
    assert_orl_ok(orl_trainer_export_model(t, &after));
    assert_null(after->g_net); /* fitted with its own G */
    orl_model_free(after);
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    assert_orl_ok(orl_trainer_set_generative_model(t, NULL));
    assert_orl_ok(orl_trainer_set_generative_model(t, g));
    assert_orl_ok(orl_trainer_set_generative_model(t, NULL));
    assert_orl_ok(orl_trainer_export_model(t, &after));
    assert_non_null(after->g_net); /* fitted with the host's G */
    assert_non_null(strstr(after->config_json, "\"generative\":\"external\""));
    orl_model *sup = NULL;
    assert_orl_ok(orl_model_with_head(after, ORL_HEAD_SUPERVISED, &sup));
    assert_same_scores(sup, g);
    orl_model_free(sup);
    orl_model_free(after);

    assert_int_equal(orl_trainer_set_generative_model(NULL, g), ORL_E_INVALID_ARGUMENT);
    orl_trainer_free(t);
    orl_dataset_free(fewer);
    orl_dataset_free(reordered);
    orl_model_free(g);
    orl_encoder_free(enc);
    orl_dataset_free(ds);
}

/* G on SASRec, Q on GRU4Rec: two encoders, each scoring as its own. */
static void test_g_encoder_differs_from_q(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(I, SESSIONS, LEN, 7, 3);
    orl_encoder *genc = orl_test_encoder("sasrec", DIM);
    orl_encoder *qenc = orl_test_encoder("gru4rec", DIM);
    orl_model *g = orl_test_train(genc, "sl", 1, 4, ds);
    orl_model *m = train_bcq(qenc, g, ds);
    assert_string_equal(m->encoder.architecture, "gru4rec");
    assert_string_equal(m->g_encoder.architecture, "sasrec");
    orl_model *sup = NULL;
    assert_orl_ok(orl_model_with_head(m, ORL_HEAD_SUPERVISED, &sup));
    assert_string_equal(sup->encoder.architecture, "sasrec");
    assert_same_scores(sup, g);
    assert_constrained(m, g);
    size_t n = 0;
    assert_orl_ok(orl_model_save_buffer(m, NULL, 0, &n));
    char *buf = malloc(n);
    assert_orl_ok(orl_model_save_buffer(m, buf, n, &n));
    orl_model *r = NULL;
    assert_orl_ok(orl_model_load_buffer(buf, n, &r));
    assert_same_scores(r, m);
    free(buf);
    orl_model_free(r);
    orl_model_free(sup);
    orl_model_free(m);
    orl_model_free(g);
    orl_encoder_free(genc);
    orl_encoder_free(qenc);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcq_keeps_the_host_g_fixed_and_scores_constrained),
        cmocka_unit_test(test_file_round_trip),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_g_encoder_differs_from_q),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
