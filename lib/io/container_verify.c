/* Verifying a container before anything in it is trusted. Every offset and
 * length read from the file is checked with overflow-free arithmetic against
 * the bounds of its section; the checksum is checked before the directory is
 * walked. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/error.h"
#include "io/container_format.h"
#include "io/container_reader_impl.h"

/* The kind as printable text for messages. */
static void printable_kind(const uint8_t *k, char out[5])
{
    for (int i = 0; i < 4; i++) out[i] = (k[i] >= 0x20 && k[i] < 0x7f) ? (char)k[i] : '?';
    out[4] = '\0';
}

static int check_header(orl_container_reader *r, const char *kind, uint32_t max_version)
{
    const uint8_t *b = r->base;
    uint64_t len = r->size;
    if (len == 0) return orl_fail(ORL_E_FORMAT, "empty file: not an offlinerl container");
    size_t m = len < ORL_CF_MAGIC_LEN ? (size_t)len : ORL_CF_MAGIC_LEN;
    if (memcmp(b, ORL_CF_MAGIC, m) != 0)
        return orl_fail(ORL_E_FORMAT, "not an offlinerl container (wrong magic number)");
    if (len < ORL_CF_HEADER_SIZE)
        return orl_fail(ORL_E_TRUNCATED, "truncated: %llu bytes, shorter than the %u-byte header",
                        (unsigned long long)len, ORL_CF_HEADER_SIZE);
    char found[5];
    printable_kind(b + ORL_CF_OFF_KIND, found);
    if (kind && memcmp(b + ORL_CF_OFF_KIND, kind, 4) != 0)
        return orl_fail(ORL_E_FORMAT, "a '%s' file, expected a '%.4s' file", found, kind);
    uint32_t fmt = orl_cf_get32(b + ORL_CF_OFF_FORMAT_VERSION);
    uint32_t ver = orl_cf_get32(b + ORL_CF_OFF_KIND_VERSION);
    if (fmt == 0 || ver == 0) return orl_fail(ORL_E_FORMAT, "invalid version 0 in the header");
    if (fmt > ORL_CONTAINER_FORMAT_VERSION)
        return orl_fail(ORL_E_VERSION,
                        "container format version %u is newer than version %u read by this "
                        "library; upgrade libofflinerl",
                        fmt, ORL_CONTAINER_FORMAT_VERSION);
    if (ver > max_version)
        return orl_fail(ORL_E_VERSION,
                        "'%s' format version %u is newer than version %u read by this library; "
                        "upgrade libofflinerl",
                        found, ver, max_version);
    if (orl_cf_get32(b + ORL_CF_OFF_HEADER_SIZE) != ORL_CF_HEADER_SIZE)
        return orl_fail(ORL_E_FORMAT, "header size %u, expected %u",
                        orl_cf_get32(b + ORL_CF_OFF_HEADER_SIZE), ORL_CF_HEADER_SIZE);
    uint64_t declared = orl_cf_get64(b + ORL_CF_OFF_FILE_SIZE);
    if (declared > len)
        return orl_fail(ORL_E_TRUNCATED, "truncated: %llu bytes, but the header says %llu",
                        (unsigned long long)len, (unsigned long long)declared);
    if (declared < len)
        return orl_fail(ORL_E_FORMAT, "%llu unexpected bytes after the end of the container",
                        (unsigned long long)(len - declared));
    if (len < ORL_CF_HEADER_SIZE + ORL_CF_TRAILER)
        return orl_fail(ORL_E_FORMAT, "file size %llu is too small", (unsigned long long)len);
    memcpy(r->kind, found, 5);
    r->version = ver;
    return ORL_OK;
}

static int check_checksum(const orl_container_reader *r)
{
    uint64_t body = r->size - ORL_CF_TRAILER;
    uint64_t stored = orl_cf_get64(r->base + body);
    uint64_t computed = orl_xxh64(r->base, (size_t)body, 0);
    if (stored != computed)
        return orl_fail(ORL_E_CHECKSUM,
                        "checksum mismatch (stored %016llx, computed %016llx): the file is "
                        "corrupted",
                        (unsigned long long)stored, (unsigned long long)computed);
    return ORL_OK;
}

/* A name of `len` bytes at p: 1..255 bytes, no NUL. */
static int valid_name(const uint8_t *p, uint32_t len)
{
    return len >= 1 && len <= ORL_CONTAINER_MAX_KEY && memchr(p, 0, len) == NULL;
}

static int check_meta_value(const orl_cr_entry *e)
{
    uint64_t n = e->nbytes;
    switch (e->type) {
    case ORL_META_U32:
        return n == 4;
    case ORL_META_I64:
    case ORL_META_F64:
        return n == 8;
    case ORL_META_STRING:
        return n >= 1 && e->data[n - 1] == 0 && memchr(e->data, 0, (size_t)n) == e->data + n - 1;
    case ORL_META_BYTES:
        return 1;
    case ORL_META_I64_ARRAY:
        return n % 8 == 0;
    case ORL_META_I32_ARRAY:
    case ORL_META_F32_ARRAY:
        return n % 4 == 0;
    default:
        return 0;
    }
}

/* Copy a name into the pool, NUL-terminated. */
static const char *pool_name(char **cursor, const uint8_t *p, uint32_t len)
{
    char *dst = *cursor;
    memcpy(dst, p, len);
    dst[len] = '\0';
    *cursor += len + 1;
    return dst;
}

static int parse_meta(orl_container_reader *r, uint32_t count, uint64_t table, char **pool)
{
    uint64_t pos = ORL_CF_HEADER_SIZE;
    for (uint32_t i = 0; i < count; i++) {
        if (table - pos < ORL_CF_META_RECORD)
            return orl_fail(ORL_E_FORMAT, "metadata entry %u overruns its section", i);
        const uint8_t *rec = r->base + pos;
        uint32_t key_len = orl_cf_get32(rec);
        uint32_t type = orl_cf_get32(rec + 4);
        uint64_t value_len = orl_cf_get64(rec + 8);
        uint64_t room = table - pos - ORL_CF_META_RECORD;
        if (orl_cf_pad8(key_len) > room)
            return orl_fail(ORL_E_FORMAT, "metadata entry %u: key overruns its section", i);
        room -= orl_cf_pad8(key_len);
        if (value_len > room || orl_cf_pad8(value_len) > room)
            return orl_fail(ORL_E_FORMAT, "metadata entry %u: value overruns its section", i);
        const uint8_t *key = rec + ORL_CF_META_RECORD;
        if (!valid_name(key, key_len))
            return orl_fail(ORL_E_FORMAT, "metadata entry %u: invalid key", i);
        orl_cr_entry *e = &r->meta[i];
        e->name_len = key_len;
        e->type = type;
        e->data = key + orl_cf_pad8(key_len);
        e->nbytes = value_len;
        e->count = 0;
        e->name = pool_name(pool, key, key_len);
        if (!check_meta_value(e))
            return orl_fail(ORL_E_FORMAT, "metadata '%s': invalid %s value of %llu bytes", e->name,
                            orl_meta_type_name(type), (unsigned long long)value_len);
        pos += ORL_CF_META_RECORD + orl_cf_pad8(key_len) + orl_cf_pad8(value_len);
    }
    if (pos != table)
        return orl_fail(ORL_E_FORMAT, "metadata section has %llu stray bytes",
                        (unsigned long long)(table - pos));
    return ORL_OK;
}

static int parse_blobs(orl_container_reader *r, uint32_t count, uint64_t table, uint64_t data,
                       char **pool)
{
    uint64_t pos = table;
    uint64_t end_of_data = r->size - ORL_CF_TRAILER;
    uint64_t prev_end = data;
    for (uint32_t i = 0; i < count; i++) {
        if (data - pos < ORL_CF_BLOB_RECORD)
            return orl_fail(ORL_E_FORMAT, "blob entry %u overruns the blob table", i);
        const uint8_t *rec = r->base + pos;
        uint32_t name_len = orl_cf_get32(rec);
        uint32_t dtype = orl_cf_get32(rec + 4);
        uint64_t n = orl_cf_get64(rec + 8);
        uint64_t off = orl_cf_get64(rec + 16);
        uint64_t nbytes = orl_cf_get64(rec + 24);
        if (orl_cf_pad8(name_len) > data - pos - ORL_CF_BLOB_RECORD)
            return orl_fail(ORL_E_FORMAT, "blob entry %u: name overruns the blob table", i);
        const uint8_t *name = rec + ORL_CF_BLOB_RECORD;
        if (!valid_name(name, name_len))
            return orl_fail(ORL_E_FORMAT, "blob entry %u: invalid name", i);
        orl_cr_entry *e = &r->blobs[i];
        e->name = pool_name(pool, name, name_len);
        e->name_len = name_len;
        size_t esize = orl_dtype_size(dtype);
        if (esize == 0)
            return orl_fail(ORL_E_FORMAT, "blob '%s': unknown dtype %u", e->name, dtype);
        if (n > UINT64_MAX / esize || n * esize != nbytes)
            return orl_fail(ORL_E_FORMAT, "blob '%s': %llu bytes do not hold %llu %s elements",
                            e->name, (unsigned long long)nbytes, (unsigned long long)n,
                            orl_dtype_name(dtype));
        if (off % ORL_CONTAINER_ALIGN != 0)
            return orl_fail(ORL_E_FORMAT, "blob '%s': offset %llu is not %u-byte aligned", e->name,
                            (unsigned long long)off, ORL_CONTAINER_ALIGN);
        if (off < prev_end || off > end_of_data || nbytes > end_of_data - off)
            return orl_fail(ORL_E_FORMAT,
                            "blob '%s': bytes [%llu, +%llu) overlap another blob or lie outside "
                            "the data section",
                            e->name, (unsigned long long)off, (unsigned long long)nbytes);
        e->type = dtype;
        e->count = n;
        e->nbytes = nbytes;
        e->data = r->base + off;
        prev_end = off + nbytes;
        pos += ORL_CF_BLOB_RECORD + orl_cf_pad8(name_len);
    }
    if (orl_cf_pad64(pos) != data)
        return orl_fail(ORL_E_FORMAT, "blob table ends at %llu but data starts at %llu",
                        (unsigned long long)pos, (unsigned long long)data);
    return ORL_OK;
}

static int cmp_entry(const void *a, const void *b)
{
    const orl_cr_entry *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static int cmp_name_index(const void *a, const void *b)
{
    const orl_cr_name_index *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static void reset_directory(orl_container_reader *r)
{
    orl_free(r->meta);
    orl_free(r->blobs);
    orl_free(r->blob_order);
    orl_free(r->names);
    r->meta = NULL;
    r->blobs = NULL;
    r->blob_order = NULL;
    r->names = NULL;
    r->n_meta = r->n_blobs = 0;
}

static int parse_directory(orl_container_reader *r)
{
    const uint8_t *b = r->base;
    uint32_t n_meta = orl_cf_get32(b + ORL_CF_OFF_META_COUNT);
    uint32_t n_blobs = orl_cf_get32(b + ORL_CF_OFF_BLOB_COUNT);
    uint64_t table = orl_cf_get64(b + ORL_CF_OFF_TABLE);
    uint64_t data = orl_cf_get64(b + ORL_CF_OFF_DATA);
    if (orl_cf_get64(b + ORL_CF_OFF_RESERVED) != 0)
        return orl_fail(ORL_E_FORMAT, "reserved header field is not zero");
    if (table < ORL_CF_HEADER_SIZE || table % 8 != 0 || data < table ||
        data % ORL_CONTAINER_ALIGN != 0 || data > r->size - ORL_CF_TRAILER)
        return orl_fail(ORL_E_FORMAT, "inconsistent section offsets (table %llu, data %llu)",
                        (unsigned long long)table, (unsigned long long)data);
    /* Each record takes at least its fixed part plus 8 name bytes: bound the
     * counts by the section sizes before allocating anything. */
    if (n_meta > (table - ORL_CF_HEADER_SIZE) / (ORL_CF_META_RECORD + 8) ||
        n_blobs > (data - table) / (ORL_CF_BLOB_RECORD + 8))
        return orl_fail(ORL_E_FORMAT, "entry counts (%u metadata, %u blobs) exceed the directory",
                        n_meta, n_blobs);
    /* Names are at most as long as the directory that holds them. */
    size_t pool_size = (size_t)(data - ORL_CF_HEADER_SIZE) + n_meta + n_blobs + 1;
    r->meta = orl_calloc(n_meta ? n_meta : 1, sizeof *r->meta);
    r->blobs = orl_calloc(n_blobs ? n_blobs : 1, sizeof *r->blobs);
    r->blob_order = orl_calloc(n_blobs ? n_blobs : 1, sizeof *r->blob_order);
    r->names = orl_malloc(pool_size);
    if (!r->meta || !r->blobs || !r->blob_order || !r->names) {
        reset_directory(r);
        return orl_fail(ORL_E_NOMEM, "out of memory reading a container directory");
    }
    char *pool = r->names;
    int s = parse_meta(r, n_meta, table, &pool);
    if (s == ORL_OK) s = parse_blobs(r, n_blobs, table, data, &pool);
    if (s != ORL_OK) {
        reset_directory(r);
        return s;
    }
    r->n_meta = n_meta;
    r->n_blobs = n_blobs;
    /* Sorted names: O(n log n) duplicate checks and binary-search lookups. */
    qsort(r->meta, n_meta, sizeof *r->meta, cmp_entry);
    for (uint32_t i = 0; i < n_blobs; i++) {
        r->blob_order[i].name = r->blobs[i].name;
        r->blob_order[i].index = i;
    }
    qsort(r->blob_order, n_blobs, sizeof *r->blob_order, cmp_name_index);
    for (uint32_t i = 1; i < n_meta; i++)
        if (strcmp(r->meta[i - 1].name, r->meta[i].name) == 0) {
            s = orl_fail(ORL_E_FORMAT, "duplicate metadata key '%s'", r->meta[i].name);
            reset_directory(r);
            return s;
        }
    for (uint32_t i = 1; i < n_blobs; i++)
        if (strcmp(r->blob_order[i - 1].name, r->blob_order[i].name) == 0) {
            s = orl_fail(ORL_E_FORMAT, "duplicate blob name '%s'", r->blob_order[i].name);
            reset_directory(r);
            return s;
        }
    return ORL_OK;
}

int orl_cr_parse(orl_container_reader *r, const char *kind, uint32_t max_version)
{
    if (!ORL_CF_HOST_SUPPORTED)
        return orl_fail(ORL_E_UNSUPPORTED, "container files need a little-endian host");
    ORL_TRY(check_header(r, kind, max_version));
    ORL_TRY(check_checksum(r));
    return parse_directory(r);
}
