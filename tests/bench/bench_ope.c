/* Speed of orl_model_estimate_value (issue 15 item 6): DR over 1,000,000
 * logged steps at 25,000 items on 2 threads, the target's probabilities from
 * batch scoring of a GRU4Rec model (the library's defaults: embed 64, hidden
 * 64). Prints where the time goes (the result's timing: scoring, policy
 * probabilities, reward model, estimators, bootstrap) as JSON lines.
 *
 * The logs are synthetic, shaped like the peer's make_synth.py: session
 * length 2 + Geometric(continue 0.86) (mean about 8), items drawn with a
 * skew towards low ids (u^2), a logging propensity per step, 10% purchases.
 * The model is trained for one epoch on a small dataset over the same
 * catalogue (speed only; its quality does not matter here).
 *
 * Usage: bench_ope [steps] [items] [threads] [policy] [reward_model]
 *   defaults 1000000 25000 2 greedy item_mean. Run under quiet-run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench_util.h"
#include "core/rng.h"
#include "offlinerl/offlinerl.h"

/* "model name (family F)": family 26 is AMD Zen 5. */
static void cpu_name(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512], name[256] = "?", family[32] = "?";
    while (fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!c) continue;
        c[strcspn(c, "\n")] = '\0';
        if (strncmp(line, "model name", 10) == 0 && name[0] == '?')
            snprintf(name, sizeof name, "%s", c + 2);
        if (strncmp(line, "cpu family", 10) == 0 && family[0] == '?')
            snprintf(family, sizeof family, "%s", c + 2);
    }
    fclose(f);
    snprintf(buf, len, "%s (family %s)", name, family);
}

/* CPU seconds of the process (user + system): on a shared machine, with
 * the thread count, a check on the wall times. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static int die(const char *what)
{
    fprintf(stderr, "bench_ope: %s: %s\n", what, orl_last_error());
    return 1;
}

/* The logged steps: `steps` events in sessions as described above, the last
 * `items` of them one session per item (so the catalogue is the model's). */
static orl_dataset *make_logs(uint64_t total, uint32_t items)
{
    uint64_t steps = total > items ? total - items : 1;
    int64_t *sk = malloc(sizeof(int64_t) * steps * 3);
    int64_t *ik = sk + steps, *ts = ik + steps;
    int32_t *codes = malloc(sizeof(int32_t) * steps);
    float *props = malloc(sizeof(float) * steps);
    orl_dataset *ds = NULL;
    if (!sk || !codes || !props || orl_dataset_create(NULL, &ds) != ORL_OK) return NULL;
    int32_t click, buy;
    orl_dataset_event_type(ds, "click", &click);
    orl_dataset_event_type(ds, "purchase", &buy);
    orl_rng r;
    orl_rng_init(&r, 15, 0);
    int64_t session = 0;
    for (uint64_t e = 0; e < steps; session++) {
        uint32_t len = 2;
        while (orl_rng_uniform(&r) < 0.86f) len++;
        for (uint32_t t = 0; t < len && e < steps; t++, e++) {
            double u = orl_rng_uniform_double(&r);
            sk[e] = session;
            ik[e] = (int64_t)(u * u * items);
            ts[e] = session * 1000 + t;
            codes[e] = orl_rng_uniform(&r) < 0.1f ? buy : click;
            props[e] = 1e-4f + 1e-2f * orl_rng_uniform(&r);
        }
    }
    int s = orl_dataset_add_events_i64(ds, steps, sk, ik, ts, codes, NULL, props);
    /* Every item at least once, so the catalogue is the model's. */
    for (uint32_t i = 0; s == ORL_OK && i < items; i++) {
        int64_t k = session + i, it = i, t0 = 0;
        float p = 0.5f;
        s = orl_dataset_add_events_i64(ds, 1, &k, &it, &t0, &click, NULL, &p);
    }
    free(sk);
    free(codes);
    free(props);
    if (s != ORL_OK || orl_dataset_finalize(ds) != ORL_OK) {
        orl_dataset_free(ds);
        return NULL;
    }
    return ds;
}

/* A GRU4Rec model (defaults) trained one epoch on pairs (i, i + 1) over the catalogue. */
static orl_model *make_model(uint32_t items, int threads)
{
    orl_dataset *ds = NULL;
    if (orl_dataset_create(NULL, &ds) != ORL_OK) return NULL;
    int32_t click;
    orl_dataset_event_type(ds, "click", &click);
    for (uint32_t i = 0; i < items; i++) {
        int64_t sk[2] = {i, i}, ik[2] = {i, (i + 1) % items}, ts[2] = {0, 1};
        int32_t codes[2] = {click, click};
        if (orl_dataset_add_events_i64(ds, 2, sk, ik, ts, codes, NULL, NULL) != ORL_OK) break;
    }
    orl_model *m = NULL;
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    orl_encoder *enc = NULL;
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.threads = threads;
    orl_trainer *t = NULL;
    if (orl_dataset_finalize(ds) == ORL_OK && orl_encoder_create(&ep, &enc) == ORL_OK &&
        orl_trainer_create(&tp, enc, NULL, NULL, &t) == ORL_OK &&
        orl_trainer_fit(t, ds, NULL) == ORL_OK)
        orl_trainer_export_model(t, &m);
    orl_trainer_free(t);
    orl_encoder_free(enc);
    orl_dataset_free(ds);
    return m;
}

int main(int argc, char **argv)
{
    uint64_t steps = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    uint32_t items = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 25000;
    int threads = argc > 3 ? atoi(argv[3]) : 2;
    const char *policy = argc > 4 ? argv[4] : "greedy";
    const char *reward = argc > 5 ? argv[5] : "item_mean";
    char cpu[256];
    cpu_name(cpu, sizeof cpu);
    double t0 = now_s();
    orl_dataset *ds = make_logs(steps, items);
    if (!ds) return die("logs");
    double t1 = now_s();
    orl_model *m = make_model(items, threads);
    if (!m) return die("model");
    double t2 = now_s();
    orl_policy_rule rule;
    orl_policy_rule_init(&rule);
    if (orl_policy_rule_parse(policy, &rule) != ORL_OK) return die("policy");
    orl_ope_params p;
    orl_ope_params_init(&p);
    p.estimators = "dr";
    p.policy = &rule;
    p.threads = threads;
    p.reward_model = strcmp(reward, "fqe") == 0 ? ORL_OPE_REWARD_FQE : ORL_OPE_REWARD_ITEM_MEAN;
    orl_ope_result *r = NULL;
    double t3 = now_s(), c3 = cpu_s();
    if (orl_model_estimate_value(m, ds, &p, &r) != ORL_OK) return die("estimate");
    double t4 = now_s(), c4 = cpu_s();
    size_t len = 0;
    orl_ope_result_json(r, NULL, 0, &len);
    char *json = malloc(len);
    orl_ope_result_json(r, json, len, &len);
    printf("{\"bench\":\"ope_dr\",\"cpu\":\"%s\",\"threads\":%d,\"steps\":%llu,\"items\":%u,"
           "\"policy\":\"%s\",\"reward_model\":\"%s\",\"estimate_s\":%.3f,\"estimate_cpu_s\":%.3f,"
           "\"target_s\":30,\"within_target\":%s,\"make_logs_s\":%.3f,\"train_model_s\":%.3f}\n",
           cpu, threads, (unsigned long long)steps, items, policy, reward, t4 - t3, c4 - c3,
           t4 - t3 <= 30.0 ? "true" : "false", t1 - t0, t2 - t1);
    printf("%s\n", json);
    free(json);
    orl_ope_result_free(r);
    orl_model_free(m);
    orl_dataset_free(ds);
    return 0;
}
