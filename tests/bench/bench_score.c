/* Scoring latency and throughput of the GRU4Rec + CE network (reference
 * shape: embedding 64, hidden 64, window 10):
 *   - one history, top-10 over the catalogue, 1 thread: p50 / p99 latency;
 *   - one history, 100 host candidates: p50 / p99;
 *   - batches of 256 histories, top-10: states/s on 1 and on 2 threads (each
 *     thread scoring its own batches on the same const net).
 *
 *   bench_score [items ...]    (default: 2000 25000)
 * One JSON line per catalogue size on stdout. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pool.h"
#include "core/rng.h"
#include "models/sl_net.h"
#include "nn/kgemm.h"

enum { T = 10, K = 10, NB = 256, CALLS = 3000 };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static void histories(int n_items, int n, uint64_t seed, int32_t *st, int32_t *lens)
{
    orl_rng r;
    orl_rng_init(&r, seed, (uint64_t)n_items);
    for (int i = 0; i < n; i++) {
        lens[i] = orl_rng_below(&r, 2) ? T : 1 + (int32_t)orl_rng_below(&r, T);
        for (int t = 0; t < T; t++)
            st[i * T + t] = t < lens[i] ? (int32_t)orl_rng_below(&r, (uint32_t)n_items) : n_items;
    }
}

typedef struct batch_job {
    const orl_sl_net *net;
    const int32_t *st, *lens;
    int n_batches;
    double seconds;
} batch_job;

static void *batch_thread(void *arg)
{
    batch_job *j = arg;
    size_t bytes = orl_sl_net_scratch_bytes(j->net, NB);
    void *scr = malloc(bytes);
    int32_t *ids = malloc(sizeof(int32_t) * NB * K);
    float *sc = malloc(sizeof(float) * NB * K);
    unsigned fp = orl_fp_flush_denormals();
    double t0 = now_s();
    for (int b = 0; b < j->n_batches; b++)
        orl_sl_net_topk(j->net, j->st + (size_t)(b % 4) * NB * T, j->lens + (b % 4) * NB, NB, K,
                        scr, bytes, ids, sc);
    j->seconds = now_s() - t0;
    orl_fp_restore(fp);
    free(scr);
    free(ids);
    free(sc);
    return NULL;
}

static double batch_rate(const orl_sl_net *net, const int32_t *st, const int32_t *lens, int threads,
                         int n_batches)
{
    pthread_t th[2];
    batch_job jobs[2];
    for (int t = 0; t < threads; t++) {
        jobs[t] = (batch_job){net, st, lens, n_batches, 0};
        pthread_create(&th[t], NULL, batch_thread, &jobs[t]);
    }
    double worst = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(th[t], NULL);
        worst = jobs[t].seconds > worst ? jobs[t].seconds : worst;
    }
    return (double)threads * n_batches * NB / worst;
}

int main(int argc, char **argv)
{
    int sizes[8] = {2000, 25000}, n_sizes = 2;
    if (argc > 1) {
        n_sizes = 0;
        for (int i = 1; i < argc && n_sizes < 8; i++) sizes[n_sizes++] = atoi(argv[i]);
    }
    orl_fp_flush_denormals();
    for (int si = 0; si < n_sizes; si++) {
        int I = sizes[si];
        orl_sl_net_config cfg = orl_sl_net_config_default(I);
        cfg.max_batch = 8; /* inference only: keep the training workspace small */
        orl_sl_net *net = NULL;
        if (orl_sl_net_create(&cfg, 1, 1, &net) != 0) return 1;
        /* A few training steps so that scores are not those of the init. */
        int32_t *st = malloc(sizeof(int32_t) * 4 * NB * T),
                *lens = malloc(sizeof(int32_t) * 4 * NB);
        histories(I, 4 * NB, 7, st, lens);
        int32_t act[8];
        for (int s = 0; s < 20; s++) {
            for (int b = 0; b < 8; b++) act[b] = (st[(s * 8 + b) * T] + 1) % I;
            float loss;
            orl_sl_net_train_step(net, st + (size_t)s * 8 * T, lens + s * 8, act, 8, 0.01f, &loss);
        }
        size_t bytes = orl_sl_net_scratch_bytes(net, 1);
        void *scr = malloc(bytes);
        double *lat = malloc(sizeof(double) * CALLS), *lat_c = malloc(sizeof(double) * CALLS);
        int32_t ids[K], cand[100];
        float sc[K], csc[100];
        orl_rng r;
        orl_rng_init(&r, 3, 0);
        for (int c = 0; c < 100; c++) cand[c] = (int32_t)orl_rng_below(&r, (uint32_t)I);
        for (int i = 0; i < 200; i++) /* warm-up */
            orl_sl_net_topk(net, st + (size_t)(i % NB) * T, lens + i % NB, 1, K, scr, bytes, ids,
                            sc);
        for (int i = 0; i < CALLS; i++) {
            int h = (int)orl_rng_below(&r, 4 * NB);
            double t0 = now_s();
            orl_sl_net_topk(net, st + (size_t)h * T, lens + h, 1, K, scr, bytes, ids, sc);
            double t1 = now_s();
            orl_sl_net_score_candidates(net, st + (size_t)h * T, lens + h, 1, cand, 100, scr, bytes,
                                        csc);
            double t2 = now_s();
            lat[i] = (t1 - t0) * 1e6;
            lat_c[i] = (t2 - t1) * 1e6;
        }
        double p50 = pct(lat, CALLS, 0.5), p99 = pct(lat, CALLS, 0.99);
        double c50 = pct(lat_c, CALLS, 0.5), c99 = pct(lat_c, CALLS, 0.99);
        int n_batches = I <= 5000 ? 40 : 8;
        batch_rate(net, st, lens, 1, 2); /* warm-up */
        double r1[3], r2[3];
        for (int rep = 0; rep < 3; rep++) {
            r1[rep] = batch_rate(net, st, lens, 1, n_batches);
            r2[rep] = batch_rate(net, st, lens, 2, n_batches);
        }
        double b1 = pct(r1, 3, 0.5), b2 = pct(r2, 3, 0.5);
        printf("{\"bench\":\"score\",\"n_items\":%d,\"top\":%d,\"calls\":%d,"
               "\"top10_one_history_us_p50\":%.1f,\"top10_one_history_us_p99\":%.1f,"
               "\"candidates100_us_p50\":%.1f,\"candidates100_us_p99\":%.1f,"
               "\"batch256_top10_states_per_s_1t\":%.0f,\"batch256_top10_states_per_s_2t\":%.0f,"
               "\"scaling_2t\":%.2f,\"kgemm\":\"%s\"}\n",
               I, K, CALLS, p50, p99, c50, c99, b1, b2, b2 / b1,
               orl_kgemm_native() ? "avx512" : "blas");
        fflush(stdout);
        free(lat);
        free(lat_c);
        free(scr);
        free(st);
        free(lens);
        orl_sl_net_free(net);
    }
    return 0;
}
