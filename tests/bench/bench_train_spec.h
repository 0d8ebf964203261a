/* Training a policy from a one-line spec, shared by the simulator-value
 * benchmarks: "name" or "name:key=value:key=value" (trainer settings, e.g.
 * "sqn:gamma=0", "bcq:threshold=0.3"), on the default GRU4Rec encoder. */
#ifndef ORL_BENCH_TRAIN_SPEC_H
#define ORL_BENCH_TRAIN_SPEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offlinerl/offlinerl.h"

/* Exits with the library's message when s is not ORL_OK. */
static inline void bench_check(int s, const char *what)
{
    if (s != ORL_OK) {
        fprintf(stderr, "%s: %s\n", what, orl_last_error());
        exit(1);
    }
}

/* Trains the policy `spec` on `ds`; exits on any failure. */
static inline orl_model *bench_train_spec(const char *spec, uint32_t epochs, int seed,
                                          const orl_dataset *ds)
{
    char buf[1024], *save = NULL;
    snprintf(buf, sizeof buf, "%s", spec);
    char *name = strtok_r(buf, ":", &save);
    orl_encoder *enc = NULL;
    bench_check(orl_encoder_create(NULL, &enc), "encoder");
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = name;
    tp.epochs = epochs;
    tp.seed = (uint64_t)seed;
    orl_trainer *t = NULL;
    bench_check(orl_trainer_create(&tp, enc, NULL, NULL, &t), "trainer");
    for (char *kv = strtok_r(NULL, ":", &save); kv; kv = strtok_r(NULL, ":", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            fprintf(stderr, "%s: expected key=value\n", kv);
            exit(2);
        }
        *eq = '\0';
        bench_check(orl_trainer_set_float(t, kv, atof(eq + 1)), kv);
    }
    bench_check(orl_trainer_fit(t, ds, NULL), "fit");
    orl_model *m = NULL;
    bench_check(orl_trainer_export_model(t, &m), "export");
    orl_trainer_free(t);
    orl_encoder_free(enc);
    return m;
}

#endif
