#include "core/checksum.h"

#include <string.h>

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Byte-order independent loads: the hash is defined on little-endian lanes. */
static inline uint64_t load64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
#else
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
#endif
}

static inline uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t round64(uint64_t acc, uint64_t lane)
{
    acc += lane * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t merge_acc(uint64_t h, uint64_t acc)
{
    h ^= round64(0, acc);
    return h * P1 + P4;
}

static void init_acc(uint64_t acc[4], uint64_t seed)
{
    acc[0] = seed + P1 + P2;
    acc[1] = seed + P2;
    acc[2] = seed;
    acc[3] = seed - P1;
}

/* Consume whole 32-byte stripes; returns the bytes consumed. */
static size_t consume_stripes(uint64_t acc[4], const uint8_t *p, size_t len)
{
    uint64_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    size_t n = len & ~(size_t)31;
    for (size_t i = 0; i < n; i += 32) {
        a0 = round64(a0, load64(p + i));
        a1 = round64(a1, load64(p + i + 8));
        a2 = round64(a2, load64(p + i + 16));
        a3 = round64(a3, load64(p + i + 24));
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    return n;
}

static uint64_t finish(uint64_t h, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        h ^= round64(0, load64(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
        len -= 8;
    }
    if (len >= 4) {
        h ^= (uint64_t)load32(p) * P1;
        h = rotl64(h, 23) * P2 + P3;
        p += 4;
        len -= 4;
    }
    while (len > 0) {
        h ^= (uint64_t)(*p) * P5;
        h = rotl64(h, 11) * P1;
        p++;
        len--;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

static uint64_t converge(const uint64_t acc[4])
{
    uint64_t h = rotl64(acc[0], 1) + rotl64(acc[1], 7) + rotl64(acc[2], 12) + rotl64(acc[3], 18);
    for (int i = 0; i < 4; i++) h = merge_acc(h, acc[i]);
    return h;
}

uint64_t orl_xxh64(const void *data, size_t len, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h;
    size_t done = 0;
    if (len >= 32) {
        uint64_t acc[4];
        init_acc(acc, seed);
        done = consume_stripes(acc, p, len);
        h = converge(acc);
    } else {
        h = seed + P5;
    }
    h += (uint64_t)len;
    return finish(h, p ? p + done : p, len - done);
}

void orl_xxh64_init(orl_xxh64_state *st, uint64_t seed)
{
    memset(st, 0, sizeof *st);
    st->seed = seed;
    init_acc(st->acc, seed);
}

void orl_xxh64_update(orl_xxh64_state *st, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len == 0) return;
    st->total_len += len;
    if (st->buffered) {
        size_t take = 32 - st->buffered;
        if (take > len) take = len;
        memcpy(st->buffer + st->buffered, p, take);
        st->buffered += (uint32_t)take;
        p += take;
        len -= take;
        if (st->buffered < 32) return;
        consume_stripes(st->acc, st->buffer, 32);
        st->buffered = 0;
    }
    size_t done = consume_stripes(st->acc, p, len);
    memcpy(st->buffer, p + done, len - done);
    st->buffered = (uint32_t)(len - done);
}

uint64_t orl_xxh64_digest(const orl_xxh64_state *st)
{
    uint64_t h = st->total_len >= 32 ? converge(st->acc) : st->seed + P5;
    h += st->total_len;
    return finish(h, st->buffer, st->buffered);
}
