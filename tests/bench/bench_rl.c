/* Training throughput of the RL networks (sqn, sac, snqn, sa2c) at 2,000 and
 * 25,000 items with 1 and 2 threads, batch 256, hidden 64, window 10, as the
 * reference sqn_torch.py. One JSON line per configuration; for SA2C and SAC
 * the warm-up and the weighted phase are timed separately (each half of the
 * steps). For SQN also the BLAS-bound limit as the peer's README defines it:
 * 8 H I output-layer FLOPs per transition (the CE layer's forward and two
 * backward products, 6 H I, plus the argmax's Q forward on s', 2 H I) at the
 * sgemm rate measured now on the output-layer shape. (The fused CE recomputes
 * the logits, so this code does 10 H I: the bound is not reachable exactly.)
 *
 * Usage: bench_rl [items ...] [--threads N] [--steps N] [--algo NAME]
 * Data: synthetic transitions (lengths 1..10, Zipf-like actions, 20% buys).
 * The reference's figures (README of shared/peer) are printed alongside. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/blas.h"
#include "core/pool.h"
#include "core/rng.h"
#include "models/rl_net.h"

enum { B = 256, T = 10, NB = 16 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct batches {
    int32_t s[NB][B * T], ls[NB][B], a[NB][B], ns[NB][B * T], lns[NB][B];
    float r[NB][B];
    uint8_t d[NB][B];
} batches;

static void make_batches(batches *x, int I, uint64_t seed)
{
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    for (int k = 0; k < NB; k++)
        for (int b = 0; b < B; b++) {
            int p = (int)orl_rng_below(&rng, 15); /* position in the session */
            int items[16];
            for (int t = 0; t <= p; t++) {
                float u = orl_rng_uniform(&rng);
                items[t] = (int)((float)I * u * u * u) % I; /* popular items first */
            }
            int len = p < 1 ? 1 : (p > T ? T : p), first = p > T ? p - T : 0;
            x->ls[k][b] = len;
            for (int t = 0; t < T; t++)
                x->s[k][b * T + t] = (p > 0 && t < len) ? items[first + t] : I;
            x->a[k][b] = items[p];
            int nfirst = p + 1 > T ? p + 1 - T : 0, nlen = p + 1 - nfirst;
            x->lns[k][b] = nlen;
            for (int t = 0; t < T; t++) x->ns[k][b * T + t] = t < nlen ? items[nfirst + t] : I;
            int buy = orl_rng_uniform(&rng) < 0.2f;
            x->r[k][b] = buy ? 1.0f : 0.2f;
            x->d[k][b] = (uint8_t)(orl_rng_uniform(&rng) < 0.15f);
        }
}

/* sgemm GFLOP/s on the output-layer shape [256 x 64] x [64 x I]^T. */
static double gemm_rate(int I, int threads)
{
    orl_pool *pool = NULL;
    if (orl_pool_create(threads, &pool) != 0) return 0.0;
    float *h = orl_aligned_alloc(sizeof(float) * B * 64);
    float *w = orl_aligned_alloc(sizeof(float) * (size_t)I * 64);
    float *out = orl_aligned_alloc(sizeof(float) * (size_t)B * I);
    for (size_t i = 0; i < (size_t)B * 64; i++) h[i] = 0.01f * (float)(i % 7);
    for (size_t i = 0; i < (size_t)I * 64; i++) w[i] = 0.01f * (float)(i % 5);
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        orl_sgemm_pool(pool, 0, 1, B, I, 64, 1.0f, h, 64, w, 64, 0.0f, out, I);
        double t = now() - t0;
        best = t < best ? t : best;
    }
    orl_aligned_free(h);
    orl_aligned_free(w);
    orl_aligned_free(out);
    orl_pool_free(pool);
    return 2.0 * B * 64.0 * I / best / 1e9;
}

static double reference_rate(int I, int alg)
{
    if (I == 2000) return alg == ORL_RL_SA2C ? 8950.0 : (alg == ORL_RL_SQN ? 11963.0 : 0.0);
    if (I == 25000) return alg == ORL_RL_SA2C ? 2139.0 : (alg == ORL_RL_SQN ? 2424.0 : 0.0);
    return 0.0;
}

static int run(const batches *x, int I, int alg, int threads, int steps)
{
    orl_rl_net_config c = orl_rl_net_config_default(I, alg);
    const int warm = 3;
    c.warmup_steps = warm + steps / 2;
    orl_rl_net *net = NULL;
    if (orl_rl_net_create(&c, 1, threads, &net) != 0) return 1;
    orl_rl_net_timing tm;
    memset(&tm, 0, sizeof tm);
    double t_phase[2] = {0.0, 0.0};
    int n_phase[2] = {0, 0};
    orl_rl_losses l;
    for (int k = 0; k < warm + steps; k++) {
        int j = k % NB;
        if (k == warm) orl_rl_net_set_timing(net, &tm);
        double t0 = now();
        if (orl_rl_net_train_step(net, x->s[j], x->ls[j], x->a[j], x->r[j], x->ns[j], x->lns[j],
                                  x->d[j], B, 0.01f, &l) != 0) {
            fprintf(stderr, "step failed\n");
            orl_rl_net_free(net);
            return 1;
        }
        double t = now() - t0;
        if (k >= warm) {
            t_phase[l.phase] += t;
            n_phase[l.phase]++;
        }
    }
    int has_phases = alg == ORL_RL_SAC || alg == ORL_RL_SA2C;
    double total = (t_phase[0] + t_phase[1]);
    double rate = (double)B * (n_phase[0] + n_phase[1]) / total;
    printf("{\"bench\":\"rl_train\",\"algo\":\"%s\",\"n_items\":%d,\"threads\":%d,\"batch\":%d,"
           "\"steps\":%d,\"transitions_per_s\":%.0f,\"ms_per_step\":%.2f",
           orl_rl_algo_name(alg), I, threads, B, steps, rate, 1e3 * total / steps);
    if (has_phases)
        printf(",\"warmup_transitions_per_s\":%.0f,\"weighted_transitions_per_s\":%.0f",
               n_phase[0] ? B * n_phase[0] / t_phase[0] : 0.0,
               n_phase[1] ? B * n_phase[1] / t_phase[1] : 0.0);
    double ref = reference_rate(I, alg);
    if (ref > 0.0)
        printf(",\"reference_transitions_per_s\":%.0f,\"ratio_to_reference\":%.2f", ref,
               rate / ref);
    if (alg == ORL_RL_SQN) {
        double gf = gemm_rate(I, threads);
        double bound = gf * 1e9 / (8.0 * 64.0 * I);
        printf(",\"sgemm_gflops\":%.1f,\"blas_bound_transitions_per_s\":%.0f,"
               "\"fraction_of_bound\":%.2f",
               gf, bound, rate / bound);
    }
    double ms = 1e3 / (double)(tm.steps ? tm.steps : 1);
    printf(",\"ms_phases\":{\"encode_fwd\":%.2f,\"ce_fwd\":%.2f,\"targets\":%.2f,"
           "\"head_bwd\":%.2f,\"encode_bwd\":%.2f,\"adam\":%.2f}",
           tm.encode_fwd * ms, tm.ce_fwd * ms, tm.targets * ms, tm.head_bwd * ms,
           tm.encode_bwd * ms, tm.adam * ms);
    printf(",\"final_loss\":%.4f}\n", (double)l.total);
    fflush(stdout);
    orl_rl_net_free(net);
    return 0;
}

int main(int argc, char **argv)
{
    int items[8], n_items = 0, thread_list[2] = {1, 2}, n_threads = 2, steps = 0, only = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            thread_list[0] = atoi(argv[++i]);
            n_threads = 1;
        } else if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
            steps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--algo") && i + 1 < argc) {
            if (orl_rl_algo_from_name(argv[++i], &only) != 0) return 2;
        } else if (n_items < 8) {
            items[n_items++] = atoi(argv[i]);
        }
    }
    if (!n_items) {
        items[0] = 2000;
        items[1] = 25000;
        n_items = 2;
    }
    batches *x = malloc(sizeof *x);
    if (!x) return 1;
    for (int ii = 0; ii < n_items; ii++) {
        make_batches(x, items[ii], 7);
        int st = steps > 0 ? steps : (items[ii] <= 5000 ? 60 : 20);
        for (int ti = 0; ti < n_threads; ti++)
            for (int alg = 0; alg < 4; alg++)
                if (only < 0 || only == alg)
                    if (run(x, items[ii], alg, thread_list[ti], st) != 0) return 1;
    }
    free(x);
    return 0;
}
