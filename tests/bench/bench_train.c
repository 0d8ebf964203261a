/* Training speed of the GRU4Rec + CE network on random data of the reference
 * shape (embedding 64, hidden 64, window 10, batch 256, Adam lr 0.01), with the
 * sgemm rate measured on the output layer's shapes in the same run, so the
 * figure can be read against the machine's BLAS-bound limit.
 *
 *   bench_train [items ...]    (default: 2000 25000)
 *
 * One JSON line per catalogue size on stdout. Environment: ORL_BENCH_REPS
 * (repetitions, median taken; default 3).
 *
 * The BLAS-bound limit is 6 H I FLOPs per transition (the output layer's
 * three products) at the faster of OpenBLAS and orl_kgemm on those shapes,
 * on 2 threads. The head's Adam runs inside pass 2 (fused), so "adam_encoder"
 * is the embedding and GRU part only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/blas.h"
#include "core/pool.h"
#include "core/rng.h"
#include "models/sl_net.h"
#include "nn/kgemm.h"
#include "nn/softmax_ce.h"
#include "bench_util.h"
#include "bench_gemm_rate.h"

enum { B = 256, T = 10, H = 64 };

/* Batches shaped like the peer's synthetic logs (make_synth.py: sessions of
 * mean length 6): a session length L = 2 + Geometric(continue 0.86), a uniform
 * position p in it, state length clip(p, 1, 10). ORL_BENCH_FULL_WINDOW=1
 * makes every window full (the GRU's worst case). Ids uniform. Mean state length
 * 3.35 with 9% full windows; the peer's small set has 3.44 and 6.4%. */
static void make_batches(int n_items, int n_batches, int32_t *states, int32_t *lens,
                         int32_t *actions)
{
    orl_rng r;
    orl_rng_init(&r, 2024, (uint64_t)n_items);
    const char *full = getenv("ORL_BENCH_FULL_WINDOW");
    for (int i = 0; i < n_batches * B; i++) {
        int L = 2;
        while (orl_rng_uniform(&r) < 0.86f) L++;
        int pos = (int)orl_rng_below(&r, (uint32_t)L);
        lens[i] = pos < 1 ? 1 : (pos > T ? T : pos);
        if (full && full[0] == '1') lens[i] = T;
        for (int t = 0; t < T; t++)
            states[(size_t)i * T + t] =
                t < lens[i] ? (int32_t)orl_rng_below(&r, (uint32_t)n_items) : n_items;
        actions[i] = (int32_t)orl_rng_below(&r, (uint32_t)n_items);
    }
}

/* The fused output layer alone (forward + backward, no Adam) with the logits
 * recomputed in pass 2 (recompute = 1) or kept from pass 1 (-1): ms per call,
 * median of 5, on `threads` threads. */
static double ce_layer_ms(int n_items, int threads, int recompute)
{
    orl_pool *pool = NULL;
    if (orl_pool_create(threads, &pool) != 0) return 0;
    orl_ce_dims d = {B, H, n_items, recompute};
    size_t I = (size_t)n_items;
    float *h = orl_aligned_alloc(sizeof(float) * B * H),
          *w = orl_aligned_alloc(sizeof(float) * I * H);
    float *b = orl_aligned_alloc(sizeof(float) * I), *dh = orl_aligned_alloc(sizeof(float) * B * H);
    float *dw = orl_aligned_alloc(sizeof(float) * I * H),
          *db = orl_aligned_alloc(sizeof(float) * I);
    float *scr = orl_aligned_alloc(sizeof(float) * orl_softmax_ce_scratch_floats(d, threads));
    int32_t tg[B];
    orl_rng r;
    orl_rng_init(&r, 5, 0);
    for (size_t i = 0; i < B * H; i++) h[i] = orl_rng_normal(&r);
    for (size_t i = 0; i < I * H; i++) w[i] = 0.1f * orl_rng_normal(&r);
    for (size_t i = 0; i < I; i++) b[i] = 0.0f;
    for (int i = 0; i < B; i++) tg[i] = (int32_t)orl_rng_below(&r, (uint32_t)n_items);
    double t[5];
    orl_softmax_ce(pool, h, w, b, tg, d, dh, dw, db, scr, NULL, NULL, NULL);
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_s();
        orl_softmax_ce(pool, h, w, b, tg, d, dh, dw, db, scr, NULL, NULL, NULL);
        t[rep] = (now_s() - t0) * 1e3;
    }
    orl_aligned_free(h);
    orl_aligned_free(w);
    orl_aligned_free(b);
    orl_aligned_free(dh);
    orl_aligned_free(dw);
    orl_aligned_free(db);
    orl_aligned_free(scr);
    orl_pool_free(pool);
    return median(t, 5);
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

extern char *openblas_get_corename(void) __attribute__((weak));

static const char *openblas_core(void)
{
    return openblas_get_corename ? openblas_get_corename() : "n/a";
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
        double g1[15], g2[15], k1[15], k2[15];
        for (int rep = 0; rep < reps; rep++) {
            /* Interleaved so that machine noise hits every figure alike. */
            g1[rep] = output_layer_gflops(I, 1, 5, 0);
            g2[rep] = output_layer_gflops(I, 2, 5, 0);
            k1[rep] = output_layer_gflops(I, 1, 5, 1);
            k2[rep] = output_layer_gflops(I, 2, 5, 1);
            for (int th = 0; th < 2; th++) {
                last[th] = train_rate(I, th + 1, steps, states, lens, actions, NBATCH);
                tps[th][rep] = last[th].tps;
            }
        }
        double ce_re = ce_layer_ms(I, 2, 1), ce_keep = ce_layer_ms(I, 2, -1);
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
        double kf1 = median(k1, reps), kf2 = median(k2, reps);
        /* The machine's bound: the faster of the two GEMMs on these shapes. */
        double best2 = gf2 > kf2 ? gf2 : kf2;
        /* Model FLOPs per transition: the output layer's 3 products (6 H I)
         * plus the GRU (forward 2 * 3H(E + H) per step, backward twice that),
         * at the batch's mean length. We execute 2 H I more (pass 1 recompute). */
        double mean_len = 0;
        for (int i = 0; i < NBATCH * B; i++) mean_len += lens[i];
        mean_len /= NBATCH * B;
        double head = 6.0 * H * I, gru = 3.0 * 2.0 * 3 * H * (H + H) * mean_len;
        double bound2 = best2 * 1e9 / head;
        const orl_sl_net_timing *tm = &last[1].timing, *tm1 = &last[0].timing;
        double per = 1e3 / (double)(tm->steps ? tm->steps : 1);
        double per1 = 1e3 / (double)(tm1->steps ? tm1->steps : 1);
        printf("{\"bench\":\"train\",\"n_items\":%d,\"batch\":%d,\"window\":%d,\"hidden\":%d,"
               "\"mean_state_len\":%.2f,\"reps\":%d,\"steps_per_rep\":%d,"
               "\"transitions_per_s_1t\":%.0f,\"transitions_per_s_2t\":%.0f,"
               "\"spread_1t\":%.3f,\"spread_2t\":%.3f,"
               "\"flops_per_transition_head\":%.0f,\"flops_per_transition_gru\":%.0f,"
               "\"flops_per_transition_executed\":%.0f,"
               "\"openblas_core\":\"%s\",\"sgemm_gflops_1t\":%.1f,\"sgemm_gflops_2t\":%.1f,"
               "\"kgemm_gflops_1t\":%.1f,\"kgemm_gflops_2t\":%.1f,"
               "\"blas_bound_transitions_per_s_2t\":%.0f,\"pct_of_blas_bound_2t\":%.1f,"
               "\"ms_per_step_2t\":{\"gru_fwd\":%.2f,\"head_pass1_logsumexp\":%.2f,"
               "\"head_pass2_softmax_grad_adam\":%.2f,\"gru_bwd_embed\":%.2f,"
               "\"adam_encoder\":%.2f,\"in_head_per_thread\":{\"head_fwd_gemm\":%.2f,"
               "\"softmax\":%.2f,\"head_bwd_gemm\":%.2f,\"adam_head\":%.2f}},"
               "\"ms_per_step_1t\":{\"gru_fwd\":%.2f,\"head_pass1_logsumexp\":%.2f,"
               "\"head_pass2_softmax_grad_adam\":%.2f,\"gru_bwd_embed\":%.2f,"
               "\"adam_encoder\":%.2f},"
               "\"ce_layer_ms_2t\":{\"recompute_logits\":%.2f,\"keep_logits\":%.2f},"
               "\"blas\":\"%s\"}\n",
               I, B, T, H, mean_len, reps, steps, t1, t2, spread[0], spread[1], head, gru,
               head + 2.0 * H * I + gru, openblas_core(), gf1, gf2, kf1, kf2, bound2,
               100.0 * t2 / bound2, tm->encode_fwd * per, tm->head_pass1 * per,
               tm->head_pass2 * per, tm->encode_bwd * per, tm->adam * per, tm->head_fwd_gemm * per,
               tm->head_softmax * per, tm->head_bwd_gemm * per, tm->head_adam * per,
               tm1->encode_fwd * per1, tm1->head_pass1 * per1, tm1->head_pass2 * per1,
               tm1->encode_bwd * per1, tm1->adam * per1, ce_re, ce_keep, orl_blas_name());
        fflush(stdout);
        free(states);
        free(lens);
        free(actions);
    }
    return 0;
}
