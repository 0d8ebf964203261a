/* What the scoring rules of issue 13 cost: one history, top-10 over the
 * catalogue, 1 thread, p50 / p99 latency of orl_model_recommend for a model
 * scoring with its supervised head, its Q head (an ensemble's mean head),
 * BCQ's constrained rule, an ensemble's lower bound, and
 * orl_model_recommend_with_std; phases alternated in rounds so that the
 * machine's drift spreads over all of them. GRU4Rec, embedding and hidden 64,
 * random weights (the cost does not depend on them).
 *   bench_score_rules [items ...] [--heads K]   (default 2000 25000, K 4)
 *   bench_score_rules --model M.orl ...         trained models (rem / bcq / sqn_rem)
 * Random weights make the constrained rule and the lower bound's pruning
 * look worse than they are (G allows almost every item, the heads disagree
 * wildly): quote trained models. One JSON line per catalogue size or model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/policy_store.h"
#include "api/model_impl.h"
#include "bench_util.h"
#include "core/rng.h"

enum { DIM = 64, CALLS = 1500, ROUNDS = 5, N_PHASES = 5, T_HIST = 10 };

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[(int)(p * (n - 1) + 0.5)];
}

static orl_model *build(const orl_params *p, int I)
{
    orl_encoder_spec enc;
    orl_encoder_spec_default(&enc);
    enc.embed_dim = enc.hidden_dim = DIM;
    orl_keymap items;
    orl_keymap_init(&items);
    for (int i = 0; i < I; i++) {
        uint32_t id;
        orl_keymap_put_int(&items, i, &id);
    }
    orl_model *m = NULL;
    if (orl_encoder_spec_resolve(&enc) != ORL_OK ||
        orl_model_build(&enc, (uint32_t)I, "bench", NULL, &items, p, NULL, 0, &m) != ORL_OK) {
        fprintf(stderr, "build: %s\n", orl_last_error());
        exit(1);
    }
    orl_keymap_free(&items);
    return m;
}

static void run(int I, int K, const char *path)
{
    orl_params *p = path ? NULL : policy_store_new(I, DIM, K, 1, 7);
    if (!path && !p) exit(1);
    orl_model *base = NULL, *m[N_PHASES] = {NULL};
    if (path) {
        uint64_t n = 0;
        if (orl_model_load(path, &base) != ORL_OK || orl_model_item_count(base, &n) != ORL_OK) {
            fprintf(stderr, "%s: %s\n", path, orl_last_error());
            exit(1);
        }
        I = (int)n;
        orl_model_ensemble_size(base, (uint32_t *)&K);
    } else {
        base = build(p, I);
        base->bcq_threshold = 0.3f;
    }
    static const char *const names[N_PHASES] = {"supervised", "q_mean", "constrained", "lcb",
                                                "with_std"};
    /* Each phase on the model that has it (a trained model lacks some). */
    int have[N_PHASES];
    have[0] = orl_model_with_head(base, ORL_HEAD_SUPERVISED, &m[0]) == ORL_OK;
    have[1] = orl_model_with_score_rule(base, ORL_SCORE_MEAN, 0, &m[1]) == ORL_OK ||
              orl_model_with_head(base, ORL_HEAD_Q, &m[1]) == ORL_OK;
    have[2] = orl_model_with_head(base, ORL_HEAD_CONSTRAINED, &m[2]) == ORL_OK;
    have[3] = orl_model_with_score_rule(base, ORL_SCORE_LCB, 1.0f, &m[3]) == ORL_OK;
    have[4] = orl_model_with_score_rule(base, ORL_SCORE_MEAN, 0, &m[4]) == ORL_OK;
    static double t[N_PHASES][CALLS * ROUNDS];
    orl_rng r;
    orl_rng_init(&r, 3, 1);
    int64_t hist[T_HIST], items[10];
    float scores[10], sd[10];
    for (int round = 0; round < ROUNDS; round++)
        for (int ph = 0; ph < N_PHASES; ph++)
            for (int c = 0; have[ph] && c < CALLS; c++) {
                for (int j = 0; j < T_HIST; j++) hist[j] = (int64_t)orl_rng_below(&r, (uint32_t)I);
                double t0 = now_s();
                int s = ph == 4 ? orl_model_recommend_with_std(m[ph], hist, T_HIST, 10, items,
                                                               scores, sd, NULL)
                                : orl_model_recommend(m[ph], hist, T_HIST, 10, items, scores, NULL);
                t[ph][round * CALLS + c] = (now_s() - t0) * 1e6;
                if (s != ORL_OK) {
                    fprintf(stderr, "%s: %s\n", names[ph], orl_last_error());
                    exit(1);
                }
            }
    printf("{\"bench\":\"score_rules\",\"model\":\"%s\",\"n_items\":%d,\"heads\":%d,"
           "\"k\":10,\"threads\":1",
           path ? path : "random weights", I, K);
    for (int ph = 0; ph < N_PHASES; ph++)
        if (have[ph])
            printf(",\"%s_us\":[%.1f,%.1f]", names[ph], pct(t[ph], CALLS * ROUNDS, 0.5),
                   pct(t[ph], CALLS * ROUNDS, 0.99));
    printf("}\n");
    for (int ph = 0; ph < N_PHASES; ph++) orl_model_free(m[ph]);
    orl_model_free(base);
    policy_store_free(p);
}

int main(int argc, char **argv)
{
    int sizes[8], n = 0, K = 4, n_models = 0;
    const char *models[8];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--heads") && i + 1 < argc)
            K = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--model") && i + 1 < argc && n_models < 8)
            models[n_models++] = argv[++i];
        else if (n < 8)
            sizes[n++] = atoi(argv[i]);
    }
    for (int i = 0; i < n_models; i++) run(0, 0, models[i]);
    if (n_models && !n) return 0;
    if (!n) {
        sizes[n++] = 2000;
        sizes[n++] = 25000;
    }
    for (int i = 0; i < n; i++) run(sizes[i], K, NULL);
    return 0;
}
