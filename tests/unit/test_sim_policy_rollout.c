/* Rollouts of a model's policy under a rule: the shown item is drawn from
 * exactly orl_model_policy_probs (checked on the first shown item's frequency
 * over many sessions), greedy equals the scoring rollout with repeats, and
 * misuse is refused. */
#include <math.h>
#include <string.h>

#include "api/policy_impl.h"
#include "api/sim_handle.h"
#include "sim/sim_rollout.h"
#include "test_support.h"

enum { ITEMS = 40 };

typedef struct fixture {
    orl_sim *sim;
    orl_dataset *logs;
    orl_model *model;
} fixture;

static orl_sim *make_sim(int repeat)
{
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.seed = 5;
    p.n_items = ITEMS;
    p.n_users = 100;
    p.n_clusters = 4;
    p.max_steps = 6;
    p.rollout_repeat = repeat;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&p, &sim));
    return sim;
}

static int setup(void **state)
{
    static fixture f;
    f.sim = make_sim(1);
    assert_orl_ok(orl_dataset_create(NULL, &f.logs));
    assert_orl_ok(orl_sim_generate(f.sim, 600, f.logs));
    assert_orl_ok(orl_dataset_finalize(f.logs));
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 2;
    tp.seed = 3;
    f.model = orl_test_fit_model(&tp, 16, f.logs);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    orl_model_free(f->model);
    orl_dataset_free(f->logs);
    orl_sim_free(f->sim);
    return 0;
}

/* The rollout's own picker, counting the first item shown in each session. */
typedef struct counting {
    void *inner;
    uint64_t first[ITEMS];
} counting;

static int pick_and_count(void *ctx, const orl_sim_world *w, const orl_sim_pick_state *st,
                          orl_rng *rng, uint32_t *out_item)
{
    counting *c = ctx;
    int s = orl_sim_pick_policy(c->inner, w, st, rng, out_item);
    if (s == ORL_OK && st->session->steps == 0) c->first[*out_item]++;
    return s;
}

/* Over N sessions the first shown item's count of each item i is Binomial(N,
 * p_i) with p_i = orl_model_policy_probs at the empty history: every |z| below
 * 4.5 (a false alarm over 40 items has probability < 3e-4), and items with
 * p_i = 0 never shown. The counting run is the public function's run: the same
 * result to the bit. */
static void check_first_item_frequencies(const fixture *f, const char *text)
{
    enum { N = 20000 };
    orl_policy_rule r;
    orl_policy_rule_init(&r);
    assert_orl_ok(orl_policy_rule_parse(text, &r));
    uint64_t n = 0;
    assert_orl_ok(orl_model_item_count(f->model, &n));
    float p_model[ITEMS];
    assert_orl_ok(orl_model_policy_probs(f->model, &r, NULL, 0, p_model, n));
    double p[ITEMS] = {0};
    for (uint64_t i = 0; i < n; i++) {
        int64_t key;
        assert_orl_ok(orl_model_item_key(f->model, i, &key));
        p[key] += p_model[i];
    }
    orl_sim_policy_picker pp;
    assert_orl_ok(orl_sim_policy_picker_init(&pp, f->sim, f->model, &r));
    counting c = {&pp, {0}};
    orl_sim_rollout_result counted = {.struct_size = sizeof counted}, pub = counted;
    assert_orl_ok(orl_sim_rollout_run(f->sim->world, pick_and_count, &c, N, 77, &counted));
    orl_sim_policy_picker_free(&pp);
    assert_orl_ok(orl_sim_rollout_model_policy(f->sim, f->model, &r, N, 77, &pub));
    assert_true(pub.mean_return == counted.mean_return && pub.mean_length == counted.mean_length);
    double worst = 0;
    for (int i = 0; i < ITEMS; i++) {
        if (p[i] == 0) {
            assert_int_equal(c.first[i], 0);
            continue;
        }
        double sd = sqrt(N * p[i] * (1 - p[i]));
        double z = sd > 0 ? fabs((double)c.first[i] - N * p[i]) / sd : 0;
        if (z > 4.5)
            fail_msg("%s: item %d shown first %llu times, expected %.1f (z = %.2f)", text, i,
                     (unsigned long long)c.first[i], N * p[i], z);
        worst = z > worst ? z : worst;
    }
    print_message("%s: largest |z| of the first shown item over %d items: %.2f\n", text, ITEMS,
                  worst);
}

static void test_first_item_drawn_from_policy_probs(void **state)
{
    const fixture *f = *state;
    check_first_item_frequencies(f, "softmax:0.5");
    check_first_item_frequencies(f, "softmax:3");
    check_first_item_frequencies(f, "epsilon:0.3");
    check_first_item_frequencies(f, "epsilon:0.4:5");
    check_first_item_frequencies(f, "greedy");
}

/* Greedy through the rule is the scoring rollout when repeats are allowed. */
static void test_greedy_equals_scoring_rollout(void **state)
{
    const fixture *f = *state;
    orl_sim_rollout_result a = {.struct_size = sizeof a}, b = a;
    assert_orl_ok(orl_sim_rollout_model(f->sim, f->model, 3000, 11, &a));
    assert_orl_ok(orl_sim_rollout_model_policy(f->sim, f->model, NULL, 3000, 11, &b));
    assert_true(a.mean_return == b.mean_return);
    assert_true(a.mean_clicks == b.mean_clicks && a.mean_purchases == b.mean_purchases);
    assert_true(a.mean_length == b.mean_length && a.std_error == b.std_error);
    orl_policy_rule g;
    orl_policy_rule_init(&g);
    assert_orl_ok(orl_sim_rollout_model_policy(f->sim, f->model, &g, 3000, 11, &b));
    assert_true(a.mean_return == b.mean_return);
    /* A softer policy is a different policy (and common random numbers make the
     * same seed reproduce it exactly). */
    orl_policy_rule soft;
    orl_policy_rule_init(&soft);
    assert_orl_ok(orl_policy_rule_parse("softmax:2", &soft));
    orl_sim_rollout_result c = a, d = a;
    assert_orl_ok(orl_sim_rollout_model_policy(f->sim, f->model, &soft, 3000, 11, &c));
    assert_orl_ok(orl_sim_rollout_model_policy(f->sim, f->model, &soft, 3000, 11, &d));
    assert_true(c.mean_return != a.mean_return);
    assert_memory_equal(&c, &d, sizeof c);
}

/* Sessions on several threads: the same figures bit for bit as on one, also
 * across the engine's blocks of sessions (40,000 sessions, three blocks). */
static void test_threads_give_the_serial_result(void **state)
{
    const fixture *f = *state;
    orl_policy_rule soft;
    orl_policy_rule_init(&soft);
    assert_orl_ok(orl_policy_rule_parse("softmax:2", &soft));
    orl_sim_policy_picker pp[3];
    void *ctxs[3];
    for (int t = 0; t < 3; t++) {
        assert_orl_ok(orl_sim_policy_picker_init(&pp[t], f->sim, f->model, &soft));
        ctxs[t] = &pp[t];
    }
    orl_sim_rollout_result one = {.struct_size = sizeof one}, three = one, api = one;
    assert_orl_ok(
        orl_sim_rollout_run_threads(f->sim->world, orl_sim_pick_policy, ctxs, 1, 40000, 9, &one));
    assert_orl_ok(
        orl_sim_rollout_run_threads(f->sim->world, orl_sim_pick_policy, ctxs, 3, 40000, 9, &three));
    assert_orl_ok(orl_sim_rollout_model_policy(f->sim, f->model, &soft, 40000, 9, &api));
    for (int t = 0; t < 3; t++) orl_sim_policy_picker_free(&pp[t]);
    assert_memory_equal(&one, &three, sizeof one);
    api.struct_size = one.struct_size;
    assert_memory_equal(&one, &api, sizeof one);
    assert_int_equal(
        orl_sim_rollout_run_threads(f->sim->world, orl_sim_pick_policy, ctxs, 0, 100, 9, &one),
        ORL_E_INVALID_ARGUMENT);
}

/* With slates the greedy rule shows the model's top K (the rule's one item,
 * then the best-scoring others), which is what the scoring rollout shows when
 * repeats are allowed; a softmax rule draws K distinct items. */
static void test_slates_greedy_shows_top_k(void **state)
{
    const fixture *f = *state;
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.seed = 5;
    p.n_items = ITEMS;
    p.n_users = 100;
    p.n_clusters = 4;
    p.max_steps = 6;
    p.rollout_repeat = 1;
    p.slate_size = 4;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&p, &sim));
    orl_sim_rollout_result a = {.struct_size = sizeof a}, b = a, c = a;
    assert_orl_ok(orl_sim_rollout_model(sim, f->model, 4000, 11, &a));
    assert_orl_ok(orl_sim_rollout_model_policy(sim, f->model, NULL, 4000, 11, &b));
    double se = sqrt(a.std_error * a.std_error + b.std_error * b.std_error);
    assert_true(fabs(a.mean_return - b.mean_return) < 4 * se);
    orl_policy_rule soft;
    orl_policy_rule_init(&soft);
    assert_orl_ok(orl_policy_rule_parse("softmax:1", &soft));
    assert_orl_ok(orl_sim_rollout_model_policy(sim, f->model, &soft, 4000, 11, &c));
    assert_true(c.mean_length >= 1 && isfinite(c.mean_return));
    orl_sim_free(sim);
}

static void test_misuse(void **state)
{
    const fixture *f = *state;
    orl_sim_rollout_result r = {.struct_size = sizeof r}, keep;
    r.mean_return = 123;
    keep = r;
    orl_policy_rule bad;
    orl_policy_rule_init(&bad);
    bad.kind = ORL_POLICY_SOFTMAX;
    bad.temperature = 0;
    assert_int_equal(orl_sim_rollout_model_policy(f->sim, f->model, &bad, 10, 1, &r),
                     ORL_E_OUT_OF_RANGE);
    bad.kind = ORL_POLICY_EPSILON;
    bad.top_k = 100000;
    assert_int_equal(orl_sim_rollout_model_policy(f->sim, f->model, &bad, 10, 1, &r),
                     ORL_E_OUT_OF_RANGE);
    assert_non_null(strstr(orl_last_error(), "top_k"));
    assert_int_equal(orl_sim_rollout_model_policy(NULL, f->model, NULL, 10, 1, &r),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_rollout_model_policy(f->sim, NULL, NULL, 10, 1, &r),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_rollout_model_policy(f->sim, f->model, NULL, 10, 1, NULL),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_sim_rollout_model_policy(f->sim, f->model, NULL, 1, 1, &r),
                     ORL_E_OUT_OF_RANGE);
    orl_sim_rollout_result small = {.struct_size = 8};
    assert_int_equal(orl_sim_rollout_model_policy(f->sim, f->model, NULL, 10, 1, &small),
                     ORL_E_INVALID_ARGUMENT);
    /* A model whose items are not the simulator's. */
    orl_dataset *chain = orl_test_chain_dataset(60, 100, 5, 7, 3);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    orl_model *other = orl_test_fit_model(&tp, 8, chain);
    assert_int_equal(orl_sim_rollout_model_policy(f->sim, other, NULL, 10, 1, &r),
                     ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "not a simulator item"));
    assert_memory_equal(&r, &keep, sizeof r);
    orl_model_free(other);
    orl_dataset_free(chain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_item_drawn_from_policy_probs),
        cmocka_unit_test(test_greedy_equals_scoring_rollout),
        cmocka_unit_test(test_threads_give_the_serial_result),
        cmocka_unit_test(test_slates_greedy_shows_top_k),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
