/* The rate of the output layer's three products (logits [B x 64] x [64 x I],
 * dW, dh) that the benchmarks quote as the machine's BLAS-bound limit.
 * Include after bench_util.h. */
#ifndef ORL_BENCH_GEMM_RATE_H
#define ORL_BENCH_GEMM_RATE_H

#include "core/alloc.h"
#include "core/blas.h"
#include "core/pool.h"
#include "nn/kgemm.h"

enum { ORL_BENCH_RATE_BATCH = 256, ORL_BENCH_RATE_HIDDEN = 64 };

typedef struct rate_job {
    const float *h, *w, *z;
    float *zo, *dw, *dh;
    int I;
} rate_job;

/* The three products through orl_kgemm, items split over the pool as the
 * fused layer splits them (each thread its own d_h block). */
static inline void rate_chunk(void *ctx, size_t begin, size_t end, int thread_index)
{
    const rate_job *j = ctx;
    const int B = ORL_BENCH_RATE_BATCH, H = ORL_BENCH_RATE_HIDDEN;
    int lo = (int)begin * 16, n = (int)(end - begin) * 16;
    orl_kgemm(B, n, H, j->h, H, 1, j->w + lo, j->I, j->zo + lo, j->I, 0);
    orl_kgemm(n, H, B, j->z + lo, 1, j->I, j->h, H, j->dw + (size_t)lo * H, H, 0);
    orl_kgemm(B, H, n, j->z + lo, j->I, 1, j->w + (size_t)lo * H, H,
              j->dh + (size_t)thread_index * B * H, H, 0);
}

/* GFLOP/s of the three products at n_items on `threads` threads, median of
 * `reps` (<= 16): OpenBLAS through orl_sgemm_pool (native = 0) or orl_kgemm
 * (native = 1; w read as a packed [H x I] transpose for the forward, as the
 * layer packs each tile; I rounded down to 16). 0 when out of memory. */
static inline double output_layer_gflops(int n_items, int threads, int reps, int native)
{
    const size_t B = ORL_BENCH_RATE_BATCH, H = ORL_BENCH_RATE_HIDDEN, I = (size_t)n_items;
    orl_pool *pool = NULL;
    if (orl_pool_create(threads, &pool) != 0) return 0.0;
    float *h = orl_aligned_alloc(sizeof(float) * B * H);
    float *w = orl_aligned_alloc(sizeof(float) * I * H);
    float *z = orl_aligned_alloc(sizeof(float) * B * I);
    float *zo = orl_aligned_alloc(sizeof(float) * B * I);
    float *dw = orl_aligned_alloc(sizeof(float) * I * H);
    float *dh = orl_aligned_alloc(sizeof(float) * B * H * (size_t)orl_pool_threads(pool));
    double rate[16] = {0};
    int n = reps < 1 ? 1 : (reps < 16 ? reps : 16);
    if (h && w && z && zo && dw && dh) {
        for (size_t i = 0; i < B * H; i++) h[i] = 0.01f * (float)(i % 13);
        for (size_t i = 0; i < I * H; i++) w[i] = 0.01f * (float)(i % 7);
        for (size_t i = 0; i < B * I; i++) z[i] = 1e-4f * (float)(i % 11);
        for (int rep = 0; rep < n; rep++) {
            double t0 = now_s();
            if (native) {
                rate_job j = {h, w, z, zo, dw, dh, n_items};
                orl_pool_parallel_for(pool, I / 16, rate_chunk, &j);
            } else {
                orl_sgemm_pool(pool, 0, 1, (int)B, n_items, (int)H, 1.0f, h, (int)H, w, (int)H,
                               0.0f, zo, n_items);
                orl_sgemm_pool(pool, 1, 0, n_items, (int)H, (int)B, 1.0f, z, n_items, h, (int)H,
                               0.0f, dw, (int)H);
                orl_sgemm_pool(pool, 0, 0, (int)B, (int)H, n_items, 1.0f, z, n_items, w, (int)H,
                               0.0f, dh, (int)H);
            }
            rate[rep] = 6.0 * (double)B * (double)H * (double)I / (now_s() - t0) * 1e-9;
        }
    }
    orl_aligned_free(h);
    orl_aligned_free(w);
    orl_aligned_free(z);
    orl_aligned_free(zo);
    orl_aligned_free(dw);
    orl_aligned_free(dh);
    orl_pool_free(pool);
    return median(rate, n);
}

#endif
