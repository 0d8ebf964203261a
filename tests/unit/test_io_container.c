/* The model/dataset file container: round trips, atomic saving, and clean
 * errors for every truncation, every bit flip and foreign files. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "io/container.h"
#include "io/container_format.h"
#include "test_support.h"

static const int64_t item_ids[5] = {-3, 0, 7, INT64_MAX, INT64_MIN};
static const int32_t dims[3] = {64, 10, 1};
static const float lr_schedule[2] = {0.5f, 0.25f};
static const uint8_t raw[5] = {0, 1, 2, 0xfe, 0xff};

/* A small container exercising every metadata type and every dtype. */
static int build_small(orl_container_writer **out)
{
    orl_container_writer *w = NULL;
    float weights[37];
    int32_t ids32[3] = {1, -2, 3};
    int64_t ids64[2] = {INT64_MIN, 5};
    uint8_t bytes[3] = {9, 8, 7};
    for (int i = 0; i < 37; i++) weights[i] = (float)i * 0.5f - 3.0f;
    int s = orl_container_writer_create("ORLM", 1, &w);
    if (s) return s;
    if ((s = orl_container_put_string(w, "architecture", "gru4rec")) ||
        (s = orl_container_put_u32(w, "hidden", 64)) ||
        (s = orl_container_put_i64(w, "steps", -1234567890123LL)) ||
        (s = orl_container_put_f64(w, "gamma", 0.5)) ||
        (s = orl_container_put_bytes(w, "raw", raw, sizeof raw)) ||
        (s = orl_container_put_bytes(w, "empty", NULL, 0)) ||
        (s = orl_container_put_i64_array(w, "item_ids", item_ids, 5)) ||
        (s = orl_container_put_i32_array(w, "dims", dims, 3)) ||
        (s = orl_container_put_f32_array(w, "lr", lr_schedule, 2)) ||
        (s = orl_container_add_blob(w, "weights", ORL_DTYPE_F32, weights, 37)) ||
        (s = orl_container_add_blob(w, "ids32", ORL_DTYPE_I32, ids32, 3)) ||
        (s = orl_container_add_blob(w, "none", ORL_DTYPE_F32, NULL, 0)) ||
        (s = orl_container_add_blob(w, "ids64", ORL_DTYPE_I64, ids64, 2)) ||
        (s = orl_container_add_blob(w, "bytes", ORL_DTYPE_U8, bytes, 3))) {
        orl_container_writer_free(w);
        return s;
    }
    *out = w;
    return ORL_OK;
}

static void small_bytes(uint8_t **out, size_t *out_len)
{
    orl_container_writer *w = NULL;
    void *data = NULL;
    assert_orl_ok(build_small(&w));
    assert_orl_ok(orl_container_save_alloc(w, &data, out_len));
    orl_container_writer_free(w);
    *out = data;
}

static void check_small(const orl_container_reader *r)
{
    const char *str;
    size_t len;
    uint32_t u;
    int64_t i64;
    double f;
    const void *b;
    const int64_t *a64;
    const int32_t *a32;
    const float *af;
    char kind[5];
    orl_container_kind_of(r, kind);
    assert_string_equal(kind, "ORLM");
    assert_int_equal(orl_container_version(r), 1);
    assert_orl_ok(orl_container_get_string(r, "architecture", &str, &len));
    assert_string_equal(str, "gru4rec");
    assert_int_equal(len, 7);
    assert_orl_ok(orl_container_get_u32(r, "hidden", &u));
    assert_int_equal(u, 64);
    assert_orl_ok(orl_container_get_i64(r, "steps", &i64));
    assert_true(i64 == -1234567890123LL);
    assert_orl_ok(orl_container_get_f64(r, "gamma", &f));
    assert_true(f == 0.5);
    assert_orl_ok(orl_container_get_bytes(r, "raw", &b, &len));
    assert_int_equal(len, 5);
    assert_memory_equal(b, raw, 5);
    assert_orl_ok(orl_container_get_bytes(r, "empty", &b, &len));
    assert_int_equal(len, 0);
    assert_orl_ok(orl_container_get_i64_array(r, "item_ids", &a64, &len));
    assert_int_equal(len, 5);
    assert_memory_equal(a64, item_ids, sizeof item_ids);
    assert_int_equal((uintptr_t)a64 % 8, 0);
    assert_orl_ok(orl_container_get_i32_array(r, "dims", &a32, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(a32, dims, sizeof dims);
    assert_orl_ok(orl_container_get_f32_array(r, "lr", &af, &len));
    assert_int_equal(len, 2);
    assert_true(af[1] == 0.25f);
    assert_int_equal(orl_container_meta_count(r), 9);
    assert_int_equal(orl_container_blob_count(r), 5);
    assert_string_equal(orl_container_blob_name(r, 0), "weights"); /* file order */
    assert_string_equal(orl_container_blob_name(r, 4), "bytes");

    orl_blob_view v;
    assert_orl_ok(orl_container_get_blob_typed(r, "weights", ORL_DTYPE_F32, 37, &v));
    assert_int_equal(v.nbytes, 37 * 4);
    for (int i = 0; i < 37; i++) assert_true(((const float *)v.data)[i] == (float)i * 0.5f - 3.0f);
    const char *names[] = {"weights", "ids32", "none", "ids64", "bytes"};
    for (int i = 0; i < 5; i++) {
        assert_orl_ok(orl_container_get_blob(r, names[i], &v));
        assert_int_equal((uintptr_t)v.data % ORL_CONTAINER_ALIGN, 0);
    }
    assert_orl_ok(orl_container_get_blob(r, "ids64", &v));
    assert_int_equal(v.dtype, ORL_DTYPE_I64);
    assert_true(((const int64_t *)v.data)[0] == INT64_MIN);
    assert_orl_ok(orl_container_get_blob(r, "none", &v));
    assert_int_equal(v.count, 0);
    assert_orl_ok(orl_container_check_finite(r, NULL));
}

static void test_round_trip_buffer_and_path(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    orl_container_writer *w = NULL;
    assert_orl_ok(build_small(&w));
    void *a = NULL;
    size_t a_len = 0, b_len = 0, need = 0;
    assert_orl_ok(orl_container_save_alloc(w, &a, &a_len));
    assert_int_equal(a_len, orl_container_writer_size(w));
    assert_int_equal(a_len % 8, 0);

    /* Size query, short buffer (untouched), exact buffer. */
    assert_int_equal(orl_container_save_buffer(w, NULL, 0, &need), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(need, a_len);
    uint8_t *b = malloc(a_len);
    memset(b, 0xab, a_len);
    assert_int_equal(orl_container_save_buffer(w, b, a_len - 1, &b_len), ORL_E_BUFFER_TOO_SMALL);
    assert_int_equal(b_len, a_len);
    for (size_t i = 0; i < a_len; i++) assert_int_equal(b[i], 0xab);
    assert_orl_ok(orl_container_save_buffer(w, b, a_len, &b_len));
    assert_memory_equal(a, b, a_len);

    char path[512];
    orl_test_tmp_path("round_trip.orlm", path, sizeof path);
    assert_orl_ok(orl_container_save_path(w, path));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *c = malloc(a_len + 1);
    assert_int_equal(fread(c, 1, a_len + 1, f), a_len);
    fclose(f);
    assert_memory_equal(a, c, a_len);
    orl_container_writer_free(w);

    orl_container_reader *r = NULL;
    assert_orl_ok(orl_container_open_path(path, "ORLM", 1, &r));
    assert_true(orl_container_is_mapped(r));
    check_small(r);
    orl_container_reader_free(r);
    assert_orl_ok(orl_container_open_path(path, NULL, 1, &r)); /* any kind */
    orl_container_reader_free(r);

    assert_orl_ok(orl_container_open_buffer(b, b_len, "ORLM", 1, &r));
    assert_false(orl_container_is_borrowed(r));
    free(b); /* the copy is independent of the caller's bytes */
    check_small(r);
    orl_container_reader_free(r);

    /* orl_malloc blocks are 16-byte aligned at best: copy into a 64-aligned
     * block to borrow, and into a misaligned one to see the fallback copy. */
    uint8_t *aligned = orl_aligned_alloc(a_len + 64);
    memcpy(aligned, a, a_len);
    assert_orl_ok(orl_container_open_buffer_view(aligned, a_len, "ORLM", 1, &r));
    assert_true(orl_container_is_borrowed(r));
    check_small(r);
    orl_container_reader_free(r);
    memmove(aligned + 8, aligned, a_len);
    assert_orl_ok(orl_container_open_buffer_view(aligned + 8, a_len, "ORLM", 1, &r));
    assert_false(orl_container_is_borrowed(r));
    check_small(r);
    orl_container_reader_free(r);
    orl_aligned_free(aligned);
    orl_free(a);
    free(c);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_lookup_errors(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    small_bytes(&bytes, &len);
    orl_container_reader *r = NULL;
    assert_orl_ok(orl_container_open_buffer(bytes, len, "ORLM", 1, &r));
    uint32_t u = 77;
    int64_t i = 77;
    orl_blob_view v = {0};
    assert_int_equal(orl_container_get_u32(r, "missing", &u), ORL_E_NOT_FOUND);
    assert_int_equal(orl_container_get_i64(r, "hidden", &i), ORL_E_FORMAT);
    assert_non_null(strstr(orl_last_error(), "u32"));
    assert_int_equal(u, 77);
    assert_int_equal(i, 77);
    assert_int_equal(orl_container_get_blob(r, "missing", &v), ORL_E_NOT_FOUND);
    assert_int_equal(orl_container_get_blob_typed(r, "weights", ORL_DTYPE_I32, UINT64_MAX, &v),
                     ORL_E_FORMAT);
    assert_int_equal(orl_container_get_blob_typed(r, "weights", ORL_DTYPE_F32, 36, &v),
                     ORL_E_FORMAT);
    assert_null(v.data);
    assert_int_equal(orl_container_check_finite(r, "ids32"), ORL_E_FORMAT);
    assert_int_equal(orl_container_check_finite(r, "nope"), ORL_E_NOT_FOUND);
    assert_true(orl_container_has(r, "gamma"));
    assert_false(orl_container_has(r, "gamm"));
    orl_container_reader_free(r);
    orl_free(bytes);
}

static void test_writer_rejects_bad_arguments(void **state)
{
    (void)state;
    orl_container_writer *w = NULL;
    assert_int_equal(orl_container_writer_create("ORL", 1, &w), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_container_writer_create("OR M", 1, &w), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_container_writer_create("ORLM", 0, &w), ORL_E_INVALID_ARGUMENT);
    assert_null(w);
    assert_orl_ok(orl_container_writer_create("ORLM", 2, &w));
    char long_key[300];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_orl_ok(orl_container_put_u32(w, "a", 1));
    assert_int_equal(orl_container_put_i64(w, "a", 1), ORL_E_INVALID_ARGUMENT);
    assert_non_null(strstr(orl_last_error(), "'a'"));
    assert_int_equal(orl_container_put_u32(w, "", 1), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_container_put_u32(w, long_key, 1), ORL_E_INVALID_ARGUMENT);
    long_key[255] = '\0';
    assert_orl_ok(orl_container_put_u32(w, long_key, 1)); /* 255 bytes is the limit */
    float x = 1.0f;
    assert_int_equal(orl_container_add_blob(w, "x", 99, &x, 1), ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_container_add_blob(w, "x", ORL_DTYPE_F32, NULL, 1),
                     ORL_E_INVALID_ARGUMENT);
    assert_orl_ok(orl_container_add_blob(w, "a", ORL_DTYPE_F32, &x, 1)); /* own namespace */
    assert_int_equal(orl_container_add_blob_view(w, "a", ORL_DTYPE_F32, &x, 1),
                     ORL_E_INVALID_ARGUMENT);
    assert_int_equal(orl_container_put_string(w, "s", NULL), ORL_E_INVALID_ARGUMENT);
    orl_container_writer_free(w);
}

static int open_bytes(const uint8_t *b, size_t len)
{
    orl_container_reader *r = NULL;
    int s = orl_container_open_buffer(b, len, "ORLM", 1, &r);
    if (s == ORL_OK) orl_container_reader_free(r);
    return s;
}

static void test_every_truncation_is_a_clean_error(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    uint8_t *bytes;
    size_t len;
    small_bytes(&bytes, &len);
    char path[512];
    orl_test_tmp_path("truncated.orlm", path, sizeof path);
    for (size_t n = 0; n < len; n++) {
        int want = n == 0 ? ORL_E_FORMAT : ORL_E_TRUNCATED;
        assert_int_equal(open_bytes(bytes, n), want);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(bytes, 1, n, f), n);
        fclose(f);
        orl_container_reader *r = NULL;
        assert_int_equal(orl_container_open_path(path, "ORLM", 1, &r), want);
        assert_null(r);
        assert_non_null(strstr(orl_last_error(), "truncated.orlm"));
    }
    assert_orl_ok(open_bytes(bytes, len));
    orl_free(bytes);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

/* A flipped bit in the magic or kind is a foreign file, in a version field a
 * version error (or invalid 0), in the size a truncation or trailing bytes;
 * anywhere else the checksum catches it. */
static void test_every_bit_flip_is_a_clean_error(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    uint8_t *bytes;
    size_t len;
    small_bytes(&bytes, &len);
    for (size_t pos = 0; pos < len; pos++) {
        for (int bit = 0; bit < 8; bit++) {
            bytes[pos] ^= (uint8_t)(1u << bit);
            int s = open_bytes(bytes, len);
            if (pos < 12 || (pos >= 20 && pos < 24)) {
                assert_int_equal(s, ORL_E_FORMAT);
            } else if (pos < 20) {
                assert_true(s == ORL_E_VERSION || s == ORL_E_FORMAT);
            } else if (pos < 32) {
                assert_true(s == ORL_E_TRUNCATED || s == ORL_E_FORMAT);
            } else {
                assert_int_equal(s, ORL_E_CHECKSUM);
            }
            bytes[pos] ^= (uint8_t)(1u << bit);
        }
    }
    assert_orl_ok(open_bytes(bytes, len));
    orl_free(bytes);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

/* Recompute the trailer so that a deliberately inconsistent directory gets
 * past the checksum and must be caught by the structural checks. */
static void reseal(uint8_t *b, size_t len)
{
    orl_cf_put64(b + len - 8, orl_xxh64(b, len - 8, 0));
}

/* Touch everything an opened reader exposes (ASan checks the bounds). */
static void exercise(const orl_container_reader *r)
{
    for (size_t i = 0; i < orl_container_meta_count(r); i++) {
        uint32_t type;
        const char *key = orl_container_meta_key(r, i, &type);
        const void *p;
        size_t n;
        if (type == ORL_META_BYTES && orl_container_get_bytes(r, key, &p, &n) == ORL_OK && n)
            assert_true(((const uint8_t *)p)[n - 1] < 256);
        const char *s;
        if (type == ORL_META_STRING) assert_orl_ok(orl_container_get_string(r, key, &s, &n));
    }
    for (size_t i = 0; i < orl_container_blob_count(r); i++) {
        orl_blob_view v;
        assert_orl_ok(orl_container_get_blob(r, orl_container_blob_name(r, i), &v));
        if (v.nbytes) assert_true(((const uint8_t *)v.data)[v.nbytes - 1] < 256);
    }
    (void)orl_container_check_finite(r, NULL);
}

static void test_resealed_corruptions_never_crash(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    uint8_t *bytes;
    size_t len;
    small_bytes(&bytes, &len);
    const uint8_t values[] = {0x00, 0x01, 0x07, 0x40, 0x7f, 0x80, 0xff};
    size_t accepted = 0, rejected = 0;
    for (size_t pos = 0; pos < len - 8; pos++) {
        uint8_t orig = bytes[pos];
        for (size_t k = 0; k <= sizeof values; k++) {
            bytes[pos] = k < sizeof values ? values[k] : (uint8_t)(orig + 1);
            if (bytes[pos] == orig) continue;
            reseal(bytes, len);
            orl_container_reader *r = NULL;
            int s = orl_container_open_buffer(bytes, len, "ORLM", 1, &r);
            if (s == ORL_OK) {
                exercise(r); /* e.g. a changed value: still a valid file */
                orl_container_reader_free(r);
                accepted++;
            } else {
                assert_true(s == ORL_E_FORMAT || s == ORL_E_VERSION || s == ORL_E_TRUNCATED);
                assert_null(r);
                rejected++;
            }
        }
        bytes[pos] = orig;
    }
    reseal(bytes, len);
    assert_orl_ok(open_bytes(bytes, len));
    assert_true(rejected > 0 && accepted > 0);
    orl_free(bytes);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_structural_errors_name_the_problem(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t len;
    small_bytes(&bytes, &len);
    uint64_t table = orl_cf_get64(bytes + ORL_CF_OFF_TABLE);
    /* First blob record: offset field at +16. */
    uint64_t off = orl_cf_get64(bytes + table + 16);
    orl_cf_put64(bytes + table + 16, off + 4);
    reseal(bytes, len);
    assert_int_equal(open_bytes(bytes, len), ORL_E_FORMAT);
    assert_non_null(strstr(orl_last_error(), "aligned"));
    orl_cf_put64(bytes + table + 16, UINT64_MAX - 63);
    reseal(bytes, len);
    assert_int_equal(open_bytes(bytes, len), ORL_E_FORMAT);
    orl_cf_put64(bytes + table + 16, off);
    /* Second blob moved onto the first: overlap. */
    uint64_t second = table + ORL_CF_BLOB_RECORD + 8; /* "weights" pads to 8 */
    orl_cf_put64(bytes + second + 16, off);
    reseal(bytes, len);
    assert_int_equal(open_bytes(bytes, len), ORL_E_FORMAT);
    assert_non_null(strstr(orl_last_error(), "overlap"));
    orl_free(bytes);
    small_bytes(&bytes, &len);
    /* Count and size disagree. */
    orl_cf_put64(bytes + table + 8, 38);
    reseal(bytes, len);
    assert_int_equal(open_bytes(bytes, len), ORL_E_FORMAT);
    orl_free(bytes);
    small_bytes(&bytes, &len);
    /* Huge entry counts are refused before any allocation. */
    orl_cf_put32(bytes + ORL_CF_OFF_META_COUNT, UINT32_MAX);
    reseal(bytes, len);
    assert_int_equal(open_bytes(bytes, len), ORL_E_FORMAT);
    orl_free(bytes);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_foreign_files_are_format_errors(void **state)
{
    (void)state;
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0,
                                  0,    13,  'I', 'H', 'D',  'R',  0,    0,    1, 0};
    const char *text = "session_id,item_id,timestamp\n1,2,3\n";
    uint8_t zeros[200] = {0};
    char path[512];
    orl_test_tmp_path("foreign.bin", path, sizeof path);
    struct {
        const void *data;
        size_t len;
    } cases[] = {
        {png, sizeof png}, {text, strlen(text)}, {zeros, sizeof zeros}, {"", 0}, {"\x89ORL", 4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int want = i == 4 ? ORL_E_TRUNCATED : ORL_E_FORMAT; /* a magic prefix is truncation */
        assert_int_equal(open_bytes(cases[i].data, cases[i].len), want);
        write_file(path, cases[i].data, cases[i].len);
        orl_container_reader *r = NULL;
        assert_int_equal(orl_container_open_path(path, "ORLM", 1, &r), want);
        assert_null(r);
    }
    orl_container_reader *r = NULL;
    assert_int_equal(orl_container_open_path(ORL_TEST_TMPDIR, "ORLM", 1, &r), ORL_E_IO);
    orl_test_tmp_path("does-not-exist.orlm", path, sizeof path);
    assert_int_equal(orl_container_open_path(path, "ORLM", 1, &r), ORL_E_NOT_FOUND);
    assert_non_null(strstr(orl_last_error(), "does-not-exist.orlm"));

    /* A container of another kind. */
    uint8_t *bytes;
    size_t len;
    small_bytes(&bytes, &len);
    assert_int_equal(orl_container_open_buffer(bytes, len, "ORLD", 1, &r), ORL_E_FORMAT);
    assert_non_null(strstr(orl_last_error(), "'ORLM'"));
    assert_non_null(strstr(orl_last_error(), "'ORLD'"));
    /* Trailing bytes after a valid container. */
    uint8_t *longer = malloc(len + 8);
    memcpy(longer, bytes, len);
    memset(longer + len, 0, 8);
    assert_int_equal(open_bytes(longer, len + 8), ORL_E_FORMAT);
    free(longer);
    orl_free(bytes);
}

static void test_future_versions_are_version_errors(void **state)
{
    (void)state;
    orl_container_writer *w = NULL;
    assert_orl_ok(orl_container_writer_create("ORLM", 3, &w));
    assert_orl_ok(orl_container_put_u32(w, "x", 1));
    void *data;
    size_t len;
    assert_orl_ok(orl_container_save_alloc(w, &data, &len));
    orl_container_writer_free(w);
    orl_container_reader *r = NULL;
    assert_int_equal(orl_container_open_buffer(data, len, "ORLM", 2, &r), ORL_E_VERSION);
    assert_non_null(strstr(orl_last_error(), "version 3"));
    assert_non_null(strstr(orl_last_error(), "version 2"));
    assert_orl_ok(orl_container_open_buffer(data, len, "ORLM", 3, &r));
    assert_int_equal(orl_container_version(r), 3);
    orl_container_reader_free(r);
    /* A newer container layout, even with a valid checksum. */
    orl_cf_put32((uint8_t *)data + ORL_CF_OFF_FORMAT_VERSION, ORL_CONTAINER_FORMAT_VERSION + 1);
    reseal(data, len);
    assert_int_equal(orl_container_open_buffer(data, len, "ORLM", 3, &r), ORL_E_VERSION);
    assert_non_null(strstr(orl_last_error(), "container format version 2"));
    orl_free(data);
}

static int count_temp_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp.")) n++;
    closedir(d);
    return n;
}

static void assert_file_equals(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *c = malloc(len + 1);
    assert_int_equal(fread(c, 1, len + 1, f), len);
    fclose(f);
    assert_memory_equal(c, data, len);
    free(c);
}

/* Saving over an existing file: a failure mid-write (the file size limit,
 * or any failed allocation) leaves the old file intact and no temp file. */
static void test_failed_save_keeps_the_old_file(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    char path[512];
    orl_test_tmp_path("atomic.orlm", path, sizeof path);
    uint8_t *old_bytes;
    size_t old_len;
    small_bytes(&old_bytes, &old_len);
    write_file(path, old_bytes, old_len);

    orl_container_writer *w = NULL;
    assert_orl_ok(orl_container_writer_create("ORLM", 1, &w));
    size_t n = 1 << 18; /* 1 MiB of floats */
    float *big = malloc(n * sizeof *big);
    for (size_t i = 0; i < n; i++) big[i] = (float)i;
    assert_orl_ok(orl_container_add_blob_view(w, "big", ORL_DTYPE_F32, big, n));

    /* A real write error partway through: the kernel refuses to grow any
     * file beyond 64 KiB (EFBIG instead of SIGXFSZ). */
    struct rlimit saved, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    lim = saved;
    lim.rlim_cur = 65536;
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int s = orl_container_save_path(w, path);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(s, ORL_E_IO);
    assert_non_null(strstr(orl_last_error(), "atomic.orlm"));
    assert_file_equals(path, old_bytes, old_len);
    assert_int_equal(count_temp_files(ORL_TEST_TMPDIR, "atomic.orlm"), 0);

    for (int64_t k = 0;; k++) {
        orl_alloc_fail_after(k);
        s = orl_container_save_path(w, path);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) break;
        assert_int_equal(s, ORL_E_NOMEM);
        assert_file_equals(path, old_bytes, old_len);
        assert_int_equal(count_temp_files(ORL_TEST_TMPDIR, "atomic.orlm"), 0);
    }
    /* The successful save replaced the file completely. */
    orl_container_reader *r = NULL;
    assert_orl_ok(orl_container_open_path(path, "ORLM", 1, &r));
    orl_blob_view v;
    assert_orl_ok(orl_container_get_blob_typed(r, "big", ORL_DTYPE_F32, n, &v));
    assert_memory_equal(v.data, big, n * sizeof *big);
    orl_container_reader_free(r);
    assert_int_equal(count_temp_files(ORL_TEST_TMPDIR, "atomic.orlm"), 0);

    /* A directory that does not exist. */
    assert_int_equal(orl_container_save_path(w, ORL_TEST_TMPDIR "/no/such/dir/x.orlm"), ORL_E_IO);
    /* A read-only directory (meaningless as root, who may write anyway). */
    if (geteuid() != 0) {
        char dir[512], inside[600];
        orl_test_tmp_path("readonly", dir, sizeof dir);
        mkdir(dir, 0755);
        snprintf(inside, sizeof inside, "%s/m.orlm", dir);
        write_file(inside, old_bytes, old_len);
        chmod(dir, 0555);
        assert_int_equal(orl_container_save_path(w, inside), ORL_E_IO);
        chmod(dir, 0755);
        assert_file_equals(inside, old_bytes, old_len);
    }
    orl_container_writer_free(w);
    free(big);
    orl_free(old_bytes);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_allocation_failures_leak_nothing(void **state)
{
    (void)state;
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t k = 0;; k++) { /* writer construction */
        orl_container_writer *w = NULL;
        orl_alloc_fail_after(k);
        int s = build_small(&w);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            orl_container_writer_free(w);
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_true(failures >= 10);

    uint8_t *bytes;
    size_t len;
    small_bytes(&bytes, &len);
    char path[512];
    orl_test_tmp_path("alloc.orlm", path, sizeof path);
    write_file(path, bytes, len);
    for (int mode = 0; mode < 3; mode++) { /* buffer, view (misaligned: copies), path */
        failures = 0;
        for (int64_t k = 0;; k++) {
            orl_container_reader *r = NULL;
            orl_alloc_fail_after(k);
            int s = mode == 0   ? orl_container_open_buffer(bytes, len, "ORLM", 1, &r)
                    : mode == 1 ? orl_container_open_buffer_view(bytes, len, "ORLM", 1, &r)
                                : orl_container_open_path(path, "ORLM", 1, &r);
            orl_alloc_fail_after(-1);
            if (s == ORL_OK) {
                check_small(r);
                orl_container_reader_free(r);
                break;
            }
            assert_int_equal(s, ORL_E_NOMEM);
            assert_null(r);
            assert_int_equal(orl_alloc_live_blocks(), base + 1); /* just `bytes` */
            failures++;
        }
        assert_true(failures >= 4);
    }
    orl_container_writer *w = NULL;
    assert_orl_ok(build_small(&w));
    for (int64_t k = 0;; k++) {
        void *data = NULL;
        size_t n = 0;
        orl_alloc_fail_after(k);
        int s = orl_container_save_alloc(w, &data, &n);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            assert_memory_equal(data, bytes, len);
            orl_free(data);
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_null(data);
    }
    orl_container_writer_free(w);
    orl_free(bytes);
    assert_int_equal(orl_alloc_live_blocks(), base);
}

static void test_large_file_and_finite_check(void **state)
{
    (void)state;
    size_t n = (size_t)3 << 20; /* 12 MiB of weights */
    float *wts = orl_aligned_alloc(n * sizeof *wts);
    int32_t *ids = orl_aligned_alloc(1000 * sizeof *ids);
    for (size_t i = 0; i < n; i++) wts[i] = (float)(i % 1000) * 1e-3f;
    for (int i = 0; i < 1000; i++) ids[i] = i * 3;
    orl_container_writer *w = NULL;
    assert_orl_ok(orl_container_writer_create("ORLD", 1, &w));
    assert_orl_ok(orl_container_add_blob_view(w, "ids", ORL_DTYPE_I32, ids, 1000));
    assert_orl_ok(orl_container_add_blob_view(w, "weights", ORL_DTYPE_F32, wts, n));
    char path[512];
    orl_test_tmp_path("large.orld", path, sizeof path);
    assert_orl_ok(orl_container_save_path(w, path));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, orl_container_writer_size(w));
    assert_true(st.st_size > 12 * 1000 * 1000);

    orl_container_reader *r = NULL;
    assert_orl_ok(orl_container_open_path(path, "ORLD", 1, &r));
    orl_blob_view v;
    assert_orl_ok(orl_container_get_blob_typed(r, "weights", ORL_DTYPE_F32, n, &v));
    assert_int_equal((uintptr_t)v.data % 64, 0);
    assert_memory_equal(v.data, wts, n * sizeof *wts);
    assert_orl_ok(orl_container_check_finite(r, "weights"));
    orl_container_reader_free(r);

    wts[n - 5] = INFINITY;
    assert_orl_ok(orl_container_save_path(w, path)); /* replaces the file */
    assert_orl_ok(orl_container_open_path(path, "ORLD", 1, &r));
    assert_int_equal(orl_container_check_finite(r, NULL), ORL_E_NUMERIC);
    char want[128];
    snprintf(want, sizeof want, "element %zu is infinite", n - 5);
    assert_non_null(strstr(orl_last_error(), want));
    orl_container_reader_free(r);
    wts[7] = NAN;
    assert_orl_ok(orl_container_save_path(w, path));
    assert_orl_ok(orl_container_open_path(path, "ORLD", 1, &r));
    assert_int_equal(orl_container_check_finite(r, "weights"), ORL_E_NUMERIC);
    assert_non_null(strstr(orl_last_error(), "'weights' element 7 is NaN"));
    orl_container_reader_free(r);
    orl_container_writer_free(w);
    orl_aligned_free(wts);
    orl_aligned_free(ids);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_buffer_and_path),
        cmocka_unit_test(test_lookup_errors),
        cmocka_unit_test(test_writer_rejects_bad_arguments),
        cmocka_unit_test(test_every_truncation_is_a_clean_error),
        cmocka_unit_test(test_every_bit_flip_is_a_clean_error),
        cmocka_unit_test(test_resealed_corruptions_never_crash),
        cmocka_unit_test(test_structural_errors_name_the_problem),
        cmocka_unit_test(test_foreign_files_are_format_errors),
        cmocka_unit_test(test_future_versions_are_version_errors),
        cmocka_unit_test(test_failed_save_keeps_the_old_file),
        cmocka_unit_test(test_allocation_failures_leak_nothing),
        cmocka_unit_test(test_large_file_and_finite_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
