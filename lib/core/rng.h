/* Seeded, deterministic, splittable RNG (xoshiro256**, seeded by SplitMix64).
 * A stream is identified by (seed, stream id): worker k of a run uses
 * orl_rng_init(&r, seed, k) and gets the same numbers whatever the scheduling. */
#ifndef ORL_CORE_RNG_H
#define ORL_CORE_RNG_H

#include <stdint.h>

typedef struct orl_rng {
    uint64_t s[4];
} orl_rng;

void orl_rng_init(orl_rng *rng, uint64_t seed, uint64_t stream);
/* A new independent generator derived from (and advancing) `parent`. */
orl_rng orl_rng_split(orl_rng *parent);
uint64_t orl_rng_next(orl_rng *rng);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint32_t orl_rng_below(orl_rng *rng, uint32_t n);
uint64_t orl_rng_below64(orl_rng *rng, uint64_t n);
/* Uniform in [0, 1) with 24 bits (float) or 53 bits (double). */
float orl_rng_uniform(orl_rng *rng);
double orl_rng_uniform_double(orl_rng *rng);
/* Standard normal (Box-Muller, no cached state so streams stay splittable). */
float orl_rng_normal(orl_rng *rng);
/* Fisher-Yates shuffle of n uint32 values. */
void orl_rng_shuffle_u32(orl_rng *rng, uint32_t *values, uint32_t n);

#endif
