#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void orl_rng_init(orl_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Mix the stream id through SplitMix64 first so that neighbouring
     * (seed, stream) pairs give unrelated states. */
    uint64_t x = seed;
    uint64_t mixed = splitmix64(&x) ^ (stream * 0xD1B54A32D192ED03ULL);
    for (int i = 0; i < 4; i++) rng->s[i] = splitmix64(&mixed);
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) rng->s[0] = 1;
}

uint64_t orl_rng_next(orl_rng *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

orl_rng orl_rng_split(orl_rng *parent)
{
    orl_rng child;
    uint64_t a = orl_rng_next(parent);
    uint64_t b = orl_rng_next(parent);
    orl_rng_init(&child, a, b);
    return child;
}

uint64_t orl_rng_below64(orl_rng *rng, uint64_t n)
{
    /* Rejection from the top of the range keeps the draw unbiased. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = orl_rng_next(rng);
    } while (x >= limit);
    return x % n;
}

uint32_t orl_rng_below(orl_rng *rng, uint32_t n)
{
    /* Lemire's multiply-shift with rejection. */
    uint64_t m = (uint64_t)(uint32_t)(orl_rng_next(rng) >> 32) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)(uint32_t)(orl_rng_next(rng) >> 32) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

float orl_rng_uniform(orl_rng *rng)
{
    return (float)(orl_rng_next(rng) >> 40) * (1.0f / 16777216.0f);
}

double orl_rng_uniform_double(orl_rng *rng)
{
    return (double)(orl_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

float orl_rng_normal(orl_rng *rng)
{
    double u1 = 1.0 - orl_rng_uniform_double(rng); /* (0, 1] avoids log(0) */
    double u2 = orl_rng_uniform_double(rng);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void orl_rng_shuffle_u32(orl_rng *rng, uint32_t *values, uint32_t n)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = orl_rng_below(rng, i);
        uint32_t t = values[i - 1];
        values[i - 1] = values[j];
        values[j] = t;
    }
}
