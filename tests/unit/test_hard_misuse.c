/* Wrong use of the API, generated from the public headers (scripts/gen-misuse.py
 * writes misuse_generated.h): NULL for every pointer parameter, handles of the
 * wrong kind and freed handles, extreme values for every scalar. The table must
 * list exactly the ORL_API functions of the public headers and of
 * tests/abi/symbols.txt, so a new function cannot be forgotten. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handle.h"
#include "core/alloc.h"
#include "test_support.h"

enum { MISUSE_ARRAY = 4096, MISUSE_ANY = 1 };
/* A status as a bit of a documented-status mask. */
#define MISUSE_DOC(status) (1u << -(status))

typedef struct misuse_fixture {
    orl_dataset *ds_open, *ds_final;
    orl_encoder *encoder;
    orl_genmodel *genmodel;
    orl_qnet *qnet;
    orl_trainer *trainer;
    orl_model *model;
    orl_sim *sim;
    orl_ope_result *ope_result;
    orl_dataset_params dataset_params;
    orl_csv_params csv_params;
    orl_split_params split_params;
    orl_sim_params sim_params;
    orl_encoder_params encoder_params;
    orl_genmodel_params genmodel_params;
    orl_qnet_params qnet_params;
    orl_trainer_params trainer_params;
    orl_ope_params ope_params;
    orl_eval_result eval;
    char csv_path[512], jsonl_path[512], model_path[512], ds_path[512], scratch_path[512];
    void *model_buf;
    size_t model_buf_len;
    /* A "freed" handle: its tag says so, and it is ordinary memory (a real
     * freed handle is use after free, which only a sanitizer can report). */
    struct {
        uint32_t tag;
        char pad[252];
    } freed_storage;
    void *freed;
    const char *str_keys[MISUSE_ARRAY];
    const char *str_out[MISUSE_ARRAY];
    char text[MISUSE_ARRAY];
    uint8_t bytes[MISUSE_ARRAY];
    uint64_t u64s[64];
    int64_t i64s[MISUSE_ARRAY], i64_out[MISUSE_ARRAY];
    int32_t codes[MISUSE_ARRAY], i32_out[MISUSE_ARRAY];
    size_t sizes_out[MISUSE_ARRAY];
    uint32_t documented; /* the running function's documented statuses (misuse_entry) */
    float probs[MISUSE_ARRAY], f32_out[MISUSE_ARRAY];
    size_t offsets[MISUSE_ARRAY];
    unsigned long cases, failures;
} misuse_fixture;

/* The aliases the generator uses for handle fields. */
#define dataset  ds_open
#define encoder  encoder
#define genmodel genmodel

static void misuse_log(int32_t level, const char *message, void *user_data)
{
    (void)level;
    (void)message;
    (void)user_data;
}

static int misuse_progress(const orl_progress *p, void *user_data)
{
    (void)p;
    (void)user_data;
    return 0;
}

static int misuse_policy(const int64_t *h, size_t hl, float *scores, size_t n, void *user_data)
{
    (void)h;
    (void)hl;
    (void)user_data;
    for (size_t i = 0; i < n; i++) scores[i] = (float)(n - i);
    return 0;
}

static void misuse_check(misuse_fixture *F, int s, int expect, int leaked_out, const char *fn,
                         const char *what)
{
    F->cases++;
    int ok = expect == MISUSE_ANY ? (s <= 0 && s >= ORL_E_THREAD) : s == expect;
    if (ok && s != ORL_OK && strcmp(orl_last_error(), "no error") == 0) ok = 0;
    if (ok && strstr(what, "already freed") && expect != MISUSE_ANY &&
        !strstr(orl_last_error(), "freed"))
        ok = 0;
    if (leaked_out) ok = 0;
    /* Every status a function returns is one its @return documents (issue 20). */
    if (F->documented && s <= 0 && s >= ORL_E_INTERNAL && !(F->documented & MISUSE_DOC(s))) {
        F->failures++;
        print_error("UNDOCUMENTED %s(%s) -> %s, not in the @return list of its header: %s\n", fn,
                    what, orl_status_string(s), orl_last_error());
    }
    if (!ok) {
        F->failures++;
        print_error("MISUSE %s(%s) -> %d (%s)%s: %s\n", fn, what, s, orl_status_string(s),
                    leaked_out ? " and set its output" : "", orl_last_error());
    }
}

typedef struct misuse_entry {
    const char *name;
    void (*run)(misuse_fixture *F);
    uint32_t documented; /* MISUSE_DOC bits of the statuses its @return lists; 0: no status */
} misuse_entry;

/* A copy of a settings struct whose struct_size is too small for any version. */
#define SMALL_PARAMS(T)                                                                            \
    static orl_##T *misuse_small_##T(misuse_fixture *F)                                            \
    {                                                                                              \
        static orl_##T copy;                                                                       \
        copy = F->T;                                                                               \
        copy.struct_size = 1;                                                                      \
        return &copy;                                                                              \
    }
SMALL_PARAMS(dataset_params)
SMALL_PARAMS(csv_params)
SMALL_PARAMS(split_params)
SMALL_PARAMS(sim_params)
SMALL_PARAMS(encoder_params)
SMALL_PARAMS(genmodel_params)
SMALL_PARAMS(qnet_params)
SMALL_PARAMS(trainer_params)
SMALL_PARAMS(ope_params)

/* An output struct whose struct_size is too small. */
#define SMALL_RESULT(T)                                                                            \
    static orl_##T *misuse_small_##T(misuse_fixture *F)                                            \
    {                                                                                              \
        (void)F;                                                                                   \
        static orl_##T r;                                                                          \
        memset(&r, 0, sizeof r);                                                                   \
        r.struct_size = 1;                                                                         \
        return &r;                                                                                 \
    }
SMALL_RESULT(load_report)
SMALL_RESULT(dataset_stats)
SMALL_RESULT(eval_result)
SMALL_RESULT(sim_rollout_result)
SMALL_RESULT(ope_estimate)
SMALL_RESULT(display_view)

#undef dataset
#include "misuse_generated.h"

/* The encoder setters and orl_encoder_config_json: the failures the generated table cannot
 * know (a key of another architecture, values out of range, a float key through the integer
 * setter), the size query and a short buffer. The encoder is unchanged after each failure. */
#define ENC_CASE(call, expect, what) misuse_check(F, (call), (expect), 0, #call, (what))

static void misuse_encoder_lists(misuse_fixture *F)
{
    orl_encoder_params p;
    orl_encoder_params_init(&p);
    p.architecture = "nextitnet";
    p.embed_dim = p.hidden_dim = 4;
    orl_encoder *e = NULL;
    int s = orl_encoder_create(&p, &e);
    if (s == ORL_E_UNSUPPORTED && strstr(orl_last_error(), "not built yet")) {
        print_message("skipping the list-setting ranges: %s\n", orl_last_error());
        return;
    }
    assert_orl_ok(s);
    const int32_t ok[2] = {1, 2}, zero[1] = {0}, tall[1] = {11}, many[17] = {1};
    char before[512], after[512];
    size_t len = 0;
    assert_orl_ok(orl_encoder_config_json(e, before, sizeof before, &len));
    ENC_CASE(orl_encoder_set_int_list(e, "dilations", ok, 0), ORL_E_OUT_OF_RANGE, "no values");
    ENC_CASE(orl_encoder_set_int_list(e, "dilations", many, 17), ORL_E_OUT_OF_RANGE,
             "17 dilations");
    ENC_CASE(orl_encoder_set_int_list(e, "dilations", zero, 1), ORL_E_OUT_OF_RANGE, "dilation 0");
    assert_non_null(strstr(orl_last_error(), "dilations"));
    ENC_CASE(orl_encoder_set_int_list(e, "dilations", tall, 1), ORL_E_OUT_OF_RANGE,
             "dilation beyond the window");
    ENC_CASE(orl_encoder_set_int_list(e, "filter_heights", ok, 2), ORL_E_UNKNOWN_KEY,
             "Caser's key on NextItNet");
    ENC_CASE(orl_encoder_set_int(e, "kernel_size", 0), ORL_E_OUT_OF_RANGE, "kernel_size 0");
    ENC_CASE(orl_encoder_set_int(e, "independent_init", 2), ORL_E_OUT_OF_RANGE,
             "independent_init 2");
    assert_orl_ok(orl_encoder_config_json(e, after, sizeof after, &len));
    assert_string_equal(before, after);
    orl_encoder_free(e);
}

static void misuse_encoder_settings(misuse_fixture *F)
{
    orl_encoder *e = F->encoder;
    char before[512], after[512], small[8];
    size_t len = 0, need = 0;
    assert_orl_ok(orl_encoder_config_json(e, before, sizeof before, &len));
    const int32_t heights[3] = {2, 3, 4};
    ENC_CASE(orl_encoder_set_int(e, "num_blocks", 2), ORL_E_UNKNOWN_KEY, "SASRec's key on GRU4Rec");
    assert_non_null(strstr(orl_last_error(), "num_blocks"));
    ENC_CASE(orl_encoder_set_int(e, "kernel_size", 3), ORL_E_UNKNOWN_KEY,
             "NextItNet's key on GRU4Rec");
    ENC_CASE(orl_encoder_set_int(e, "no_such_key", 1), ORL_E_UNKNOWN_KEY, "unknown key");
    ENC_CASE(orl_encoder_set_int(e, "", 1), ORL_E_UNKNOWN_KEY, "empty key");
    ENC_CASE(orl_encoder_set_int(e, "dropout", 0), ORL_E_UNKNOWN_KEY, "float key, integer setter");
    ENC_CASE(orl_encoder_set_int(e, "window", 0), ORL_E_OUT_OF_RANGE, "window 0");
    assert_non_null(strstr(orl_last_error(), "window"));
    ENC_CASE(orl_encoder_set_int(e, "window", 1025), ORL_E_OUT_OF_RANGE, "window 1025");
    ENC_CASE(orl_encoder_set_int(e, "embed_dim", 4097), ORL_E_OUT_OF_RANGE, "embed_dim 4097");
    assert_non_null(strstr(orl_last_error(), "embed_dim"));
    ENC_CASE(orl_encoder_set_int(e, "hidden_dim", -1), ORL_E_OUT_OF_RANGE, "hidden_dim -1");
    ENC_CASE(orl_encoder_set_int(e, "hidden_dim", INT64_MAX), ORL_E_OUT_OF_RANGE,
             "hidden_dim INT64_MAX");
    ENC_CASE(orl_encoder_set_float(e, "window", 10.0), ORL_E_UNKNOWN_KEY,
             "integer key, float setter");
    ENC_CASE(orl_encoder_set_float(e, "dropout", 1.0), ORL_E_OUT_OF_RANGE, "dropout 1");
    assert_non_null(strstr(orl_last_error(), "dropout"));
    ENC_CASE(orl_encoder_set_float(e, "dropout", -0.1), ORL_E_OUT_OF_RANGE, "dropout -0.1");
    ENC_CASE(orl_encoder_set_float(e, "dropout", NAN), ORL_E_OUT_OF_RANGE, "dropout NaN");
    ENC_CASE(orl_encoder_set_int_list(e, "filter_heights", heights, 3), ORL_E_UNKNOWN_KEY,
             "Caser's key on GRU4Rec");
    ENC_CASE(orl_encoder_set_int_list(e, "window", heights, 1), ORL_E_UNKNOWN_KEY,
             "integer key, list setter");
    ENC_CASE(orl_encoder_set_int_list(e, "dilations", NULL, 3), ORL_E_INVALID_ARGUMENT,
             "values NULL, count 3");
    assert_orl_ok(orl_encoder_config_json(e, after, sizeof after, &len));
    assert_string_equal(before, after);
    assert_int_equal(len, strlen(before) + 1);

    /* The size query succeeds and leaves the last error as it was. */
    assert_int_equal(orl_encoder_set_int(e, "no_such_key", 1), ORL_E_UNKNOWN_KEY);
    char last[1024];
    snprintf(last, sizeof last, "%s", orl_last_error());
    F->cases++;
    need = 0;
    if (orl_encoder_config_json(e, NULL, 0, &need) != ORL_OK || need != len ||
        strcmp(orl_last_error(), last) != 0 || orl_last_status() != ORL_E_UNKNOWN_KEY) {
        F->failures++;
        print_error("MISUSE orl_encoder_config_json(NULL, 0): not a clean size query\n");
    }
    /* A short buffer: ORL_E_BUFFER_TOO_SMALL with the size, the buffer untouched. */
    memset(small, 'x', sizeof small);
    need = 0;
    ENC_CASE(orl_encoder_config_json(e, small, sizeof small, &need), ORL_E_BUFFER_TOO_SMALL,
             "short buffer");
    assert_int_equal(need, len);
    assert_memory_equal(small, "xxxxxxxx", sizeof small);
    ENC_CASE(orl_encoder_config_json(e, small, 0, &need), ORL_E_BUFFER_TOO_SMALL,
             "buffer of length 0");
    ENC_CASE(orl_encoder_config_json(e, before, len - 1, &need), ORL_E_BUFFER_TOO_SMALL,
             "one byte short");
    misuse_encoder_lists(F);
}

static void fixture_init(misuse_fixture *F)
{
    memset(F, 0, sizeof *F);
    orl_test_tmp_path("misuse.csv", F->csv_path, sizeof F->csv_path);
    orl_test_tmp_path("misuse.jsonl", F->jsonl_path, sizeof F->jsonl_path);
    orl_test_tmp_path("misuse.orlm", F->model_path, sizeof F->model_path);
    orl_test_tmp_path("misuse.orld", F->ds_path, sizeof F->ds_path);
    orl_test_tmp_path("misuse-scratch.out", F->scratch_path, sizeof F->scratch_path);
    orl_dataset_params_init(&F->dataset_params);
    orl_csv_params_init(&F->csv_params);
    orl_split_params_init(&F->split_params);
    orl_sim_params_init(&F->sim_params);
    F->sim_params.n_items = 12;
    F->sim_params.n_users = 10;
    F->sim_params.max_steps = 6;
    F->sim_params.n_clusters = 3;
    orl_encoder_params_init(&F->encoder_params);
    F->encoder_params.embed_dim = 4;
    F->encoder_params.hidden_dim = 4;
    orl_genmodel_params_init(&F->genmodel_params);
    orl_qnet_params_init(&F->qnet_params);
    orl_trainer_params_init(&F->trainer_params);
    F->trainer_params.algorithm = "sl";
    F->trainer_params.epochs = 1;
    F->trainer_params.batch_size = 16;
    F->trainer_params.threads = 1;
    F->eval.struct_size = sizeof F->eval;
    F->freed_storage.tag = ORL_TAG_FREED;
    F->freed = &F->freed_storage;
    for (int i = 0; i < MISUSE_ARRAY; i++) {
        F->str_keys[i] = "1";
        F->i64s[i] = i % 8;
        F->probs[i] = 0.5f;
        F->offsets[i] = (size_t)i;
    }

    assert_orl_ok(orl_sim_create(&F->sim_params, &F->sim));
    assert_orl_ok(orl_sim_write_csv(F->sim, 10, F->csv_path));
    FILE *f = fopen(F->jsonl_path, "w");
    assert_non_null(f);
    fputs("{\"session\":1,\"events\":[{\"aid\":1,\"ts\":1,\"type\":\"clicks\"}]}\n", f);
    fclose(f);
    assert_orl_ok(orl_dataset_create(NULL, &F->ds_open));
    int32_t code;
    assert_orl_ok(orl_dataset_event_type(F->ds_open, "click", &code));
    assert_orl_ok(orl_dataset_create(NULL, &F->ds_final));
    assert_orl_ok(orl_sim_generate(F->sim, 10, F->ds_final));
    assert_orl_ok(orl_dataset_finalize(F->ds_final));
    assert_orl_ok(orl_dataset_save(F->ds_final, F->ds_path));
    assert_orl_ok(orl_encoder_create(&F->encoder_params, &F->encoder));
    assert_orl_ok(orl_genmodel_create(&F->genmodel_params, &F->genmodel));
    assert_orl_ok(orl_qnet_create(&F->qnet_params, &F->qnet));
    assert_orl_ok(orl_trainer_create(&F->trainer_params, F->encoder, NULL, NULL, &F->trainer));
    assert_orl_ok(orl_trainer_fit(F->trainer, F->ds_final, NULL));
    assert_orl_ok(orl_trainer_export_model(F->trainer, &F->model));
    assert_orl_ok(orl_model_save(F->model, F->model_path));
    size_t need = 0;
    assert_orl_ok(orl_model_save_buffer(F->model, NULL, 0, &need));
    F->model_buf = malloc(need);
    F->model_buf_len = need;
    assert_orl_ok(orl_model_save_buffer(F->model, F->model_buf, need, &need));
    assert_orl_ok(orl_model_evaluate(F->model, F->ds_final, 1, &F->eval));
    orl_ope_params_init(&F->ope_params);
    F->ope_params.reward_model = ORL_OPE_REWARD_ITEM_MEAN;
    F->ope_params.interval = ORL_OPE_INTERVAL_NORMAL;
    F->ope_params.threads = 1;
    assert_orl_ok(orl_model_estimate_value(F->model, F->ds_final, &F->ope_params, &F->ope_result));
}

static void fixture_free(misuse_fixture *F)
{
    orl_ope_result_free(F->ope_result);
    orl_model_free(F->model);
    orl_trainer_free(F->trainer);
    orl_qnet_free(F->qnet);
    orl_genmodel_free(F->genmodel);
    orl_encoder_free(F->encoder);
    orl_dataset_free(F->ds_final);
    orl_dataset_free(F->ds_open);
    orl_sim_free(F->sim);
    free(F->model_buf);
    remove(F->csv_path);
    remove(F->jsonl_path);
    remove(F->model_path);
    remove(F->ds_path);
    remove(F->scratch_path);
}

/* Names of the ORL_API functions declared in include/offlinerl/<header>. */
static size_t header_functions(char names[][64], size_t cap)
{
    static const char *const headers[] = {"common.h",  "dataset.h", "sim.h",    "encoder.h",
                                          "trainer.h", "model.h",   "policy.h", "ope.h"};
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *cut = strstr(dir, "/tests/unit/");
    assert_non_null(cut);
    *cut = '\0';
    size_t n = 0;
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/include/offlinerl/%s", dir, headers[h]);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        static char text[1 << 17];
        size_t len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[len] = '\0';
        for (char *p = strstr(text, "ORL_API "); p; p = strstr(p + 1, "ORL_API ")) {
            if (p[-1] != '\n') continue; /* the macro's own definition */
            char *paren = strchr(p, '(');
            char *q = paren;
            while (q > p && q[-1] != ' ' && q[-1] != '*') q--;
            assert_true(n < cap && (size_t)(paren - q) < 64);
            memcpy(names[n], q, (size_t)(paren - q));
            names[n][paren - q] = '\0';
            n++;
        }
    }
    return n;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Hand cases of the host functions (0.2): what the generated table cannot say. */
#define HOST_CASE(call, expect, what) misuse_check(F, (call), (expect), 0, #call, (what))

static void misuse_model_host(misuse_fixture *F)
{
    const orl_model *m = F->model;
    uint64_t count = 0;
    assert_orl_ok(orl_model_item_count(m, &count));
    int64_t items[4] = {0}, key = 0;
    size_t n = 99, need = 0;
    HOST_CASE(orl_model_recommend_excluding(m, F->i64s, 2, NULL, 0, 1, items, NULL, &n, NULL),
              ORL_OK, "exclude NULL, n_exclude 0");
    HOST_CASE(orl_model_recommend_excluding(m, F->i64s, 2, NULL, 3, 1, items, NULL, &n, NULL),
              ORL_E_INVALID_ARGUMENT, "exclude NULL, n_exclude 3");
    HOST_CASE(orl_model_recommend_excluding(m, NULL, 0, F->i64s, 2, 0, items, NULL, &n, NULL),
              ORL_E_OUT_OF_RANGE, "k 0");
    HOST_CASE(orl_model_recommend_excluding(m, NULL, 0, F->i64s, 2, (uint32_t)count + 1, items,
                                            NULL, &n, NULL),
              ORL_E_OUT_OF_RANGE, "k above the catalogue");
    HOST_CASE(orl_model_item_key(m, count, &key), ORL_E_OUT_OF_RANGE, "index = count");
    HOST_CASE(orl_model_item_key_str(m, count, F->text, sizeof F->text, &need), ORL_E_OUT_OF_RANGE,
              "index = count");
    HOST_CASE(orl_model_item_key_str(m, 0, NULL, 4, &need), ORL_E_INVALID_ARGUMENT,
              "buf NULL, buf_len 4");
    char small[1] = {'x'};
    HOST_CASE(orl_model_item_key_str(m, 0, small, 1, &need), ORL_E_BUFFER_TOO_SMALL,
              "buf of 1 byte");
    F->cases++;
    if (small[0] != 'x' || need < 2) {
        F->failures++;
        print_error("MISUSE orl_model_item_key_str(short buf): buf written or no size\n");
    }
    /* The size query succeeds and leaves the last error as it was. */
    assert_int_equal(orl_model_item_key(m, count, &key), ORL_E_OUT_OF_RANGE);
    char last[1024];
    snprintf(last, sizeof last, "%s", orl_last_error());
    F->cases++;
    need = 0;
    if (orl_model_item_key_str(m, 0, NULL, 0, &need) != ORL_OK || need < 2 ||
        strcmp(orl_last_error(), last) != 0 || orl_last_status() != ORL_E_OUT_OF_RANGE) {
        F->failures++;
        print_error("MISUSE orl_model_item_key_str(NULL, 0): not a clean size query\n");
    }
}

static void test_table_covers_every_public_function(void **state)
{
    (void)state;
    static char names[256][64];
    size_t n = header_functions(names, 256);
    qsort(names, n, sizeof names[0], cmp_name);
    size_t n_table = sizeof misuse_table / sizeof misuse_table[0];
    if (n != n_table)
        print_error("headers declare %zu functions, the table has %zu: run "
                    "scripts/gen-misuse.py\n",
                    n, n_table);
    assert_int_equal(n, n_table);
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = 0; j < n_table; j++) found |= strcmp(names[i], misuse_table[j].name) == 0;
        if (!found)
            print_error("%s is not in misuse_generated.h: run scripts/gen-misuse.py\n", names[i]);
        assert_true(found);
    }
    /* And the headers' list is the exported list. */
    char path[1200];
    snprintf(path, sizeof path, "%s", __FILE__);
    strcpy(strstr(path, "/tests/unit/"), "/tests/abi/symbols.txt");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[128];
    size_t k = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0]) continue;
        assert_true(k < n);
        assert_string_equal(line, names[k]);
        k++;
    }
    fclose(f);
    assert_int_equal(k, n);
}

static void test_every_function_rejects_misuse_cleanly(void **state)
{
    (void)state;
    static misuse_fixture F;
    int64_t live0 = orl_alloc_live_blocks();
    fixture_init(&F);
    int64_t live1 = orl_alloc_live_blocks();
    for (size_t i = 0; i < sizeof misuse_table / sizeof misuse_table[0]; i++) {
        F.documented = misuse_table[i].documented;
        misuse_table[i].run(&F);
    }
    F.documented = 0;
    misuse_encoder_settings(&F);
    misuse_model_host(&F);
    orl_set_log_callback(NULL, ORL_LOG_WARN, NULL);
    /* ds_open took the valid appends and loads; everything else is as it was. */
    print_message("%lu misuse cases over %zu functions, %lu failures\n", F.cases,
                  sizeof misuse_table / sizeof misuse_table[0], F.failures);
    int64_t live2 = orl_alloc_live_blocks();
    fixture_free(&F);
    assert_int_equal(orl_alloc_live_blocks(), live0);
    assert_true(live2 >= live1);
    assert_int_equal(F.failures, 0);
    assert_true(F.cases > 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_covers_every_public_function),
        cmocka_unit_test(test_every_function_rejects_misuse_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
