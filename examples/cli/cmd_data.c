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
            "  --save OUT.orld      also save the finalized dataset\n"
            "  --json               print one JSON object instead of text\n%s",
            cli_data_options_help);
}

/* The per-event rewards of the statistics JSON ("rewards", present with a reward column):
 * min, mean, max and the histogram with a bar per bin. */
static void print_rewards(const char *json)
{
    const char *r = strstr(json, "\"rewards\":{");
    unsigned long long n = 0, from_column = 0;
    double lo = 0, mean = 0, hi = 0;
    if (!r || sscanf(r,
                     "\"rewards\":{\"events\":%llu,\"from_column\":%llu,\"min\":%lf,"
                     "\"mean\":%lf,\"max\":%lf",
                     &n, &from_column, &lo, &mean, &hi) != 5)
        return;
    printf("rewards      min %g  mean %.4g  max %g  (", lo, mean, hi);
    if (from_column == n)
        printf("all %llu events from the reward column)\n", n);
    else
        printf("%llu of %llu events from the reward column, the others their event type's)\n",
               from_column, n);
    unsigned long long most = 1;
    for (const char *p = r; (p = strstr(p + 1, "\"lo\":"));) {
        double a, z;
        unsigned long long c;
        if (sscanf(p, "\"lo\":%lf,\"hi\":%lf,\"events\":%llu", &a, &z, &c) == 3 && c > most)
            most = c;
    }
    for (const char *p = r; (p = strstr(p + 1, "\"lo\":"));) {
        double a, z;
        unsigned long long c;
        if (sscanf(p, "\"lo\":%lf,\"hi\":%lf,\"events\":%llu", &a, &z, &c) != 3) break;
        int bar = (int)((40 * c + most - 1) / most);
        printf("  [%8g, %8g) %10llu %.*s\n", a, z, c, bar,
               "########################################");
    }
}

static int inspect(int argc, char **argv)
{
    static const cli_option own[] = {{"--save", CLI_STRING}, {"--json", CLI_FLAG}, {NULL, 0}};
    static const cli_option *const tables[] = {own, cli_data_options, NULL};
    const char *files[64];
    int nfiles = 0;
    int rc = cli_check_options("data inspect", argc - 1, argv + 1, tables, files, 64, &nfiles);
    if (rc) return rc;
    if (cli_flag(argc, argv, "--help") || cli_flag(argc, argv, "-h")) {
        usage(stdout);
        return 0;
    }
    if (nfiles == 0) {
        usage(stderr);
        return 2;
    }
    int json = cli_flag(argc, argv, "--json");
    orl_dataset *ds = NULL;
    rc = cli_load_files(argc, argv, files, nfiles, 1, &ds);
    if (rc) return rc;
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
        if (hist) printf("lengths      %.*s\n", (int)strcspn(hist + 24, "}") + 1, hist + 24);
        print_rewards(text);
        uint64_t displays = 0;
        if (orl_dataset_display_count(ds, &displays) == ORL_OK && displays > 0)
            printf("displays   %llu (shown lists, clicked or not)\n", (unsigned long long)displays);
    }
    free(text);
    const char *save = cli_opt(argc, argv, "--save");
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
