/* Training speed of the GRU4Rec + CE network on random data of the reference
 * shape (embedding 64, hidden 64, window 10, batch 256, Adam lr 0.01), with the
 * sgemm rate measured on the output layer's shapes in the same run, so the
 * figure can be read against the machine's BLAS-bound limit.
 *
 *   bench_train [items ...]    (default: 2000 25000)
 *
 * One JSON line per catalogue size on stdout. Environment: ORL_BENCH_REPS
 * (repetitions, median taken; default 3). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/blas.h"
#include "core/pool.h"
#include "core/rng.h"
#include "models/sl_net.h"

enum { B = 256, T = 10, H = 64 };

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

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Reference-like batches: lengths skewed to the full window as in session
 * logs (half the rows full), ids uniform. */
static void make_batches(int n_items, int n_batches, int32_t *states, int32_t *lens,
                         int32_t *actions)
{
    orl_rng r;
    orl_rng_init(&r, 2024, (uint64_t)n_items);
    for (int i = 0; i < n_batches * B; i++) {
        lens[i] = orl_rng_below(&r, 2) ? T : 1 + (int32_t)orl_rng_below(&r, T);
        for (int t = 0; t < T; t++)
            states[(size_t)i * T + t] =
                t < lens[i] ? (int32_t)orl_rng_below(&r, (uint32_t)n_items) : n_items;
        actions[i] = (int32_t)orl_rng_below(&r, (uint32_t)n_items);
    }
}

/* GFLOP/s of the three output-layer products (forward logits, dW, dh) at
 * this catalogue size, on `threads` threads through orl_sgemm_pool. */
static double sgemm_rate(int n_items, int threads, int reps)
{
    orl_pool *pool = NULL;
    if (orl_pool_create(threads, &pool) != 0) return 0;
    size_t I = (size_t)n_items;
    float *h = orl_aligned_alloc(sizeof(float) * B * H),
          *w = orl_aligned_alloc(sizeof(float) * I * H);
    float *z = orl_aligned_alloc(sizeof(float) * B * I),
          *dw = orl_aligned_alloc(sizeof(float) * I * H);
    float *dh = orl_aligned_alloc(sizeof(float) * B * H);
    for (size_t i = 0; i < B * H; i++) h[i] = 0.01f * (float)(i % 13);
    for (size_t i = 0; i < I * H; i++) w[i] = 0.01f * (float)(i % 7);
    for (size_t i = 0; i < B * I; i++) z[i] = 1e-4f * (float)(i % 11);
    double best[16];
    int n = reps < 16 ? reps : 16;
    for (int rep = 0; rep < n; rep++) {
        double t0 = now_s();
        orl_sgemm_pool(pool, 0, 1, B, n_items, H, 1.0f, h, H, w, H, 0.0f, z, n_items);
        orl_sgemm_pool(pool, 1, 0, n_items, H, B, 1.0f, z, n_items, h, H, 0.0f, dw, H);
        orl_sgemm_pool(pool, 0, 0, B, H, n_items, 1.0f, z, n_items, w, H, 0.0f, dh, H);
        best[rep] = 6.0 * B * H * (double)n_items / (now_s() - t0) * 1e-9;
    }
    double rate = median(best, n);
    orl_aligned_free(h);
    orl_aligned_free(w);
    orl_aligned_free(z);
    orl_aligned_free(dw);
    orl_aligned_free(dh);
    orl_pool_free(pool);
    return rate;
}

typedef struct run_result {
    double tps;
    orl_sl_net_timing timing;
} run_result;

static run_result train_rate(int n_items, int threads, int steps, const int32_t *states,
                             const int32_t *lens, const int32_t *actions, int n_batches)
{
    run_result res;
    memset(&res, 0, sizeof res);
    orl_sl_net_config cfg = orl_sl_net_config_default(n_items);
    orl_sl_net *net = NULL;
    if (orl_sl_net_create(&cfg, 1, threads, &net) != 0) return res;
    float loss;
    for (int s = 0; s < 3; s++) /* warm-up: pages touched, caches filled */
        orl_sl_net_train_step(net, states, lens, actions, B, 0.01f, &loss);
    orl_sl_net_set_timing(net, &res.timing);
    double t0 = now_s();
    for (int s = 0; s < steps; s++) {
        size_t k = (size_t)(s % n_batches) * B;
        if (orl_sl_net_train_step(net, states + k * T, lens + k, actions + k, B, 0.01f, &loss) !=
            0) {
            fprintf(stderr, "train step failed\n");
            break;
        }
    }
    res.tps = (double)steps * B / (now_s() - t0);
    orl_sl_net_free(net);
    return res;
}

int main(int argc, char **argv)
{
    int sizes[8] = {2000, 25000}, n_sizes = 2;
    if (argc > 1) {
        n_sizes = 0;
        for (int i = 1; i < argc && n_sizes < 8; i++) sizes[n_sizes++] = atoi(argv[i]);
    }
    int reps = getenv("ORL_BENCH_REPS") ? atoi(getenv("ORL_BENCH_REPS")) : 3;
    if (reps < 1 || reps > 15) reps = 3;
    orl_fp_flush_denormals();
    for (int si = 0; si < n_sizes; si++) {
        int I = sizes[si];
        enum { NBATCH = 8 };
        int32_t *states = malloc(sizeof(int32_t) * NBATCH * B * T);
        int32_t *lens = malloc(sizeof(int32_t) * NBATCH * B);
        int32_t *actions = malloc(sizeof(int32_t) * NBATCH * B);
        make_batches(I, NBATCH, states, lens, actions);
        int steps = I <= 5000 ? 60 : 20;
        double tps[2][15];
        run_result last[2];
        double g1[15], g2[15];
        for (int rep = 0; rep < reps; rep++) {
            /* Interleaved so that machine noise hits every figure alike. */
            g1[rep] = sgemm_rate(I, 1, 5);
            g2[rep] = sgemm_rate(I, 2, 5);
            for (int th = 0; th < 2; th++) {
                last[th] = train_rate(I, th + 1, steps, states, lens, actions, NBATCH);
                tps[th][rep] = last[th].tps;
            }
        }
        double spread[2];
        for (int th = 0; th < 2; th++) {
            double lo = tps[th][0], hi = tps[th][0];
            for (int r = 1; r < reps; r++) {
                lo = tps[th][r] < lo ? tps[th][r] : lo;
                hi = tps[th][r] > hi ? tps[th][r] : hi;
            }
            spread[th] = (hi - lo) / hi;
        }
        double t1 = median(tps[0], reps), t2 = median(tps[1], reps);
        double gf1 = median(g1, reps), gf2 = median(g2, reps);
        /* Model FLOPs per transition: the output layer's 3 products (6 H I)
         * plus the GRU (forward 2 * 3H(E + H) per step, backward twice that),
         * at the batch's mean length. We execute 2 H I more (pass 1 recompute). */
        double mean_len = 0;
        for (int i = 0; i < NBATCH * B; i++) mean_len += lens[i];
        mean_len /= NBATCH * B;
        double head = 6.0 * H * I, gru = 3.0 * 2.0 * 3 * H * (H + H) * mean_len;
        double bound2 = gf2 * 1e9 / head;
        const orl_sl_net_timing *tm = &last[1].timing;
        double per = 1e3 / (double)(tm->steps ? tm->steps : 1);
        printf("{\"bench\":\"train\",\"n_items\":%d,\"batch\":%d,\"window\":%d,\"hidden\":%d,"
               "\"reps\":%d,\"steps_per_rep\":%d,"
               "\"transitions_per_s_1t\":%.0f,\"transitions_per_s_2t\":%.0f,"
               "\"spread_1t\":%.3f,\"spread_2t\":%.3f,"
               "\"flops_per_transition_head\":%.0f,\"flops_per_transition_gru\":%.0f,"
               "\"flops_per_transition_executed\":%.0f,"
               "\"sgemm_gflops_1t\":%.1f,\"sgemm_gflops_2t\":%.1f,"
               "\"blas_bound_transitions_per_s_2t\":%.0f,\"pct_of_blas_bound_2t\":%.1f,"
               "\"ms_per_step_2t\":{\"gru_fwd\":%.2f,\"head_pass1_logsumexp\":%.2f,"
               "\"head_pass2_softmax_grad\":%.2f,\"gru_bwd_embed\":%.2f,\"adam\":%.2f},"
               "\"blas\":\"%s\"}\n",
               I, B, T, H, reps, steps, t1, t2, spread[0], spread[1], head, gru,
               head + 2.0 * H * I + gru, gf1, gf2, bound2, 100.0 * t2 / bound2,
               tm->encode_fwd * per, tm->head_pass1 * per, tm->head_pass2 * per,
               tm->encode_bwd * per, tm->adam * per, orl_blas_name());
        fflush(stdout);
        free(states);
        free(lens);
        free(actions);
    }
    return 0;
}
