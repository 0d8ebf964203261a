/* The orl command-line tool: one function per subcommand group. */
#ifndef ORL_CLI_COMMANDS_H
#define ORL_CLI_COMMANDS_H

/* Each receives argv starting at its own name (argv[0] = "data", ...) and
 * returns the process exit code: 0 success, 1 failure, 2 usage error. */
typedef int (*cli_command_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    const char *summary;
    cli_command_fn run;
} cli_command;

int cmd_data(int argc, char **argv);

/* Print "orl: <what>: <library message>" to stderr and return 1. */
int cli_fail(const char *what);

/* Option helpers over argv: "--name value" or "--name=value". */
const char *cli_opt(int argc, char **argv, const char *name);
int cli_flag(int argc, char **argv, const char *name);
/* Parse an integer/float option, with a default when absent; 0 on success,
 * 2 (usage) after printing a message when the value is malformed. */
int cli_opt_long(int argc, char **argv, const char *name, long fallback, long *out);
int cli_opt_double(int argc, char **argv, const char *name, double fallback, double *out);

/* Strict option checking. Each command lists the options it knows (a table ends with a NULL
 * name); --help and -h are always known. */
typedef enum cli_kind { CLI_FLAG, CLI_INT, CLI_FLOAT, CLI_STRING } cli_kind;
typedef struct cli_option {
    const char *name;
    cli_kind kind;
} cli_option;
/* Check argv[1..argc) against the NULL-terminated list of tables: an unknown option, a missing
 * value or a value that does not parse completely as its kind prints a message naming the
 * option (with the closest known name for an unknown one) and returns 2. Arguments that are not
 * options are collected into positional (up to max_positional, counted in *n_positional); with
 * positional NULL, any is an error. 0 when every argument is understood. */
int cli_check_options(const char *cmd, int argc, char **argv, const cli_option *const *tables,
                      const char **positional, int max_positional, int *n_positional);
/* The known name nearest to name by edit distance, or NULL when the tables are empty. */
const char *cli_closest_option(const cli_option *const *tables, const char *name);

/* Subcommand groups (one file each). */
int cmd_sim(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_ope(int argc, char **argv);

/* Shared by the commands that read data (cli_data.c). */
#include <stdio.h>

#include <offlinerl/offlinerl.h>
extern const char *const cli_data_options_help;
extern const cli_option cli_data_options[]; /* the options below, for cli_check_options */
/* The dataset and CSV settings the data options in argv ask for; 0 or an exit code. */
int cli_dataset_params(int argc, char **argv, orl_dataset_params *dp);
int cli_csv_params(int argc, char **argv, orl_csv_params *cp);
/* Load files (CSV/TSV/gzip, OTTO .jsonl, or one .orld) into one finalized dataset with the
 * data options in argv; report = print each file's load report. 0, or the exit code after
 * printing the reason. */
int cli_load_files(int argc, char **argv, const char *const *files, int n_files, int report,
                   orl_dataset **out);
int cli_load_dataset(int argc, char **argv, const char *path, orl_dataset **out);
void cli_print_eval(FILE *f, const char *title, const orl_eval_result *r);

/* Scoring options (cli_scoring.c): --head, --score, --kappa. */
extern const cli_option cli_scoring_options[];
extern const char *const cli_scoring_options_help;
/* Replace *model by the head / rule the options ask for; 0 or an exit code. */
int cli_apply_scoring(int argc, char **argv, orl_model **model);
/* One way a model can score: a head, and for an ensemble a rule. */
typedef struct cli_scoring_variant {
    const char *name;
    uint32_t head, rule;
    float kappa;
    int is_default;
} cli_scoring_variant;
/* Every head and rule model m can score with (up to cap); their count. */
int cli_scoring_variants(const orl_model *m, float kappa, cli_scoring_variant *out, int cap);
/* A copy of m scoring as v. ORL_OK or the library's status. */
int cli_scoring_derive(const orl_model *m, const cli_scoring_variant *v, orl_model **out);

/* The --policy option (cli_policy.c): *out is the rule given (greedy when absent, *given 0);
 * 0, or 2 after printing why the text is not a rule. */
extern const char *const cli_policy_option_help;
int cli_policy_rule(int argc, char **argv, orl_policy_rule *out, int *given);

/* --baseline pop|repeat [--train FILE] (cli_baseline.c), for orl eval and orl ope. */
extern const cli_option cli_baseline_options[];
extern const char *const cli_baseline_options_help;
/* ORL_BASELINE_* of "pop" (or "popularity") and "repeat"; 0, or 2 after a message. */
int cli_baseline_kind(const char *name, int32_t *out);
/* The baseline --baseline names, counted on --train (loaded with the data options) or, without
 * it, on `fallback` (with a warning). 0, or an exit code after printing why. */
int cli_baseline_model(int argc, char **argv, const orl_dataset *fallback, orl_model **out);

#endif
