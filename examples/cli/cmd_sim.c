/* orl sim: generate logged sessions from the built-in simulator, and print
 * the true values of its baseline policies. */
#include <stdio.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

static void sim_usage(FILE *f)
{
    fprintf(f, "usage: orl sim generate --sessions N --out FILE [options]\n"
               "       orl sim baselines [--sessions N] [options]\n"
               "       orl sim value --model MODEL.orl [--policy RULE] [--sessions N] [options]\n\n"
               "generate   log N sessions under the logging policy as canonical CSV\n"
               "           (session_id,timestamp,item_id,event,reward,propensity), or as a\n"
               "           binary dataset file when FILE ends in .orld\n"
               "baselines  print the true value of the logging, popularity and random\n"
               "           policies as JSON lines\n"
               "value      the true value of a model trained on this world's logs (each head)\n"
               "           as JSON lines; give the same world options as to generate. With\n"
               "           --policy, each shown item is drawn from the rule's probabilities of\n"
               "           the model's scores (repeats allowed: the policy an off-policy\n"
               "           estimate of the same rule evaluates)\n\n"
               "options:\n"
               "  --sessions N   sessions to log or roll out (default 10000 / 2000)\n"
               "  --items M      items (default 1000)\n"
               "  --users U      users (default 1000)\n"
               "  --clusters C   item clusters (default 20)\n"
               "  --seed S       seed of the world and the logs (default 1)\n"
               "  --epsilon E    logging: probability of a uniform item (default 0.1)\n"
               "  --temperature T  logging: softmax temperature (default 1)\n"
               "  --log-skips    also log skipped items as event \"skip\"\n"
               "  --slate-size K   items shown per step, 1 .. 100 (default 1); K > 1 logs one\n"
               "                 row per step with the columns impressions,\n"
               "                 impression_propensities, impression_inclusion, slate_propensity\n"
               "                 (a step without a click: empty item, event none)\n"
               "  --position-bias B  slates: click logit lost per ln(position) (default 0.3)\n"
               "  --log-impressions  K = 1: log those display rows as well\n");
    fputs(cli_policy_option_help, f);
}

/* The world options every sim subcommand takes, and each one's own. */
static const cli_option world_options[] = {{"--items", CLI_INT},
                                           {"--users", CLI_INT},
                                           {"--clusters", CLI_INT},
                                           {"--seed", CLI_INT},
                                           {"--epsilon", CLI_FLOAT},
                                           {"--temperature", CLI_FLOAT},
                                           {"--log-skips", CLI_FLAG},
                                           {"--sessions", CLI_INT},
                                           {"--slate-size", CLI_INT},
                                           {"--position-bias", CLI_FLOAT},
                                           {"--log-impressions", CLI_FLAG},
                                           {NULL, 0}};
static const cli_option generate_options[] = {{"--out", CLI_STRING}, {NULL, 0}};
static const cli_option value_options[] = {
    {"--model", CLI_STRING}, {"--policy", CLI_STRING}, {NULL, 0}};

static int make_sim(int argc, char **argv, orl_sim **out)
{
    orl_sim_params p;
    orl_sim_params_init(&p);
    long items, users, clusters, seed, slate;
    double eps, temp, bias;
    int rc = cli_opt_long(argc, argv, "--items", (long)p.n_items, &items);
    if (!rc) rc = cli_opt_long(argc, argv, "--users", (long)p.n_users, &users);
    if (!rc) rc = cli_opt_long(argc, argv, "--clusters", (long)p.n_clusters, &clusters);
    if (!rc) rc = cli_opt_long(argc, argv, "--seed", (long)p.seed, &seed);
    if (!rc) rc = cli_opt_double(argc, argv, "--epsilon", p.log_epsilon, &eps);
    if (!rc) rc = cli_opt_double(argc, argv, "--temperature", p.log_temperature, &temp);
    if (!rc) rc = cli_opt_long(argc, argv, "--slate-size", (long)p.slate_size, &slate);
    if (!rc) rc = cli_opt_double(argc, argv, "--position-bias", p.position_bias, &bias);
    if (rc) return rc;
    if (slate < 1 || slate > 100) {
        fprintf(stderr, "orl sim: --slate-size must be in 1 .. 100\n");
        return 2;
    }
    if (items < 0 || users < 0 || clusters < 0 || seed < 0 || items > UINT32_MAX ||
        users > UINT32_MAX || clusters > UINT32_MAX) {
        fprintf(stderr, "orl sim: --items, --users, --clusters and --seed must be >= 0\n");
        return 2;
    }
    if (clusters > items) clusters = items; /* a small catalogue: one item per cluster */
    p.n_items = (uint32_t)items;
    p.n_users = (uint32_t)users;
    p.n_clusters = (uint32_t)clusters;
    p.seed = (uint64_t)seed;
    p.log_epsilon = (float)eps;
    p.log_temperature = (float)temp;
    p.log_skips = cli_flag(argc, argv, "--log-skips");
    p.slate_size = (uint32_t)slate;
    p.position_bias = (float)bias;
    p.log_impressions = cli_flag(argc, argv, "--log-impressions");
    if (orl_sim_create(&p, out) != ORL_OK) return cli_fail("creating the simulator");
    return 0;
}

static int generate(int argc, char **argv)
{
    long sessions;
    const char *out = cli_opt(argc, argv, "--out");
    int rc = cli_opt_long(argc, argv, "--sessions", 10000, &sessions);
    if (rc) return rc;
    if (!out) {
        fprintf(stderr, "orl sim generate: --out FILE is required\n");
        return 2;
    }
    if (sessions <= 0) {
        fprintf(stderr, "orl sim generate: --sessions must be positive\n");
        return 2;
    }
    orl_sim *sim = NULL;
    if ((rc = make_sim(argc, argv, &sim)) != 0) return rc;
    size_t len = strlen(out);
    if (len > 5 && strcmp(out + len - 5, ".orld") == 0) {
        /* The binary form: straight into a dataset, finalized, saved (memory-mappable). */
        orl_dataset *ds = NULL;
        rc = orl_dataset_create(NULL, &ds) == ORL_OK &&
                     orl_sim_generate(sim, (uint64_t)sessions, ds) == ORL_OK &&
                     orl_dataset_finalize(ds) == ORL_OK && orl_dataset_save(ds, out) == ORL_OK
                 ? 0
                 : cli_fail(out);
        orl_dataset_free(ds);
    } else {
        rc = orl_sim_write_csv(sim, (uint64_t)sessions, out) == ORL_OK ? 0 : cli_fail(out);
    }
    orl_sim_free(sim);
    return rc;
}

static int baselines(int argc, char **argv)
{
    long sessions;
    int rc = cli_opt_long(argc, argv, "--sessions", 2000, &sessions);
    if (rc) return rc;
    if (sessions < 2) {
        fprintf(stderr, "orl sim baselines: --sessions must be at least 2\n");
        return 2;
    }
    orl_sim *sim = NULL;
    if ((rc = make_sim(argc, argv, &sim)) != 0) return rc;
    static const char *names[] = {"logging", "popularity", "random"};
    for (int k = 0; k < 3 && rc == 0; k++) {
        orl_sim_rollout_result r;
        memset(&r, 0, sizeof r);
        r.struct_size = sizeof r;
        int s = k == 0   ? orl_sim_rollout_logging(sim, (uint64_t)sessions, 1, &r)
                : k == 1 ? orl_sim_rollout_popularity(sim, (uint64_t)sessions, 1, &r)
                         : orl_sim_rollout_random(sim, (uint64_t)sessions, 1, &r);
        if (s != ORL_OK) {
            rc = cli_fail(names[k]);
            break;
        }
        printf("{\"policy\":\"%s\",\"sessions\":%llu,\"mean_return\":%.4f,\"std_error\":%.4f,"
               "\"ci95\":[%.4f,%.4f],\"clicks\":%.3f,\"purchases\":%.3f,\"length\":%.3f}\n",
               names[k], (unsigned long long)r.n_sessions, r.mean_return, r.std_error, r.ci_low,
               r.ci_high, r.mean_clicks, r.mean_purchases, r.mean_length);
    }
    orl_sim_free(sim);
    return rc;
}

/* The simulator's true value of a saved model (same world options as generate). */
static int value(int argc, char **argv)
{
    long sessions;
    const char *model_path = cli_opt(argc, argv, "--model");
    int rc = cli_opt_long(argc, argv, "--sessions", 2000, &sessions);
    if (rc) return rc;
    if (!model_path || sessions < 2) {
        fprintf(stderr, "orl sim value: --model MODEL.orl is required; --sessions >= 2\n");
        return 2;
    }
    orl_policy_rule rule;
    int has_rule = 0;
    if ((rc = cli_policy_rule(argc, argv, &rule, &has_rule)) != 0) return rc;
    char rule_text[96] = "";
    size_t rule_len = 0;
    if (has_rule) orl_policy_rule_format(&rule, rule_text, sizeof rule_text, &rule_len);
    orl_model *m = NULL;
    if (orl_model_load(model_path, &m) != ORL_OK) return cli_fail(model_path);
    orl_sim *sim = NULL;
    if ((rc = make_sim(argc, argv, &sim)) != 0) {
        orl_model_free(m);
        return rc;
    }
    uint32_t heads = 1, active = 0;
    orl_model_head_count(m, &heads);
    orl_model_head(m, &active);
    for (uint32_t h = 0; h < heads && rc == 0; h++) {
        orl_model *mh = NULL;
        orl_sim_rollout_result r;
        memset(&r, 0, sizeof r);
        r.struct_size = sizeof r;
        int s = orl_model_with_head(m, h, &mh);
        if (s == ORL_OK)
            s = has_rule ? orl_sim_rollout_model_policy(sim, mh, &rule, (uint64_t)sessions, 1, &r)
                         : orl_sim_rollout_model(sim, mh, (uint64_t)sessions, 1, &r);
        if (s != ORL_OK) {
            rc = cli_fail("rollout");
        } else {
            printf("{\"policy\":\"%s\",\"head\":\"%s\",\"default_head\":%s,%s%s%s\"sessions\":%llu,"
                   "\"mean_return\":%.4f,\"std_error\":%.4f,\"ci95\":[%.4f,%.4f],"
                   "\"clicks\":%.3f,\"purchases\":%.3f,\"length\":%.3f}\n",
                   model_path, h ? "q" : "supervised", h == active ? "true" : "false",
                   has_rule ? "\"rule\":\"" : "", rule_text, has_rule ? "\"," : "",
                   (unsigned long long)r.n_sessions, r.mean_return, r.std_error, r.ci_low,
                   r.ci_high, r.mean_clicks, r.mean_purchases, r.mean_length);
        }
        orl_model_free(mh);
    }
    orl_sim_free(sim);
    orl_model_free(m);
    return rc;
}

int cmd_sim(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        sim_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    static const cli_option *const generate_tables[] = {world_options, generate_options, NULL};
    static const cli_option *const baselines_tables[] = {world_options, NULL};
    static const cli_option *const value_tables[] = {world_options, value_options, NULL};
    static const struct {
        const char *name, *cmd;
        const cli_option *const *tables;
        int (*run)(int, char **);
    } subs[] = {{"generate", "sim generate", generate_tables, generate},
                {"baselines", "sim baselines", baselines_tables, baselines},
                {"value", "sim value", value_tables, value}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) != 0) continue;
        int rc = cli_check_options(subs[i].cmd, argc - 1, argv + 1, subs[i].tables, NULL, 0, NULL);
        if (rc) return rc;
        if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
            sim_usage(stdout);
            return 0;
        }
        return subs[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "orl sim: unknown subcommand '%s'\n", argv[1]);
    sim_usage(stderr);
    return 2;
}
