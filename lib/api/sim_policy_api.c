/* orl_sim_rollout_model_policy: the simulator's true value of a model's
 * policy under a stated rule, each shown item drawn from exactly the
 * probabilities orl_model_policy_probs gives. */
#include <string.h>

#include "api/model_impl.h"
#include "api/policy_impl.h"
#include "api/sim_handle.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/pool.h"
#include "models/policy_rule.h"
#include "sim/sim_rollout.h"
#include "sim/sim_slate.h"

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
    pp->slate = orl_malloc(sizeof(size_t) * (sim->world->p.slate_size + 1));
    if (!pp->sim_item || !pp->scores || !pp->probs || !pp->slate) {
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
    orl_free(pp->slate);
    memset(pp, 0, sizeof *pp);
}

/* Repeats are allowed on purpose: the rule is a function of the click
 * history, the same one an estimator evaluates on logs. With slates (K > 1)
 * the K shown items are a Plackett-Luce draw from the rule's probabilities
 * (K = 1: the single draw of before); once the rule's positive mass is used
 * up (greedy, a short top-K) the rest of the slate is the best-scoring items
 * not yet placed, so greedy shows the model's top K. */
int orl_sim_pick_policy(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                        orl_rng *rng, uint32_t *out_items)
{
    orl_sim_policy_picker *pp = ctx;
    const size_t n = pp->model->n_items;
    ORL_TRY(orl_model_policy_row(pp->model, &pp->rule, st->history, st->history_len, pp->scores,
                                 pp->probs));
    const uint32_t K = w->p.slate_size > 1 ? w->p.slate_size : 1;
    if (K == 1) {
        size_t i = orl_policy_draw(pp->probs, n, orl_rng_uniform_double(rng));
        out_items[0] = pp->sim_item[i];
        return ORL_OK;
    }
    if (K > n)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "rollout: slates of %u items, the model knows %zu items", K, n);
    size_t positive = 0;
    for (size_t i = 0; i < n; i++) positive += pp->probs[i] > 0;
    orl_sim_pl_sample_weights(pp->probs, n, K, rng, pp->slate);
    for (uint32_t k = (uint32_t)(positive < K ? positive : K); k < K; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            int placed = 0;
            for (uint32_t j = 0; j < k && !placed; j++) placed = pp->slate[j] == i;
            if (!placed && (best == SIZE_MAX || pp->scores[i] > pp->scores[best])) best = i;
        }
        pp->slate[k] = best;
    }
    for (uint32_t k = 0; k < K; k++) out_items[k] = pp->sim_item[pp->slate[k]];
    return ORL_OK;
}

/* Sessions per thread below which a thread is not worth starting. */
#define SESSIONS_PER_THREAD 64

ORL_API int orl_sim_rollout_model_policy(const orl_sim *sim, const orl_model *model,
                                         const orl_policy_rule *rule, uint64_t n_sessions,
                                         uint64_t seed, orl_sim_rollout_result *out_result)
{
    ORL_TRY(orl_sim_check_rollout_args(sim, n_sessions, out_result, __func__));
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    /* One picker per core (each holds score and probability rows); the
     * result does not depend on how many (orl_sim_rollout_run_threads). */
    uint64_t most = n_sessions / SESSIONS_PER_THREAD;
    int nt = orl_cpu_count();
    if ((uint64_t)nt > most) nt = most > 1 ? (int)most : 1;
    orl_sim_policy_picker *pp = orl_calloc((size_t)nt, sizeof *pp);
    void **ctxs = orl_calloc((size_t)nt, sizeof *ctxs);
    int s = pp && ctxs ? ORL_OK : orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    int made = 0;
    for (; s == ORL_OK && made < nt; made++) {
        s = orl_sim_policy_picker_init(&pp[made], sim, model, rule);
        ctxs[made] = &pp[made];
    }
    if (s != ORL_OK) s = orl_fail_context("%s", __func__);
    orl_sim_rollout_result res;
    memset(&res, 0, sizeof res);
    if (s == ORL_OK)
        s = orl_sim_rollout_run_threads(sim->world, orl_sim_pick_policy, ctxs, nt, n_sessions, seed,
                                        &res);
    for (int t = 0; pp && t < made; t++) orl_sim_policy_picker_free(&pp[t]);
    orl_free(pp);
    orl_free(ctxs);
    if (s != ORL_OK) return s;
    res.struct_size = out_result->struct_size;
    *out_result = res;
    return ORL_OK;
}
