/* Training a policy from a one-line spec, shared by the simulator-value
 * benchmarks: "name" or "name:key=value:key=value" (trainer settings, e.g.
 * "sqn:gamma=0", "bcq:threshold=0.3"), on the default GRU4Rec encoder. */
#ifndef ORL_BENCH_TRAIN_SPEC_H
#define ORL_BENCH_TRAIN_SPEC_H

#include <math.h>
#include <stdint.h>
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

/* The simulator worlds of the value benchmarks: "default" (orl_sim_params_init:
 * 1,000 items, logging temperature 1, epsilon 0.1); "small" (300 items,
 * temperature 0.5, epsilon 0.3); "large" (3,000 items, temperature 2, epsilon
 * 0.02). Exits on an unknown name. */
static inline void bench_world_params(const char *world, int seed, orl_sim_params *sp)
{
    orl_sim_params_init(sp);
    sp->seed = (uint64_t)seed;
    if (strcmp(world, "small") == 0) {
        sp->n_items = 300;
        sp->n_clusters = 15;
        sp->log_temperature = 0.5f;
        sp->log_epsilon = 0.3f;
    } else if (strcmp(world, "large") == 0) {
        sp->n_items = 3000;
        sp->n_clusters = 60;
        sp->log_temperature = 2.0f;
        sp->log_epsilon = 0.02f;
    } else if (strcmp(world, "default") != 0) {
        fprintf(stderr, "world must be default, small or large\n");
        exit(2);
    }
}

/* Mean and standard error over seeds of a[s] - (b ? b[s] : 0). */
static inline void bench_mean_se(const double *a, const double *b, int n, double *mean, double *se)
{
    double m = 0, v = 0;
    for (int s = 0; s < n; s++) m += a[s] - (b ? b[s] : 0);
    m /= n;
    for (int s = 0; s < n; s++) {
        double d = a[s] - (b ? b[s] : 0) - m;
        v += d * d;
    }
    *mean = m;
    *se = n > 1 ? sqrt(v / (n - 1) / n) : NAN;
}

/* A number for JSON into dst[24]: null when it is not finite (one seed has no error). */
static inline void bench_json_num(char *dst, double v)
{
    if (isfinite(v))
        snprintf(dst, 24, "%.4f", v);
    else
        snprintf(dst, 24, "null");
}

/* One "--name value" option of a benchmark: kind 's' (const char *), 'i'
 * (int), 'u' (uint32_t) or 'U' (uint64_t), written to dst. */
typedef struct bench_opt {
    const char *name;
    char kind;
    void *dst;
} bench_opt;

/* Reads argv's "--name value" pairs into the table; 0, or 2 (a message on
 * stderr) for a missing value or an unknown option. */
static inline int bench_parse_options(int argc, char **argv, const bench_opt *opts, size_t n)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "%s needs a value\n", a);
            return 2;
        }
        size_t k = 0;
        while (k < n && strcmp(a, opts[k].name)) k++;
        if (k == n) {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
        if (opts[k].kind == 's') *(const char **)opts[k].dst = v;
        if (opts[k].kind == 'i') *(int *)opts[k].dst = atoi(v);
        if (opts[k].kind == 'u') *(uint32_t *)opts[k].dst = (uint32_t)atoi(v);
        if (opts[k].kind == 'U') *(uint64_t *)opts[k].dst = (uint64_t)atoll(v);
    }
    return 0;
}

#endif
