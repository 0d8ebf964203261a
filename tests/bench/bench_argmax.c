/* The double-Q argmax (argmax_a Q(s', a) over the catalogue): the exact AMX
 * screen against the fp32 kgemm path it replaces, same inputs, same run.
 *
 *   bench_argmax [items ...]    (default: 2000 25000)
 *
 * One JSON line per catalogue size, batch (256: SQN, SAC; 512: SNQN, SA2C,
 * which take s and s' in one call) and thread count: median milliseconds per
 * call of each path over ORL_BENCH_REPS (default 7) alternated runs, and
 * whether the two returned the same indices and values bit for bit. Inputs
 * are shaped like a trained Q head: h in [-1, 1] (a GRU state), weights
 * N(0, 0.05^2), biases N(0, 0.1^2). "screen": 0 when this CPU or OS has no
 * AMX (both columns are then the fp32 path). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/error.h"
#include "core/pool.h"
#include "core/rng.h"
#include "nn/linear_argmax.h"
#include "bench_util.h"

enum { H = 64 };

/* Milliseconds per call, at least 0.2 s of calls. */
static double time_calls(orl_pool *pool, const float *h, const float *w, const float *b, int batch,
                         int items, int32_t *idx, float *mx, float *scratch)
{
    int calls = 0;
    double t0 = now_s(), t;
    do {
        orl_linear_argmax(pool, h, w, b, batch, H, items, idx, mx, scratch);
        calls++;
        t = now_s();
    } while (t - t0 < 0.2);
    return 1e3 * (t - t0) / calls;
}

static int run(int items, int batch, int threads, int reps)
{
    orl_pool *pool = NULL;
    if (orl_pool_create(threads, &pool) != ORL_OK) return 1;
    orl_rng r;
    orl_rng_init(&r, 11, (uint64_t)items);
    float *h = malloc(sizeof(float) * (size_t)batch * H);
    float *w = malloc(sizeof(float) * (size_t)items * H), *b = malloc(sizeof(float) * items);
    int32_t *i_fp = malloc(sizeof(int32_t) * batch), *i_sc = malloc(sizeof(int32_t) * batch);
    float *m_fp = malloc(sizeof(float) * batch), *m_sc = malloc(sizeof(float) * batch);
    float *scratch =
        orl_aligned_alloc(sizeof(float) * orl_linear_argmax_scratch_floats(batch, H, threads));
    if (!h || !w || !b || !i_fp || !i_sc || !m_fp || !m_sc || !scratch) return 1;
    for (size_t k = 0; k < (size_t)batch * H; k++) h[k] = 2.0f * orl_rng_uniform(&r) - 1.0f;
    for (size_t k = 0; k < (size_t)items * H; k++) w[k] = 0.05f * orl_rng_normal(&r);
    for (int k = 0; k < items; k++) b[k] = 0.1f * orl_rng_normal(&r);
    double fp[64], sc[64];
    for (int k = 0; k < reps; k++) {
        orl_linear_argmax_force_fp32(1);
        fp[k] = time_calls(pool, h, w, b, batch, items, i_fp, m_fp, scratch);
        orl_linear_argmax_force_fp32(0);
        sc[k] = time_calls(pool, h, w, b, batch, items, i_sc, m_sc, scratch);
    }
    int same = memcmp(i_fp, i_sc, sizeof(int32_t) * batch) == 0 &&
               memcmp(m_fp, m_sc, sizeof(float) * batch) == 0;
    qsort(fp, (size_t)reps, sizeof *fp, cmp_double);
    qsort(sc, (size_t)reps, sizeof *sc, cmp_double);
    printf("{\"bench\":\"argmax\",\"items\":%d,\"hidden\":%d,\"batch\":%d,\"threads\":%d,"
           "\"screen\":%d,\"fp32_ms\":%.3f,\"screen_ms\":%.3f,\"speedup\":%.2f,"
           "\"bit_identical\":%s}\n",
           items, H, batch, threads, orl_cpu_amx_bf16_ready(), fp[reps / 2], sc[reps / 2],
           fp[reps / 2] / sc[reps / 2], same ? "true" : "false");
    fflush(stdout);
    free(h);
    free(w);
    free(b);
    free(i_fp);
    free(i_sc);
    free(m_fp);
    free(m_sc);
    orl_aligned_free(scratch);
    orl_pool_free(pool);
    return same ? 0 : 2;
}

int main(int argc, char **argv)
{
    const char *env = getenv("ORL_BENCH_REPS");
    int reps = env ? atoi(env) : 7;
    if (reps < 1 || reps > 64) reps = 7;
    int sizes[16], n = 0;
    for (int a = 1; a < argc && n < 16; a++) sizes[n++] = atoi(argv[a]);
    if (n == 0) {
        sizes[n++] = 2000;
        sizes[n++] = 25000;
    }
    int status = 0;
    for (int k = 0; k < n; k++)
        for (int batch = 256; batch <= 512; batch *= 2)
            for (int threads = 1; threads <= 2; threads++)
                if (sizes[k] > 0) status |= run(sizes[k], batch, threads, reps);
    return status;
}
