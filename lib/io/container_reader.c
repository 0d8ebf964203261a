/* Opening a container from a path or a buffer, and typed lookups. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/error.h"
#include "io/container.h"
#include "io/container_format.h"
#include "io/container_reader_impl.h"

static void release_storage(orl_container_reader *r)
{
    if (r->storage == ORL_CR_MAPPED)
        munmap((void *)r->base, (size_t)r->size);
    else if (r->storage == ORL_CR_OWNED)
        orl_aligned_free((void *)r->base);
}

void orl_container_reader_free(orl_container_reader *r)
{
    if (!r) return;
    release_storage(r);
    orl_free(r->meta);
    orl_free(r->blobs);
    orl_free(r->blob_order);
    orl_free(r->names);
    orl_free(r);
}

/* Take ownership of storage (released on failure) and verify it. */
static int finish_open(const uint8_t *base, uint64_t size, int storage, const char *kind,
                       uint32_t max_version, orl_container_reader **out)
{
    orl_container_reader *r = orl_calloc(1, sizeof *r);
    if (!r) {
        orl_container_reader tmp = {.base = base, .size = size, .storage = storage};
        release_storage(&tmp);
        return orl_fail(ORL_E_NOMEM, "out of memory opening a container");
    }
    r->base = base;
    r->size = size;
    r->storage = storage;
    int s = orl_cr_parse(r, kind, max_version);
    if (s != ORL_OK) {
        orl_container_reader_free(r);
        return s;
    }
    *out = r;
    return ORL_OK;
}

static int check_open_args(const char *kind, orl_container_reader **out)
{
    ORL_CHECK_NOT_NULL(out);
    if (kind && strlen(kind) != 4)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "container kind '%s' must be 4 characters", kind);
    return ORL_OK;
}

static int copy_open(const void *data, size_t len, const char *kind, uint32_t max_version,
                     orl_container_reader **out)
{
    uint8_t *copy = orl_aligned_alloc(len);
    if (!copy) return orl_fail(ORL_E_NOMEM, "out of memory copying a %zu-byte container", len);
    if (len) memcpy(copy, data, len);
    return finish_open(copy, len, ORL_CR_OWNED, kind, max_version, out);
}

int orl_container_open_buffer(const void *data, size_t len, const char *kind, uint32_t max_version,
                              orl_container_reader **out)
{
    ORL_TRY(check_open_args(kind, out));
    if (len > 0) ORL_CHECK_NOT_NULL(data);
    return copy_open(data, len, kind, max_version, out);
}

int orl_container_open_buffer_view(const void *data, size_t len, const char *kind,
                                   uint32_t max_version, orl_container_reader **out)
{
    ORL_TRY(check_open_args(kind, out));
    if (len > 0) ORL_CHECK_NOT_NULL(data);
    if (len == 0 || (uintptr_t)data % ORL_CONTAINER_ALIGN != 0)
        return copy_open(data, len, kind, max_version, out);
    return finish_open(data, len, ORL_CR_BORROWED, kind, max_version, out);
}

/* Read the whole file into an aligned block when it cannot be mapped. */
static int read_whole(int fd, const char *path, size_t size, uint8_t **out)
{
    uint8_t *buf = orl_aligned_alloc(size);
    if (!buf) return orl_fail(ORL_E_NOMEM, "out of memory reading %s (%zu bytes)", path, size);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int s = n < 0 ? orl_fail(ORL_E_IO, "reading %s: %s", path, strerror(errno))
                          : orl_fail(ORL_E_TRUNCATED, "%s shrank while being read", path);
            orl_aligned_free(buf);
            return s;
        }
        got += (size_t)n;
    }
    *out = buf;
    return ORL_OK;
}

int orl_container_open_path(const char *path, const char *kind, uint32_t max_version,
                            orl_container_reader **out)
{
    ORL_CHECK_NOT_NULL(path);
    ORL_TRY(check_open_args(kind, out));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return orl_fail_open(path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int s = orl_fail(ORL_E_IO, "cannot stat %s: %s", path, strerror(errno));
        close(fd);
        return s;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return orl_fail(ORL_E_IO, "%s is not a regular file", path);
    }
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return orl_fail(ORL_E_IO, "%s is too large to map", path);
    }
    size_t size = (size_t)st.st_size;
    if (size == 0) {
        close(fd);
        return orl_fail(ORL_E_FORMAT, "%s: empty file: not an offlinerl container", path);
    }
    const uint8_t *base = NULL;
    int storage = ORL_CR_MAPPED;
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map != MAP_FAILED) {
        base = map;
    } else {
        uint8_t *buf = NULL;
        int s = read_whole(fd, path, size, &buf);
        if (s != ORL_OK) {
            close(fd);
            return s;
        }
        base = buf;
        storage = ORL_CR_OWNED;
    }
    close(fd);
    int s = finish_open(base, size, storage, kind, max_version, out);
    if (s != ORL_OK) return orl_fail_context("%s", path);
    return ORL_OK;
}

void orl_container_kind_of(const orl_container_reader *r, char out_kind[5])
{
    memcpy(out_kind, r->kind, 5);
}

uint32_t orl_container_version(const orl_container_reader *r)
{
    return r->version;
}

uint64_t orl_container_file_size(const orl_container_reader *r)
{
    return r->size;
}

int orl_container_is_borrowed(const orl_container_reader *r)
{
    return r->storage == ORL_CR_BORROWED;
}

int orl_container_is_mapped(const orl_container_reader *r)
{
    return r->storage == ORL_CR_MAPPED;
}

/* Binary search over the sorted metadata. */
static const orl_cr_entry *find_meta(const orl_container_reader *r, const char *key)
{
    size_t lo = 0, hi = r->n_meta;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->meta[mid].name, key);
        if (c == 0) return &r->meta[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const orl_cr_entry *find_blob(const orl_container_reader *r, const char *name)
{
    size_t lo = 0, hi = r->n_blobs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->blob_order[mid].name, name);
        if (c == 0) return &r->blobs[r->blob_order[mid].index];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int orl_container_has(const orl_container_reader *r, const char *key)
{
    return r && key && find_meta(r, key) != NULL;
}

static int lookup(const orl_container_reader *r, const char *key, uint32_t type,
                  const orl_cr_entry **out)
{
    ORL_CHECK_NOT_NULL(r);
    ORL_CHECK_NOT_NULL(key);
    const orl_cr_entry *e = find_meta(r, key);
    if (!e) return orl_fail(ORL_E_NOT_FOUND, "'%s' file has no metadata key '%s'", r->kind, key);
    if (e->type != type)
        return orl_fail(ORL_E_FORMAT, "metadata '%s' is a %s, expected a %s", key,
                        orl_meta_type_name(e->type), orl_meta_type_name(type));
    *out = e;
    return ORL_OK;
}

int orl_container_get_u32(const orl_container_reader *r, const char *key, uint32_t *out)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_TRY(lookup(r, key, ORL_META_U32, &e));
    *out = orl_cf_get32(e->data);
    return ORL_OK;
}

int orl_container_get_i64(const orl_container_reader *r, const char *key, int64_t *out)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_TRY(lookup(r, key, ORL_META_I64, &e));
    *out = (int64_t)orl_cf_get64(e->data);
    return ORL_OK;
}

int orl_container_get_f64(const orl_container_reader *r, const char *key, double *out)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_TRY(lookup(r, key, ORL_META_F64, &e));
    uint64_t bits = orl_cf_get64(e->data);
    memcpy(out, &bits, 8);
    return ORL_OK;
}

int orl_container_get_string(const orl_container_reader *r, const char *key, const char **out,
                             size_t *out_len)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_TRY(lookup(r, key, ORL_META_STRING, &e));
    *out = (const char *)e->data;
    if (out_len) *out_len = (size_t)e->nbytes - 1;
    return ORL_OK;
}

int orl_container_get_bytes(const orl_container_reader *r, const char *key, const void **out,
                            size_t *out_len)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_CHECK_NOT_NULL(out_len);
    ORL_TRY(lookup(r, key, ORL_META_BYTES, &e));
    *out = e->data;
    *out_len = (size_t)e->nbytes;
    return ORL_OK;
}

/* Array values are 8-byte aligned in the file, and the file is mapped or
 * copied at a 64-byte boundary, so these casts are aligned. */
int orl_container_get_i64_array(const orl_container_reader *r, const char *key, const int64_t **out,
                                size_t *out_count)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_CHECK_NOT_NULL(out_count);
    ORL_TRY(lookup(r, key, ORL_META_I64_ARRAY, &e));
    *out = (const int64_t *)(const void *)e->data;
    *out_count = (size_t)(e->nbytes / 8);
    return ORL_OK;
}

int orl_container_get_i32_array(const orl_container_reader *r, const char *key, const int32_t **out,
                                size_t *out_count)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_CHECK_NOT_NULL(out_count);
    ORL_TRY(lookup(r, key, ORL_META_I32_ARRAY, &e));
    *out = (const int32_t *)(const void *)e->data;
    *out_count = (size_t)(e->nbytes / 4);
    return ORL_OK;
}

int orl_container_get_f32_array(const orl_container_reader *r, const char *key, const float **out,
                                size_t *out_count)
{
    const orl_cr_entry *e;
    ORL_CHECK_NOT_NULL(out);
    ORL_CHECK_NOT_NULL(out_count);
    ORL_TRY(lookup(r, key, ORL_META_F32_ARRAY, &e));
    *out = (const float *)(const void *)e->data;
    *out_count = (size_t)(e->nbytes / 4);
    return ORL_OK;
}

size_t orl_container_meta_count(const orl_container_reader *r)
{
    return r ? r->n_meta : 0;
}

const char *orl_container_meta_key(const orl_container_reader *r, size_t i, uint32_t *out_type)
{
    if (!r || i >= r->n_meta) return NULL;
    if (out_type) *out_type = r->meta[i].type;
    return r->meta[i].name;
}

size_t orl_container_blob_count(const orl_container_reader *r)
{
    return r ? r->n_blobs : 0;
}

const char *orl_container_blob_name(const orl_container_reader *r, size_t i)
{
    if (!r || i >= r->n_blobs) return NULL;
    return r->blobs[i].name;
}

static void fill_view(const orl_cr_entry *e, orl_blob_view *out)
{
    out->data = e->data;
    out->count = e->count;
    out->nbytes = e->nbytes;
    out->dtype = e->type;
}

int orl_container_get_blob(const orl_container_reader *r, const char *name, orl_blob_view *out)
{
    ORL_CHECK_NOT_NULL(r);
    ORL_CHECK_NOT_NULL(name);
    ORL_CHECK_NOT_NULL(out);
    const orl_cr_entry *e = find_blob(r, name);
    if (!e) return orl_fail(ORL_E_NOT_FOUND, "'%s' file has no blob '%s'", r->kind, name);
    fill_view(e, out);
    return ORL_OK;
}

int orl_container_get_blob_typed(const orl_container_reader *r, const char *name, uint32_t dtype,
                                 uint64_t expected_count, orl_blob_view *out)
{
    orl_blob_view v;
    ORL_TRY(orl_container_get_blob(r, name, &v));
    if (v.dtype != dtype)
        return orl_fail(ORL_E_FORMAT, "blob '%s' holds %s, expected %s", name,
                        orl_dtype_name(v.dtype), orl_dtype_name(dtype));
    if (expected_count != UINT64_MAX && v.count != expected_count)
        return orl_fail(ORL_E_FORMAT, "blob '%s' has %llu elements, expected %llu", name,
                        (unsigned long long)v.count, (unsigned long long)expected_count);
    *out = v;
    return ORL_OK;
}

static int check_finite_entry(const orl_cr_entry *e)
{
    const float *x = (const float *)(const void *)e->data;
    for (uint64_t i = 0; i < e->count; i++)
        if (!isfinite(x[i]))
            return orl_fail(ORL_E_NUMERIC, "blob '%s' element %llu is %s", e->name,
                            (unsigned long long)i, isnan(x[i]) ? "NaN" : "infinite");
    return ORL_OK;
}

int orl_container_check_finite(const orl_container_reader *r, const char *name)
{
    ORL_CHECK_NOT_NULL(r);
    if (name) {
        orl_blob_view v;
        ORL_TRY(orl_container_get_blob_typed(r, name, ORL_DTYPE_F32, UINT64_MAX, &v));
        return check_finite_entry(find_blob(r, name));
    }
    for (size_t i = 0; i < r->n_blobs; i++)
        if (r->blobs[i].type == ORL_DTYPE_F32) ORL_TRY(check_finite_entry(&r->blobs[i]));
    return ORL_OK;
}
