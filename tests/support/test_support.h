/* Helpers shared by the cmocka tests. */
#ifndef ORL_TEST_SUPPORT_H
#define ORL_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "offlinerl/offlinerl.h"

/* Path of a file under ../shared/data, or NULL (with a printed reason) when
 * the shared folder is absent, so the caller can skip(). */
const char *orl_test_shared_path(const char *relative, char *buf, size_t buf_len);
/* A path in the build's scratch folder for test outputs. */
const char *orl_test_tmp_path(const char *name, char *buf, size_t buf_len);

/* A trainer with parameters *tp on a new GRU4Rec encoder whose embed_dim and
 * hidden_dim are `dim` (0: the encoder's defaults); asserts success. */
orl_trainer *orl_test_trainer(const orl_trainer_params *tp, uint32_t dim);
/* orl_test_trainer, fitted on ds without validation; returns its exported
 * model (the trainer is freed). */
orl_model *orl_test_fit_model(const orl_trainer_params *tp, uint32_t dim, const orl_dataset *ds);

/* An encoder of `architecture` (NULL: GRU4Rec) at its defaults but for
 * embed_dim = hidden_dim = dim (0: the defaults); asserts success. */
orl_encoder *orl_test_encoder(const char *architecture, uint32_t dim);
/* A model of `algorithm` trained on ds with a copy of `encoder`: `epochs`,
 * `seed`, 2 threads, the other settings at their defaults; asserts success. */
orl_model *orl_test_train(const orl_encoder *encoder, const char *algorithm, uint32_t epochs,
                          uint64_t seed, const orl_dataset *ds);
/* A finalized dataset with a rule to learn: `sessions` sessions of `len`
 * events; session s starts at item s % n_items and item i is followed by
 * (i * mul + add) % n_items; the last event of a session is a purchase. */
orl_dataset *orl_test_chain_dataset(int n_items, int sessions, int len, int mul, int add);

/* Assert a status and show the library's message when it differs. */
#define assert_orl_ok(expr)                                                                        \
    do {                                                                                           \
        int s_ = (expr);                                                                           \
        if (s_ != 0) print_error("%s -> %d: %s\n", #expr, s_, orl_last_error());                   \
        assert_int_equal(s_, 0);                                                                   \
    } while (0)

#endif
