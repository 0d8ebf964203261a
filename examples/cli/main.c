/* orl: train, evaluate and serve offline-RL recommenders from the shell. */
#include <stdio.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

static int cmd_version(int argc, char **argv)
{
    static const cli_option none[] = {{NULL, 0}};
    static const cli_option *const tables[] = {none, NULL};
    int rc = cli_check_options("version", argc, argv, tables, NULL, 0, NULL);
    if (rc) return rc;
    printf("orl %s\n%s\n", orl_version_string(), orl_build_info());
    return 0;
}

/* One line per subcommand group; each lives in its own cmd_*.c file. */
static const cli_command commands[] = {
    {"version", "print the library version and build information", cmd_version},
    {"sim", "generate logs from the built-in simulator; true values of baselines", cmd_sim},
    {"data", "inspect event logs: counts, event types, session lengths", cmd_data},
    {"train", "train a policy on logged sessions, evaluate it, save it", cmd_train},
    {"eval", "evaluate a saved model on logged sessions (HR/NDCG@5/10/20)", cmd_eval},
    {"ope", "estimate a saved model's value from logged sessions (off-policy)", cmd_ope},
    {"recommend", "top-K items, or ranked host candidates, for a history", cmd_recommend},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: orl <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'orl <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (orl_version_number() / 10000 != ORL_VERSION_MAJOR) {
        fprintf(stderr, "orl: library major version differs from the header's\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "orl: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
