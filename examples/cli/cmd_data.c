/* orl data inspect FILE [column options] [--json]: load a log and print its statistics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: orl data inspect FILE [FILE...] [options]\n"
            "  Loads event logs (CSV/TSV, .gz, OTTO .jsonl, or a saved .orld dataset) and prints\n"
            "  counts, event types and the session-length histogram.\n"
            "options:\n"
            "  --preset NAME        canonical, retailrocket, rees46, yoochoose-clicks, "
            "yoochoose-buys,\n"
            "                       diginetica-views, diginetica-purchases, kuairand, trivago,\n"
            "                       movietweetings (one preset for all files)\n"
            "  --session-col C --item-col C --time-col C --event-col C --reward-col C\n"
            "  --propensity-col C   columns by header name or #index\n"
            "  --sep X              field separator (',' ';' 'tab' '|'; 'auto' guesses)\n"
            "  --no-header          the file has no header line (use #index columns)\n"
            "  --event-map MAP      raw=type,... ('x*' matches a prefix)\n"
            "  --lenient            skip and count malformed rows instead of failing\n"
            "  --min-session-len N --min-item-count N --window N --session-gap T\n"
            "  --save OUT.orld      also save the finalized dataset\n"
            "  --json               print one JSON object instead of text\n");
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int inspect(int argc, char **argv)
{
    /* files: non-option arguments after "inspect" (option values skipped) */
    static const char *with_value[] = {
        "--preset",         "--session-col",    "--item-col",    "--time-col",  "--event-col",
        "--reward-col",     "--propensity-col", "--sep",         "--event-map", "--min-session-len",
        "--min-item-count", "--window",         "--session-gap", "--save",      NULL};
    const char *files[64];
    int nfiles = 0;
    for (int i = 2; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            for (const char **w = with_value; *w; w++)
                if (strcmp(argv[i], *w) == 0) i++;
            continue;
        }
        if (nfiles < 64) files[nfiles++] = argv[i];
    }
    if (nfiles == 0) {
        usage(stderr);
        return 2;
    }
    long min_len, min_item, window, gap;
    if (cli_opt_long(argc, argv, "--min-session-len", 1, &min_len) ||
        cli_opt_long(argc, argv, "--min-item-count", 1, &min_item) ||
        cli_opt_long(argc, argv, "--window", 10, &window) ||
        cli_opt_long(argc, argv, "--session-gap", 0, &gap))
        return 2;
    orl_dataset_params dp;
    orl_dataset_params_init(&dp);
    dp.min_session_len = (uint32_t)(min_len > 0 ? min_len : 0);
    dp.min_item_count = (uint32_t)(min_item > 0 ? min_item : 0);
    dp.window = (uint32_t)(window > 0 ? window : 0);
    dp.session_gap = gap;
    orl_csv_params cp;
    const char *preset = cli_opt(argc, argv, "--preset");
    if (preset) {
        if (orl_csv_params_preset(&cp, preset) != ORL_OK) return cli_fail("--preset");
    } else {
        orl_csv_params_init(&cp);
    }
    const char *v;
    if ((v = cli_opt(argc, argv, "--session-col"))) cp.session_col = v;
    if ((v = cli_opt(argc, argv, "--item-col"))) cp.item_col = v;
    if ((v = cli_opt(argc, argv, "--time-col"))) cp.time_col = v;
    if ((v = cli_opt(argc, argv, "--event-col"))) cp.event_col = v;
    if ((v = cli_opt(argc, argv, "--reward-col"))) cp.reward_col = v;
    if ((v = cli_opt(argc, argv, "--propensity-col"))) cp.propensity_col = v;
    if ((v = cli_opt(argc, argv, "--event-map"))) cp.event_map = v;
    if ((v = cli_opt(argc, argv, "--sep")))
        cp.delimiter = strcmp(v, "tab") == 0 ? '\t' : strcmp(v, "auto") == 0 ? 0 : v[0];
    if (cli_flag(argc, argv, "--no-header")) cp.header = 0;
    if (cli_flag(argc, argv, "--lenient")) cp.strict = 0;
    int json = cli_flag(argc, argv, "--json");

    orl_dataset *ds = NULL;
    if (nfiles == 1 && ends_with(files[0], ".orld")) {
        if (orl_dataset_load(files[0], &ds) != ORL_OK) return cli_fail(files[0]);
    } else {
        if (orl_dataset_create(&dp, &ds) != ORL_OK) return cli_fail("dataset");
        for (int f = 0; f < nfiles; f++) {
            orl_load_report r;
            memset(&r, 0, sizeof r);
            r.struct_size = sizeof r;
            int s = ends_with(files[f], ".jsonl") || ends_with(files[f], ".jsonl.gz")
                        ? orl_dataset_load_jsonl(ds, files[f], cp.strict, &r)
                        : orl_dataset_load_csv(ds, files[f], &cp, &r);
            if (s != ORL_OK) {
                orl_dataset_free(ds);
                return cli_fail(files[f]);
            }
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
            orl_dataset_free(ds);
            return cli_fail("finalize");
        }
    }
    size_t need = 0;
    orl_dataset_stats_json(ds, NULL, 0, &need);
    char *text = malloc(need);
    if (!text || orl_dataset_stats_json(ds, text, need, &need) != ORL_OK) {
        free(text);
        orl_dataset_free(ds);
        return cli_fail("statistics");
    }
    if (json) {
        printf("%s\n", text);
    } else {
        orl_dataset_stats st;
        st.struct_size = sizeof st;
        orl_dataset_get_stats(ds, &st);
        printf("events     %llu\nsessions   %llu\nitems      %u\npurchases  %llu (in %llu "
               "sessions)\nsession length  min %llu  mean %.2f  max %llu\nmemory     %.1f "
               "bytes/event\n",
               (unsigned long long)st.n_events, (unsigned long long)st.n_sessions, st.n_items,
               (unsigned long long)st.n_purchases, (unsigned long long)st.n_sessions_with_purchase,
               (unsigned long long)st.min_session_len, st.mean_session_len,
               (unsigned long long)st.max_session_len,
               st.n_events ? (double)st.memory_bytes / (double)st.n_events : 0.0);
        const char *types = strstr(text, "\"event_types\":");
        const char *hist = strstr(text, "\"session_len_histogram\":");
        if (types)
            printf("event types  %.*s\n",
                   (int)(hist ? hist - (types + 14) - 1 : (long)strlen(types + 14) - 1),
                   types + 14);
        if (hist) printf("lengths      %.*s\n", (int)strlen(hist + 24) - 1, hist + 24);
    }
    free(text);
    const char *save = cli_opt(argc, argv, "--save");
    int rc = 0;
    if (save && orl_dataset_save(ds, save) != ORL_OK) rc = cli_fail(save);
    orl_dataset_free(ds);
    return rc;
}

int cmd_data(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "inspect") == 0) return inspect(argc, argv);
    fprintf(stderr, "orl data: unknown subcommand '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
