/* --head, --score and --kappa: which head or rule a loaded model scores with
 * (orl recommend), and every head and rule a model has (orl eval). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

#include "commands.h"

const cli_option cli_scoring_options[] = {
    {"--head", CLI_STRING}, {"--score", CLI_STRING}, {"--kappa", CLI_FLOAT}, {NULL, 0}};

const char *const cli_scoring_options_help =
    "scoring options:\n"
    "  --head NAME   supervised, q, or constrained (BCQ models: Q over the items G allows,\n"
    "                then the rest by G); default: the model's own\n"
    "  --score RULE  models with an ensemble of Q heads (rem, sqn_rem): mean, lcb (mean -\n"
    "                kappa std, pessimistic) or ucb (mean + kappa std, optimistic)\n"
    "  --kappa K     the multiple of the heads' standard deviation (default 1)\n";

static int name_index(const char *value, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0) return i;
    return -1;
}

int cli_apply_scoring(int argc, char **argv, orl_model **model)
{
    static const char *const heads[] = {"supervised", "q", "constrained"};
    static const char *const rules[] = {"mean", "lcb", "ucb"};
    const char *head = cli_opt(argc, argv, "--head"), *score = cli_opt(argc, argv, "--score");
    double kappa;
    int rc = cli_opt_double(argc, argv, "--kappa", 1.0, &kappa);
    if (rc) return rc;
    int h = head ? name_index(head, heads, 3) : -1, r = score ? name_index(score, rules, 3) : -1;
    if ((head && h < 0) || (score && r < 0)) {
        fprintf(stderr, "orl: %s '%s' is not one of %s\n", head && h < 0 ? "--head" : "--score",
                head && h < 0 ? head : score,
                head && h < 0 ? "supervised, q, constrained" : "mean, lcb, ucb");
        return 2;
    }
    orl_model *derived = NULL;
    if (head) {
        if (orl_model_with_head(*model, (uint32_t)h, &derived) != ORL_OK) return cli_fail("--head");
        orl_model_free(*model);
        *model = derived;
    }
    if (score) {
        if (orl_model_with_score_rule(*model, (uint32_t)r, (float)kappa, &derived) != ORL_OK)
            return cli_fail("--score");
        orl_model_free(*model);
        *model = derived;
    }
    return 0;
}

int cli_scoring_variants(const orl_model *m, float kappa, cli_scoring_variant *out, int cap)
{
    uint32_t heads = 1, active = 0, ensemble = 0;
    orl_model_head_count(m, &heads);
    orl_model_head(m, &active);
    orl_model_ensemble_size(m, &ensemble);
    int n = 0;
    const int has_sup = heads == 2 || active != ORL_HEAD_Q;
    const int has_q = heads == 2 || active == ORL_HEAD_Q;
    orl_model *probe = NULL;
    const int constrained = orl_model_with_head(m, ORL_HEAD_CONSTRAINED, &probe) == ORL_OK;
    orl_model_free(probe);
    if (has_sup && n < cap)
        out[n++] =
            (cli_scoring_variant){.name = "supervised", .head = ORL_HEAD_SUPERVISED, .rule = 0};
    if (has_q && n < cap)
        out[n++] = (cli_scoring_variant){.name = "q", .head = ORL_HEAD_Q, .rule = ORL_SCORE_MEAN};
    if (constrained && n < cap)
        out[n++] =
            (cli_scoring_variant){.name = "constrained", .head = ORL_HEAD_CONSTRAINED, .rule = 0};
    if (ensemble && n + 2 <= cap) {
        out[n++] = (cli_scoring_variant){.name = "lcb", .head = ORL_HEAD_Q, .rule = ORL_SCORE_LCB};
        out[n++] = (cli_scoring_variant){.name = "ucb", .head = ORL_HEAD_Q, .rule = ORL_SCORE_UCB};
    }
    uint32_t own_rule = ORL_SCORE_MEAN;
    orl_model_score_rule(m, &own_rule, NULL);
    for (int i = 0; i < n; i++) {
        out[i].kappa = out[i].rule == ORL_SCORE_MEAN ? 0.0f : kappa;
        out[i].is_default =
            out[i].head == active && (out[i].head != ORL_HEAD_Q || out[i].rule == own_rule);
    }
    return n;
}

int cli_scoring_derive(const orl_model *m, const cli_scoring_variant *v, orl_model **out)
{
    uint32_t ensemble = 0;
    orl_model_ensemble_size(m, &ensemble);
    if (v->head == ORL_HEAD_Q && ensemble)
        return orl_model_with_score_rule(m, v->rule, v->kappa, out);
    return orl_model_with_head(m, v->head, out);
}
