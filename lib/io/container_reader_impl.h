/* Reader internals: the verified directory of an opened container. */
#ifndef ORL_IO_CONTAINER_READER_IMPL_H
#define ORL_IO_CONTAINER_READER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "io/container.h"

typedef struct orl_cr_entry {
    const char *name; /* NUL-terminated copy in the reader's name pool */
    uint32_t name_len;
    uint32_t type; /* orl_meta_type or orl_dtype */
    const uint8_t *data;
    uint64_t nbytes;
    uint64_t count; /* blobs only */
} orl_cr_entry;

/* Blob lookup index: names sorted, pointing at file-order positions. */
typedef struct orl_cr_name_index {
    const char *name;
    uint32_t index;
} orl_cr_name_index;

enum { ORL_CR_OWNED = 0, ORL_CR_MAPPED = 1, ORL_CR_BORROWED = 2 };

struct orl_container_reader {
    const uint8_t *base;
    uint64_t size;
    int storage; /* ORL_CR_* */
    char kind[5];
    uint32_t version;
    orl_cr_entry *meta; /* sorted by name */
    size_t n_meta;
    orl_cr_entry *blobs; /* file order */
    size_t n_blobs;
    orl_cr_name_index *blob_order; /* sorted by name */
    char *names;                   /* pool of NUL-terminated keys and names */
};

/* Verify `base[0, size)` and fill the directory of `r` (whose storage fields
 * are already set). On failure everything allocated here is freed. */
int orl_cr_parse(orl_container_reader *r, const char *kind, uint32_t max_version);

#endif
