/* Collecting metadata and blobs, and laying them out as a container. */
#include "io/container_writer_impl.h"

#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/error.h"
#include "io/container.h"
#include "io/container_format.h"

size_t orl_dtype_size(uint32_t dtype)
{
    switch (dtype) {
    case ORL_DTYPE_F32:
        return 4;
    case ORL_DTYPE_I32:
        return 4;
    case ORL_DTYPE_I64:
        return 8;
    case ORL_DTYPE_U8:
        return 1;
    default:
        return 0;
    }
}

const char *orl_dtype_name(uint32_t dtype)
{
    switch (dtype) {
    case ORL_DTYPE_F32:
        return "f32";
    case ORL_DTYPE_I32:
        return "i32";
    case ORL_DTYPE_I64:
        return "i64";
    case ORL_DTYPE_U8:
        return "u8";
    default:
        return "unknown";
    }
}

const char *orl_meta_type_name(uint32_t type)
{
    switch (type) {
    case ORL_META_U32:
        return "u32";
    case ORL_META_I64:
        return "i64";
    case ORL_META_F64:
        return "f64";
    case ORL_META_STRING:
        return "string";
    case ORL_META_BYTES:
        return "bytes";
    case ORL_META_I64_ARRAY:
        return "i64 array";
    case ORL_META_I32_ARRAY:
        return "i32 array";
    case ORL_META_F32_ARRAY:
        return "f32 array";
    default:
        return "unknown";
    }
}

int orl_container_writer_create(const char *kind, uint32_t version, orl_container_writer **out)
{
    ORL_CHECK_NOT_NULL(kind);
    ORL_CHECK_NOT_NULL(out);
    if (strlen(kind) != 4)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "container kind '%s' must be 4 characters", kind);
    for (int i = 0; i < 4; i++)
        if (kind[i] < 0x21 || kind[i] > 0x7e)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "container kind must be printable ASCII without spaces");
    if (version == 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "container kind version must be at least 1");
    if (!ORL_CF_HOST_SUPPORTED)
        return orl_fail(ORL_E_UNSUPPORTED, "container files need a little-endian host");
    orl_container_writer *w = orl_calloc(1, sizeof *w);
    if (!w) return orl_fail(ORL_E_NOMEM, "out of memory creating a container writer");
    memcpy(w->kind, kind, 4);
    w->version = version;
    *out = w;
    return ORL_OK;
}

void orl_container_writer_free(orl_container_writer *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->n_meta; i++) {
        orl_free(w->meta[i].key);
        orl_free(w->meta[i].value);
    }
    for (size_t i = 0; i < w->n_blobs; i++) {
        orl_free(w->blobs[i].name);
        orl_aligned_free(w->blobs[i].owned);
    }
    orl_free(w->meta);
    orl_free(w->blobs);
    orl_free(w);
}

static int check_name(const char *what, const char *name, size_t *out_len)
{
    size_t n = strnlen(name, ORL_CONTAINER_MAX_KEY + 1);
    if (n == 0 || n > ORL_CONTAINER_MAX_KEY)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "container %s must be 1 to %u bytes long", what,
                        ORL_CONTAINER_MAX_KEY);
    *out_len = n;
    return ORL_OK;
}

static int put_meta(orl_container_writer *w, const char *key, uint32_t type, const void *value,
                    size_t len)
{
    ORL_CHECK_NOT_NULL(w);
    ORL_CHECK_NOT_NULL(key);
    if (len > 0 && value == NULL)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "container entry '%s': NULL value", key);
    size_t key_len = 0;
    ORL_TRY(check_name("metadata key", key, &key_len));
    for (size_t i = 0; i < w->n_meta; i++)
        if (strcmp(w->meta[i].key, key) == 0)
            return orl_fail(ORL_E_INVALID_ARGUMENT, "container metadata key '%s' is already set",
                            key);
    if (w->n_meta == UINT32_MAX)
        return orl_fail(ORL_E_OUT_OF_RANGE, "too many container metadata entries");
    if (w->n_meta == w->cap_meta) {
        size_t cap = w->cap_meta ? 2 * w->cap_meta : 8;
        orl_cw_meta *grown = orl_realloc_array(w->meta, cap, sizeof *grown);
        if (!grown) return orl_fail(ORL_E_NOMEM, "out of memory adding container key '%s'", key);
        w->meta = grown;
        w->cap_meta = cap;
    }
    char *k = orl_strndup(key, key_len);
    uint8_t *v = orl_malloc(len);
    if (!k || !v) {
        orl_free(k);
        orl_free(v);
        return orl_fail(ORL_E_NOMEM, "out of memory adding container key '%s'", key);
    }
    if (len) memcpy(v, value, len);
    orl_cw_meta *m = &w->meta[w->n_meta++];
    m->key = k;
    m->key_len = (uint32_t)key_len;
    m->type = type;
    m->value = v;
    m->value_len = len;
    return ORL_OK;
}

int orl_container_put_u32(orl_container_writer *w, const char *key, uint32_t value)
{
    uint8_t b[4];
    orl_cf_put32(b, value);
    return put_meta(w, key, ORL_META_U32, b, 4);
}

int orl_container_put_i64(orl_container_writer *w, const char *key, int64_t value)
{
    uint8_t b[8];
    orl_cf_put64(b, (uint64_t)value);
    return put_meta(w, key, ORL_META_I64, b, 8);
}

int orl_container_put_f64(orl_container_writer *w, const char *key, double value)
{
    uint64_t bits;
    uint8_t b[8];
    memcpy(&bits, &value, 8);
    orl_cf_put64(b, bits);
    return put_meta(w, key, ORL_META_F64, b, 8);
}

int orl_container_put_string(orl_container_writer *w, const char *key, const char *value)
{
    ORL_CHECK_NOT_NULL(value);
    return put_meta(w, key, ORL_META_STRING, value, strlen(value) + 1);
}

int orl_container_put_bytes(orl_container_writer *w, const char *key, const void *data, size_t len)
{
    return put_meta(w, key, ORL_META_BYTES, data, len);
}

static int put_array(orl_container_writer *w, const char *key, uint32_t type, const void *values,
                     size_t count, size_t elem)
{
    if (count > SIZE_MAX / elem)
        return orl_fail(ORL_E_OUT_OF_RANGE, "container entry '%s' is too large", key ? key : "");
    return put_meta(w, key, type, values, count * elem);
}

int orl_container_put_i64_array(orl_container_writer *w, const char *key, const int64_t *values,
                                size_t count)
{
    return put_array(w, key, ORL_META_I64_ARRAY, values, count, 8);
}

int orl_container_put_i32_array(orl_container_writer *w, const char *key, const int32_t *values,
                                size_t count)
{
    return put_array(w, key, ORL_META_I32_ARRAY, values, count, 4);
}

int orl_container_put_f32_array(orl_container_writer *w, const char *key, const float *values,
                                size_t count)
{
    return put_array(w, key, ORL_META_F32_ARRAY, values, count, 4);
}

static int add_blob(orl_container_writer *w, const char *name, uint32_t dtype, const void *data,
                    uint64_t count, int copy)
{
    ORL_CHECK_NOT_NULL(w);
    ORL_CHECK_NOT_NULL(name);
    size_t name_len = 0;
    ORL_TRY(check_name("blob name", name, &name_len));
    size_t esize = orl_dtype_size(dtype);
    if (esize == 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "blob '%s': unknown dtype %u", name, dtype);
    if (count > SIZE_MAX / esize || count > (UINT64_MAX / 2) / esize)
        return orl_fail(ORL_E_OUT_OF_RANGE, "blob '%s' is too large", name);
    uint64_t nbytes = count * esize;
    if (nbytes > 0 && data == NULL)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "blob '%s': NULL data", name);
    for (size_t i = 0; i < w->n_blobs; i++)
        if (strcmp(w->blobs[i].name, name) == 0)
            return orl_fail(ORL_E_INVALID_ARGUMENT, "container blob '%s' is already added", name);
    if (w->n_blobs == UINT32_MAX) return orl_fail(ORL_E_OUT_OF_RANGE, "too many container blobs");
    if (w->n_blobs == w->cap_blobs) {
        size_t cap = w->cap_blobs ? 2 * w->cap_blobs : 8;
        orl_cw_blob *grown = orl_realloc_array(w->blobs, cap, sizeof *grown);
        if (!grown) return orl_fail(ORL_E_NOMEM, "out of memory adding blob '%s'", name);
        w->blobs = grown;
        w->cap_blobs = cap;
    }
    char *n = orl_strndup(name, name_len);
    void *owned = NULL;
    if (n && copy) {
        owned = orl_aligned_alloc((size_t)nbytes);
        if (owned && nbytes) memcpy(owned, data, (size_t)nbytes);
    }
    if (!n || (copy && !owned)) {
        orl_free(n);
        orl_aligned_free(owned);
        return orl_fail(ORL_E_NOMEM, "out of memory adding blob '%s' (%llu bytes)", name,
                        (unsigned long long)nbytes);
    }
    orl_cw_blob *b = &w->blobs[w->n_blobs++];
    b->name = n;
    b->name_len = (uint32_t)name_len;
    b->dtype = dtype;
    b->data = copy ? owned : data;
    b->owned = owned;
    b->count = count;
    b->nbytes = nbytes;
    return ORL_OK;
}

int orl_container_add_blob(orl_container_writer *w, const char *name, uint32_t dtype,
                           const void *data, uint64_t count)
{
    return add_blob(w, name, dtype, data, count, 1);
}

int orl_container_add_blob_view(orl_container_writer *w, const char *name, uint32_t dtype,
                                const void *data, uint64_t count)
{
    return add_blob(w, name, dtype, data, count, 0);
}

void orl_cw_layout(const orl_container_writer *w, orl_cw_layout_t *lay)
{
    uint64_t pos = ORL_CF_HEADER_SIZE;
    for (size_t i = 0; i < w->n_meta; i++)
        pos += ORL_CF_META_RECORD + orl_cf_pad8(w->meta[i].key_len) +
               orl_cf_pad8(w->meta[i].value_len);
    lay->table_off = pos;
    for (size_t i = 0; i < w->n_blobs; i++)
        pos += ORL_CF_BLOB_RECORD + orl_cf_pad8(w->blobs[i].name_len);
    lay->data_off = orl_cf_pad64(pos);
    uint64_t end = lay->data_off;
    for (size_t i = 0; i < w->n_blobs; i++) end = orl_cf_pad64(end) + w->blobs[i].nbytes;
    lay->data_end = end;
    lay->file_size = orl_cf_pad8(end) + ORL_CF_TRAILER;
}

uint64_t orl_container_writer_size(const orl_container_writer *w)
{
    if (!w) return 0;
    orl_cw_layout_t lay;
    orl_cw_layout(w, &lay);
    return lay.file_size;
}

/* Header, metadata and blob table: the first data_off bytes of the file. */
static void write_directory(const orl_container_writer *w, const orl_cw_layout_t *lay, uint8_t *dir)
{
    memset(dir, 0, (size_t)lay->data_off);
    memcpy(dir, ORL_CF_MAGIC, ORL_CF_MAGIC_LEN);
    memcpy(dir + ORL_CF_OFF_KIND, w->kind, 4);
    orl_cf_put32(dir + ORL_CF_OFF_KIND_VERSION, w->version);
    orl_cf_put32(dir + ORL_CF_OFF_FORMAT_VERSION, ORL_CONTAINER_FORMAT_VERSION);
    orl_cf_put32(dir + ORL_CF_OFF_HEADER_SIZE, ORL_CF_HEADER_SIZE);
    orl_cf_put64(dir + ORL_CF_OFF_FILE_SIZE, lay->file_size);
    orl_cf_put32(dir + ORL_CF_OFF_META_COUNT, (uint32_t)w->n_meta);
    orl_cf_put32(dir + ORL_CF_OFF_BLOB_COUNT, (uint32_t)w->n_blobs);
    orl_cf_put64(dir + ORL_CF_OFF_TABLE, lay->table_off);
    orl_cf_put64(dir + ORL_CF_OFF_DATA, lay->data_off);
    uint8_t *p = dir + ORL_CF_HEADER_SIZE;
    for (size_t i = 0; i < w->n_meta; i++) {
        const orl_cw_meta *m = &w->meta[i];
        orl_cf_put32(p, m->key_len);
        orl_cf_put32(p + 4, m->type);
        orl_cf_put64(p + 8, m->value_len);
        p += ORL_CF_META_RECORD;
        memcpy(p, m->key, m->key_len);
        p += orl_cf_pad8(m->key_len);
        if (m->value_len) memcpy(p, m->value, m->value_len);
        p += orl_cf_pad8(m->value_len);
    }
    uint64_t off = lay->data_off;
    for (size_t i = 0; i < w->n_blobs; i++) {
        const orl_cw_blob *b = &w->blobs[i];
        off = orl_cf_pad64(off);
        orl_cf_put32(p, b->name_len);
        orl_cf_put32(p + 4, b->dtype);
        orl_cf_put64(p + 8, b->count);
        orl_cf_put64(p + 16, off);
        orl_cf_put64(p + 24, b->nbytes);
        p += ORL_CF_BLOB_RECORD;
        memcpy(p, b->name, b->name_len);
        p += orl_cf_pad8(b->name_len);
        off += b->nbytes;
    }
}

static const uint8_t zeros[ORL_CONTAINER_ALIGN];

int orl_cw_emit(const orl_container_writer *w, orl_cw_sink sink, void *ctx)
{
    orl_cw_layout_t lay;
    orl_cw_layout(w, &lay);
    if (lay.data_off > SIZE_MAX) return orl_fail(ORL_E_OUT_OF_RANGE, "container too large");
    uint8_t *dir = orl_malloc((size_t)lay.data_off);
    if (!dir) return orl_fail(ORL_E_NOMEM, "out of memory writing a container directory");
    write_directory(w, &lay, dir);
    orl_xxh64_state h;
    orl_xxh64_init(&h, 0);
    orl_xxh64_update(&h, dir, (size_t)lay.data_off);
    int s = sink(ctx, dir, (size_t)lay.data_off);
    orl_free(dir);
    uint64_t pos = lay.data_off;
    for (size_t i = 0; s == ORL_OK && i < w->n_blobs; i++) {
        const orl_cw_blob *b = &w->blobs[i];
        size_t pad = (size_t)(orl_cf_pad64(pos) - pos);
        if (pad) {
            orl_xxh64_update(&h, zeros, pad);
            s = sink(ctx, zeros, pad);
            pos += pad;
        }
        if (s == ORL_OK && b->nbytes) {
            orl_xxh64_update(&h, b->data, (size_t)b->nbytes);
            s = sink(ctx, b->data, (size_t)b->nbytes);
            pos += b->nbytes;
        }
    }
    if (s != ORL_OK) return s;
    size_t pad = (size_t)(orl_cf_pad8(pos) - pos);
    if (pad) {
        orl_xxh64_update(&h, zeros, pad);
        ORL_TRY(sink(ctx, zeros, pad));
    }
    uint8_t trailer[ORL_CF_TRAILER];
    orl_cf_put64(trailer, orl_xxh64_digest(&h));
    return sink(ctx, trailer, sizeof trailer);
}

typedef struct mem_sink {
    uint8_t *dst;
    size_t pos;
} mem_sink;

static int mem_write(void *ctx, const void *data, size_t len)
{
    mem_sink *m = ctx;
    memcpy(m->dst + m->pos, data, len);
    m->pos += len;
    return ORL_OK;
}

int orl_container_save_buffer(const orl_container_writer *w, void *buf, size_t buf_len,
                              size_t *out_len)
{
    ORL_CHECK_NOT_NULL(w);
    uint64_t size = orl_container_writer_size(w);
    if (size > SIZE_MAX) return orl_fail(ORL_E_OUT_OF_RANGE, "container too large for memory");
    if (out_len) *out_len = (size_t)size;
    if (buf_len < size)
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "container needs %llu bytes, buffer has %zu",
                        (unsigned long long)size, buf_len);
    ORL_CHECK_NOT_NULL(buf);
    mem_sink m = {buf, 0};
    return orl_cw_emit(w, mem_write, &m);
}

int orl_container_save_alloc(const orl_container_writer *w, void **out_data, size_t *out_len)
{
    ORL_CHECK_NOT_NULL(w);
    ORL_CHECK_NOT_NULL(out_data);
    ORL_CHECK_NOT_NULL(out_len);
    uint64_t size = orl_container_writer_size(w);
    if (size > SIZE_MAX) return orl_fail(ORL_E_OUT_OF_RANGE, "container too large for memory");
    uint8_t *buf = orl_malloc((size_t)size);
    if (!buf)
        return orl_fail(ORL_E_NOMEM, "out of memory for a %llu-byte container",
                        (unsigned long long)size);
    mem_sink m = {buf, 0};
    int s = orl_cw_emit(w, mem_write, &m);
    if (s != ORL_OK) {
        orl_free(buf);
        return s;
    }
    *out_data = buf;
    *out_len = (size_t)size;
    return ORL_OK;
}
