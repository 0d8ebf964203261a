/* Loading a dataset from the command line: a CSV/TSV (optionally gzip) with
 * a preset or column options, or a binary dataset file (.orld). */
#include <stdio.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

const char *const cli_data_options_help =
    "data options (CSV/TSV, gzip accepted; or a binary .orld dataset file):\n"
    "  --preset NAME       a known log format: canonical, retailrocket, rees46, yoochoose-clicks,\n"
    "                      yoochoose-buys, diginetica-views, diginetica-purchases, kuairand,\n"
    "                      trivago, movietweetings (default: canonical)\n"
    "  --session-col C  --item-col C  --time-col C  --event-col C  --reward-col C\n"
    "  --event-map 'raw=type,...'   --delimiter D   --no-header   --lenient\n"
    "  --window N          history length N (default 10)\n"
    "  --min-session-len N --min-item-count N   drop short sessions / rare items (default 1: keep "
    "all)\n";

const cli_option cli_data_options[] = {{"--preset", CLI_STRING},
                                       {"--session-col", CLI_STRING},
                                       {"--item-col", CLI_STRING},
                                       {"--time-col", CLI_STRING},
                                       {"--event-col", CLI_STRING},
                                       {"--reward-col", CLI_STRING},
                                       {"--propensity-col", CLI_STRING},
                                       {"--event-map", CLI_STRING},
                                       {"--sep", CLI_STRING},
                                       {"--delimiter", CLI_STRING},
                                       {"--no-header", CLI_FLAG},
                                       {"--lenient", CLI_FLAG},
                                       {"--window", CLI_INT},
                                       {"--min-session-len", CLI_INT},
                                       {"--min-item-count", CLI_INT},
                                       {"--session-gap", CLI_INT},
                                       {NULL, 0}};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cli_dataset_params(int argc, char **argv, orl_dataset_params *dp)
{
    long window, min_len, min_count, gap;
    int rc = cli_opt_long(argc, argv, "--window", 10, &window);
    if (!rc) rc = cli_opt_long(argc, argv, "--min-session-len", 1, &min_len);
    if (!rc) rc = cli_opt_long(argc, argv, "--min-item-count", 1, &min_count);
    if (!rc) rc = cli_opt_long(argc, argv, "--session-gap", 0, &gap);
    if (rc) return rc;
    if (window < 1 || window > 1024 || min_len < 1 || min_count < 1 || gap < 0) {
        fprintf(stderr, "orl: --window must be in [1, 1024]; minimums >= 1; --session-gap >= 0\n");
        return 2;
    }
    orl_dataset_params_init(dp);
    dp->window = (uint32_t)window;
    dp->min_session_len = (uint32_t)min_len;
    dp->min_item_count = (uint32_t)min_count;
    dp->session_gap = gap;
    return 0;
}

int cli_csv_params(int argc, char **argv, orl_csv_params *cp)
{
    const char *preset = cli_opt(argc, argv, "--preset");
    orl_csv_params_init(cp);
    if (preset && orl_csv_params_preset(cp, preset) != ORL_OK) return cli_fail("--preset");
    const char *v;
    if ((v = cli_opt(argc, argv, "--session-col"))) cp->session_col = v;
    if ((v = cli_opt(argc, argv, "--item-col"))) cp->item_col = v;
    if ((v = cli_opt(argc, argv, "--time-col"))) cp->time_col = v;
    if ((v = cli_opt(argc, argv, "--event-col"))) cp->event_col = v;
    if ((v = cli_opt(argc, argv, "--reward-col"))) cp->reward_col = v;
    if ((v = cli_opt(argc, argv, "--propensity-col"))) cp->propensity_col = v;
    if ((v = cli_opt(argc, argv, "--event-map"))) cp->event_map = v;
    /* --sep and --delimiter are one option: ',' ';' '|', "tab", or "auto" to guess. */
    if ((v = cli_opt(argc, argv, "--sep")) || (v = cli_opt(argc, argv, "--delimiter")))
        cp->delimiter = strcmp(v, "tab") == 0 ? '\t' : strcmp(v, "auto") == 0 ? 0 : v[0];
    if (cli_flag(argc, argv, "--no-header")) cp->header = 0;
    if (cli_flag(argc, argv, "--lenient")) cp->strict = 0;
    return 0;
}

int cli_load_files(int argc, char **argv, const char *const *files, int n_files, int report,
                   orl_dataset **out)
{
    if (n_files == 1 && ends_with(files[0], ".orld")) {
        if (orl_dataset_load(files[0], out) != ORL_OK) return cli_fail(files[0]);
        return 0;
    }
    orl_dataset_params dp;
    orl_csv_params cp;
    int rc = cli_dataset_params(argc, argv, &dp);
    if (!rc) rc = cli_csv_params(argc, argv, &cp);
    if (rc) return rc;
    orl_dataset *ds = NULL;
    if (orl_dataset_create(&dp, &ds) != ORL_OK) return cli_fail("creating the dataset");
    for (int f = 0; f < n_files; f++) {
        orl_load_report r;
        memset(&r, 0, sizeof r);
        r.struct_size = sizeof r;
        int s = ends_with(files[f], ".jsonl") || ends_with(files[f], ".jsonl.gz")
                    ? orl_dataset_load_jsonl(ds, files[f], cp.strict, &r)
                    : orl_dataset_load_csv(ds, files[f], &cp, &r);
        if (s != ORL_OK) {
            rc = cli_fail(files[f]);
            orl_dataset_free(ds);
            return rc;
        }
        if (report || r.rows_malformed || r.rows_unknown_event)
            fprintf(stderr,
                    "%s: %llu rows, %llu loaded, %llu unknown event, %llu filtered, %llu unknown "
                    "session, %llu malformed%s%s\n",
                    files[f], (unsigned long long)r.rows_read, (unsigned long long)r.rows_loaded,
                    (unsigned long long)r.rows_unknown_event, (unsigned long long)r.rows_filtered,
                    (unsigned long long)r.rows_unknown_session,
                    (unsigned long long)r.rows_malformed, r.first_error[0] ? "; first: " : "",
                    r.first_error);
    }
    if (orl_dataset_finalize(ds) != ORL_OK) {
        rc = cli_fail("finalizing the dataset");
        orl_dataset_free(ds);
        return rc;
    }
    *out = ds;
    return 0;
}

int cli_load_dataset(int argc, char **argv, const char *path, orl_dataset **out)
{
    return cli_load_files(argc, argv, &path, 1, 0, out);
}

void cli_print_eval(FILE *f, const char *title, const orl_eval_result *r)
{
    fprintf(f, "%s\n", title);
    fprintf(f, "  %-9s %8s  %7s %7s %7s  %7s %7s %7s\n", "", "steps", "HR@5", "HR@10", "HR@20",
            "NDCG@5", "NDCG@10", "NDCG@20");
    fprintf(f, "  %-9s %8llu  %7.4f %7.4f %7.4f  %7.4f %7.4f %7.4f\n", "clicks",
            (unsigned long long)r->click_count, r->click_hr[0], r->click_hr[1], r->click_hr[2],
            r->click_ndcg[0], r->click_ndcg[1], r->click_ndcg[2]);
    fprintf(f, "  %-9s %8llu  %7.4f %7.4f %7.4f  %7.4f %7.4f %7.4f\n", "purchases",
            (unsigned long long)r->purchase_count, r->purchase_hr[0], r->purchase_hr[1],
            r->purchase_hr[2], r->purchase_ndcg[0], r->purchase_ndcg[1], r->purchase_ndcg[2]);
}
