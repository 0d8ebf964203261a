/* Allocation-failure injection through the whole API: a realistic sequence
 * (load a log, split, build a trainer, train, export, save, load, score,
 * evaluate, dataset file round trip) is replayed failing the Nth allocation for
 * every N until it completes. Each failure must be ORL_E_NOMEM with the output
 * untouched; the failed step is then retried without injection (the handles
 * are still usable), everything is freed and no block may be left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "test_support.h"

typedef struct seq {
    char csv[512], jsonl[512], model_path[512], ds_path[512];
    orl_dataset *ds, *train, *test, *loaded_ds, *otto;
    orl_encoder *enc;
    orl_trainer *trainer, *rem_trainer, *bcq_trainer, *pg_trainer;
    orl_model *model, *loaded, *from_buf, *rem, *lcb, *bcq, *bcq_g, *bcq_g_loaded, *pg;
    void *buf;
    size_t buf_len;
} seq;

static int step_create(seq *s)
{
    orl_dataset_params p;
    orl_dataset_params_init(&p);
    p.window = 4;
    return orl_dataset_create(&p, &s->ds);
}

static int step_load(seq *s)
{
    orl_load_report r = {.struct_size = sizeof r};
    return orl_dataset_load_csv(s->ds, s->csv, NULL, &r);
}

static int step_finalize(seq *s)
{
    return orl_dataset_finalize(s->ds);
}

static int step_split(seq *s)
{
    orl_split_params p;
    orl_split_params_init(&p);
    p.train = 0.7f;
    p.valid = 0.0f;
    return orl_dataset_split(s->ds, &p, &s->train, NULL, &s->test);
}

static int step_encoder(seq *s)
{
    orl_encoder_params p;
    orl_encoder_params_init(&p);
    p.embed_dim = 4;
    p.hidden_dim = 4;
    p.window = 4;
    return orl_encoder_create(&p, &s->enc);
}

static int step_trainer(seq *s)
{
    orl_trainer_params p;
    orl_trainer_params_init(&p);
    p.algorithm = "sl";
    p.epochs = 1;
    p.batch_size = 16;
    p.threads = 2;
    p.seed = 3;
    return orl_trainer_create(&p, s->enc, NULL, NULL, &s->trainer);
}

static int step_fit(seq *s)
{
    return orl_trainer_fit(s->trainer, s->train, s->test);
}

static int step_export(seq *s)
{
    return orl_trainer_export_model(s->trainer, &s->model);
}

static int step_save(seq *s)
{
    return orl_model_save(s->model, s->model_path);
}

static int step_load_model(seq *s)
{
    return orl_model_load(s->model_path, &s->loaded);
}

static int step_score(seq *s)
{
    int64_t hist[3] = {1, 2, 3}, items[3], cand[4] = {0, 1, 5, 999999};
    float scores[4];
    int st = orl_model_recommend(s->loaded, hist, 3, 3, items, scores, NULL);
    if (st == ORL_OK)
        st = orl_model_score_candidates(s->loaded, hist, 3, cand, 4, scores, NULL, NULL);
    size_t offs[3] = {0, 1, 3};
    int64_t many[6];
    if (st == ORL_OK) st = orl_model_recommend_batch(s->loaded, 2, hist, offs, 3, many, NULL);
    return st;
}

/* A target policy's probabilities and its rollout (issue 15). */
static int step_policy(seq *s)
{
    orl_policy_rule r;
    orl_policy_rule_init(&r);
    int st = orl_policy_rule_parse("epsilon:0.2:3", &r);
    uint64_t n = 0;
    if (st == ORL_OK) st = orl_model_item_count(s->loaded, &n);
    float probs[64];
    int64_t hist[2] = {1, 2};
    if (st == ORL_OK) st = orl_model_policy_probs(s->loaded, &r, hist, 2, probs, n);
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 15;
    sp.n_users = 30;
    sp.n_clusters = 3;
    sp.max_steps = 8;
    orl_sim *sim = NULL;
    if (st == ORL_OK) st = orl_sim_create(&sp, &sim);
    orl_sim_rollout_result res = {.struct_size = sizeof res};
    if (st == ORL_OK) st = orl_policy_rule_parse("softmax:0.5", &r);
    if (st == ORL_OK) st = orl_sim_rollout_model_policy(sim, s->loaded, &r, 3, 1, &res);
    orl_sim_free(sim);
    return st;
}

/* Off-policy evaluation on the paths that fit models (issue 15): the fitted
 * behaviour model and FQE with gamma 0 (DR) and gamma 1 (seq_dr, fqe). */
static int step_ope(seq *s)
{
    orl_ope_params p;
    orl_ope_params_init(&p);
    p.behaviour = ORL_OPE_BEHAVIOUR_FIT;
    p.estimators = "dr,seq_dr,fqe";
    p.interval = ORL_OPE_INTERVAL_NORMAL;
    p.fqe_epochs = 1;
    p.fqe_encoder = s->enc;
    p.threads = 2;
    orl_ope_result *r = NULL;
    int st = orl_model_estimate_value(s->loaded, s->test, &p, &r);
    orl_ope_result_free(r);
    return st;
}

/* A baseline: built, scored, evaluated, saved and loaded back (issue 15). */
static int step_baseline(seq *s)
{
    orl_model *b = NULL, *back = NULL;
    int st = orl_model_create_baseline(s->train, ORL_BASELINE_REPEAT, &b);
    int64_t hist[3] = {1, 2, 3}, items[3];
    if (st == ORL_OK) st = orl_model_recommend(b, hist, 3, 3, items, NULL, NULL);
    orl_eval_result r = {.struct_size = sizeof r};
    if (st == ORL_OK) st = orl_model_evaluate(b, s->test, 2, &r);
    size_t len = 0;
    void *buf = NULL;
    if (st == ORL_OK) st = orl_model_save_buffer(b, NULL, 0, &len);
    if (st == ORL_OK && !(buf = malloc(len))) st = ORL_E_NOMEM;
    if (st == ORL_OK) st = orl_model_save_buffer(b, buf, len, &len);
    if (st == ORL_OK) st = orl_model_load_buffer(buf, len, &back);
    free(buf);
    orl_model_free(back);
    orl_model_free(b);
    return st;
}

/* The batch and string forms of the host API, and a dataset read back (issue 20). */
static int step_host_batch(seq *s)
{
    int64_t hist[3] = {1, 2, 3}, many[6];
    size_t offs[3] = {0, 1, 3}, counts[2];
    const char *shist[3] = {"1", "2", "3"}, *sout[6];
    float scores[6];
    int st = orl_model_recommend_batch_excluding(s->loaded, 2, hist, offs, hist, offs, 3, many,
                                                 scores, counts);
    if (st == ORL_OK)
        st = orl_model_recommend_batch_excluding_str(s->loaded, 2, shist, offs, shist, offs, 3,
                                                     sout, scores, counts);
    if (st == ORL_OK) st = orl_model_recommend_batch_str(s->loaded, 2, shist, offs, 3, sout, NULL);
    if (st == ORL_OK)
        st = orl_model_score_candidates_str(s->loaded, shist, 3, shist, 3, scores, NULL, NULL);
    uint64_t n = 0;
    size_t len = 0;
    int32_t ids[64];
    if (st == ORL_OK) st = orl_dataset_session_count(s->test, &n);
    if (st == ORL_OK && n > 0)
        st = orl_dataset_session_events(s->test, 0, ids, NULL, NULL, NULL, NULL, 64, &len);
    return st;
}

static int step_evaluate(seq *s)
{
    orl_eval_result r = {.struct_size = sizeof r};
    return orl_model_evaluate(s->loaded, s->test, 2, &r);
}

static int step_save_buffer(seq *s)
{
    size_t need = 0;
    int st = orl_model_save_buffer(s->loaded, NULL, 0, &need); /* a size query: ORL_OK */
    if (st != ORL_OK) return st;
    if (!s->buf) {
        s->buf = malloc(need);
        s->buf_len = need;
    }
    return orl_model_save_buffer(s->loaded, s->buf, s->buf_len, &need);
}

static int step_load_buffer(seq *s)
{
    return orl_model_load_buffer(s->buf, s->buf_len, &s->from_buf);
}

static int step_json(seq *s)
{
    char small[8];
    size_t need = 0;
    int st = orl_model_info_json(s->from_buf, small, sizeof small, &need);
    if (st != ORL_E_BUFFER_TOO_SMALL) return st == ORL_OK ? ORL_E_INTERNAL : st;
    st = orl_dataset_stats_json(s->ds, small, sizeof small, &need);
    if (st != ORL_E_BUFFER_TOO_SMALL) return st == ORL_OK ? ORL_E_INTERNAL : st;
    return orl_trainer_history_json(s->trainer, small, sizeof small, &need) ==
                   ORL_E_BUFFER_TOO_SMALL
               ? ORL_OK
               : ORL_E_INTERNAL;
}

static int step_ds_save(seq *s)
{
    return orl_dataset_save(s->train, s->ds_path);
}

static int step_ds_load(seq *s)
{
    return orl_dataset_load(s->ds_path, &s->loaded_ds);
}

static int step_jsonl(seq *s)
{
    orl_dataset *d = NULL;
    int st = s->otto ? ORL_OK : orl_dataset_create(NULL, &d);
    if (st != ORL_OK) return st;
    if (d) s->otto = d;
    orl_load_report r = {.struct_size = sizeof r};
    st = orl_dataset_load_jsonl(s->otto, s->jsonl, 1, &r);
    return st == ORL_OK ? orl_dataset_finalize(s->otto) : st;
}

/* The value methods of issue 13: an ensemble scored by its lower bound with the heads'
 * std, and BCQ's constrained rule. */
static int offrl_trainer(seq *s, const char *algo, orl_trainer **out)
{
    orl_trainer_params p;
    orl_trainer_params_init(&p);
    p.algorithm = algo;
    p.epochs = 1;
    p.batch_size = 16;
    p.threads = 2;
    p.seed = 5;
    return orl_trainer_create(&p, s->enc, NULL, NULL, out);
}

static int step_rem_trainer(seq *s)
{
    return offrl_trainer(s, "rem", &s->rem_trainer);
}

/* reinforce with the entropy bonus and the top-K correction: every buffer it has. */
static int step_pg_trainer(seq *s)
{
    int st = offrl_trainer(s, "reinforce", &s->pg_trainer);
    if (st == ORL_OK) st = orl_trainer_set_float(s->pg_trainer, "entropy", 0.01);
    if (st == ORL_OK) st = orl_trainer_set_float(s->pg_trainer, "topk", 3);
    return st;
}

static int step_pg_fit(seq *s)
{
    return orl_trainer_fit(s->pg_trainer, s->train, NULL);
}

static int step_pg_export(seq *s)
{
    return orl_trainer_export_model(s->pg_trainer, &s->pg);
}

static int step_rem_fit(seq *s)
{
    return orl_trainer_fit(s->rem_trainer, s->train, NULL);
}

static int step_rem_export(seq *s)
{
    return orl_trainer_export_model(s->rem_trainer, &s->rem);
}

static int step_score_rule(seq *s)
{
    return orl_model_with_score_rule(s->rem, ORL_SCORE_LCB, 1.0f, &s->lcb);
}

static int step_std(seq *s)
{
    int64_t hist[2] = {1, 2}, items[3], cand[3] = {0, 3, 999999};
    float scores[3], sd[3];
    int st = orl_model_recommend_with_std(s->lcb, hist, 2, 3, items, scores, sd, NULL);
    if (st == ORL_OK)
        st = orl_model_score_candidates_with_std(s->lcb, hist, 2, cand, 3, scores, sd, NULL, NULL);
    if (st == ORL_OK) st = orl_model_recommend(s->lcb, hist, 2, 3, items, scores, NULL);
    return st;
}

static int step_bcq_trainer(seq *s)
{
    return offrl_trainer(s, "bcq", &s->bcq_trainer);
}

static int step_bcq_fit(seq *s)
{
    return orl_trainer_fit(s->bcq_trainer, s->train, NULL);
}

static int step_bcq_export(seq *s)
{
    return orl_trainer_export_model(s->bcq_trainer, &s->bcq);
}

static int step_constrained(seq *s)
{
    int64_t hist[2] = {1, 2}, items[3];
    float scores[3];
    orl_model *q = NULL;
    int st = orl_model_recommend(s->bcq, hist, 2, 3, items, scores, NULL);
    if (st == ORL_OK) st = orl_model_with_head(s->bcq, ORL_HEAD_Q, &q);
    orl_model_free(q);
    return st;
}

/* BCQ with the sl model as a fixed G: set, fit, export, files, G alone. */
static int step_bcq_set_g(seq *s)
{
    return orl_trainer_set_generative_model(s->bcq_trainer, s->model);
}

static int step_bcq_g_export(seq *s)
{
    int st = orl_trainer_fit(s->bcq_trainer, s->train, NULL);
    return st == ORL_OK ? orl_trainer_export_model(s->bcq_trainer, &s->bcq_g) : st;
}

static int step_bcq_g_files(seq *s)
{
    size_t len = 0;
    int st = orl_model_save_buffer(s->bcq_g, NULL, 0, &len);
    void *buf = st == ORL_OK ? malloc(len) : NULL;
    if (st == ORL_OK && !buf) return ORL_E_NOMEM;
    if (st == ORL_OK) st = orl_model_save_buffer(s->bcq_g, buf, len, &len);
    if (st == ORL_OK) st = orl_model_load_buffer(buf, len, &s->bcq_g_loaded);
    free(buf);
    return st;
}

static int step_bcq_g_score(seq *s)
{
    int64_t hist[2] = {1, 2}, items[3];
    float scores[3];
    orl_model *g = NULL;
    int st = orl_model_recommend(s->bcq_g_loaded, hist, 2, 3, items, scores, NULL);
    if (st == ORL_OK) st = orl_model_with_head(s->bcq_g_loaded, ORL_HEAD_SUPERVISED, &g);
    if (st == ORL_OK) st = orl_model_recommend(g, hist, 2, 3, items, scores, NULL);
    orl_model_free(g);
    return st;
}

typedef struct step {
    const char *name;
    int (*run)(seq *s);
    void **out; /* offset of the output handle, or none */
} step;

static void free_all(seq *s)
{
    orl_model_free(s->pg);
    orl_trainer_free(s->pg_trainer);
    orl_model_free(s->bcq_g_loaded);
    orl_model_free(s->bcq_g);
    orl_model_free(s->bcq);
    orl_model_free(s->lcb);
    orl_model_free(s->rem);
    orl_trainer_free(s->bcq_trainer);
    orl_trainer_free(s->rem_trainer);
    orl_model_free(s->from_buf);
    orl_model_free(s->loaded);
    orl_model_free(s->model);
    orl_trainer_free(s->trainer);
    orl_encoder_free(s->enc);
    orl_dataset_free(s->loaded_ds);
    orl_dataset_free(s->otto);
    orl_dataset_free(s->test);
    orl_dataset_free(s->train);
    orl_dataset_free(s->ds);
    free(s->buf);
}

/* The handle a step creates, to check it stays NULL when the step fails. */
static void *output_of(seq *s, int i)
{
    void *outs[] = {s->ds,          NULL,        NULL,   s->train,  s->enc,        s->trainer,
                    NULL,           s->model,    NULL,   s->loaded, NULL,          NULL,
                    NULL,           s->from_buf, NULL,   NULL,      s->loaded_ds,  NULL,
                    s->rem_trainer, NULL,        s->rem, s->lcb,    NULL,          s->bcq_trainer,
                    NULL,           s->bcq,      NULL,   NULL,      s->bcq_g,      s->bcq_g_loaded,
                    NULL,           NULL,        NULL,   NULL,      s->pg_trainer, NULL,
                    s->pg,          NULL};
    return outs[i];
}

static const step steps[] = {
    {"dataset_create", step_create, NULL},
    {"load_csv", step_load, NULL},
    {"finalize", step_finalize, NULL},
    {"split", step_split, NULL},
    {"encoder_create", step_encoder, NULL},
    {"trainer_create", step_trainer, NULL},
    {"fit", step_fit, NULL},
    {"export_model", step_export, NULL},
    {"model_save", step_save, NULL},
    {"model_load", step_load_model, NULL},
    {"score", step_score, NULL},
    {"evaluate", step_evaluate, NULL},
    {"save_buffer", step_save_buffer, NULL},
    {"load_buffer", step_load_buffer, NULL},
    {"json", step_json, NULL},
    {"dataset_save", step_ds_save, NULL},
    {"dataset_load", step_ds_load, NULL},
    {"load_jsonl", step_jsonl, NULL},
    {"rem_trainer", step_rem_trainer, NULL},
    {"rem_fit", step_rem_fit, NULL},
    {"rem_export", step_rem_export, NULL},
    {"score_rule", step_score_rule, NULL},
    {"std", step_std, NULL},
    {"bcq_trainer", step_bcq_trainer, NULL},
    {"bcq_fit", step_bcq_fit, NULL},
    {"bcq_export", step_bcq_export, NULL},
    {"constrained", step_constrained, NULL},
    {"bcq_set_g", step_bcq_set_g, NULL},
    {"bcq_g_export", step_bcq_g_export, NULL},
    {"bcq_g_files", step_bcq_g_files, NULL},
    {"bcq_g_score", step_bcq_g_score, NULL},
    {"host_batch", step_host_batch, NULL},
    {"policy", step_policy, NULL},
    {"baseline", step_baseline, NULL},
    {"reinforce_trainer", step_pg_trainer, NULL},
    {"reinforce_fit", step_pg_fit, NULL},
    {"reinforce_export", step_pg_export, NULL},
    {"ope", step_ope, NULL},
};
enum { N_STEPS = sizeof steps / sizeof steps[0] };

static void test_whole_sequence_survives_every_allocation_failure(void **state)
{
    (void)state;
    seq base;
    memset(&base, 0, sizeof base);
    orl_test_tmp_path("hard_alloc_log.csv", base.csv, sizeof base.csv);
    orl_test_tmp_path("hard_alloc_model.orlm", base.model_path, sizeof base.model_path);
    orl_test_tmp_path("hard_alloc_data.orld", base.ds_path, sizeof base.ds_path);
    orl_test_tmp_path("hard_alloc_otto.jsonl", base.jsonl, sizeof base.jsonl);
    FILE *f = fopen(base.jsonl, "w");
    assert_non_null(f);
    for (int i = 0; i < 6; i++)
        fprintf(f,
                "{\"session\":%d,\"events\":[{\"aid\":%d,\"ts\":1,\"type\":\"clicks\"},"
                "{\"aid\":%d,\"ts\":2,\"type\":\"orders\"}]}\n",
                i, i, 10 + i % 3);
    fclose(f);
    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 15;
    sp.n_users = 30;
    sp.n_clusters = 3;
    sp.max_steps = 8;
    orl_sim *sim = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    assert_orl_ok(orl_sim_write_csv(sim, 40, base.csv));
    orl_sim_free(sim);

    int64_t live0 = orl_alloc_live_blocks();
    uint64_t survived = 0, per_step[N_STEPS] = {0};
    for (int64_t n = 0;; n++) {
        seq s = base;
        uint64_t injected0 = orl_alloc_injected_failures();
        orl_alloc_fail_after(n);
        int failed_at = -1;
        for (int i = 0; i < N_STEPS; i++) {
            uint64_t before = orl_alloc_injected_failures();
            int st = steps[i].run(&s);
            if (orl_alloc_injected_failures() == before) {
                if (st != ORL_OK)
                    print_error("step %s (n=%lld): %s\n", steps[i].name, (long long)n,
                                orl_last_error());
                assert_int_equal(st, ORL_OK);
                continue;
            }
            /* This step met the injected failure: a clean status, no output. */
            orl_alloc_fail_after(-1);
            if (st != ORL_E_NOMEM)
                print_error("step %s (n=%lld) -> %d: %s\n", steps[i].name, (long long)n, st,
                            orl_last_error());
            assert_int_equal(st, ORL_E_NOMEM);
            assert_null(output_of(&s, i));
            /* The handles it was given are still usable: the step now succeeds. */
            st = steps[i].run(&s);
            if (st != ORL_OK)
                print_error("retry of %s (n=%lld): %s\n", steps[i].name, (long long)n,
                            orl_last_error());
            assert_int_equal(st, ORL_OK);
            failed_at = i;
            break;
        }
        orl_alloc_fail_after(-1);
        free_all(&s);
        assert_int_equal(orl_alloc_live_blocks(), live0);
        if (failed_at < 0) {
            assert_int_equal(orl_alloc_injected_failures(), injected0);
            break;
        }
        survived++;
        per_step[failed_at]++;
    }
    print_message("survived %llu injected allocation failures:", (unsigned long long)survived);
    for (int i = 0; i < N_STEPS; i++)
        print_message(" %s %llu", steps[i].name, (unsigned long long)per_step[i]);
    print_message("\n");
    for (int i = 0; i < N_STEPS; i++)
        if (steps[i].run != step_json) assert_true(per_step[i] > 0);
    remove(base.csv);
    remove(base.model_path);
    remove(base.ds_path);
    remove(base.jsonl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_sequence_survives_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
