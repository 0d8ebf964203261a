/* The generic binary container behind model files ("ORLM") and binary
 * dataset files ("ORLD"); see DESIGN.md section 4 and docs/file-format.md.
 *
 * A container holds typed key/value metadata and named, 64-byte aligned
 * arrays ("blobs") that can be used in place from a read-only mapping. The
 * writer collects entries and saves them atomically (temporary file, fsync,
 * rename, fsync of the directory) or into memory. The reader verifies the
 * whole file (magic, kind, versions, every size and offset, the XXH64
 * checksum over every byte) before it exposes anything; afterwards every
 * lookup is typed and bounds-safe.
 *
 * Threads: a writer is used by one thread at a time; an opened reader is
 * immutable, so any number of threads may look up entries concurrently. */
#ifndef ORL_IO_CONTAINER_H
#define ORL_IO_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

/* Version of the container layout itself (header, directory, trailer). */
#define ORL_CONTAINER_FORMAT_VERSION 1u
/* Every blob starts at a file offset that is a multiple of this. */
#define ORL_CONTAINER_ALIGN 64u
/* Keys and blob names: 1 to this many bytes, no NUL. */
#define ORL_CONTAINER_MAX_KEY 255u

/* Types of metadata values. Numbers are part of the file format. */
typedef enum orl_meta_type {
    ORL_META_U32 = 1,
    ORL_META_I64 = 2,
    ORL_META_F64 = 3,
    ORL_META_STRING = 4, /* UTF-8, stored with its NUL; no NUL inside */
    ORL_META_BYTES = 5,
    ORL_META_I64_ARRAY = 6,
    ORL_META_I32_ARRAY = 7,
    ORL_META_F32_ARRAY = 8
} orl_meta_type;

/* Element types of blobs. Numbers are part of the file format. */
typedef enum orl_dtype {
    ORL_DTYPE_F32 = 1,
    ORL_DTYPE_I32 = 2,
    ORL_DTYPE_I64 = 3,
    ORL_DTYPE_U8 = 4
} orl_dtype;

/* Size in bytes of one element of `dtype`, 0 for an unknown dtype. */
size_t orl_dtype_size(uint32_t dtype);
/* "f32", "i32", "i64", "u8" or "unknown". */
const char *orl_dtype_name(uint32_t dtype);
const char *orl_meta_type_name(uint32_t type);

/* ------------------------------------------------------------------ writer */

typedef struct orl_container_writer orl_container_writer;

/* kind: exactly 4 printable ASCII characters ("ORLM"); version >= 1 is the
 * kind-specific format version stored in the header. */
int orl_container_writer_create(const char *kind, uint32_t version, orl_container_writer **out);
void orl_container_writer_free(orl_container_writer *w);

/* Metadata. Values are copied. Keys must be unique across metadata
 * (ORL_E_INVALID_ARGUMENT otherwise); blob names live in their own space. */
int orl_container_put_u32(orl_container_writer *w, const char *key, uint32_t value);
int orl_container_put_i64(orl_container_writer *w, const char *key, int64_t value);
int orl_container_put_f64(orl_container_writer *w, const char *key, double value);
int orl_container_put_string(orl_container_writer *w, const char *key, const char *value);
int orl_container_put_bytes(orl_container_writer *w, const char *key, const void *data, size_t len);
int orl_container_put_i64_array(orl_container_writer *w, const char *key, const int64_t *values,
                                size_t count);
int orl_container_put_i32_array(orl_container_writer *w, const char *key, const int32_t *values,
                                size_t count);
int orl_container_put_f32_array(orl_container_writer *w, const char *key, const float *values,
                                size_t count);

/* Blobs of `count` elements of `dtype`, written in the order added, each at
 * a 64-byte aligned offset. add_blob copies the data; add_blob_view borrows
 * it: the memory must stay valid and unchanged until the writer is freed
 * (it is read when saving). Names unique among blobs. */
int orl_container_add_blob(orl_container_writer *w, const char *name, uint32_t dtype,
                           const void *data, uint64_t count);
int orl_container_add_blob_view(orl_container_writer *w, const char *name, uint32_t dtype,
                                const void *data, uint64_t count);

/* Exact size in bytes of the file save_* would produce now. */
uint64_t orl_container_writer_size(const orl_container_writer *w);

/* Atomic save: writes `path`.tmp.<pid>.<n> in the same directory, fsyncs it,
 * renames it over `path` and fsyncs the directory. On any failure the
 * temporary file is removed and an existing `path` is left untouched.
 * ORL_E_IO (with path and reason), ORL_E_NOMEM, ORL_E_INVALID_ARGUMENT. */
int orl_container_save_path(const orl_container_writer *w, const char *path);

/* Save into a new block from orl_malloc (the caller frees it with orl_free). */
int orl_container_save_alloc(const orl_container_writer *w, void **out_data, size_t *out_len);

/* Save into a caller buffer. *out_len (if not NULL) receives the size needed,
 * also when the buffer is too short (ORL_E_BUFFER_TOO_SMALL, buffer untouched).
 * buf may be NULL when buf_len is 0 (a size query). */
int orl_container_save_buffer(const orl_container_writer *w, void *buf, size_t buf_len,
                              size_t *out_len);

/* ------------------------------------------------------------------ reader */

typedef struct orl_container_reader orl_container_reader;

/* What the caller expects: `kind` (4 characters, or NULL to accept any kind)
 * and the newest kind version it understands. Errors: ORL_E_FORMAT (not a
 * container, wrong kind, inconsistent directory), ORL_E_VERSION (newer
 * container or kind version; the message names both), ORL_E_TRUNCATED,
 * ORL_E_CHECKSUM, ORL_E_IO / ORL_E_NOT_FOUND (path), ORL_E_NOMEM. */

/* Maps the file read-only (falls back to reading it into memory). The file
 * must not be truncated in place while open (save_path never does). */
int orl_container_open_path(const char *path, const char *kind, uint32_t max_version,
                            orl_container_reader **out);
/* Copies `len` bytes into a 64-byte aligned block owned by the reader. */
int orl_container_open_buffer(const void *data, size_t len, const char *kind, uint32_t max_version,
                              orl_container_reader **out);
/* Borrows `data`, which must then stay valid and unchanged until the reader
 * is freed. A buffer not aligned to 64 bytes is copied instead, so that blob
 * views are always aligned; orl_container_is_borrowed says which happened. */
int orl_container_open_buffer_view(const void *data, size_t len, const char *kind,
                                   uint32_t max_version, orl_container_reader **out);
void orl_container_reader_free(orl_container_reader *r);

/* Header facts. */
void orl_container_kind_of(const orl_container_reader *r, char out_kind[5]);
uint32_t orl_container_version(const orl_container_reader *r);
uint64_t orl_container_file_size(const orl_container_reader *r);
int orl_container_is_borrowed(const orl_container_reader *r);
int orl_container_is_mapped(const orl_container_reader *r);

/* Typed lookups: ORL_E_NOT_FOUND when the key is absent, ORL_E_FORMAT when
 * it holds another type (the message names both); outputs untouched then.
 * Pointers point into the container and live as long as the reader. */
int orl_container_has(const orl_container_reader *r, const char *key);
int orl_container_get_u32(const orl_container_reader *r, const char *key, uint32_t *out);
int orl_container_get_i64(const orl_container_reader *r, const char *key, int64_t *out);
int orl_container_get_f64(const orl_container_reader *r, const char *key, double *out);
int orl_container_get_string(const orl_container_reader *r, const char *key, const char **out,
                             size_t *out_len);
int orl_container_get_bytes(const orl_container_reader *r, const char *key, const void **out,
                            size_t *out_len);
int orl_container_get_i64_array(const orl_container_reader *r, const char *key, const int64_t **out,
                                size_t *out_count);
int orl_container_get_i32_array(const orl_container_reader *r, const char *key, const int32_t **out,
                                size_t *out_count);
int orl_container_get_f32_array(const orl_container_reader *r, const char *key, const float **out,
                                size_t *out_count);

/* Enumeration, in key order (metadata) and file order (blobs). */
size_t orl_container_meta_count(const orl_container_reader *r);
const char *orl_container_meta_key(const orl_container_reader *r, size_t i, uint32_t *out_type);

/* A blob inside the container: `data` is 64-byte aligned (for mapped files
 * and copied buffers) and lives as long as the reader. */
typedef struct orl_blob_view {
    const void *data;
    uint64_t count;  /* elements */
    uint64_t nbytes; /* count * orl_dtype_size(dtype) */
    uint32_t dtype;
} orl_blob_view;

size_t orl_container_blob_count(const orl_container_reader *r);
const char *orl_container_blob_name(const orl_container_reader *r, size_t i);
/* ORL_E_NOT_FOUND when absent. */
int orl_container_get_blob(const orl_container_reader *r, const char *name, orl_blob_view *out);
/* The same, also requiring `dtype` (ORL_E_FORMAT) and, when expected_count
 * is not UINT64_MAX, that many elements (ORL_E_FORMAT). */
int orl_container_get_blob_typed(const orl_container_reader *r, const char *name, uint32_t dtype,
                                 uint64_t expected_count, orl_blob_view *out);

/* ORL_E_NUMERIC naming the blob and the first element that is NaN or
 * infinite, checking the f32 blob `name` (ORL_E_NOT_FOUND / ORL_E_FORMAT
 * when absent or not f32), or every f32 blob when `name` is NULL. */
int orl_container_check_finite(const orl_container_reader *r, const char *name);

#endif
