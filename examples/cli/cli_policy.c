/* The --policy option (a target policy rule) shared by orl sim value and orl ope. */
#include <stdio.h>

#include "commands.h"

const char *const cli_policy_option_help =
    "  --policy RULE  the target policy the model's scores define: greedy, softmax:T,\n"
    "                 epsilon:E or epsilon:E:K (epsilon spread over the top K items)\n";

int cli_policy_rule(int argc, char **argv, orl_policy_rule *out, int *given)
{
    orl_policy_rule_init(out);
    const char *text = cli_opt(argc, argv, "--policy");
    *given = text != NULL;
    if (!text) return 0;
    if (orl_policy_rule_parse(text, out) != ORL_OK) {
        fprintf(stderr, "orl: --policy %s: %s\n", text, orl_last_error());
        return 2;
    }
    return 0;
}
