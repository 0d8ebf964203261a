/* True value (simulator rollout) of policies trained on simulator logs: the
 * supervised baseline against the RL algorithms, with both heads, per seed.
 * usage: bench_rl_value [items] [sessions] [epochs] [seeds] [rollouts] [algos]
 * Prints one JSON line per (seed, algorithm, head) and the logging policy's value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offlinerl/offlinerl.h"

static int check(int s, const char *what)
{
    if (s != ORL_OK) {
        fprintf(stderr, "%s: %s\n", what, orl_last_error());
        exit(1);
    }
    return s;
}

int main(int argc, char **argv)
{
    uint32_t items = argc > 1 ? (uint32_t)atoi(argv[1]) : 200;
    uint64_t sessions = argc > 2 ? (uint64_t)atoll(argv[2]) : 8000;
    uint32_t epochs = argc > 3 ? (uint32_t)atoi(argv[3]) : 5;
    int seeds = argc > 4 ? atoi(argv[4]) : 2;
    uint64_t rollouts = argc > 5 ? (uint64_t)atoll(argv[5]) : 3000;
    const char *algos = argc > 6 ? argv[6] : "sl,sqn,sac,snqn,sa2c";
    for (int seed = 1; seed <= seeds; seed++) {
        orl_sim_params sp;
        orl_sim_params_init(&sp);
        sp.n_items = items;
        sp.n_clusters = items / 10 ? items / 10 : 1;
        sp.seed = (uint64_t)seed;
        orl_sim *sim = NULL;
        check(orl_sim_create(&sp, &sim), "sim");
        orl_dataset *ds = NULL;
        check(orl_dataset_create(NULL, &ds), "dataset");
        check(orl_sim_generate(sim, sessions, ds), "generate");
        check(orl_dataset_finalize(ds), "finalize");
        orl_sim_rollout_result lr = {.struct_size = sizeof lr};
        check(orl_sim_rollout_logging(sim, rollouts, 99, &lr), "logging rollout");
        printf("{\"seed\":%d,\"policy\":\"logging\",\"value\":%.4f,\"se\":%.4f}\n", seed,
               lr.mean_return, lr.std_error);
        char list[256];
        snprintf(list, sizeof list, "%s", algos);
        for (char *algo = strtok(list, ","); algo; algo = strtok(NULL, ",")) {
            orl_encoder *enc = NULL;
            check(orl_encoder_create(NULL, &enc), "encoder");
            orl_trainer_params tp;
            orl_trainer_params_init(&tp);
            tp.algorithm = algo;
            tp.epochs = epochs;
            tp.seed = (uint64_t)seed;
            orl_trainer *t = NULL;
            check(orl_trainer_create(&tp, enc, NULL, NULL, &t), "trainer");
            check(orl_trainer_fit(t, ds, NULL), "fit");
            orl_model *m = NULL;
            check(orl_trainer_export_model(t, &m), "export");
            uint32_t heads = 1;
            orl_model_head_count(m, &heads);
            for (uint32_t h = 0; h < heads; h++) {
                orl_model *mh = NULL;
                check(orl_model_with_head(m, h, &mh), "head");
                orl_sim_rollout_result r = {.struct_size = sizeof r};
                check(orl_sim_rollout_model(sim, mh, rollouts, 99, &r), "rollout");
                printf("{\"seed\":%d,\"policy\":\"%s\",\"head\":\"%s\",\"value\":%.4f,\"se\":%.4f,"
                       "\"purchases\":%.3f,\"length\":%.2f}\n",
                       seed, algo, h ? "q" : "supervised", r.mean_return, r.std_error,
                       r.mean_purchases, r.mean_length);
                fflush(stdout);
                orl_model_free(mh);
            }
            orl_model_free(m);
            orl_trainer_free(t);
            orl_encoder_free(enc);
        }
        orl_dataset_free(ds);
        orl_sim_free(sim);
    }
    return 0;
}
