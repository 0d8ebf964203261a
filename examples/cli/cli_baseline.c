/* --baseline pop|repeat [--train FILE]: a baseline model in place of --model (orl eval, and
 * orl ope through the same helper). */
#include <stdio.h>
#include <string.h>

#include "commands.h"

const cli_option cli_baseline_options[] = {
    {"--baseline", CLI_STRING}, {"--train", CLI_STRING}, {NULL, 0}};

const char *const cli_baseline_options_help =
    "  --baseline pop|repeat  evaluate a baseline in place of --model: popularity (log of each\n"
    "                 item's event count) or repeat (the history's items, most recent first,\n"
    "                 then popularity)\n"
    "  --train FILE   the training data the baseline counts (same data options); without it\n"
    "                 the counts come from the evaluated data itself (a warning says so)\n";

int cli_baseline_kind(const char *name, int32_t *out)
{
    if (strcmp(name, "pop") == 0 || strcmp(name, "popularity") == 0) {
        *out = ORL_BASELINE_POPULARITY;
        return 0;
    }
    if (strcmp(name, "repeat") == 0) {
        *out = ORL_BASELINE_REPEAT;
        return 0;
    }
    fprintf(stderr, "orl: --baseline %s: expected pop or repeat\n", name);
    return 2;
}

int cli_baseline_model(int argc, char **argv, const orl_dataset *fallback, orl_model **out)
{
    const char *name = cli_opt(argc, argv, "--baseline");
    const char *train_path = cli_opt(argc, argv, "--train");
    int32_t kind = 0;
    int rc = cli_baseline_kind(name ? name : "", &kind);
    if (rc) return rc;
    orl_dataset *train = NULL;
    if (train_path) {
        if ((rc = cli_load_dataset(argc, argv, train_path, &train)) != 0) return rc;
    } else {
        fprintf(stderr,
                "orl: warning: the %s baseline counts the evaluated data itself; give "
                "--train FILE for counts from the training data\n",
                kind == ORL_BASELINE_REPEAT ? "repeat" : "popularity");
    }
    rc = orl_model_create_baseline(train ? train : fallback, kind, out) == ORL_OK
             ? 0
             : cli_fail("building the baseline");
    orl_dataset_free(train);
    return rc;
}
