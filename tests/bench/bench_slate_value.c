/* True value (simulator rollouts) of REINFORCE with and without the top-K
 * correction in worlds that show slates of K items, against sl and sa2c, per
 * world, slate size and seed; with the logged and the learned behaviour
 * policy. Every policy of a (world, K, seed) is trained on the same logs and
 * rolled out on the same sessions (seed 99), showing its top-K items.
 *
 * usage: bench_slate_value [--worlds default,small,large] [--slates 1,5,10]
 *                          [--seeds N] [--sessions N] [--epochs N] [--rollouts N]
 * Worlds as bench_offrl_value's (default; small: 300 items, logging
 * temperature 0.5, epsilon 0.3; large: 3,000 items, temperature 2, epsilon
 * 0.02) with slate_size K. Prints one JSON line per (world, K, seed, policy)
 * and then, per (world, K, policy), the mean over seeds, its standard error
 * and the paired differences from reinforce with topk 1, sl and sa2c with
 * their standard errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_train_spec.h"
#include "offlinerl/offlinerl.h"

enum { MAX_POLICIES = 8, MAX_SEEDS = 16 };

/* The policies for slate size k: names and trainer specs. */
static int specs(uint32_t k, char names[][48], char spec[][96])
{
    int n = 0;
    snprintf(names[n], 48, "sl");
    snprintf(spec[n++], 96, "sl");
    snprintf(names[n], 48, "sa2c");
    snprintf(spec[n++], 96, "sa2c");
    snprintf(names[n], 48, "reinforce topk=1");
    snprintf(spec[n++], 96, "reinforce:topk=1");
    snprintf(names[n], 48, "reinforce topk=1 logged beta");
    snprintf(spec[n++], 96, "reinforce:topk=1:beta=1");
    if (k > 1) {
        snprintf(names[n], 48, "reinforce topk=K");
        snprintf(spec[n++], 96, "reinforce:topk=%u", k);
        snprintf(names[n], 48, "reinforce topk=K logged beta");
        snprintf(spec[n++], 96, "reinforce:topk=%u:beta=1", k);
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *worlds = "default,small,large", *slates = "1,5,10";
    int seeds = 3;
    uint64_t sessions = 10000, rollouts = 20000;
    uint32_t epochs = 3;
    const bench_opt opts[] = {{"--worlds", 's', &worlds},     {"--slates", 's', &slates},
                              {"--seeds", 'i', &seeds},       {"--sessions", 'U', &sessions},
                              {"--rollouts", 'U', &rollouts}, {"--epochs", 'u', &epochs}};
    if (bench_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0])) return 2;
    if (seeds < 1 || seeds > MAX_SEEDS) {
        fprintf(stderr, "--seeds must be 1..%d\n", MAX_SEEDS);
        return 2;
    }
    char wlist[128], *wsave = NULL;
    snprintf(wlist, sizeof wlist, "%s", worlds);
    for (char *world = strtok_r(wlist, ",", &wsave); world; world = strtok_r(NULL, ",", &wsave)) {
        char klist[64], *ksave = NULL;
        snprintf(klist, sizeof klist, "%s", slates);
        for (char *ks = strtok_r(klist, ",", &ksave); ks; ks = strtok_r(NULL, ",", &ksave)) {
            uint32_t k = (uint32_t)atoi(ks);
            char names[MAX_POLICIES][48], spec[MAX_POLICIES][96];
            int n_pol = specs(k, names, spec);
            static double value[MAX_POLICIES][MAX_SEEDS], logging[MAX_SEEDS];
            for (int seed = 1; seed <= seeds; seed++) {
                orl_sim_params sp;
                bench_world_params(world, seed, &sp);
                sp.slate_size = k;
                orl_sim *sim = NULL;
                bench_check(orl_sim_create(&sp, &sim), "sim");
                orl_dataset *ds = NULL;
                bench_check(orl_dataset_create(NULL, &ds), "dataset");
                bench_check(orl_sim_generate(sim, sessions, ds), "generate");
                bench_check(orl_dataset_finalize(ds), "finalize");
                orl_sim_rollout_result lr = {.struct_size = sizeof lr};
                bench_check(orl_sim_rollout_logging(sim, rollouts, 99, &lr), "logging rollout");
                logging[seed - 1] = lr.mean_return;
                printf("{\"world\":\"%s\",\"slate\":%u,\"seed\":%d,\"policy\":\"logging\","
                       "\"value\":%.4f,\"se\":%.4f}\n",
                       world, k, seed, lr.mean_return, lr.std_error);
                for (int p = 0; p < n_pol; p++) {
                    orl_model *m = bench_train_spec(spec[p], epochs, seed, ds);
                    orl_sim_rollout_result r = {.struct_size = sizeof r};
                    bench_check(orl_sim_rollout_model(sim, m, rollouts, 99, &r), "rollout");
                    value[p][seed - 1] = r.mean_return;
                    printf("{\"world\":\"%s\",\"slate\":%u,\"seed\":%d,\"policy\":\"%s\","
                           "\"value\":%.4f,\"se\":%.4f,\"clicks\":%.3f,\"purchases\":%.3f,"
                           "\"length\":%.2f}\n",
                           world, k, seed, names[p], r.mean_return, r.std_error, r.mean_clicks,
                           r.mean_purchases, r.mean_length);
                    fflush(stdout);
                    orl_model_free(m);
                }
                orl_dataset_free(ds);
                orl_sim_free(sim);
            }
            double lm, lse;
            bench_mean_se(logging, NULL, seeds, &lm, &lse);
            for (int p = 0; p < n_pol; p++) {
                double v[8];
                bench_mean_se(value[p], NULL, seeds, &v[0], &v[1]);
                bench_mean_se(value[p], value[2], seeds, &v[2], &v[3]); /* minus reinforce topk=1 */
                bench_mean_se(value[p], value[0], seeds, &v[4], &v[5]); /* minus sl */
                bench_mean_se(value[p], value[1], seeds, &v[6], &v[7]); /* minus sa2c */
                char s[8][24];
                for (int j = 0; j < 8; j++) bench_json_num(s[j], v[j]);
                printf("{\"world\":\"%s\",\"slate\":%u,\"summary\":\"%s\",\"seeds\":%d,"
                       "\"value\":%s,\"se\":%s,\"minus_reinforce_top1\":%s,"
                       "\"minus_reinforce_top1_se\":%s,\"minus_sl\":%s,\"minus_sl_se\":%s,"
                       "\"minus_sa2c\":%s,\"minus_sa2c_se\":%s,\"logging\":%.4f}\n",
                       world, k, names[p], seeds, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
                       lm);
            }
            fflush(stdout);
        }
    }
    return 0;
}
