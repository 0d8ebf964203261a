#include "test_support.h"

#include <stdio.h>
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
