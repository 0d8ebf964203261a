/* The file of a BCQ model with the host's G is untrusted input: each of G's
 * keys and its weight blob is checked on load. A file is rewritten with one
 * key dropped, retyped or changed, or the blob cut short or poisoned, and
 * loading must fail with a clean status and message, never crash. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/alloc.h"
#include "io/container.h"

enum { I = 20, DIM = 8 };

typedef struct edit {
    const char *key; /* the metadata key or blob to change */
    int drop;        /* leave it out */
    int set_u32;     /* write u32 instead of the value */
    uint32_t u32;    /*   that value */
    const char *str; /* write this string instead */
    int blob_short;  /* one element fewer */
    int blob_nan;    /* its first element NaN */
} edit;

static void copy_meta(const orl_container_reader *r, orl_container_writer *w, const char *key,
                      uint32_t type)
{
    const void *p = NULL;
    size_t n = 0;
    uint32_t u = 0;
    int64_t i = 0;
    double d = 0;
    const char *s = NULL;
    switch (type) {
    case ORL_META_U32:
        assert_orl_ok(orl_container_get_u32(r, key, &u));
        assert_orl_ok(orl_container_put_u32(w, key, u));
        break;
    case ORL_META_I64:
        assert_orl_ok(orl_container_get_i64(r, key, &i));
        assert_orl_ok(orl_container_put_i64(w, key, i));
        break;
    case ORL_META_F64:
        assert_orl_ok(orl_container_get_f64(r, key, &d));
        assert_orl_ok(orl_container_put_f64(w, key, d));
        break;
    case ORL_META_STRING:
        assert_orl_ok(orl_container_get_string(r, key, &s, &n));
        assert_orl_ok(orl_container_put_string(w, key, s));
        break;
    case ORL_META_BYTES:
        assert_orl_ok(orl_container_get_bytes(r, key, &p, &n));
        assert_orl_ok(orl_container_put_bytes(w, key, p, n));
        break;
    case ORL_META_I64_ARRAY:
        assert_orl_ok(orl_container_get_i64_array(r, key, (const int64_t **)&p, &n));
        assert_orl_ok(orl_container_put_i64_array(w, key, p, n));
        break;
    case ORL_META_I32_ARRAY:
        assert_orl_ok(orl_container_get_i32_array(r, key, (const int32_t **)&p, &n));
        assert_orl_ok(orl_container_put_i32_array(w, key, p, n));
        break;
    default:
        assert_orl_ok(orl_container_get_f32_array(r, key, (const float **)&p, &n));
        assert_orl_ok(orl_container_put_f32_array(w, key, p, n));
    }
}

/* The model file buf[0..n) with edit e applied (orl_free the result). */
static void *rewrite(const void *buf, size_t n, const edit *e, size_t *out_n)
{
    orl_container_reader *r = NULL;
    orl_container_writer *w = NULL;
    assert_orl_ok(orl_container_open_buffer(buf, n, "ORLM", 1, &r));
    assert_orl_ok(orl_container_writer_create("ORLM", orl_container_version(r), &w));
    for (size_t i = 0; i < orl_container_meta_count(r); i++) {
        uint32_t type = 0;
        const char *key = orl_container_meta_key(r, i, &type);
        int hit = e->key && strcmp(key, e->key) == 0;
        if (hit && e->drop) continue;
        if (hit && e->set_u32)
            assert_orl_ok(orl_container_put_u32(w, key, e->u32));
        else if (hit && e->str)
            assert_orl_ok(orl_container_put_string(w, key, e->str));
        else
            copy_meta(r, w, key, type);
    }
    for (size_t i = 0; i < orl_container_blob_count(r); i++) {
        const char *name = orl_container_blob_name(r, i);
        orl_blob_view b;
        assert_orl_ok(orl_container_get_blob(r, name, &b));
        int hit = e->key && strcmp(name, e->key) == 0;
        if (hit && e->drop) continue;
        size_t bytes = (size_t)b.nbytes;
        char *copy = malloc(bytes ? bytes : 1);
        memcpy(copy, b.data, bytes);
        uint64_t count = b.count;
        if (hit && e->blob_short) count--;
        if (hit && e->blob_nan) ((float *)(void *)copy)[0] = NAN;
        assert_orl_ok(orl_container_add_blob(w, name, b.dtype, copy, count));
        free(copy);
    }
    void *out = NULL;
    assert_orl_ok(orl_container_save_alloc(w, &out, out_n));
    orl_container_writer_free(w);
    orl_container_reader_free(r);
    return out;
}

static void test_every_field_of_g_is_checked(void **state)
{
    (void)state;
    orl_dataset *ds = orl_test_chain_dataset(I, 40, 6, 3, 1);
    orl_encoder *enc = orl_test_encoder(NULL, DIM);
    orl_model *g = orl_test_train(enc, "sl", 1, 1, ds);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "bcq";
    tp.epochs = 1;
    tp.batch_size = 32;
    tp.threads = 1;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    assert_orl_ok(orl_trainer_set_generative_model(t, g));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    orl_trainer_free(t);
    size_t n = 0;
    assert_orl_ok(orl_model_save_buffer(m, NULL, 0, &n));
    void *buf = malloc(n);
    assert_orl_ok(orl_model_save_buffer(m, buf, n, &n));

    static const struct {
        edit e;
        int status;
    } cases[] = {
        {{.key = NULL}, ORL_OK}, /* the helper itself changes nothing */
        {{.key = "generative_encoder", .drop = 1}, ORL_E_FORMAT},
        {{.key = "generative.architecture", .drop = 1}, ORL_E_FORMAT},
        {{.key = "generative.window", .drop = 1}, ORL_E_FORMAT},
        {{.key = "generative.enc.dilations", .drop = 1}, ORL_E_FORMAT},
        {{.key = "generative.weights", .drop = 1}, ORL_E_FORMAT},
        {{.key = "bcq_threshold", .drop = 1}, ORL_E_FORMAT},
        {{.key = "generative.window", .set_u32 = 1, .u32 = 5}, ORL_E_FORMAT},
        {{.key = "generative.hidden_dim", .set_u32 = 1, .u32 = 9}, ORL_E_FORMAT},
        {{.key = "generative.embed_dim", .set_u32 = 1, .u32 = 0}, ORL_E_FORMAT},
        {{.key = "generative.enc.dropout", .set_u32 = 1, .u32 = 1}, ORL_E_FORMAT},
        {{.key = "generative.embed_dim", .str = "8"}, ORL_E_FORMAT},
        {{.key = "generative.architecture", .str = "lstm"}, ORL_E_FORMAT},
        {{.key = "generative.architecture", .str = ""}, ORL_E_FORMAT},
        {{.key = "head", .set_u32 = 1, .u32 = ORL_HEAD_SUPERVISED}, ORL_E_FORMAT},
        {{.key = "generative.weights", .blob_short = 1}, ORL_E_FORMAT},
        {{.key = "generative.weights", .blob_nan = 1}, ORL_E_NUMERIC}, /* as the main weights */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len = 0;
        void *bad = rewrite(buf, n, &cases[c].e, &len);
        orl_model *r = NULL;
        int s = orl_model_load_buffer(bad, len, &r);
        if (s != cases[c].status)
            print_error("case %zu (%s): %d, %s\n", c, cases[c].e.key ? cases[c].e.key : "-", s,
                        orl_last_error());
        assert_int_equal(s, cases[c].status);
        if (s == ORL_OK) {
            uint32_t head = 0;
            assert_orl_ok(orl_model_head(r, &head));
            assert_int_equal(head, ORL_HEAD_CONSTRAINED);
        } else {
            assert_null(r);
            assert_true(strlen(orl_last_error()) > 0);
        }
        orl_model_free(r);
        orl_free(bad);
    }
    free(buf);
    orl_model_free(m);
    orl_model_free(g);
    orl_encoder_free(enc);
    orl_dataset_free(ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_of_g_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
