/* orl eval and orl recommend: use a saved model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

int cmd_eval(int argc, char **argv)
{
    static const cli_option own[] = {{"--model", CLI_STRING},
                                     {"--data", CLI_STRING},
                                     {"--threads", CLI_INT},
                                     {"--json", CLI_FLAG},
                                     {NULL, 0}};
    static const cli_option *const tables[] = {own, cli_data_options, NULL};
    int check = cli_check_options("eval", argc, argv, tables, NULL, 0, NULL);
    if (check) return check;
    const char *model_path = cli_opt(argc, argv, "--model"), *data = cli_opt(argc, argv, "--data");
    if (cli_flag(argc, argv, "--help") || !model_path || !data) {
        fprintf(cli_flag(argc, argv, "--help") ? stdout : stderr,
                "usage: orl eval --model MODEL.orl --data FILE [--threads N] [--json] "
                "[data options]\n\n%s",
                cli_data_options_help);
        return cli_flag(argc, argv, "--help") ? 0 : 2;
    }
    long threads;
    int rc = cli_opt_long(argc, argv, "--threads", 0, &threads);
    if (rc) return rc;
    orl_model *m = NULL;
    orl_dataset *ds = NULL;
    if (orl_model_load(model_path, &m) != ORL_OK) return cli_fail(model_path);
    if ((rc = cli_load_dataset(argc, argv, data, &ds))) {
        orl_model_free(m);
        return rc;
    }
    /* Every head the model has: RL models carry a supervised and a Q head. */
    uint32_t heads = 1, active = 0;
    orl_model_head_count(m, &heads);
    orl_model_head(m, &active);
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
    for (uint32_t h = 0; h < heads && rc == 0; h++) {
        orl_model *mh = NULL;
        orl_eval_result r = {.struct_size = sizeof r};
        const char *name = h == ORL_HEAD_Q ? "q" : "supervised";
        if (orl_model_with_head(m, h, &mh) != ORL_OK ||
            orl_model_evaluate(mh, ds, (int32_t)threads, &r) != ORL_OK) {
            rc = cli_fail("evaluation");
        } else if (json) {
            char buf[2048];
            size_t len;
            orl_eval_result_json(&r, buf, sizeof buf, &len);
            printf("%s\"%s\":%s", h ? "," : "", name, buf);
        } else {
            char title[128];
            snprintf(title, sizeof title, "%s head%s (every step ranks the whole catalogue):", name,
                     h == active ? ", the model's default" : "");
            cli_print_eval(stdout, title, &r);
            if (r.unknown_targets)
                printf("  %llu steps had an item the model does not know (counted as misses)\n",
                       (unsigned long long)r.unknown_targets);
        }
        orl_model_free(mh);
    }
    if (json && rc == 0) printf("}}\n");
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

int cmd_recommend(int argc, char **argv)
{
    static const cli_option own[] = {{"--model", CLI_STRING}, {"--history", CLI_STRING},
                                     {"-k", CLI_INT},         {"--candidates", CLI_STRING},
                                     {"--json", CLI_FLAG},    {NULL, 0}};
    static const cli_option *const tables[] = {own, NULL};
    int check = cli_check_options("recommend", argc, argv, tables, NULL, 0, NULL);
    if (check) return check;
    const char *model_path = cli_opt(argc, argv, "--model");
    const char *history = cli_opt(argc, argv, "--history");
    if (cli_flag(argc, argv, "--help") || !model_path) {
        fprintf(cli_flag(argc, argv, "--help") ? stdout : stderr,
                "usage: orl recommend --model MODEL.orl --history k1,k2,... [-k 10]\n"
                "                     [--candidates c1,c2,...] [--json]\n");
        return cli_flag(argc, argv, "--help") ? 0 : 2;
    }
    long k;
    int rc = cli_opt_long(argc, argv, "-k", 10, &k);
    if (rc) return rc;
    size_t n_hist = 0, n_cand = 0;
    int64_t *hist = parse_keys(history ? history : "", &n_hist);
    const char *cand_list = cli_opt(argc, argv, "--candidates");
    int64_t *cand = cand_list ? parse_keys(cand_list, &n_cand) : NULL;
    if (!hist || (cand_list && !cand)) {
        fprintf(stderr, "orl recommend: --history and --candidates take integer keys k1,k2,...\n");
        free(hist);
        free(cand);
        return 2;
    }
    orl_model *m = NULL;
    if (orl_model_load(model_path, &m) != ORL_OK) {
        free(hist);
        free(cand);
        return cli_fail(model_path);
    }
    int json = cli_flag(argc, argv, "--json");
    size_t skipped = 0, unknown = 0;
    if (cand) {
        float *scores = malloc(sizeof(float) * (n_cand ? n_cand : 1));
        if (orl_model_score_candidates(m, hist, n_hist, cand, n_cand, scores, &skipped, &unknown) !=
            ORL_OK) {
            rc = cli_fail("scoring");
        } else {
            /* Best first: a selection sort is plenty for a host-sized candidate list. */
            for (size_t i = 0; i < n_cand; i++)
                for (size_t j = i + 1; j < n_cand; j++)
                    if (scores[j] > scores[i]) {
                        float ts = scores[i];
                        int64_t tc = cand[i];
                        scores[i] = scores[j], cand[i] = cand[j];
                        scores[j] = ts, cand[j] = tc;
                    }
            size_t show = (size_t)k < n_cand ? (size_t)k : n_cand;
            if (json) printf("{\"items\":[");
            for (size_t i = 0; i < show; i++)
                printf(json ? "%s{\"item\":%lld,\"score\":%.6g}" : "%s%lld\t%.6g\n",
                       json ? (i ? "," : "") : "", (long long)cand[i], (double)scores[i]);
            if (json)
                printf("],\"skipped_history\":%zu,\"unknown_candidates\":%zu}\n", skipped, unknown);
        }
        free(scores);
    } else {
        int64_t *items = malloc(sizeof(int64_t) * (size_t)(k > 0 ? k : 1));
        float *scores = malloc(sizeof(float) * (size_t)(k > 0 ? k : 1));
        if (k < 1 || k > 100000 ||
            orl_model_recommend(m, hist, n_hist, (uint32_t)k, items, scores, &skipped) != ORL_OK) {
            rc = k < 1 || k > 100000 ? (fprintf(stderr, "orl recommend: -k out of range\n"), 2)
                                     : cli_fail("recommend");
        } else {
            if (json) printf("{\"items\":[");
            for (long i = 0; i < k; i++)
                printf(json ? "%s{\"item\":%lld,\"score\":%.6g}" : "%s%lld\t%.6g\n",
                       json ? (i ? "," : "") : "", (long long)items[i], (double)scores[i]);
            if (json) printf("],\"skipped_history\":%zu}\n", skipped);
        }
        free(items);
        free(scores);
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
    return rc;
}
