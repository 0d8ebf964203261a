/* The on-disk layout of a container (version 1), shared by the writer and
 * the reader. All integers little-endian.
 *
 *   offset 0   header, 64 bytes:
 *       0  magic   "\x89ORL\r\n\x1a\n" (catches text-mode and 7-bit damage)
 *       8  kind    4 ASCII bytes ("ORLM", "ORLD")
 *      12  u32 kind version
 *      16  u32 container version (1)
 *      20  u32 header size (64)
 *      24  u64 file size
 *      32  u32 metadata entry count
 *      36  u32 blob count
 *      40  u64 blob table offset (the metadata section is [64, this))
 *      48  u64 data offset (64-aligned; the blob table is [table, this))
 *      56  u64 reserved, zero
 *   metadata records, each 8-aligned:
 *       u32 key length, u32 type, u64 value length, key (zero-padded to 8),
 *       value (zero-padded to 8)
 *   blob records, each 8-aligned:
 *       u32 name length, u32 dtype, u64 count, u64 offset, u64 byte size,
 *       name (zero-padded to 8)
 *   blob data from the data offset, each blob at a 64-aligned offset, in
 *   table order, zero padding between
 *   trailer at file size - 8: u64 XXH64 (seed 0) of every byte before it.
 */
#ifndef ORL_IO_CONTAINER_FORMAT_H
#define ORL_IO_CONTAINER_FORMAT_H

#include <stdint.h>
#include <string.h>

#define ORL_CF_MAGIC       "\x89ORL\r\n\x1a\n"
#define ORL_CF_MAGIC_LEN   8u
#define ORL_CF_HEADER_SIZE 64u
#define ORL_CF_META_RECORD 16u
#define ORL_CF_BLOB_RECORD 32u
#define ORL_CF_TRAILER     8u

enum {
    ORL_CF_OFF_KIND = 8,
    ORL_CF_OFF_KIND_VERSION = 12,
    ORL_CF_OFF_FORMAT_VERSION = 16,
    ORL_CF_OFF_HEADER_SIZE = 20,
    ORL_CF_OFF_FILE_SIZE = 24,
    ORL_CF_OFF_META_COUNT = 32,
    ORL_CF_OFF_BLOB_COUNT = 36,
    ORL_CF_OFF_TABLE = 40,
    ORL_CF_OFF_DATA = 48,
    ORL_CF_OFF_RESERVED = 56
};

static inline uint64_t orl_cf_pad8(uint64_t n)
{
    return (n + 7u) & ~(uint64_t)7u;
}

static inline uint64_t orl_cf_pad64(uint64_t n)
{
    return (n + 63u) & ~(uint64_t)63u;
}

static inline void orl_cf_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline void orl_cf_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t orl_cf_get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static inline uint64_t orl_cf_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Blob contents are raw host arrays: the format is little-endian, so a
 * big-endian host refuses to read or write it rather than misread it. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ORL_CF_HOST_SUPPORTED 0
#else
#define ORL_CF_HOST_SUPPORTED 1
#endif

#endif
