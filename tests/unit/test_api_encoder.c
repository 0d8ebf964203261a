/* The encoder as a user sets it up: orl_encoder_params and its struct_size rules, the setters
 * (orl_encoder_set_int / _float / _int_list) on success and on failure (the encoder unchanged
 * after a failure), orl_encoder_config_json and its size query, and the encoder's JSON in the
 * trainer's configuration and in the model's description, for every algorithm.
 *
 * SASRec, Caser and NextItNet are tested as documented in encoder.h; until an architecture is
 * built into the library its tests print why and skip. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test_support.h"

enum { JSON_CAP = 8192 };

/* The encoder's configuration JSON, asserting success. */
static const char *config(const orl_encoder *e, char *buf, size_t cap)
{
    size_t len = 0;
    assert_orl_ok(orl_encoder_config_json(e, buf, cap, &len));
    assert_int_equal(len, strlen(buf) + 1);
    return buf;
}

/* A failure with this status whose message names `field`, leaving the encoder as it was. */
static void expect_fail(const orl_encoder *e, int got, int want, const char *field)
{
    if (got != want)
        print_error("expected status %d, got %d: %s\n", want, got,
                    got ? orl_last_error() : "no error");
    assert_int_equal(got, want);
    assert_int_equal(orl_last_status(), want);
    if (field && !strstr(orl_last_error(), field))
        fail_msg("the message does not name '%s': %s", field, orl_last_error());
    (void)e;
}

/* Runs `call`, which must fail with `want` naming `field`, and checks that the encoder's
 * configuration did not change. */
#define EXPECT_UNCHANGED(e, call, want, field)                                                     \
    do {                                                                                           \
        char before_[1024], after_[1024];                                                          \
        config((e), before_, sizeof before_);                                                      \
        expect_fail((e), (call), (want), (field));                                                 \
        config((e), after_, sizeof after_);                                                        \
        assert_string_equal(before_, after_);                                                      \
    } while (0)

/* An encoder of `kind` with embed_dim = hidden_dim = dim; NULL (after printing the reason) when
 * that architecture is not built into this library yet. */
static orl_encoder *kind_encoder(const char *kind, uint32_t dim)
{
    orl_encoder_params p;
    orl_encoder_params_init(&p);
    p.architecture = kind;
    p.embed_dim = p.hidden_dim = dim;
    orl_encoder *e = NULL;
    int s = orl_encoder_create(&p, &e);
    if (s == ORL_E_UNSUPPORTED && strstr(orl_last_error(), "not built yet")) {
        print_message("skipping the %s tests: %s\n", kind, orl_last_error());
        return NULL;
    }
    assert_orl_ok(s);
    return e;
}

static void test_params_defaults_and_struct_size(void **state)
{
    (void)state;
    orl_encoder_params p;
    memset(&p, 0xab, sizeof p);
    orl_encoder_params_init(&p);
    assert_int_equal(p.struct_size, sizeof p);
    assert_string_equal(p.architecture, "gru4rec");
    assert_int_equal(p.embed_dim, 64);
    assert_int_equal(p.hidden_dim, 64);
    assert_int_equal(p.window, 10);
    assert_true(p.dropout < 0.0f); /* since 0.2.0: the architecture's default */
    orl_encoder_params_init(NULL); /* ignored */

    char json[1024];
    orl_encoder *e = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &e));
    assert_string_equal(
        config(e, json, sizeof json),
        "{\"architecture\":\"gru4rec\",\"embed_dim\":64,\"hidden_dim\":64,\"window\":10,"
        "\"dropout\":0}");
    orl_encoder_free(e);
    e = NULL;
    assert_orl_ok(orl_encoder_create(&p, &e)); /* the initialised struct is the same */
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"gru4rec\",\"embed_dim\":64,\"hidden_dim\":64,"
                        "\"window\":10,\"dropout\":0}");
    orl_encoder_free(e);

    /* struct_size: smaller than this version's struct is refused, out untouched. */
    orl_encoder *sentinel = (orl_encoder *)(void *)&p, *out = sentinel;
    orl_encoder_params small = p;
    small.struct_size = sizeof small - 1;
    assert_int_equal(orl_encoder_create(&small, &out), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "struct_size"));
    assert_ptr_equal(out, sentinel);
    small.struct_size = 0;
    assert_int_equal(orl_encoder_create(&small, &out), ORL_E_INVALID_ARGUMENT);
    assert_ptr_equal(out, sentinel);
    /* A later version's larger struct is accepted (its extra fields unread). */
    struct {
        orl_encoder_params p;
        char later[32];
    } big;
    memset(&big, 0, sizeof big);
    orl_encoder_params_init(&big.p);
    big.p.struct_size = sizeof big;
    big.p.embed_dim = big.p.hidden_dim = 8;
    e = NULL;
    assert_orl_ok(orl_encoder_create(&big.p, &e));
    assert_non_null(strstr(config(e, json, sizeof json), "\"embed_dim\":8,\"hidden_dim\":8"));
    orl_encoder_free(e);
    assert_int_equal(orl_encoder_create(&p, NULL), ORL_E_INVALID_ARGUMENT);
}

static void test_create_failures_name_the_field(void **state)
{
    (void)state;
    orl_encoder_params p;
    orl_encoder *sentinel = (orl_encoder *)(void *)&p, *out = sentinel;
    struct {
        const char *arch;
        uint32_t embed, hidden, window;
        float dropout;
        int status;
        const char *field;
    } cases[] = {
        {"lstm", 64, 64, 10, -1.0f, ORL_E_UNSUPPORTED, "available: gru4rec, sasrec, caser"},
        {"a-name-far-longer-than-thirty-two-bytes", 64, 64, 10, -1.0f, ORL_E_OUT_OF_RANGE,
         "architecture"},
        {"gru4rec", 0, 64, 10, -1.0f, ORL_E_OUT_OF_RANGE, "embed_dim"},
        {"gru4rec", 64, 4097, 10, -1.0f, ORL_E_OUT_OF_RANGE, "hidden_dim"},
        {"gru4rec", 64, 64, 1025, -1.0f, ORL_E_OUT_OF_RANGE, "window"},
        {"gru4rec", 64, 64, 10, 1.0f, ORL_E_OUT_OF_RANGE, "dropout"},
        {"gru4rec", 64, 64, 10, NAN, ORL_E_OUT_OF_RANGE, "dropout"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        orl_encoder_params_init(&p);
        p.architecture = cases[i].arch;
        p.embed_dim = cases[i].embed;
        p.hidden_dim = cases[i].hidden;
        p.window = cases[i].window;
        p.dropout = cases[i].dropout;
        expect_fail(NULL, orl_encoder_create(&p, &out), cases[i].status, cases[i].field);
        assert_ptr_equal(out, sentinel);
    }
    /* An explicit dropout is kept (as a float). */
    orl_encoder_params_init(&p);
    p.dropout = 0.25f;
    orl_encoder *e = NULL;
    assert_orl_ok(orl_encoder_create(&p, &e));
    char json[1024];
    assert_non_null(strstr(config(e, json, sizeof json), "\"dropout\":0.25}"));
    orl_encoder_free(e);
}

static void test_set_int(void **state)
{
    (void)state;
    orl_encoder *e = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &e));
    char json[1024];
    assert_orl_ok(orl_encoder_set_int(e, "window", 5));
    assert_orl_ok(orl_encoder_set_int(e, "embed_dim", 16));
    assert_orl_ok(orl_encoder_set_int(e, "hidden_dim", 32));
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"gru4rec\",\"embed_dim\":16,\"hidden_dim\":32,"
                        "\"window\":5,\"dropout\":0}");

    /* Another architecture's key is unknown to GRU4Rec; the message lists the keys. */
    const char *others[] = {
        "num_blocks", "num_heads",        "num_filters",    "num_v_filters", "kernel_size",
        "dilations",  "independent_init", "filter_heights", "dropout",       "",
        "Window"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        EXPECT_UNCHANGED(e, orl_encoder_set_int(e, others[i], 2), ORL_E_UNKNOWN_KEY, "gru4rec");
        assert_non_null(strstr(orl_last_error(), "num_blocks")); /* the list of keys */
    }
    /* Out of range: the message names the field; the encoder keeps its value. */
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "window", 0), ORL_E_OUT_OF_RANGE, "window");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "window", 1025), ORL_E_OUT_OF_RANGE, "window");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "window", -5), ORL_E_OUT_OF_RANGE, "window");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "window", INT64_MAX), ORL_E_OUT_OF_RANGE, "window");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "window", (int64_t)1 << 32), ORL_E_OUT_OF_RANGE,
                     "window"); /* not truncated to 0 */
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "embed_dim", 4097), ORL_E_OUT_OF_RANGE, "embed_dim");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "hidden_dim", INT64_MIN), ORL_E_OUT_OF_RANGE,
                     "hidden_dim");
    /* Arguments. */
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, NULL, 3), ORL_E_INVALID_ARGUMENT, "key");
    expect_fail(NULL, orl_encoder_set_int(NULL, "window", 3), ORL_E_INVALID_ARGUMENT, "encoder");
    orl_genmodel *g = NULL;
    assert_orl_ok(orl_genmodel_create(NULL, &g));
    expect_fail(NULL, orl_encoder_set_int((orl_encoder *)(void *)g, "window", 3),
                ORL_E_INVALID_ARGUMENT, "not a valid");
    orl_genmodel_free(g);
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"gru4rec\",\"embed_dim\":16,\"hidden_dim\":32,"
                        "\"window\":5,\"dropout\":0}");
    orl_encoder_free(e);
}

static void test_set_float(void **state)
{
    (void)state;
    orl_encoder *e = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &e));
    char json[1024];
    assert_orl_ok(orl_encoder_set_float(e, "dropout", 0.5));
    assert_non_null(strstr(config(e, json, sizeof json), "\"dropout\":0.5}"));
    const double bad[] = {1.0, -0.5, -1.0, 1e300, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        EXPECT_UNCHANGED(e, orl_encoder_set_float(e, "dropout", bad[i]), ORL_E_OUT_OF_RANGE,
                         "dropout");
    EXPECT_UNCHANGED(e, orl_encoder_set_float(e, "window", 5.0), ORL_E_UNKNOWN_KEY, "window");
    EXPECT_UNCHANGED(e, orl_encoder_set_float(e, "num_blocks", 1.0), ORL_E_UNKNOWN_KEY,
                     "num_blocks");
    EXPECT_UNCHANGED(e, orl_encoder_set_float(e, NULL, 0.1), ORL_E_INVALID_ARGUMENT, "key");
    expect_fail(NULL, orl_encoder_set_float(NULL, "dropout", 0.1), ORL_E_INVALID_ARGUMENT,
                "encoder");
    assert_orl_ok(orl_encoder_set_float(e, "dropout", 0.0));
    assert_non_null(strstr(config(e, json, sizeof json), "\"dropout\":0}"));
    orl_encoder_free(e);
}

static void test_set_int_list_on_gru4rec(void **state)
{
    (void)state;
    orl_encoder *e = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &e));
    const int32_t v[3] = {1, 2, 3};
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "filter_heights", v, 3), ORL_E_UNKNOWN_KEY,
                     "filter_heights");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "dilations", v, 3), ORL_E_UNKNOWN_KEY,
                     "dilations");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "window", v, 1), ORL_E_UNKNOWN_KEY, "window");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "dilations", NULL, 3), ORL_E_INVALID_ARGUMENT,
                     "values");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, NULL, v, 3), ORL_E_INVALID_ARGUMENT, "key");
    expect_fail(NULL, orl_encoder_set_int_list(NULL, "dilations", v, 3), ORL_E_INVALID_ARGUMENT,
                "encoder");
    orl_encoder_free(e);
}

static void test_config_json_buffers(void **state)
{
    (void)state;
    orl_encoder *e = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &e));
    char full[1024];
    config(e, full, sizeof full);
    const size_t need = strlen(full) + 1;

    /* The size query succeeds and leaves the last error as it was. */
    assert_int_equal(orl_encoder_set_int(e, "nope", 1), ORL_E_UNKNOWN_KEY);
    char last[1024];
    snprintf(last, sizeof last, "%s", orl_last_error());
    size_t len = 0;
    assert_orl_ok(orl_encoder_config_json(e, NULL, 0, &len));
    assert_int_equal(len, need);
    assert_string_equal(orl_last_error(), last);
    assert_int_equal(orl_last_status(), ORL_E_UNKNOWN_KEY);

    /* Exactly the size: fine. One byte short: ORL_E_BUFFER_TOO_SMALL, the size, buffer
     * untouched. */
    char buf[1024];
    len = 0;
    assert_orl_ok(orl_encoder_config_json(e, buf, need, &len));
    assert_string_equal(buf, full);
    memset(buf, 'x', sizeof buf);
    len = 0;
    assert_int_equal(orl_encoder_config_json(e, buf, need - 1, &len), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(len, need);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(orl_encoder_config_json(e, buf, 0, &len), ORL_E_BUFFER_TOO_SMALL);
    /* Arguments. */
    assert_int_equal(orl_encoder_config_json(e, NULL, 16, &len), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_encoder_config_json(e, buf, sizeof buf, NULL), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_encoder_config_json(NULL, buf, sizeof buf, &len), ORL_E_INVALID_ARGUMENT);
    orl_encoder_free(e);
    orl_encoder_free(NULL);
}

static void test_sasrec_settings(void **state)
{
    (void)state;
    orl_encoder *e = kind_encoder("sasrec", 64);
    if (!e) skip();
    char json[1024];
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"sasrec\",\"embed_dim\":64,\"hidden_dim\":64,"
                        "\"window\":10,\"dropout\":0.1,\"num_blocks\":1,\"num_heads\":1}");
    assert_orl_ok(orl_encoder_set_int(e, "num_blocks", 2));
    assert_orl_ok(orl_encoder_set_int(e, "num_heads", 4));
    assert_orl_ok(orl_encoder_set_float(e, "dropout", 0.2));
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"sasrec\",\"embed_dim\":64,\"hidden_dim\":64,"
                        "\"window\":10,\"dropout\":0.2,\"num_blocks\":2,\"num_heads\":4}");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_blocks", 0), ORL_E_OUT_OF_RANGE, "num_blocks");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_blocks", 9), ORL_E_OUT_OF_RANGE, "num_blocks");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_heads", 3), ORL_E_OUT_OF_RANGE,
                     "num_heads"); /* does not divide 64 */
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_heads", 65), ORL_E_OUT_OF_RANGE, "num_heads");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "embed_dim", 32), ORL_E_OUT_OF_RANGE,
                     "embed_dim"); /* must equal hidden_dim */
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_filters", 4), ORL_E_UNKNOWN_KEY, "num_filters");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "kernel_size", 3), ORL_E_UNKNOWN_KEY, "kernel_size");
    const int32_t v[2] = {1, 2};
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "dilations", v, 2), ORL_E_UNKNOWN_KEY,
                     "dilations");
    orl_encoder_free(e);
}

static void test_caser_settings(void **state)
{
    (void)state;
    orl_encoder *e = kind_encoder("caser", 64);
    if (!e) skip();
    char json[1024];
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"caser\",\"embed_dim\":64,\"hidden_dim\":64,"
                        "\"window\":10,\"dropout\":0.1,\"num_filters\":16,"
                        "\"filter_heights\":[2,3,4],\"num_v_filters\":1}");
    const int32_t h[2] = {1, 5};
    assert_orl_ok(orl_encoder_set_int(e, "num_filters", 8));
    assert_orl_ok(orl_encoder_set_int_list(e, "filter_heights", h, 2));
    assert_orl_ok(orl_encoder_set_int(e, "num_v_filters", 2));
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"caser\",\"embed_dim\":64,\"hidden_dim\":64,"
                        "\"window\":10,\"dropout\":0.1,\"num_filters\":8,"
                        "\"filter_heights\":[1,5],\"num_v_filters\":2}");
    const int32_t too_tall[1] = {11}, zero[1] = {0}, nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "filter_heights", too_tall, 1),
                     ORL_E_OUT_OF_RANGE, "filter_heights");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "filter_heights", zero, 1), ORL_E_OUT_OF_RANGE,
                     "filter_heights");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "filter_heights", nine, 9), ORL_E_OUT_OF_RANGE,
                     "filter_heights");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "filter_heights", h, 0), ORL_E_OUT_OF_RANGE,
                     "filter_heights");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_filters", 0), ORL_E_OUT_OF_RANGE,
                     "num_filters");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_filters", 1025), ORL_E_OUT_OF_RANGE,
                     "num_filters");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_v_filters", 65), ORL_E_OUT_OF_RANGE,
                     "num_v_filters");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "window", 4), ORL_E_OUT_OF_RANGE,
                     "filter_heights"); /* a height of 5 no longer fits */
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_blocks", 2), ORL_E_UNKNOWN_KEY, "num_blocks");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "dilations", h, 2), ORL_E_UNKNOWN_KEY,
                     "dilations");
    orl_encoder_free(e);
}

static void test_nextitnet_settings(void **state)
{
    (void)state;
    orl_encoder *e = kind_encoder("nextitnet", 64);
    if (!e) skip();
    char json[1024];
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"nextitnet\",\"embed_dim\":64,\"hidden_dim\":64,"
                        "\"window\":10,\"dropout\":0,\"dilations\":[1,2,1,2,1,2],"
                        "\"kernel_size\":3,\"independent_init\":0}");
    const int32_t d[3] = {1, 2, 4};
    assert_orl_ok(orl_encoder_set_int_list(e, "dilations", d, 3));
    assert_orl_ok(orl_encoder_set_int(e, "kernel_size", 2));
    assert_orl_ok(orl_encoder_set_int(e, "independent_init", 1));
    assert_string_equal(config(e, json, sizeof json),
                        "{\"architecture\":\"nextitnet\",\"embed_dim\":64,\"hidden_dim\":64,"
                        "\"window\":10,\"dropout\":0,\"dilations\":[1,2,4],"
                        "\"kernel_size\":2,\"independent_init\":1}");
    const int32_t many[17] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, tall[1] = {11};
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "dilations", many, 17), ORL_E_OUT_OF_RANGE,
                     "dilations");
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "dilations", tall, 1), ORL_E_OUT_OF_RANGE,
                     "dilations");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "kernel_size", 1), ORL_E_OUT_OF_RANGE,
                     "kernel_size");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "kernel_size", 17), ORL_E_OUT_OF_RANGE,
                     "kernel_size");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "independent_init", 2), ORL_E_OUT_OF_RANGE,
                     "independent_init");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "hidden_dim", 32), ORL_E_OUT_OF_RANGE,
                     "hidden_dim"); /* must equal embed_dim */
    EXPECT_UNCHANGED(e, orl_encoder_set_int_list(e, "filter_heights", d, 3), ORL_E_UNKNOWN_KEY,
                     "filter_heights");
    EXPECT_UNCHANGED(e, orl_encoder_set_int(e, "num_heads", 2), ORL_E_UNKNOWN_KEY, "num_heads");
    orl_encoder_free(e);
}

/* A small finalized dataset with history length `window`, from the simulator. */
static orl_dataset *sim_dataset(uint32_t window)
{
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 20;
    sp.n_users = 20;
    sp.n_clusters = 3;
    sp.max_steps = 8;
    sp.seed = 3;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    orl_dataset_params dp;
    orl_dataset_params_init(&dp);
    dp.window = window;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(&dp, &ds));
    assert_orl_ok(orl_sim_generate(sim, 40, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    orl_sim_free(sim);
    return ds;
}

/* The trainer records the whole encoder JSON of the encoder it was created from; the model it
 * exports describes its encoder ("encoder" in orl_model_info_json), also after a save and a
 * load, beside every 0.1.0 key. */
static void check_trainer_records(orl_encoder *e, const char *algo, const orl_dataset *ds)
{
    char enc[1024], want[1200];
    config(e, enc, sizeof enc);
    snprintf(want, sizeof want, "\"encoder\":%s,", enc);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algo;
    tp.epochs = 1;
    tp.batch_size = 32;
    tp.threads = 1;
    tp.seed = 1;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, e, NULL, NULL, &t));
    static char json[JSON_CAP];
    size_t len = 0;
    assert_orl_ok(orl_trainer_config_json(t, json, sizeof json, &len));
    if (!strstr(json, want)) fail_msg("%s: no %s in %s", algo, want, json);
    assert_non_null(strstr(json, "\"genmodel\":{\"kind\":\"softmax\"}"));
    assert_non_null(strstr(json, "\"settings\":{\"epochs\":1,"));

    /* Trainers keep their copy: a later change of the encoder does not reach this one. */
    assert_orl_ok(orl_encoder_set_float(e, "dropout", 0.75));
    assert_orl_ok(orl_trainer_config_json(t, json, sizeof json, &len));
    assert_non_null(strstr(json, want));

    orl_model *m = NULL, *back = NULL;
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    assert_orl_ok(orl_trainer_export_model(t, &m));
    /* The model records the dropout it trained with (it scores without). */
    snprintf(want, sizeof want, "\"encoder\":%s,\"training_config\":{", enc);
    char trained[1300]; /* the training configuration keeps the dropout it trained with */
    snprintf(trained, sizeof trained, "\"training_config\":{\"algorithm\":\"%s\",\"encoder\":%s,",
             algo, enc);
    size_t need = 0;
    assert_orl_ok(orl_model_save_buffer(m, NULL, 0, &need));
    static unsigned char file[1 << 20];
    assert_true(need <= sizeof file);
    assert_orl_ok(orl_model_save_buffer(m, file, sizeof file, &need));
    assert_orl_ok(orl_model_load_buffer(file, need, &back));
    const orl_model *models[2] = {m, back};
    for (int i = 0; i < 2; i++) {
        assert_orl_ok(orl_model_info_json(models[i], json, sizeof json, &len));
        if (!strstr(json, want)) fail_msg("%s: no %s in %s", algo, want, json);
        if (!strstr(json, trained)) fail_msg("%s: no %s in %s", algo, trained, json);
        const char *keys[] = {"{\"architecture\":",   "\"embed_dim\":",
                              "\"hidden_dim\":",      "\"window\":",
                              "\"n_items\":",         "\"algorithm\":",
                              "\"parameters\":",      "\"string_keys\":",
                              "\"library_version\":", "\"training_config\":{\"algorithm\":"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (!strstr(json, keys[k])) fail_msg("%s: no %s in %s", algo, keys[k], json);
    }
    orl_model_free(back);
    orl_model_free(m);
    orl_trainer_free(t);
}

static void test_trainer_and_model_record_the_encoder(void **state)
{
    (void)state;
    orl_dataset *ds = sim_dataset(5);
    const char *algos[] = {"sl", "sqn", "sac", "snqn", "sa2c"};
    const char *kinds[] = {"gru4rec", "sasrec", "caser", "nextitnet"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        orl_encoder_params p;
        orl_encoder_params_init(&p);
        p.architecture = kinds[k];
        p.embed_dim = p.hidden_dim = 8;
        p.window = 5;
        orl_encoder *e = NULL;
        int s = orl_encoder_create(&p, &e);
        if (s == ORL_E_UNSUPPORTED && strstr(orl_last_error(), "not built yet")) {
            print_message("skipping the %s trainers: %s\n", kinds[k], orl_last_error());
            continue;
        }
        assert_orl_ok(s);
        for (size_t a = 0; a < sizeof algos / sizeof algos[0]; a++) {
            assert_orl_ok(orl_encoder_set_float(e, "dropout", 0.25));
            check_trainer_records(e, algos[a], ds);
        }
        orl_encoder_free(e);
    }
    orl_dataset_free(ds);
}

/* The trainer's "dropout" setting is the dropout the next fit trains with: the configuration's
 * encoder follows it. */
static void test_trainer_dropout_setting_shows_in_the_encoder(void **state)
{
    (void)state;
    orl_encoder *e = NULL;
    assert_orl_ok(orl_encoder_create(NULL, &e));
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, e, NULL, NULL, &t));
    char json[JSON_CAP];
    size_t len = 0;
    assert_orl_ok(orl_trainer_config_json(t, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"window\":10,\"dropout\":0}"));
    assert_orl_ok(orl_trainer_set_float(t, "dropout", 0.5));
    assert_orl_ok(orl_trainer_config_json(t, json, sizeof json, &len));
    assert_non_null(strstr(json, "\"window\":10,\"dropout\":0.5}"));
    assert_non_null(strstr(json, "\"threads\":0,\"dropout\":0.5")); /* settings */
    orl_trainer_free(t);
    orl_encoder_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_defaults_and_struct_size),
        cmocka_unit_test(test_create_failures_name_the_field),
        cmocka_unit_test(test_set_int),
        cmocka_unit_test(test_set_float),
        cmocka_unit_test(test_set_int_list_on_gru4rec),
        cmocka_unit_test(test_config_json_buffers),
        cmocka_unit_test(test_sasrec_settings),
        cmocka_unit_test(test_caser_settings),
        cmocka_unit_test(test_nextitnet_settings),
        cmocka_unit_test(test_trainer_and_model_record_the_encoder),
        cmocka_unit_test(test_trainer_dropout_setting_shows_in_the_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
