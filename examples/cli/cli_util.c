#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

int cli_fail(const char *what)
{
    fprintf(stderr, "orl: %s: %s (%s)\n", what, orl_last_error(),
            orl_status_string(orl_last_status()));
    return 1;
}

const char *cli_opt(int argc, char **argv, const char *name)
{
    size_t len = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], name, len) != 0) continue;
        if (argv[i][len] == '=') return argv[i] + len + 1;
        if (argv[i][len] == '\0' && i + 1 < argc) return argv[i + 1];
    }
    return NULL;
}

int cli_flag(int argc, char **argv, const char *name)
{
    int help = strcmp(name, "--help") == 0; /* -h is --help everywhere */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0 || (help && strcmp(argv[i], "-h") == 0)) return 1;
    return 0;
}

int cli_opt_long(int argc, char **argv, const char *name, long fallback, long *out)
{
    const char *v = cli_opt(argc, argv, name);
    if (!v) {
        *out = fallback;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end) {
        fprintf(stderr, "orl: %s expects an integer, got '%s'\n", name, v);
        return 2;
    }
    *out = x;
    return 0;
}

int cli_opt_double(int argc, char **argv, const char *name, double fallback, double *out)
{
    const char *v = cli_opt(argc, argv, name);
    if (!v) {
        *out = fallback;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end) {
        fprintf(stderr, "orl: %s expects a number, got '%s'\n", name, v);
        return 2;
    }
    *out = x;
    return 0;
}
