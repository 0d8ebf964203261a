/* orl ope: off-policy estimates of a saved model's value from logged sessions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const char *const usage_text =
    "usage: orl ope --model MODEL.orl | --baseline pop|repeat [--train FILE]\n"
    "               --data LOGS [--estimators ips,snips,dr,...]\n"
    "               [--policy RULE] [--interval bootstrap|normal|bca] [--samples N]\n"
    "               [--confidence C] [--clip W] [--switch-threshold W] [--gamma G]\n"
    "               [--behaviour logged|fit|MODEL.orl] [--reward-model fqe|item_mean]\n"
    "               [--fqe-epochs N] [--seed S] [--threads N] [--json] [data options]\n\n"
    "  Estimates the value the model's policy would earn from the logged sessions, with a\n"
    "  confidence interval over sessions (the reward model / FQE / a fitted behaviour model\n"
    "  are not refit per resample). Estimators: ips, clipped_ips, snips, dm, dr, sndr,\n"
    "  switch_dr (per logged step), pdis, wpdis, seq_dr, fqe (per session); with slates\n"
    "  (impression lists) iips, pseudo_inverse; default: all that apply. The logs need\n"
    "  propensities unless --behaviour says where they come from (slates: fit trains an\n"
    "  impression model on every shown item; MODEL.orl's softmax is taken as a\n"
    "  Plackett-Luce logger's).\n\n";

static int usage(int argc, char **argv, int help)
{
    fprintf(help ? stdout : stderr, "%s%s%s\n%s", usage_text, cli_policy_option_help,
            cli_baseline_options_help, cli_data_options_help);
    (void)argc, (void)argv;
    return help ? 0 : 2;
}

static int pick(const char *opt, const char *value, const char *const *names, int n, int *out)
{
    for (int i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0) return *out = i, 0;
    fprintf(stderr, "orl: %s %s: expected", opt, value);
    for (int i = 0; i < n; i++) fprintf(stderr, "%s %s", i ? " or" : "", names[i]);
    fprintf(stderr, "\n");
    return 2;
}

/* The numeric and named options into p; 0 or an exit code. */
static int read_params(int argc, char **argv, orl_ope_params *p)
{
    long samples, epochs, threads, seed;
    double conf, clip, tau, gamma;
    int rc;
    if ((rc = cli_opt_long(argc, argv, "--samples", 200, &samples)) ||
        (rc = cli_opt_long(argc, argv, "--fqe-epochs", 3, &epochs)) ||
        (rc = cli_opt_long(argc, argv, "--threads", 0, &threads)) ||
        (rc = cli_opt_long(argc, argv, "--seed", 1, &seed)) ||
        (rc = cli_opt_double(argc, argv, "--confidence", 0.95, &conf)) ||
        (rc = cli_opt_double(argc, argv, "--clip", 10, &clip)) ||
        (rc = cli_opt_double(argc, argv, "--switch-threshold", 10, &tau)) ||
        (rc = cli_opt_double(argc, argv, "--gamma", 1, &gamma)))
        return rc;
    if (samples < 0 || epochs < 0 || threads < 0 || seed < 0) {
        fprintf(stderr, "orl: ope: --samples, --fqe-epochs, --threads, --seed must be >= 0\n");
        return 2;
    }
    p->bootstrap_samples = samples > 0xFFFFFFFFL ? 0xFFFFFFFFu : (uint32_t)samples;
    p->fqe_epochs = epochs > 0xFFFFFFFFL ? 0xFFFFFFFFu : (uint32_t)epochs;
    p->threads = threads > 100000 ? 100000 : (int32_t)threads;
    p->seed = (uint64_t)seed;
    p->confidence = conf;
    p->clip = clip;
    p->switch_threshold = tau;
    p->gamma = gamma;
    p->estimators = cli_opt(argc, argv, "--estimators");
    const char *iv = cli_opt(argc, argv, "--interval"), *rm = cli_opt(argc, argv, "--reward-model");
    static const char *const intervals[] = {"bootstrap", "normal", "bca"};
    static const char *const rewards[] = {"fqe", "item_mean"};
    int k;
    if (iv && (rc = pick("--interval", iv, intervals, 3, &k))) return rc;
    if (iv) p->interval = k;
    if (rm && (rc = pick("--reward-model", rm, rewards, 2, &k))) return rc;
    if (rm) p->reward_model = k;
    return 0;
}

static void print_text(const orl_ope_result *r, const char *policy)
{
    size_t n = 0;
    orl_ope_result_count(r, &n);
    printf("policy %s\n%-12s %-8s %12s %25s %10s %10s %8s %14s\n", policy, "estimator", "unit",
           "value", "interval", "std_error", "ess", "clipped", "per session");
    for (size_t i = 0; i < n; i++) {
        orl_ope_estimate e = {.struct_size = sizeof e};
        if (orl_ope_result_get(r, i, &e) != ORL_OK) continue;
        char ci[64];
        snprintf(ci, sizeof ci, "[%.5g, %.5g]", e.ci_low, e.ci_high);
        printf("%-12s %-8s %12.6g %25s %10.4g %10.1f %7.1f%% %14.6g\n", e.estimator,
               e.per_session ? "session" : "step", e.value, ci, e.std_error, e.ess,
               100 * e.clipped_share, e.session_value);
    }
    orl_ope_result_warning_count(r, &n);
    for (size_t i = 0; i < n; i++) {
        char w[1024];
        size_t len;
        if (orl_ope_result_warning(r, i, w, sizeof w, &len) == ORL_OK) printf("warning: %s\n", w);
    }
}

int cmd_ope(int argc, char **argv)
{
    static const cli_option own[] = {{"--model", CLI_STRING},
                                     {"--data", CLI_STRING},
                                     {"--estimators", CLI_STRING},
                                     {"--policy", CLI_STRING},
                                     {"--interval", CLI_STRING},
                                     {"--samples", CLI_INT},
                                     {"--confidence", CLI_FLOAT},
                                     {"--clip", CLI_FLOAT},
                                     {"--switch-threshold", CLI_FLOAT},
                                     {"--gamma", CLI_FLOAT},
                                     {"--behaviour", CLI_STRING},
                                     {"--reward-model", CLI_STRING},
                                     {"--fqe-epochs", CLI_INT},
                                     {"--seed", CLI_INT},
                                     {"--threads", CLI_INT},
                                     {"--json", CLI_FLAG},
                                     {NULL, 0}};
    static const cli_option *const tables[] = {own, cli_baseline_options, cli_data_options, NULL};
    int rc = cli_check_options("ope", argc, argv, tables, NULL, 0, NULL);
    if (rc) return rc;
    const char *model_path = cli_opt(argc, argv, "--model"), *data = cli_opt(argc, argv, "--data");
    const char *baseline = cli_opt(argc, argv, "--baseline");
    if (cli_flag(argc, argv, "--help") || !(model_path || baseline) || !data)
        return usage(argc, argv, cli_flag(argc, argv, "--help"));
    if (model_path && baseline) {
        fprintf(stderr, "orl ope: give --model or --baseline, not both\n");
        return 2;
    }
    int32_t kind;
    if (baseline && cli_baseline_kind(baseline, &kind)) return 2;
    orl_ope_params p;
    orl_ope_params_init(&p);
    orl_policy_rule rule;
    int given;
    if ((rc = read_params(argc, argv, &p)) || (rc = cli_policy_rule(argc, argv, &rule, &given)))
        return rc;
    p.policy = &rule;
    const char *beh = cli_opt(argc, argv, "--behaviour");
    orl_model *m = NULL, *bm = NULL;
    orl_dataset *ds = NULL;
    if (model_path && orl_model_load(model_path, &m) != ORL_OK) return cli_fail(model_path);
    if (beh && strcmp(beh, "fit") == 0) {
        p.behaviour = ORL_OPE_BEHAVIOUR_FIT;
    } else if (beh && strcmp(beh, "logged") != 0) {
        if (orl_model_load(beh, &bm) != ORL_OK) {
            orl_model_free(m);
            return cli_fail(beh);
        }
        p.behaviour = ORL_OPE_BEHAVIOUR_MODEL;
        p.behaviour_model = bm;
    }
    orl_ope_result *r = NULL;
    if ((rc = cli_load_dataset(argc, argv, data, &ds)) == 0 && baseline)
        rc = cli_baseline_model(argc, argv, ds, &m);
    if (rc == 0) {
        if (orl_model_estimate_value(m, ds, &p, &r) != ORL_OK) {
            rc = cli_fail("ope");
        } else if (cli_flag(argc, argv, "--json")) {
            size_t len = 0;
            char *buf = NULL;
            if (orl_ope_result_json(r, NULL, 0, &len) == ORL_OK && (buf = malloc(len)) &&
                orl_ope_result_json(r, buf, len, &len) == ORL_OK)
                printf("%s\n", buf);
            else
                rc = cli_fail("ope --json");
            free(buf);
        } else {
            char text[64];
            size_t len;
            if (orl_policy_rule_format(&rule, text, sizeof text, &len) != ORL_OK)
                snprintf(text, sizeof text, "?");
            print_text(r, text);
        }
    }
    orl_ope_result_free(r);
    orl_dataset_free(ds);
    orl_model_free(bm);
    orl_model_free(m);
    return rc;
}
