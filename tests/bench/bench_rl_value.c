/* True value (simulator rollout) of policies trained on simulator logs: the
 * supervised baseline against the RL algorithms, with both heads, per seed.
 * usage: bench_rl_value [items] [sessions] [epochs] [seeds] [rollouts] [algos] [world]
 *   algos: comma-separated, each "name" or "name:key=value:key=value" (trainer
 *          settings, e.g. "sqn:gamma=0"); the first is the reference ("sl").
 *   world: "default" or "long_term" (the learning test's long-term world:
 *          item-independent clicks and immediate reward, quality acting through
 *          satisfaction only; tests/unit/test_rl_learning.c says why).
 * Prints one JSON line per (seed, policy, head) and the logging policy's value,
 * then per (policy, head) the mean and standard deviation over seeds and the
 * paired difference from the first policy's supervised head. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_train_spec.h"
#include "offlinerl/offlinerl.h"

enum { MAX_POLICIES = 32, MAX_SEEDS = 64 };

static int check(int s, const char *what)
{
    bench_check(s, what);
    return s;
}

static void long_term_world(orl_sim_params *p)
{
    p->click_relevance = 0.0f;
    p->click_appeal = 0.0f;
    p->click_successor = 0.0f;
    p->purchase_quality = 0.0f;
    p->sat_quality = 1.0f;
}

int main(int argc, char **argv)
{
    uint32_t items = argc > 1 ? (uint32_t)atoi(argv[1]) : 200;
    uint64_t sessions = argc > 2 ? (uint64_t)atoll(argv[2]) : 8000;
    uint32_t epochs = argc > 3 ? (uint32_t)atoi(argv[3]) : 5;
    int seeds = argc > 4 ? atoi(argv[4]) : 2;
    uint64_t rollouts = argc > 5 ? (uint64_t)atoll(argv[5]) : 3000;
    const char *algos = argc > 6 ? argv[6] : "sl,sqn,sac,snqn,sa2c";
    const char *world = argc > 7 ? argv[7] : "default";
    if (strcmp(world, "default") != 0 && strcmp(world, "long_term") != 0) {
        fprintf(stderr, "world must be default or long_term\n");
        return 2;
    }
    if (seeds < 1 || seeds > MAX_SEEDS) {
        fprintf(stderr, "seeds must be 1..%d\n", MAX_SEEDS);
        return 2;
    }
    static double value[MAX_POLICIES][2][MAX_SEEDS];
    static char names[MAX_POLICIES][128];
    static uint32_t n_heads[MAX_POLICIES];
    int n_pol = 0;
    for (int seed = 1; seed <= seeds; seed++) {
        orl_sim_params sp;
        orl_sim_params_init(&sp);
        sp.n_items = items;
        sp.n_clusters = items / 10 ? items / 10 : 1;
        sp.seed = (uint64_t)seed;
        if (strcmp(world, "long_term") == 0) long_term_world(&sp);
        orl_sim *sim = NULL;
        check(orl_sim_create(&sp, &sim), "sim");
        orl_dataset *ds = NULL;
        check(orl_dataset_create(NULL, &ds), "dataset");
        check(orl_sim_generate(sim, sessions, ds), "generate");
        check(orl_dataset_finalize(ds), "finalize");
        orl_sim_rollout_result lr = {.struct_size = sizeof lr};
        check(orl_sim_rollout_logging(sim, rollouts, 99, &lr), "logging rollout");
        printf("{\"world\":\"%s\",\"seed\":%d,\"policy\":\"logging\",\"value\":%.4f,\"se\":%.4f}\n",
               world, seed, lr.mean_return, lr.std_error);
        char list[1024], *save = NULL;
        snprintf(list, sizeof list, "%s", algos);
        int k = 0;
        for (char *spec = strtok_r(list, ",", &save); spec && k < MAX_POLICIES;
             spec = strtok_r(NULL, ",", &save), k++) {
            snprintf(names[k], sizeof names[k], "%s", spec);
            orl_model *m = bench_train_spec(spec, epochs, seed, ds);
            uint32_t heads = 1;
            orl_model_head_count(m, &heads);
            n_heads[k] = heads > 2 ? 2 : heads;
            for (uint32_t h = 0; h < n_heads[k]; h++) {
                orl_model *mh = NULL;
                check(orl_model_with_head(m, h, &mh), "head");
                orl_sim_rollout_result r = {.struct_size = sizeof r};
                check(orl_sim_rollout_model(sim, mh, rollouts, 99, &r), "rollout");
                value[k][h][seed - 1] = r.mean_return;
                printf("{\"world\":\"%s\",\"seed\":%d,\"policy\":\"%s\",\"head\":\"%s\","
                       "\"value\":%.4f,\"se\":%.4f,\"purchases\":%.3f,\"length\":%.2f}\n",
                       world, seed, spec, h ? "q" : "supervised", r.mean_return, r.std_error,
                       r.mean_purchases, r.mean_length);
                fflush(stdout);
                orl_model_free(mh);
            }
            orl_model_free(m);
        }
        n_pol = k;
        orl_dataset_free(ds);
        orl_sim_free(sim);
    }
    for (int k = 0; k < n_pol; k++)
        for (uint32_t h = 0; h < n_heads[k]; h++) {
            double mean = 0, diff = 0, var = 0, dvar = 0, dmin = INFINITY;
            for (int s = 0; s < seeds; s++) {
                mean += value[k][h][s] / seeds;
                diff += (value[k][h][s] - value[0][0][s]) / seeds;
            }
            for (int s = 0; s < seeds; s++) {
                double d = value[k][h][s] - value[0][0][s];
                var += (value[k][h][s] - mean) * (value[k][h][s] - mean);
                dvar += (d - diff) * (d - diff);
                if (d < dmin) dmin = d;
            }
            double sd = seeds > 1 ? sqrt(var / (seeds - 1)) : 0.0;
            double dsd = seeds > 1 ? sqrt(dvar / (seeds - 1)) : 0.0;
            printf("{\"world\":\"%s\",\"summary\":\"%s\",\"head\":\"%s\",\"seeds\":%d,"
                   "\"mean\":%.4f,\"std\":%.4f,\"vs_%s\":%.4f,\"vs_std\":%.4f,\"vs_min\":%.4f}\n",
                   world, names[k], h ? "q" : "supervised", seeds, mean, sd, names[0], diff, dsd,
                   dmin);
        }
    return 0;
}
