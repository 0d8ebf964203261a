#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

const char *orl_test_shared_path(const char *relative, char *buf, size_t buf_len)
{
    struct stat st;
    snprintf(buf, buf_len, "%s/data/%s", ORL_SHARED_DIR, relative);
    if (stat(buf, &st) != 0) {
        printf("SKIP: %s is absent (the shared data folder is not next to the repo)\n", buf);
        return NULL;
    }
    return buf;
}

const char *orl_test_tmp_path(const char *name, char *buf, size_t buf_len)
{
    snprintf(buf, buf_len, "%s/%s", ORL_TEST_TMPDIR, name);
    return buf;
}

orl_trainer *orl_test_trainer(const orl_trainer_params *tp, uint32_t dim)
{
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    if (dim) ep.embed_dim = ep.hidden_dim = dim;
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(tp, enc, NULL, NULL, &t));
    orl_encoder_free(enc); /* the trainer keeps its own copy */
    return t;
}

orl_model *orl_test_fit_model(const orl_trainer_params *tp, uint32_t dim, const orl_dataset *ds)
{
    orl_trainer *t = orl_test_trainer(tp, dim);
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    orl_trainer_free(t);
    return m;
}

orl_encoder *orl_test_encoder(const char *architecture, uint32_t dim)
{
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    if (architecture) ep.architecture = architecture;
    if (dim) ep.embed_dim = ep.hidden_dim = dim;
    orl_encoder *enc = NULL;
    assert_orl_ok(orl_encoder_create(&ep, &enc));
    return enc;
}

orl_model *orl_test_train(const orl_encoder *encoder, const char *algorithm, uint32_t epochs,
                          uint64_t seed, const orl_dataset *ds)
{
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = algorithm;
    tp.epochs = epochs;
    tp.seed = seed;
    tp.threads = 2;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, encoder, NULL, NULL, &t));
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    orl_trainer_free(t);
    return m;
}

orl_dataset *orl_test_chain_dataset(int n_items, int sessions, int len, int mul, int add)
{
    const size_t n = (size_t)sessions * (size_t)len;
    int64_t *sess = malloc(sizeof(int64_t) * n), *item = malloc(sizeof(int64_t) * n),
            *ts = malloc(sizeof(int64_t) * n);
    int32_t *code = malloc(sizeof(int32_t) * n);
    assert_true(sess && item && ts && code);
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    int32_t click, buy;
    assert_orl_ok(orl_dataset_event_type(ds, "click", &click));
    assert_orl_ok(orl_dataset_event_type(ds, "purchase", &buy));
    size_t e = 0;
    for (int s = 0; s < sessions; s++)
        for (int t = 0, it = s % n_items; t < len; t++, e++, it = (it * mul + add) % n_items) {
            sess[e] = s;
            item[e] = it;
            ts[e] = t;
            code[e] = t == len - 1 ? buy : click;
        }
    assert_orl_ok(orl_dataset_add_events_i64(ds, n, sess, item, ts, code, NULL, NULL));
    assert_orl_ok(orl_dataset_finalize(ds));
    free(sess);
    free(item);
    free(ts);
    free(code);
    return ds;
}
