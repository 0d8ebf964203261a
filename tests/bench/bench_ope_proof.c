/* The proof of the off-policy estimators: for several simulator worlds and
 * target policies, the true value (rollouts of exactly the policy the
 * estimators evaluate) beside every estimate from fresh logs of two sizes and
 * several log seeds. Prints one JSON line per (world, policy) truth and per
 * (world, policy, log size, log seed, estimator) estimate; the table and its
 * metrics (relative error, RMSE, rank correlation, interval coverage) are
 * computed from these lines by scripts/ope_proof_table.py.
 *
 * usage: bench_ope_proof [--worlds a,b,..] [--sizes 10000,50000] [--log-seeds N]
 *                        [--truth N] [--train-sessions N] [--epochs N]
 *                        [--estimators list] [--reward-model fqe|item_mean]
 *                        [--interval bootstrap|normal|bca] [--threads N]
 *                        [--behaviour logged|fit|logged,fit]
 *
 * Worlds (every one logs every shown item, clicked or not, with its exact
 * propensity):
 *   bandit_small   300 items, logging temperature 0.5, epsilon 0.3, one step per session
 *   bandit_default 1,000 items, temperature 1, epsilon 0.1, one step per session
 *   bandit_flat    2,000 items, temperature 2, epsilon 0.05, one step per session
 *   bandit_mid     600 items, temperature 1.5, epsilon 0.2, one step per session
 *   seq_small      300 items, temperature 0.5, epsilon 0.3, sessions of 1 to 5 steps, every
 *                  display logged (log_impressions): the sequential estimators' world
 *   seq_default    1,000 items, temperature 1, epsilon 0.1, sessions of 1 to 5 steps
 *   slate_bandit   1,000 items, slates of 5, one step per session: the slate estimators
 * One-step sessions make the per-step estimators and the value per session
 * one and the same quantity, so the simulator's truth judges them directly.
 * Target policies: random, popularity, and sl, sqn (Q head) and sa2c (Q head)
 * trained on a separate log, each greedy and as a softmax at two temperatures
 * (the CE head's logits and the Q heads' values differ in scale, so each head
 * has its own pair). The logging policy's truth is printed as the reference
 * the "within 2x" filter uses. --behaviour fit also (or only) estimates with
 * propensities from a behaviour model the library fits on the logs (for
 * slates an impression model); each estimate line names its behaviour. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_train_spec.h"
#include "offlinerl/offlinerl.h"

enum { MAX_POLICIES = 16 };

typedef struct policy {
    char name[64];
    orl_model *model; /* owned */
    orl_policy_rule rule;
} policy;

static int world_params(const char *world, orl_sim_params *sp)
{
    orl_sim_params_init(sp);
    sp->seed = 7;
    sp->log_skips = 1;
    sp->min_steps = 1;
    sp->max_steps = 1;
    if (!strcmp(world, "bandit_small")) {
        sp->n_items = 300;
        sp->n_clusters = 15;
        sp->log_temperature = 0.5f;
        sp->log_epsilon = 0.3f;
    } else if (!strcmp(world, "bandit_default")) {
        /* the defaults: 1,000 items, temperature 1, epsilon 0.1 */
    } else if (!strcmp(world, "bandit_flat")) {
        sp->n_items = 2000;
        sp->n_clusters = 40;
        sp->log_temperature = 2.0f;
        sp->log_epsilon = 0.05f;
    } else if (!strcmp(world, "bandit_mid")) {
        sp->n_items = 600;
        sp->n_clusters = 20;
        sp->log_temperature = 1.5f;
        sp->log_epsilon = 0.2f;
    } else if (!strcmp(world, "seq_small") || !strcmp(world, "seq_default")) {
        sp->log_skips = 0;
        sp->log_impressions = 1;
        sp->max_steps = 5;
        if (!strcmp(world, "seq_small")) {
            sp->n_items = 300;
            sp->n_clusters = 15;
            sp->log_temperature = 0.5f;
            sp->log_epsilon = 0.3f;
        }
    } else if (!strcmp(world, "slate_bandit")) {
        sp->log_skips = 0;
        sp->slate_size = 5;
    } else {
        return -1;
    }
    return 0;
}

static void add_policy(policy *p, int *n, const char *name, orl_model *model, const char *rule)
{
    if (*n >= MAX_POLICIES) {
        fprintf(stderr, "too many policies\n");
        exit(2);
    }
    policy *q = &p[(*n)++];
    snprintf(q->name, sizeof q->name, "%s", name);
    q->model = model;
    orl_policy_rule_init(&q->rule);
    bench_check(orl_policy_rule_parse(rule, &q->rule), rule);
}

/* The policies of one world, trained on `train`. */
static int make_policies(const orl_dataset *train, uint32_t epochs, policy *p)
{
    int n = 0;
    orl_model *sl = bench_train_spec("sl", epochs, 1, train);
    orl_model *sqn = bench_train_spec("sqn", epochs, 1, train);
    orl_model *sa2c = bench_train_spec("sa2c", epochs, 1, train);
    orl_model *sqn_q = NULL, *sa2c_q = NULL, *pop = NULL, *copy = NULL;
    bench_check(orl_model_with_head(sqn, ORL_HEAD_Q, &sqn_q), "sqn q head");
    bench_check(orl_model_with_head(sa2c, ORL_HEAD_Q, &sa2c_q), "sa2c q head");
    orl_model_free(sqn);
    orl_model_free(sa2c);
    bench_check(orl_model_create_baseline(train, ORL_BASELINE_POPULARITY, &pop), "popularity");
    add_policy(p, &n, "random", sl, "epsilon:1");
    add_policy(p, &n, "popularity", pop, "greedy");
    const struct {
        const char *name;
        orl_model *m;
        const char *t_hi, *t_lo;
    } heads[] = {{"sl", sl, "softmax:1", "softmax:0.3"},
                 {"sqn", sqn_q, "softmax:0.1", "softmax:0.03"},
                 {"sa2c", sa2c_q, "softmax:0.1", "softmax:0.03"}};
    for (int h = 0; h < 3; h++) {
        char nm[64];
        /* every policy owns its handle: copy the model for the extra rules */
        if (h == 0) {
            bench_check(orl_model_with_head(heads[h].m, ORL_HEAD_SUPERVISED, &copy), "copy");
            add_policy(p, &n, "sl", copy, "greedy");
        } else {
            add_policy(p, &n, heads[h].name, heads[h].m, "greedy");
        }
        bench_check(orl_model_with_head(heads[h].m, h ? ORL_HEAD_Q : ORL_HEAD_SUPERVISED, &copy),
                    "copy");
        snprintf(nm, sizeof nm, "%s %s", heads[h].name, heads[h].t_hi);
        add_policy(p, &n, nm, copy, heads[h].t_hi);
        bench_check(orl_model_with_head(heads[h].m, h ? ORL_HEAD_Q : ORL_HEAD_SUPERVISED, &copy),
                    "copy");
        snprintf(nm, sizeof nm, "%s %s", heads[h].name, heads[h].t_lo);
        add_policy(p, &n, nm, copy, heads[h].t_lo);
    }
    return n;
}

static void json_double(const char *key, double v, int comma)
{
    if (isfinite(v))
        printf("\"%s\":%.6g%s", key, v, comma ? "," : "");
    else
        printf("\"%s\":null%s", key, comma ? "," : "");
}

int main(int argc, char **argv)
{
    const char *worlds = "bandit_small,bandit_default,bandit_flat";
    const char *sizes = "10000,50000";
    const char *estimators = NULL;
    const char *reward_model = "item_mean", *interval = "bootstrap", *behaviours = "logged";
    int log_seeds = 5, threads = 2;
    uint64_t truth_sessions = 200000, train_sessions = 20000;
    uint32_t epochs = 3;
    const bench_opt opts[] = {{"--worlds", 's', &worlds},
                              {"--sizes", 's', &sizes},
                              {"--log-seeds", 'i', &log_seeds},
                              {"--truth", 'U', &truth_sessions},
                              {"--train-sessions", 'U', &train_sessions},
                              {"--epochs", 'u', &epochs},
                              {"--estimators", 's', &estimators},
                              {"--reward-model", 's', &reward_model},
                              {"--interval", 's', &interval},
                              {"--behaviour", 's', &behaviours},
                              {"--threads", 'i', &threads}};
    if (bench_parse_options(argc, argv, opts, sizeof opts / sizeof opts[0])) return 2;
    if (log_seeds < 1 || strcmp(reward_model, "fqe") * strcmp(reward_model, "item_mean") != 0 ||
        strcmp(interval, "bootstrap") * strcmp(interval, "normal") * strcmp(interval, "bca") != 0) {
        fprintf(stderr, "bad --log-seeds, --reward-model or --interval\n");
        return 2;
    }
    char wlist[256], *wsave = NULL;
    snprintf(wlist, sizeof wlist, "%s", worlds);
    for (char *world = strtok_r(wlist, ",", &wsave); world; world = strtok_r(NULL, ",", &wsave)) {
        orl_sim_params sp;
        if (world_params(world, &sp) != 0) {
            fprintf(stderr, "unknown world %s\n", world);
            return 2;
        }
        orl_sim *sim = NULL;
        bench_check(orl_sim_create(&sp, &sim), "sim");
        /* Sessions are numbered: the training log takes the first ones, each
         * evaluation log the next fresh ones, so no two logs share a session. */
        orl_dataset *train = NULL;
        bench_check(orl_dataset_create(NULL, &train), "dataset");
        bench_check(orl_sim_generate(sim, train_sessions, train), "generate");
        bench_check(orl_dataset_finalize(train), "finalize");
        static policy pol[MAX_POLICIES];
        int n_pol = make_policies(train, epochs, pol);

        orl_sim_rollout_result lr = {.struct_size = sizeof lr};
        bench_check(orl_sim_rollout_logging(sim, truth_sessions, 99, &lr), "logging rollout");
        printf("{\"world\":\"%s\",\"policy\":\"logging\",\"truth\":%.6g,\"truth_se\":%.6g}\n",
               world, lr.mean_return, lr.std_error);
        for (int k = 0; k < n_pol; k++) {
            orl_sim_rollout_result r = {.struct_size = sizeof r};
            bench_check(orl_sim_rollout_model_policy(sim, pol[k].model, &pol[k].rule,
                                                     truth_sessions, 99, &r),
                        "rollout");
            printf("{\"world\":\"%s\",\"policy\":\"%s\",\"truth\":%.6g,\"truth_se\":%.6g,"
                   "\"length\":%.3f}\n",
                   world, pol[k].name, r.mean_return, r.std_error, r.mean_length);
            fflush(stdout);
        }

        char slist[128], *ssave = NULL;
        snprintf(slist, sizeof slist, "%s", sizes);
        for (char *sz = strtok_r(slist, ",", &ssave); sz; sz = strtok_r(NULL, ",", &ssave)) {
            uint64_t n_sessions = (uint64_t)atoll(sz);
            for (int ls = 1; ls <= log_seeds; ls++) {
                orl_dataset *logs = NULL;
                bench_check(orl_dataset_create(NULL, &logs), "dataset");
                bench_check(orl_sim_generate(sim, n_sessions, logs), "generate");
                bench_check(orl_dataset_finalize(logs), "finalize");
                for (int k = 0; k < n_pol; k++)
                    for (int fit = 0; fit < 2; fit++) {
                        if (!strstr(behaviours, fit ? "fit" : "logged")) continue;
                        const char *bname = fit ? "fit" : "logged";
                        orl_ope_params op;
                        orl_ope_params_init(&op);
                        op.estimators = estimators;
                        op.policy = &pol[k].rule;
                        op.interval = !strcmp(interval, "normal") ? ORL_OPE_INTERVAL_NORMAL
                                      : !strcmp(interval, "bca")  ? ORL_OPE_INTERVAL_BCA
                                                                  : ORL_OPE_INTERVAL_BOOTSTRAP;
                        op.reward_model = strcmp(reward_model, "fqe") ? ORL_OPE_REWARD_ITEM_MEAN
                                                                      : ORL_OPE_REWARD_FQE;
                        op.seed = (uint64_t)ls;
                        op.threads = threads;
                        op.behaviour = fit ? ORL_OPE_BEHAVIOUR_FIT : ORL_OPE_BEHAVIOUR_LOGGED;
                        orl_ope_result *res = NULL;
                        /* A policy the estimators cannot take (a stochastic slate target) is
                         * reported and skipped, the truth still stands. */
                        if (orl_model_estimate_value(pol[k].model, logs, &op, &res) != ORL_OK) {
                            printf("{\"world\":\"%s\",\"policy\":\"%s\",\"sessions\":%llu,"
                                   "\"log_seed\":%d,\"error\":\"",
                                   world, pol[k].name, (unsigned long long)n_sessions, ls);
                            for (const char *c = orl_last_error(); *c; c++)
                                if (*c != '"' && *c != '\\') putchar(*c);
                            printf("\"}\n");
                            continue;
                        }
                        size_t n_est = 0;
                        bench_check(orl_ope_result_count(res, &n_est), "count");
                        for (size_t e = 0; e < n_est; e++) {
                            orl_ope_estimate est = {.struct_size = sizeof est};
                            bench_check(orl_ope_result_get(res, e, &est), "get");
                            printf("{\"world\":\"%s\",\"policy\":\"%s\",\"sessions\":%llu,"
                                   "\"log_seed\":%d,\"behaviour\":\"%s\",\"estimator\":\"%s\",",
                                   world, pol[k].name, (unsigned long long)n_sessions, ls, bname,
                                   est.estimator);
                            json_double("value", est.session_value, 1);
                            json_double("ci_low", est.session_ci_low, 1);
                            json_double("ci_high", est.session_ci_high, 1);
                            json_double("ess", est.ess, 1);
                            json_double("clipped_share", est.clipped_share, 0);
                            printf("}\n");
                        }
                        fflush(stdout);
                        orl_ope_result_free(res);
                    }
                orl_dataset_free(logs);
            }
        }
        for (int k = 0; k < n_pol; k++) orl_model_free(pol[k].model);
        orl_dataset_free(train);
        orl_sim_free(sim);
    }
    return 0;
}
