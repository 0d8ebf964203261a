/* Writer internals shared by the in-memory and the file savers. */
#ifndef ORL_IO_CONTAINER_WRITER_IMPL_H
#define ORL_IO_CONTAINER_WRITER_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "io/container.h"

typedef struct orl_cw_meta {
    char *key;
    uint32_t key_len;
    uint32_t type;
    uint8_t *value;
    uint64_t value_len;
} orl_cw_meta;

typedef struct orl_cw_blob {
    char *name;
    uint32_t name_len;
    uint32_t dtype;
    const void *data; /* owned or borrowed */
    void *owned;      /* non-NULL when the writer copied the data */
    uint64_t count;
    uint64_t nbytes;
} orl_cw_blob;

struct orl_container_writer {
    char kind[4];
    uint32_t version;
    orl_cw_meta *meta;
    size_t n_meta, cap_meta;
    orl_cw_blob *blobs;
    size_t n_blobs, cap_blobs;
};

typedef struct orl_cw_layout_t {
    uint64_t table_off, data_off, data_end, file_size;
} orl_cw_layout_t;

void orl_cw_layout(const orl_container_writer *w, orl_cw_layout_t *lay);

/* Receives the file's bytes in order; returns ORL_OK or an error (already
 * reported with orl_fail). */
typedef int (*orl_cw_sink)(void *ctx, const void *data, size_t len);

/* Stream the whole file (header to checksum trailer) into `sink`. */
int orl_cw_emit(const orl_container_writer *w, orl_cw_sink sink, void *ctx);

#endif
