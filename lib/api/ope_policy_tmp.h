/* TEMPORARY until the policy rule (include/offlinerl/policy.h, lib/models/policy_rule.h)
 * lands on main: the same struct and the two calls OPE needs. Deleted at that merge. */
#ifndef ORL_API_OPE_POLICY_TMP_H
#define ORL_API_OPE_POLICY_TMP_H

#include <stddef.h>
#include <stdint.h>

typedef enum orl_policy_kind {
    ORL_POLICY_GREEDY = 0,
    ORL_POLICY_SOFTMAX = 1,
    ORL_POLICY_EPSILON = 2
} orl_policy_kind;
typedef struct orl_policy_rule {
    size_t struct_size;
    int32_t kind;
    uint32_t top_k;
    double temperature;
    double epsilon;
} orl_policy_rule;

void orl_policy_rule_init(orl_policy_rule *rule);
int orl_policy_rule_check(const orl_policy_rule *r);
int orl_policy_probs_rows(const orl_policy_rule *r, const float *scores, size_t rows, size_t n,
                          float *out_probs);

#endif
