/* The logs carry the long-term signal: a policy learned from them by
 * weighting transitions with the discounted return that followed (a tabular
 * stand-in for Q-learning, gamma 0.5) reaches a higher true value than one
 * that imitates the most frequent next click (a stand-in for supervised
 * next-item training) -- the comparison the RL-vs-supervised issue makes. */
#include <stdlib.h>
#include <string.h>

#include "api/sim_handle.h"
#include "sim/sim_log.h"
#include "test_support.h"

#define N_ITEMS 300

/* Per (last clicked item, next item): how often, and the return after it. */
typedef struct {
    float *count, *ret;         /* [N_ITEMS * N_ITEMS] */
    float first_count[N_ITEMS]; /* first item of a session */
    float first_ret[N_ITEMS];
    int use_value;
} table_policy;

static int score(const int64_t *history, size_t len, float *scores, size_t n, void *user_data)
{
    const table_policy *t = user_data;
    const float *c = len ? t->count + (size_t)history[len - 1] * n : t->first_count;
    const float *g = len ? t->ret + (size_t)history[len - 1] * n : t->first_ret;
    for (size_t i = 0; i < n; i++) {
        if (!t->use_value)
            scores[i] = c[i];
        else /* mean return with a small prior; unseen transitions last */
            scores[i] = c[i] > 0 ? (g[i] + 0.3f * 3) / (c[i] + 3) + 1e-3f * c[i] : -1.0f;
    }
    return 0;
}

static void test_reward_aware_learning_beats_click_imitation(void **state)
{
    (void)state;
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.n_items = N_ITEMS;
    p.seed = 1;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&p, &sim));
    orl_sim_events ev;
    memset(&ev, 0, sizeof ev);
    assert_orl_ok(orl_sim_log_sessions(sim->world, 0, 50000, &ev));

    table_policy t;
    memset(&t, 0, sizeof t);
    t.count = calloc((size_t)N_ITEMS * N_ITEMS, sizeof(float));
    t.ret = calloc((size_t)N_ITEMS * N_ITEMS, sizeof(float));
    /* Discounted return from each event to the end of its session, backwards. */
    double g = 0;
    for (size_t j = ev.n; j-- > 0;) {
        int last_of_session = j + 1 == ev.n || ev.session[j + 1] != ev.session[j];
        g = ev.reward[j] + (last_of_session ? 0.0 : 0.5 * g);
        int first_of_session = j == 0 || ev.session[j - 1] != ev.session[j];
        float *c = first_of_session ? t.first_count : t.count + (size_t)ev.item[j - 1] * N_ITEMS;
        float *r = first_of_session ? t.first_ret : t.ret + (size_t)ev.item[j - 1] * N_ITEMS;
        c[ev.item[j]] += 1;
        r[ev.item[j]] += (float)g;
    }
    orl_sim_rollout_result imitation = {.struct_size = sizeof imitation}, value = imitation;
    t.use_value = 0;
    assert_orl_ok(orl_sim_rollout(sim, score, &t, 2000, 5, &imitation));
    t.use_value = 1;
    assert_orl_ok(orl_sim_rollout(sim, score, &t, 2000, 5, &value));
    print_message("true value: reward-aware %.3f +- %.3f, click imitation %.3f +- %.3f\n",
                  value.mean_return, value.std_error, imitation.mean_return, imitation.std_error);
    if (!(value.ci_low > imitation.ci_high))
        fail_msg("reward-aware [%.3f, %.3f] vs imitation [%.3f, %.3f]", value.ci_low, value.ci_high,
                 imitation.ci_low, imitation.ci_high);
    assert_true(value.mean_purchases > imitation.mean_purchases);
    free(t.count);
    free(t.ret);
    orl_sim_events_free(&ev);
    orl_sim_free(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reward_aware_learning_beats_click_imitation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
