/* Concurrency stress: scorer threads share one model and must reproduce the
 * single-threaded results exactly, while churn threads create, load, use and
 * free other models and datasets, and one thread evaluates the shared model.
 * Built with ORL_TSAN=ON it is the ThreadSanitizer check of the model's
 * "immutable, any number of threads" promise. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

enum { N_HIST = 24, K = 5, N_CAND = 6, SCORERS = 4, CHURNERS = 2, ROUNDS = 6 };

typedef struct shared {
    orl_model *model;
    const orl_dataset *test;
    const void *model_buf;
    size_t model_buf_len;
    const char *model_path, *ds_path;
    int64_t hist[N_HIST][4];
    int64_t ref_items[N_HIST][K];
    float ref_scores[N_HIST][K];
    float ref_cand[N_HIST][N_CAND];
    orl_eval_result ref_eval;
    int64_t ref_n_events;
} shared;

typedef struct worker {
    const shared *sh;
    int id;
    int errors;
    pthread_t thread;
} worker;

static const int64_t candidates[N_CAND] = {0, 3, 7, 11, 999, 5};

static int score_all(const orl_model *m, const shared *sh, int h, int64_t *items, float *scores,
                     float *cand)
{
    int s = orl_model_recommend(m, sh->hist[h], 1 + h % 4, K, items, scores, NULL);
    if (s == ORL_OK)
        s = orl_model_score_candidates(m, sh->hist[h], 1 + h % 4, candidates, N_CAND, cand, NULL,
                                       NULL);
    return s;
}

/* Same bytes as the single-threaded reference. */
static int matches(const shared *sh, int h, const int64_t *items, const float *scores,
                   const float *cand)
{
    return memcmp(items, sh->ref_items[h], sizeof sh->ref_items[h]) == 0 &&
           memcmp(scores, sh->ref_scores[h], sizeof sh->ref_scores[h]) == 0 &&
           memcmp(cand, sh->ref_cand[h], sizeof sh->ref_cand[h]) == 0;
}

static void *scorer(void *arg)
{
    worker *w = arg;
    const shared *sh = w->sh;
    for (int r = 0; r < ROUNDS * 4; r++) {
        for (int i = 0; i < N_HIST; i++) {
            int h = (i + w->id * 7) % N_HIST;
            int64_t items[K];
            float scores[K], cand[N_CAND];
            if (score_all(sh->model, sh, h, items, scores, cand) != ORL_OK ||
                !matches(sh, h, items, scores, cand))
                w->errors++;
        }
        if (w->id == 0 && r % 8 == 0) { /* one scorer also evaluates, itself multi-threaded */
            orl_eval_result e = {.struct_size = sizeof e};
            if (orl_model_evaluate(sh->model, sh->test, 2, &e) != ORL_OK ||
                memcmp(e.click_hr, sh->ref_eval.click_hr, sizeof e.click_hr) != 0 ||
                e.click_count != sh->ref_eval.click_count)
                w->errors++;
        }
    }
    return NULL;
}

static void *churner(void *arg)
{
    worker *w = arg;
    const shared *sh = w->sh;
    char path[512], name[64];
    snprintf(name, sizeof name, "hard_threads_%d.orlm", w->id);
    orl_test_tmp_path(name, path, sizeof path);
    for (int r = 0; r < ROUNDS; r++) {
        /* Another model: from the shared buffer and the shared file, saved to our own file. */
        orl_model *a = NULL, *b = NULL;
        if (orl_model_load_buffer(sh->model_buf, sh->model_buf_len, &a) != ORL_OK ||
            orl_model_load(sh->model_path, &b) != ORL_OK || orl_model_save(a, path) != ORL_OK) {
            w->errors++;
        } else {
            int h = (r * 5 + w->id) % N_HIST;
            int64_t items[K];
            float scores[K], cand[N_CAND];
            if (score_all(b, sh, h, items, scores, cand) != ORL_OK ||
                !matches(sh, h, items, scores, cand))
                w->errors++;
        }
        orl_model_free(a);
        orl_model_free(b);
        /* Other datasets: simulated, finalized, split; the shared file, mapped. */
        orl_sim_params sp;
        orl_sim_params_init(&sp);
        sp.seed = 100 + (uint64_t)w->id;
        sp.n_items = 30;
        sp.n_users = 20;
        orl_sim *sim = NULL;
        orl_dataset *ds = NULL, *parts[3] = {NULL, NULL, NULL}, *mapped = NULL;
        if (orl_sim_create(&sp, &sim) != ORL_OK || orl_dataset_create(NULL, &ds) != ORL_OK ||
            orl_sim_generate(sim, 20, ds) != ORL_OK || orl_dataset_finalize(ds) != ORL_OK ||
            orl_dataset_split(ds, NULL, &parts[0], &parts[1], &parts[2]) != ORL_OK)
            w->errors++;
        orl_dataset_stats st = {.struct_size = sizeof st};
        if (orl_dataset_load(sh->ds_path, &mapped) != ORL_OK ||
            orl_dataset_get_stats(mapped, &st) != ORL_OK ||
            (int64_t)st.n_events != sh->ref_n_events)
            w->errors++;
        orl_dataset_free(mapped);
        for (int i = 0; i < 3; i++) orl_dataset_free(parts[i]);
        orl_dataset_free(ds);
        orl_sim_free(sim);
    }
    remove(path);
    return NULL;
}

static void test_concurrent_scoring_equals_single_threaded(void **state)
{
    (void)state;
    static shared sh;
    char model_path[512], ds_path[512];
    sh.model_path = orl_test_tmp_path("hard_threads.orlm", model_path, sizeof model_path);
    sh.ds_path = orl_test_tmp_path("hard_threads.orld", ds_path, sizeof ds_path);

    orl_sim_params sp;
    orl_sim_params_init(&sp);
    sp.n_items = 40;
    sp.n_users = 50;
    orl_sim *sim = NULL;
    orl_dataset *ds = NULL;
    assert_orl_ok(orl_sim_create(&sp, &sim));
    assert_orl_ok(orl_dataset_create(NULL, &ds));
    assert_orl_ok(orl_sim_generate(sim, 80, ds));
    assert_orl_ok(orl_dataset_finalize(ds));
    assert_orl_ok(orl_dataset_save(ds, sh.ds_path));
    orl_dataset_stats st = {.struct_size = sizeof st};
    assert_orl_ok(orl_dataset_get_stats(ds, &st));
    sh.ref_n_events = (int64_t)st.n_events;
    sh.test = ds;
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 2;
    tp.batch_size = 32;
    tp.threads = 2;
    sh.model = orl_test_fit_model(&tp, 8, ds);
    assert_orl_ok(orl_model_save(sh.model, sh.model_path));
    size_t need = 0;
    assert_orl_ok(orl_model_save_buffer(sh.model, NULL, 0, &need));
    void *buf = malloc(need);
    assert_orl_ok(orl_model_save_buffer(sh.model, buf, need, &need));
    sh.model_buf = buf;
    sh.model_buf_len = need;

    /* Single-threaded reference. */
    for (int h = 0; h < N_HIST; h++) {
        for (int j = 0; j < 4; j++) sh.hist[h][j] = (h * 3 + j * 7) % 40;
        assert_orl_ok(
            score_all(sh.model, &sh, h, sh.ref_items[h], sh.ref_scores[h], sh.ref_cand[h]));
    }
    sh.ref_eval.struct_size = sizeof sh.ref_eval;
    assert_orl_ok(orl_model_evaluate(sh.model, ds, 1, &sh.ref_eval));

    worker w[SCORERS + CHURNERS];
    for (int i = 0; i < SCORERS + CHURNERS; i++) {
        w[i] = (worker){.sh = &sh, .id = i < SCORERS ? i : i - SCORERS};
        assert_int_equal(pthread_create(&w[i].thread, NULL, i < SCORERS ? scorer : churner, &w[i]),
                         0);
    }
    int errors = 0;
    for (int i = 0; i < SCORERS + CHURNERS; i++) {
        pthread_join(w[i].thread, NULL);
        errors += w[i].errors;
    }
    print_message("%d scorer and %d churn threads: %d mismatches or failures\n", SCORERS, CHURNERS,
                  errors);
    assert_int_equal(errors, 0);
    orl_model_free(sh.model);
    orl_dataset_free(ds);
    orl_sim_free(sim);
    free(buf);
    remove(sh.model_path);
    remove(sh.ds_path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_scoring_equals_single_threaded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
