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

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int cli_load_dataset(int argc, char **argv, const char *path, orl_dataset **out)
{
    long window, min_len, min_count;
    int rc = cli_opt_long(argc, argv, "--window", 10, &window);
    if (!rc) rc = cli_opt_long(argc, argv, "--min-session-len", 1, &min_len);
    if (!rc) rc = cli_opt_long(argc, argv, "--min-item-count", 1, &min_count);
    if (rc) return rc;
    if (window < 1 || window > 1024 || min_len < 1 || min_count < 1) {
        fprintf(stderr, "orl: --window must be in [1, 1024]; minimums must be >= 1\n");
        return 2;
    }
    if (ends_with(path, ".orld")) {
        if (orl_dataset_load(path, out) != ORL_OK) return cli_fail(path);
        return 0;
    }
    orl_dataset_params dp;
    orl_dataset_params_init(&dp);
    dp.window = (uint32_t)window;
    dp.min_session_len = (uint32_t)min_len;
    dp.min_item_count = (uint32_t)min_count;
    orl_csv_params cp;
    const char *preset = cli_opt(argc, argv, "--preset");
    orl_csv_params_init(&cp);
    if (preset && orl_csv_params_preset(&cp, preset) != ORL_OK) return cli_fail("--preset");
    const char *v;
    if ((v = cli_opt(argc, argv, "--session-col"))) cp.session_col = v;
    if ((v = cli_opt(argc, argv, "--item-col"))) cp.item_col = v;
    if ((v = cli_opt(argc, argv, "--time-col"))) cp.time_col = v;
    if ((v = cli_opt(argc, argv, "--event-col"))) cp.event_col = v;
    if ((v = cli_opt(argc, argv, "--reward-col"))) cp.reward_col = v;
    if ((v = cli_opt(argc, argv, "--event-map"))) cp.event_map = v;
    if ((v = cli_opt(argc, argv, "--delimiter")))
        cp.delimiter = strcmp(v, "tab") == 0 ? '\t' : v[0];
    if (cli_flag(argc, argv, "--no-header")) cp.header = 0;
    if (cli_flag(argc, argv, "--lenient")) cp.strict = 0;

    orl_dataset *ds = NULL;
    orl_load_report rep;
    memset(&rep, 0, sizeof rep);
    rep.struct_size = sizeof rep;
    if (orl_dataset_create(&dp, &ds) != ORL_OK) return cli_fail("creating the dataset");
    if (orl_dataset_load_csv(ds, path, &cp, &rep) != ORL_OK) {
        int r = cli_fail(path);
        orl_dataset_free(ds);
        return r;
    }
    if (rep.rows_malformed || rep.rows_unknown_event)
        fprintf(stderr, "orl: %s: skipped %llu malformed rows, %llu of unknown event types%s%s\n",
                path, (unsigned long long)rep.rows_malformed,
                (unsigned long long)rep.rows_unknown_event, rep.first_error[0] ? "; first: " : "",
                rep.first_error);
    if (orl_dataset_finalize(ds) != ORL_OK) {
        int r = cli_fail("finalizing the dataset");
        orl_dataset_free(ds);
        return r;
    }
    *out = ds;
    return 0;
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
