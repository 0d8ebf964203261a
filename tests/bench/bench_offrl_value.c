/* True value (simulator rollouts) of the constrained and pessimistic value
 * methods against sl and sa2c, per world and seed, with every way each model
 * can score: its heads, BCQ's constrained rule, and for ensembles the mean,
 * mean - kappa std (kappa 0.5, 1, 2) and mean + std.
 *
 * usage: bench_offrl_value [--worlds default,small,large] [--seeds N] [--sessions N]
 *                          [--epochs N] [--rollouts N] [--algos a,b:key=v,...]
 * Worlds: "default" (orl_sim_params_init: 1,000 items, logging temperature 1,
 * epsilon 0.1); "small" (300 items, temperature 0.5, epsilon 0.3: a sharper,
 * more exploratory logger); "large" (3,000 items, temperature 2, epsilon 0.02:
 * a flatter logger that rarely explores). Every policy of a (world, seed) is
 * trained on the same logs and rolled out on the same sessions (seed 99).
 * Prints one JSON line per (world, seed, policy, scoring) and then, per
 * (world, policy, scoring), the mean over seeds, its standard error and the
 * paired difference from sl's and sa2c's default scoring with its standard
 * error. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_train_spec.h"
#include "offlinerl/offlinerl.h"

enum { MAX_ROWS = 64, MAX_SEEDS = 32, MAX_WORLDS = 3 };

typedef struct row {
    char policy[96], scoring[32];
    double value[MAX_SEEDS];
} row;

/* Every way model m scores: (name, derived model). Returns the count. */
static int scorings(const orl_model *m, char names[][32], orl_model **out)
{
    uint32_t heads = 1, active = 0, ens = 0;
    orl_model_head_count(m, &heads);
    orl_model_head(m, &active);
    orl_model_ensemble_size(m, &ens);
    int n = 0;
    if (heads == 2 || active != ORL_HEAD_Q) {
        bench_check(orl_model_with_head(m, ORL_HEAD_SUPERVISED, &out[n]), "head");
        snprintf(names[n++], 32, "supervised");
    }
    if (heads == 2 || active == ORL_HEAD_Q) {
        if (ens)
            bench_check(orl_model_with_score_rule(m, ORL_SCORE_MEAN, 0, &out[n]), "mean");
        else
            bench_check(orl_model_with_head(m, ORL_HEAD_Q, &out[n]), "head");
        snprintf(names[n++], 32, ens ? "mean" : "q");
    }
    if (active == ORL_HEAD_CONSTRAINED) {
        bench_check(orl_model_with_head(m, ORL_HEAD_CONSTRAINED, &out[n]), "constrained");
        snprintf(names[n++], 32, "constrained");
    }
    static const float kappas[] = {0.5f, 1.0f, 2.0f};
    for (int i = 0; ens && i < 3; i++) {
        bench_check(orl_model_with_score_rule(m, ORL_SCORE_LCB, kappas[i], &out[n]), "lcb");
        snprintf(names[n++], 32, "lcb%g", (double)kappas[i]);
    }
    if (ens) {
        bench_check(orl_model_with_score_rule(m, ORL_SCORE_UCB, 1.0f, &out[n]), "ucb");
        snprintf(names[n++], 32, "ucb1");
    }
    return n;
}

/* The default scoring of a policy: what its exported model scores with. */
static const char *default_scoring(const orl_model *m)
{
    uint32_t active = 0, ens = 0;
    orl_model_head(m, &active);
    orl_model_ensemble_size(m, &ens);
    return active == ORL_HEAD_SUPERVISED    ? "supervised"
           : active == ORL_HEAD_CONSTRAINED ? "constrained"
           : ens                            ? "mean"
                                            : "q";
}

static row *find(row *rows, int n, const char *policy, const char *scoring)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(rows[i].policy, policy) && !strcmp(rows[i].scoring, scoring)) return &rows[i];
    return NULL;
}

static void summary(const char *world, row *rows, int n_rows, int seeds, const char *sl_default,
                    const char *sa2c_default)
{
    row *sl = find(rows, n_rows, "sl", sl_default),
        *sa2c = find(rows, n_rows, "sa2c", sa2c_default);
    for (int i = 0; i < n_rows; i++) {
        double m, se, dsl = NAN, dsl_se = NAN, dsa = NAN, dsa_se = NAN;
        bench_mean_se(rows[i].value, NULL, seeds, &m, &se);
        if (sl) bench_mean_se(rows[i].value, sl->value, seeds, &dsl, &dsl_se);
        if (sa2c) bench_mean_se(rows[i].value, sa2c->value, seeds, &dsa, &dsa_se);
        char num[6][24];
        const double vals[6] = {m, se, dsl, dsl_se, dsa, dsa_se};
        for (int k = 0; k < 6; k++) bench_json_num(num[k], vals[k]);
        printf("{\"world\":\"%s\",\"summary\":\"%s\",\"scoring\":\"%s\",\"seeds\":%d,"
               "\"value\":%s,\"se\":%s,\"minus_sl\":%s,\"minus_sl_se\":%s,"
               "\"minus_sa2c\":%s,\"minus_sa2c_se\":%s}\n",
               world, rows[i].policy, rows[i].scoring, seeds, num[0], num[1], num[2], num[3],
               num[4], num[5]);
    }
}

int main(int argc, char **argv)
{
    const char *worlds = "default,small,large";
    const char *algos = "sl,sa2c,bcq,cql,sqn_cql,rem,sqn_rem,sqn_rem:vpq_c=1";
    int seeds = 3;
    uint64_t sessions = 10000, rollouts = 5000;
    uint32_t epochs = 5;
    const bench_opt opts[] = {{"--worlds", 's', &worlds},     {"--algos", 's', &algos},
                              {"--seeds", 'i', &seeds},       {"--sessions", 'U', &sessions},
                              {"--rollouts", 'U', &rollouts}, {"--epochs", 'u', &epochs}};
    if (bench_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0])) return 2;
    if (seeds < 1 || seeds > MAX_SEEDS) {
        fprintf(stderr, "--seeds must be 1..%d\n", MAX_SEEDS);
        return 2;
    }
    char wlist[256], *wsave = NULL;
    snprintf(wlist, sizeof wlist, "%s", worlds);
    for (char *world = strtok_r(wlist, ",", &wsave); world; world = strtok_r(NULL, ",", &wsave)) {
        static row rows[MAX_ROWS];
        int n_rows = 0;
        char sl_default[32] = "supervised", sa2c_default[32] = "supervised";
        for (int seed = 1; seed <= seeds; seed++) {
            orl_sim_params sp;
            bench_world_params(world, seed, &sp);
            orl_sim *sim = NULL;
            bench_check(orl_sim_create(&sp, &sim), "sim");
            orl_dataset *ds = NULL;
            bench_check(orl_dataset_create(NULL, &ds), "dataset");
            bench_check(orl_sim_generate(sim, sessions, ds), "generate");
            bench_check(orl_dataset_finalize(ds), "finalize");
            orl_sim_rollout_result lr = {.struct_size = sizeof lr};
            bench_check(orl_sim_rollout_logging(sim, rollouts, 99, &lr), "logging rollout");
            printf("{\"world\":\"%s\",\"seed\":%d,\"policy\":\"logging\",\"value\":%.4f,"
                   "\"se\":%.4f}\n",
                   world, seed, lr.mean_return, lr.std_error);
            char list[1024], *save = NULL;
            snprintf(list, sizeof list, "%s", algos);
            for (char *spec = strtok_r(list, ",", &save); spec; spec = strtok_r(NULL, ",", &save)) {
                orl_model *m = bench_train_spec(spec, epochs, seed, ds);
                if (!strcmp(spec, "sl")) snprintf(sl_default, 32, "%s", default_scoring(m));
                if (!strcmp(spec, "sa2c")) snprintf(sa2c_default, 32, "%s", default_scoring(m));
                char names[8][32];
                orl_model *variants[8];
                int nv = scorings(m, names, variants);
                for (int v = 0; v < nv; v++) {
                    orl_sim_rollout_result r = {.struct_size = sizeof r};
                    bench_check(orl_sim_rollout_model(sim, variants[v], rollouts, 99, &r),
                                "rollout");
                    row *rw = find(rows, n_rows, spec, names[v]);
                    if (!rw && n_rows < MAX_ROWS) {
                        rw = &rows[n_rows++];
                        snprintf(rw->policy, sizeof rw->policy, "%s", spec);
                        snprintf(rw->scoring, sizeof rw->scoring, "%s", names[v]);
                    }
                    if (rw) rw->value[seed - 1] = r.mean_return;
                    printf("{\"world\":\"%s\",\"seed\":%d,\"policy\":\"%s\",\"scoring\":\"%s\","
                           "\"default\":%s,\"value\":%.4f,\"se\":%.4f,\"purchases\":%.3f,"
                           "\"length\":%.2f}\n",
                           world, seed, spec, names[v],
                           strcmp(names[v], default_scoring(m)) ? "false" : "true", r.mean_return,
                           r.std_error, r.mean_purchases, r.mean_length);
                    fflush(stdout);
                    orl_model_free(variants[v]);
                }
                orl_model_free(m);
            }
            orl_dataset_free(ds);
            orl_sim_free(sim);
        }
        summary(world, rows, n_rows, seeds, sl_default, sa2c_default);
    }
    return 0;
}
