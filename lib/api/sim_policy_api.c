/* orl_sim_rollout_model_policy: the simulator's true value of a model's
 * policy under a stated rule, each shown item drawn from exactly the
 * probabilities orl_model_policy_probs gives. */
#include <string.h>

#include "api/model_impl.h"
#include "api/policy_impl.h"
#include "api/sim_handle.h"
#include "core/alloc.h"
#include "core/error.h"
#include "models/policy_rule.h"

int orl_sim_policy_picker_init(orl_sim_policy_picker *pp, const orl_sim *sim,
                               const orl_model *model, const orl_policy_rule *rule)
{
    memset(pp, 0, sizeof *pp);
    if (model->has_str_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "rollout: the model's item keys are strings, the simulator's are integers");
    ORL_TRY(orl_policy_rule_or_greedy(rule, &pp->rule));
    const uint32_t I = model->n_items, n_sim = sim->world->n_items;
    ORL_TRY(orl_policy_rule_check_items(&pp->rule, I));
    for (uint32_t i = 0; i < I; i++) {
        int64_t key = orl_keymap_int(&model->items, i);
        if (key < 0 || key >= (int64_t)n_sim)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "rollout: the model's item %u has key %lld, not a simulator item "
                            "(0 .. %u)",
                            i, (long long)key, n_sim - 1);
    }
    pp->model = model;
    pp->sim_item = orl_malloc(sizeof(uint32_t) * I);
    pp->scores = orl_malloc(sizeof(float) * I);
    pp->probs = orl_malloc(sizeof(float) * I);
    if (!pp->sim_item || !pp->scores || !pp->probs) {
        orl_sim_policy_picker_free(pp);
        return orl_fail(ORL_E_NOMEM, "rollout: out of memory");
    }
    for (uint32_t i = 0; i < I; i++) pp->sim_item[i] = (uint32_t)orl_keymap_int(&model->items, i);
    return ORL_OK;
}

void orl_sim_policy_picker_free(orl_sim_policy_picker *pp)
{
    orl_free(pp->sim_item);
    orl_free(pp->scores);
    orl_free(pp->probs);
    memset(pp, 0, sizeof *pp);
}

/* Repeats are allowed on purpose: the rule is a function of the click
 * history, the same one an estimator evaluates on logs. */
int orl_sim_pick_policy(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_item)
{
    (void)w;
    orl_sim_policy_picker *pp = ctx;
    ORL_TRY(orl_model_policy_row(pp->model, &pp->rule, st->history, st->history_len, pp->scores,
                                 pp->probs));
    size_t i = orl_policy_draw(pp->probs, pp->model->n_items, orl_rng_uniform_double(rng));
    *out_item = pp->sim_item[i];
    return ORL_OK;
}

ORL_API int orl_sim_rollout_model_policy(const orl_sim *sim, const orl_model *model,
                                         const orl_policy_rule *rule, uint64_t n_sessions,
                                         uint64_t seed, orl_sim_rollout_result *out_result)
{
    ORL_TRY(orl_sim_check_rollout_args(sim, n_sessions, out_result, __func__));
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    orl_sim_policy_picker pp;
    int s = orl_sim_policy_picker_init(&pp, sim, model, rule);
    if (s != ORL_OK) return orl_fail_context("%s", __func__);
    orl_sim_rollout_result res;
    memset(&res, 0, sizeof res);
    s = orl_sim_rollout_run(sim->world, orl_sim_pick_policy, &pp, n_sessions, seed, &res);
    orl_sim_policy_picker_free(&pp);
    if (s != ORL_OK) return s;
    res.struct_size = out_result->struct_size;
    *out_result = res;
    return ORL_OK;
}
