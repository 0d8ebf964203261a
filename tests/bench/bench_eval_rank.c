/* Cost of ranking one step against the whole catalogue (the evaluation
 * kernel, without the scorer): steps per second for a few catalogue sizes. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/alloc.h"
#include "core/rng.h"
#include "eval/metrics.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(void)
{
    const uint32_t sizes[] = {1000, 26702, 100000, 500000};
    const size_t batch = 64;
    orl_rng rng;
    orl_rng_init(&rng, 1, 0);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t n = sizes[s];
        float *scores = orl_aligned_alloc(batch * n * sizeof(float));
        int32_t targets[64];
        uint8_t buy[64];
        if (!scores) return 1;
        for (size_t i = 0; i < batch * n; i++) scores[i] = orl_rng_uniform(&rng);
        for (size_t i = 0; i < batch; i++) {
            targets[i] = (int32_t)orl_rng_below(&rng, n);
            buy[i] = (uint8_t)(i % 5 == 0);
        }
        orl_eval_accum acc;
        orl_eval_accum_init(&acc);
        int reps = (int)(2e8 / ((double)batch * n)) + 1;
        double t0 = now();
        for (int r = 0; r < reps; r++) orl_eval_accumulate(&acc, scores, batch, n, targets, buy);
        double t = now() - t0;
        double steps = (double)reps * batch;
        printf("rank kernel: n_items %6u: %9.0f steps/s, %.2f G item comparisons/s\n", n, steps / t,
               steps * n / t / 1e9);
        orl_aligned_free(scores);
    }
    return 0;
}
