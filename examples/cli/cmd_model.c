/* orl eval and orl recommend: use a saved model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

int cmd_eval(int argc, char **argv)
{
    static const cli_option own[] = {{"--model", CLI_STRING}, {"--data", CLI_STRING},
                                     {"--threads", CLI_INT},  {"--json", CLI_FLAG},
                                     {"--kappa", CLI_FLOAT},  {NULL, 0}};
    static const cli_option *const tables[] = {own, cli_baseline_options, cli_data_options, NULL};
    int check = cli_check_options("eval", argc, argv, tables, NULL, 0, NULL);
    if (check) return check;
    const char *model_path = cli_opt(argc, argv, "--model"), *data = cli_opt(argc, argv, "--data");
    const char *baseline = cli_opt(argc, argv, "--baseline");
    if (cli_flag(argc, argv, "--help") || !(model_path || baseline) || !data) {
        fprintf(cli_flag(argc, argv, "--help") ? stdout : stderr,
                "usage: orl eval --model MODEL.orl --data FILE [--threads N] [--json] "
                "[--kappa K] [data options]\n"
                "       orl eval --baseline pop|repeat [--train FILE] --data FILE [options]\n\n"
                "  Evaluates every head and scoring rule the model has (ensembles: mean, and\n"
                "  mean -/+ K std over the heads, K = --kappa, default 1).\n\n%s%s",
                cli_baseline_options_help, cli_data_options_help);
        return cli_flag(argc, argv, "--help") ? 0 : 2;
    }
    if (model_path && baseline) {
        fprintf(stderr, "orl eval: give --model or --baseline, not both\n");
        return 2;
    }
    int32_t kind = 0;
    if (baseline && cli_baseline_kind(baseline, &kind)) return 2;
    long threads;
    int rc = cli_opt_long(argc, argv, "--threads", 0, &threads);
    if (rc) return rc;
    orl_model *m = NULL;
    orl_dataset *ds = NULL;
    if (model_path && orl_model_load(model_path, &m) != ORL_OK) return cli_fail(model_path);
    if ((rc = cli_load_dataset(argc, argv, data, &ds))) {
        orl_model_free(m);
        return rc;
    }
    if (baseline && (rc = cli_baseline_model(argc, argv, ds, &m)) != 0) {
        orl_dataset_free(ds);
        return rc;
    }
    /* Every head and rule the model has: RL models carry a supervised and a Q head, BCQ
     * models their constrained rule, ensembles their lower and upper bounds. */
    double kappa;
    if ((rc = cli_opt_double(argc, argv, "--kappa", 1.0, &kappa))) {
        orl_dataset_free(ds);
        orl_model_free(m);
        return rc;
    }
    cli_scoring_variant variants[8];
    int n_variants = cli_scoring_variants(m, (float)kappa, variants, 8);
    int json = cli_flag(argc, argv, "--json");
    if (json) {
        /* The size first: the training configuration has no fixed bound. */
        size_t len = 0;
        char *info = NULL;
        if (orl_model_info_json(m, NULL, 0, &len) == ORL_OK && (info = malloc(len)) != NULL &&
            orl_model_info_json(m, info, len, &len) != ORL_OK) {
            free(info);
            info = NULL;
        }
        printf("{\"model\":%s,\"heads\":{", info ? info : "null");
        free(info);
    }
    for (int v = 0; v < n_variants && rc == 0; v++) {
        orl_model *mh = NULL;
        orl_eval_result r = {.struct_size = sizeof r};
        const cli_scoring_variant *var = &variants[v];
        if (cli_scoring_derive(m, var, &mh) != ORL_OK ||
            orl_model_evaluate(mh, ds, (int32_t)threads, &r) != ORL_OK) {
            rc = cli_fail("evaluation");
        } else if (json) {
            char buf[2048];
            size_t len;
            orl_eval_result_json(&r, buf, sizeof buf, &len);
            printf("%s\"%s\":%s", v ? "," : "", var->name, buf);
        } else {
            char title[160], rule[48] = "";
            if (var->rule != ORL_SCORE_MEAN)
                snprintf(rule, sizeof rule, " (mean %s %g std)",
                         var->rule == ORL_SCORE_LCB ? "-" : "+", (double)var->kappa);
            if (baseline)
                snprintf(title, sizeof title, "%s baseline (every step ranks the whole catalogue):",
                         kind == ORL_BASELINE_REPEAT ? "repeat" : "popularity");
            else
                snprintf(title, sizeof title,
                         "%s%s%s (every step ranks the whole catalogue):", var->name,
                         var->head == ORL_HEAD_CONSTRAINED || var->rule ? "" : " head",
                         var->is_default ? (rule[0] ? rule : ", the model's default") : rule);
            cli_print_eval(stdout, title, &r);
            if (r.unknown_targets)
                printf("  %llu steps had an item the model does not know (counted as misses)\n",
                       (unsigned long long)r.unknown_targets);
        }
        orl_model_free(mh);
    }
    if (json && rc == 0) {
        /* The scoring the model uses by itself (equivalence.py reads it). */
        const char *def = n_variants ? variants[0].name : "supervised";
        for (int v = 0; v < n_variants; v++)
            if (variants[v].is_default) def = variants[v].name;
        printf("},\"default_head\":\"%s\"}\n", def);
    }
    orl_dataset_free(ds);
    orl_model_free(m);
    return rc;
}

/* Parse "k1,k2,..." into a new array of int64 keys; NULL on a malformed list. */
static int64_t *parse_keys(const char *list, size_t *out_n)
{
    size_t cap = 1;
    for (const char *p = list; *p; p++) cap += *p == ',';
    int64_t *keys = malloc(sizeof *keys * cap);
    size_t n = 0;
    const char *p = list;
    while (keys && *p) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (errno || end == p || (*end && *end != ',')) {
            free(keys);
            return NULL;
        }
        keys[n++] = v;
        p = *end ? end + 1 : end;
    }
    *out_n = n;
    return keys;
}

/* One recommended item: key, score and, for ensembles, the heads' std. */
static void print_item(int json, size_t i, int64_t item, float score, const float *sd)
{
    if (json) {
        printf("%s{\"item\":%lld,\"score\":%.6g", i ? "," : "", (long long)item, (double)score);
        if (sd) printf(",\"std\":%.6g", (double)*sd);
        printf("}");
    } else if (sd) {
        printf("%lld\t%.6g\t%.6g\n", (long long)item, (double)score, (double)*sd);
    } else {
        printf("%lld\t%.6g\n", (long long)item, (double)score);
    }
}

int cmd_recommend(int argc, char **argv)
{
    static const cli_option own[] = {{"--model", CLI_STRING},
                                     {"--history", CLI_STRING},
                                     {"-k", CLI_INT},
                                     {"--candidates", CLI_STRING},
                                     {"--json", CLI_FLAG},
                                     {"--exclude", CLI_STRING},
                                     {NULL, 0}};
    static const cli_option *const tables[] = {own, cli_scoring_options, NULL};
    int check = cli_check_options("recommend", argc, argv, tables, NULL, 0, NULL);
    if (check) return check;
    const char *model_path = cli_opt(argc, argv, "--model");
    const char *history = cli_opt(argc, argv, "--history");
    if (cli_flag(argc, argv, "--help") || !model_path) {
        fprintf(cli_flag(argc, argv, "--help") ? stdout : stderr,
                "usage: orl recommend --model MODEL.orl --history k1,k2,... [-k 10]\n"
                "                     [--candidates c1,c2,...] [--exclude e1,e2,...] [--json]\n"
                "                     [scoring options]\n\n"
                "  --exclude leaves those items out of the top-K (seen, bought, out of stock).\n"
                "  A model scoring with an ensemble of Q heads also prints each item's standard\n"
                "  deviation over the heads.\n\n%s",
                cli_scoring_options_help);
        return cli_flag(argc, argv, "--help") ? 0 : 2;
    }
    long k;
    int rc = cli_opt_long(argc, argv, "-k", 10, &k);
    if (rc) return rc;
    size_t n_hist = 0, n_cand = 0;
    int64_t *hist = parse_keys(history ? history : "", &n_hist);
    const char *excl_list = cli_opt(argc, argv, "--exclude");
    size_t n_excl = 0;
    int64_t *excl = excl_list ? parse_keys(excl_list, &n_excl) : NULL;
    if (excl_list && !excl) {
        fprintf(stderr, "orl recommend: --exclude takes integer keys e1,e2,...\n");
        free(hist);
        return 2;
    }
    const char *cand_list = cli_opt(argc, argv, "--candidates");
    int64_t *cand = cand_list ? parse_keys(cand_list, &n_cand) : NULL;
    if (!hist || (cand_list && !cand)) {
        fprintf(stderr, "orl recommend: --history and --candidates take integer keys k1,k2,...\n");
        free(hist);
        free(cand);
        free(excl);
        return 2;
    }
    orl_model *m = NULL;
    if (orl_model_load(model_path, &m) != ORL_OK) {
        free(hist);
        free(cand);
        free(excl);
        return cli_fail(model_path);
    }
    if ((rc = cli_apply_scoring(argc, argv, &m))) {
        orl_model_free(m);
        free(hist);
        free(cand);
        free(excl);
        return rc;
    }
    uint32_t ensemble = 0, head = 0;
    orl_model_ensemble_size(m, &ensemble);
    orl_model_head(m, &head);
    const int with_std = ensemble && head == ORL_HEAD_Q;
    int json = cli_flag(argc, argv, "--json");
    size_t skipped = 0, unknown = 0;
    if (cand) {
        float *scores = malloc(sizeof(float) * (n_cand ? n_cand : 1));
        float *sd = calloc(n_cand ? n_cand : 1, sizeof(float));
        int st = with_std ? orl_model_score_candidates_with_std(m, hist, n_hist, cand, n_cand,
                                                                scores, sd, &skipped, &unknown)
                          : orl_model_score_candidates(m, hist, n_hist, cand, n_cand, scores,
                                                       &skipped, &unknown);
        if (st != ORL_OK) {
            rc = cli_fail("scoring");
        } else {
            /* Best first: a selection sort is plenty for a host-sized candidate list. */
            for (size_t i = 0; i < n_cand; i++)
                for (size_t j = i + 1; j < n_cand; j++)
                    if (scores[j] > scores[i]) {
                        float ts = scores[i], tsd = sd[i];
                        int64_t tc = cand[i];
                        scores[i] = scores[j], cand[i] = cand[j], sd[i] = sd[j];
                        scores[j] = ts, cand[j] = tc, sd[j] = tsd;
                    }
            size_t show = (size_t)k < n_cand ? (size_t)k : n_cand;
            if (json) printf("{\"items\":[");
            for (size_t i = 0; i < show; i++)
                print_item(json, i, cand[i], scores[i], with_std ? &sd[i] : NULL);
            if (json)
                printf("],\"skipped_history\":%zu,\"unknown_candidates\":%zu}\n", skipped, unknown);
        }
        free(scores);
        free(sd);
    } else {
        int64_t *items = malloc(sizeof(int64_t) * (size_t)(k > 0 ? k : 1));
        float *scores = malloc(sizeof(float) * (size_t)(k > 0 ? k : 1));
        float *sd = malloc(sizeof(float) * (size_t)(k > 0 ? k : 1));
        size_t n_out = (size_t)k;
        if (excl && with_std) {
            fprintf(stderr, "orl recommend: --exclude does not combine with the ensemble's "
                            "standard deviation (use --score mean)\n");
            rc = 2;
        } else if (k < 1 || k > 100000 ||
                   (excl ? orl_model_recommend_excluding(m, hist, n_hist, excl, n_excl, (uint32_t)k,
                                                         items, scores, &n_out, &skipped)
                    : with_std ? orl_model_recommend_with_std(m, hist, n_hist, (uint32_t)k, items,
                                                              scores, sd, &skipped)
                               : orl_model_recommend(m, hist, n_hist, (uint32_t)k, items, scores,
                                                     &skipped)) != ORL_OK) {
            rc = k < 1 || k > 100000 ? (fprintf(stderr, "orl recommend: -k out of range\n"), 2)
                                     : cli_fail("recommend");
        } else {
            if (json) printf("{\"items\":[");
            for (size_t i = 0; i < n_out; i++)
                print_item(json, i, items[i], scores[i], with_std ? &sd[i] : NULL);
            if (json) printf("],\"skipped_history\":%zu}\n", skipped);
        }
        free(items);
        free(scores);
        free(sd);
    }
    if (!json && skipped)
        fprintf(stderr, "orl recommend: %zu history keys unknown to the model were skipped\n",
                skipped);
    if (!json && unknown)
        fprintf(stderr, "orl recommend: %zu candidates unknown to the model scored -inf\n",
                unknown);
    orl_model_free(m);
    free(hist);
    free(cand);
    free(excl);
    return rc;
}
