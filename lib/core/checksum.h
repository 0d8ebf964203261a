/* XXH64 (xxHash, 64-bit), written from its specification: the integrity
 * check of model and dataset files. Not cryptographic: it detects accidental
 * corruption (truncation, bit rot, a half-copied file), not tampering. */
#ifndef ORL_CORE_CHECKSUM_H
#define ORL_CORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* One-shot hash of `len` bytes (`data` may be NULL when len == 0). */
uint64_t orl_xxh64(const void *data, size_t len, uint64_t seed);

/* Streaming form: update() any number of times with pieces of any size; the
 * digest equals orl_xxh64 of the concatenation. The state is plain data
 * (copyable, no allocation). */
typedef struct orl_xxh64_state {
    uint64_t total_len;
    uint64_t acc[4];
    uint8_t buffer[32];
    uint32_t buffered;
    uint64_t seed;
} orl_xxh64_state;

void orl_xxh64_init(orl_xxh64_state *st, uint64_t seed);
void orl_xxh64_update(orl_xxh64_state *st, const void *data, size_t len);
uint64_t orl_xxh64_digest(const orl_xxh64_state *st);

#endif
