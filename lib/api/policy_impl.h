/* Shared by the policy API and the policy rollouts. */
#ifndef ORL_API_POLICY_IMPL_H
#define ORL_API_POLICY_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "offlinerl/policy.h"
#include "sim/sim_rollout.h"

/* A copy of the caller's rule (checked), or greedy when rule is NULL. */
int orl_policy_rule_or_greedy(const orl_policy_rule *rule, orl_policy_rule *out);

/* pi(.|history) of the model under a checked rule: scores [I] scratch, probs [I]. */
int orl_model_policy_row(const orl_model *model, const orl_policy_rule *rule,
                         const int64_t *history, size_t history_len, float *scores, float *probs);

/* The rollout picker of orl_sim_rollout_model_policy: draws the shown item
 * from the rule's probabilities of the click history. init checks the rule
 * (NULL = greedy) against the model and the model's keys against the
 * simulator; free releases its buffers (and accepts a zeroed picker). */
typedef struct orl_sim_policy_picker {
    const orl_model *model;
    orl_policy_rule rule;
    uint32_t *sim_item;    /* model index -> simulator item */
    float *scores, *probs; /* [model items] */
    size_t *slate;         /* [slate_size]: model indices of the shown slate */
} orl_sim_policy_picker;
int orl_sim_policy_picker_init(orl_sim_policy_picker *pp, const orl_sim *sim,
                               const orl_model *model, const orl_policy_rule *rule);
void orl_sim_policy_picker_free(orl_sim_policy_picker *pp);
int orl_sim_pick_policy(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_items);

#endif
