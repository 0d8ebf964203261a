/* Every encoder's model is immutable once trained: 8 threads scoring one
 * model at once reproduce the single-threaded results byte for byte (top-K,
 * scores, candidates), for histories of every length up to past the window.
 * Built with ORL_TSAN=ON this is the ThreadSanitizer check of that promise
 * for each encoder (SASRec first: the case). */
#include <pthread.h>
#include <string.h>

#include "test_support.h"

enum { N_ITEMS = 40, N_HIST = 16, K = 10, N_CAND = 5, THREADS = 8, ROUNDS = 10 };

typedef struct shared {
    const orl_model *model;
    int64_t hist[N_HIST][14];
    size_t len[N_HIST];
    int64_t ref_items[N_HIST][K];
    float ref_scores[N_HIST][K], ref_cand[N_HIST][N_CAND];
} shared;

typedef struct worker {
    const shared *sh;
    int id, errors;
    pthread_t thread;
} worker;

static const int64_t candidates[N_CAND] = {0, 5, 17, 39, 12345};

static int score(const shared *sh, int h, int64_t *items, float *scores, float *cand)
{
    int s = orl_model_recommend(sh->model, sh->hist[h], sh->len[h], K, items, scores, NULL);
    if (s == ORL_OK)
        s = orl_model_score_candidates(sh->model, sh->hist[h], sh->len[h], candidates, N_CAND, cand,
                                       NULL, NULL);
    return s;
}

static void *scorer(void *arg)
{
    worker *w = arg;
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < N_HIST; i++) {
            const int h = (i + w->id * 5) % N_HIST;
            int64_t items[K];
            float scores[K], cand[N_CAND];
            if (score(w->sh, h, items, scores, cand) != ORL_OK ||
                memcmp(items, w->sh->ref_items[h], sizeof items) != 0 ||
                memcmp(scores, w->sh->ref_scores[h], sizeof scores) != 0 ||
                memcmp(cand, w->sh->ref_cand[h], sizeof cand) != 0)
                w->errors++;
        }
    return NULL;
}

static void check_encoder(const char *arch)
{
    orl_encoder_params ep;
    orl_encoder_params_init(&ep);
    ep.architecture = arch;
    ep.embed_dim = ep.hidden_dim = 16;
    orl_encoder *enc = NULL;
    int st = orl_encoder_create(&ep, &enc);
    if (st == ORL_E_UNSUPPORTED) { /* an encoder not built in this tree */
        print_message("skipping %s: %s\n", arch, orl_last_error());
        return;
    }
    assert_orl_ok(st);
    orl_trainer_params tp;
    orl_trainer_params_init(&tp);
    tp.algorithm = "sl";
    tp.epochs = 1;
    tp.batch_size = 64;
    tp.threads = 2;
    orl_trainer *t = NULL;
    assert_orl_ok(orl_trainer_create(&tp, enc, NULL, NULL, &t));
    orl_encoder_free(enc);
    orl_dataset *ds = orl_test_chain_dataset(N_ITEMS, 200, 7, 7, 3);
    assert_orl_ok(orl_trainer_fit(t, ds, NULL));
    orl_model *m = NULL;
    assert_orl_ok(orl_trainer_export_model(t, &m));
    orl_trainer_free(t);
    orl_dataset_free(ds);

    static shared sh;
    memset(&sh, 0, sizeof sh);
    sh.model = m;
    for (int h = 0; h < N_HIST; h++) {
        sh.len[h] = (size_t)(1 + h % 13); /* 1 .. 13: past the window of 10 */
        for (size_t j = 0; j < sh.len[h]; j++) sh.hist[h][j] = (h * 3 + (int)j * 7) % N_ITEMS;
        assert_orl_ok(score(&sh, h, sh.ref_items[h], sh.ref_scores[h], sh.ref_cand[h]));
    }
    worker w[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){&sh, i, 0, 0};
        assert_int_equal(pthread_create(&w[i].thread, NULL, scorer, &w[i]), 0);
    }
    int errors = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(w[i].thread, NULL);
        errors += w[i].errors;
    }
    if (errors) print_error("%s: %d mismatches from %d threads\n", arch, errors, THREADS);
    assert_int_equal(errors, 0);
    orl_model_free(m);
}

static void test_sasrec_threads(void **state)
{
    (void)state;
    check_encoder("sasrec");
}

static void test_other_encoders_threads(void **state)
{
    (void)state;
    check_encoder("gru4rec");
    check_encoder("caser");
    check_encoder("nextitnet");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sasrec_threads),
        cmocka_unit_test(test_other_encoders_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
