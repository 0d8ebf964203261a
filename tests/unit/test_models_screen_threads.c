/* Threads share one net with an fp16 screen: one-history top-K (screened)
 * and batch top-K (orl_kgemm_scan) from four threads, each with its own
 * scratch, reproduce the single-threaded results bit for bit. Run it under
 * -DORL_TSAN=ON: the screen and the weights are only ever read. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "models/sl_net.h"
#include "test_support.h"

enum { I = 700, T = 10, N = 48, K = 7, THREADS = 4, ROUNDS = 3 };

typedef struct job {
    const orl_sl_net *net;
    const int32_t *st, *lens;
    int32_t ids[2][N * K]; /* one history at a time; the batch */
    float sc[2][N * K];
    int status;
} job;

static void *run(void *arg)
{
    job *j = arg;
    size_t bytes = orl_sl_net_scratch_bytes(j->net, N);
    void *scr = malloc(bytes);
    j->status = scr ? ORL_OK : ORL_E_NOMEM;
    for (int round = 0; round < ROUNDS && j->status == ORL_OK; round++) {
        for (int i = 0; i < N && j->status == ORL_OK; i++)
            j->status = orl_sl_net_topk(j->net, j->st + i * T, j->lens + i, 1, K, scr, bytes,
                                        j->ids[0] + i * K, j->sc[0] + i * K);
        if (j->status == ORL_OK)
            j->status =
                orl_sl_net_topk(j->net, j->st, j->lens, N, K, scr, bytes, j->ids[1], j->sc[1]);
    }
    free(scr);
    return NULL;
}

static void test_threads_share_a_screened_net(void **state)
{
    (void)state;
    orl_sl_net_config cfg = orl_sl_net_config_default(I);
    cfg.max_batch = 16;
    orl_sl_net *net = NULL;
    assert_orl_ok(orl_sl_net_create(&cfg, 9, 1, &net));
    orl_rng r;
    orl_rng_init(&r, 9, 0);
    int32_t st[N * T], lens[N], act[16];
    for (int s = 0; s < 10; s++) {
        for (int i = 0; i < 16; i++) {
            lens[i] = 1 + (int32_t)orl_rng_below(&r, T);
            for (int t = 0; t < T; t++) st[i * T + t] = t < lens[i] ? (i * 7 + t + s) % I : I;
            act[i] = (i * 7 + lens[i] + s) % I;
        }
        float loss;
        assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, 16, 0.01f, &loss));
    }
    assert_orl_ok(orl_sl_net_build_screen(net));
    assert_true(orl_sl_net_screen_bytes(net) > 0);
    for (int i = 0; i < N; i++) {
        lens[i] = 1 + (int32_t)orl_rng_below(&r, T);
        for (int t = 0; t < T; t++) st[i * T + t] = t < lens[i] ? (int32_t)orl_rng_below(&r, I) : I;
    }
    static job ref, jobs[THREADS];
    ref = (job){.net = net, .st = st, .lens = lens};
    run(&ref);
    assert_orl_ok(ref.status);
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (job){.net = net, .st = st, .lens = lens};
        assert_int_equal(pthread_create(&th[t], NULL, run, &jobs[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_orl_ok(jobs[t].status);
        assert_memory_equal(jobs[t].ids, ref.ids, sizeof ref.ids);
        assert_memory_equal(jobs[t].sc, ref.sc, sizeof ref.sc);
    }
    orl_sl_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_a_screened_net),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
