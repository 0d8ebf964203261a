/* Strict option checking for every orl command: each command lists the options it knows with
 * their kind; anything else is a usage error (exit 2) that names the option and hints at the
 * closest known one. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const cli_option help_options[] = {{"--help", CLI_FLAG}, {"-h", CLI_FLAG}, {NULL, 0}};

/* Levenshtein distance (names are short: a row of 64 is plenty, longer names are cut). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63) n = 63;
    if (m > 63) m = 63;
    size_t row[64];
    for (size_t j = 0; j <= m; j++) row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m];
}

static const cli_option *find(const cli_option *const *tables, const char *name, size_t len)
{
    for (const cli_option *const *t = tables; *t; t++)
        for (const cli_option *o = *t; o->name; o++)
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    for (const cli_option *o = help_options; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) return o;
    return NULL;
}

const char *cli_closest_option(const cli_option *const *tables, const char *name)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (const cli_option *const *t = tables; *t; t++)
        for (const cli_option *o = *t; o->name; o++) {
            size_t d = edit_distance(name, o->name);
            if (d < best_d) best_d = d, best = o->name;
        }
    return best;
}

static const char *kind_name(cli_kind k)
{
    return k == CLI_INT ? "an integer" : k == CLI_FLOAT ? "a number" : "a value";
}

/* The whole text is one number of the kind (no trailing characters, no overflow, finite). */
static int parses(cli_kind kind, const char *v)
{
    char *end = NULL;
    errno = 0;
    if (kind == CLI_INT) {
        (void)strtol(v, &end, 10);
        return !errno && end != v && !*end;
    }
    if (kind == CLI_FLOAT) {
        double x = strtod(v, &end);
        return !errno && end != v && !*end && isfinite(x);
    }
    return 1;
}

/* An argument that is an option name rather than a value or a positional: "-x...", "--x...",
 * but not "-" alone and not a negative number. */
static int is_option(const char *a)
{
    if (a[0] != '-' || a[1] == '\0') return 0;
    if (a[1] == '-') return 1;
    char *end = NULL;
    (void)strtod(a, &end);
    return end == a || *end;
}

int cli_check_options(const char *cmd, int argc, char **argv, const cli_option *const *tables,
                      const char **positional, int max_positional, int *n_positional)
{
    int npos = 0, only_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_positional || !is_option(a)) {
            if (!positional) {
                fprintf(stderr, "orl %s: unexpected argument '%s'; see 'orl %s --help'\n", cmd, a,
                        cmd);
                return 2;
            }
            if (npos < max_positional) positional[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_positional = 1;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const cli_option *o = find(tables, a, len);
        if (!o) {
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(len < 120 ? len : 120), a);
            const char *near = cli_closest_option(tables, name);
            fprintf(stderr, "orl %s: unknown option '%s'", cmd, name);
            if (near) fprintf(stderr, " (did you mean '%s'?)", near);
            fprintf(stderr, "; see 'orl %s --help'\n", cmd);
            return 2;
        }
        if (o->kind == CLI_FLAG) {
            if (eq) {
                fprintf(stderr,
                        "orl %s: option '%s' takes no value, got '%s'; see 'orl %s --help'\n", cmd,
                        o->name, a, cmd);
                return 2;
            }
            continue;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!eq) {
            /* The next argument is the value, unless there is none or it is another option
             * (a negative number is a value). */
            if (i + 1 >= argc || (argv[i + 1][0] == '-' && argv[i + 1][1] == '-')) {
                fprintf(stderr, "orl %s: option '%s' needs %s; see 'orl %s --help'\n", cmd, o->name,
                        kind_name(o->kind), cmd);
                return 2;
            }
            v = argv[++i];
        }
        if (!parses(o->kind, v)) {
            fprintf(stderr, "orl %s: option '%s' expects %s, got '%s'; see 'orl %s --help'\n", cmd,
                    o->name, kind_name(o->kind), v, cmd);
            return 2;
        }
    }
    if (n_positional) *n_positional = npos;
    return 0;
}
