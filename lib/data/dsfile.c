#include "data/dsfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"

static _Atomic unsigned tmp_counter; /* names the temporary files of saves */

#define DSF_MAGIC "ORLDSET"
enum { DSF_VERSION = 1, DSF_HEADER = 256, DSF_NSEC = 10, DSF_ALIGN = 64 };
enum {
    SEC_ITEM,
    SEC_TIME,
    SEC_CODE,
    SEC_REWARD,
    SEC_PROP,
    SEC_OFF,
    SEC_KEY,
    SEC_TYPES,
    SEC_ITEMKEYS,
    SEC_SESSKEYS
};

typedef struct dsf_header {
    char magic[8];
    uint32_t version, header_size;
    uint64_t file_size, n_events, n_sessions;
    uint32_t n_items, n_types, flags, window;
    uint32_t min_session_len, min_item_count;
    int32_t iterate_filters, item_order;
    int64_t session_gap;
    uint64_t sec[DSF_NSEC][2];
    /* Displays (flag 4; 0.2.0): offset and length of the display table, which
     * follows every other section. Zero in older files, which readers of
     * 0.1.0 ignore along with the flag. */
    uint64_t disp_sec[2];
} dsf_header;

_Static_assert(sizeof(dsf_header) <= DSF_HEADER, "header fits");

void orl_dsfile_unmap(void *base, size_t len)
{
    if (base) munmap(base, len);
}

static int little_endian(void)
{
    const uint16_t x = 1;
    return *(const uint8_t *)&x == 1;
}

/* ---------------------------------------------------------------- saving */

typedef struct wr {
    FILE *f;
    uint64_t off;
    uLong crc;
    int err;
} wr;

static void put(wr *w, const void *p, size_t n)
{
    if (w->err || n == 0) return;
    if (fwrite(p, 1, n, w->f) != n) w->err = 1;
    /* crc32 takes uInt lengths: feed in chunks */
    const unsigned char *b = p;
    size_t left = n;
    while (left) {
        uInt c = left > (1u << 30) ? (1u << 30) : (uInt)left;
        w->crc = crc32(w->crc, b, c);
        b += c;
        left -= c;
    }
    w->off += n;
}

static void pad(wr *w)
{
    static const char zeros[DSF_ALIGN] = {0};
    size_t r = (size_t)(w->off % DSF_ALIGN);
    if (r) put(w, zeros, DSF_ALIGN - r);
}

static void put_cb(void *ctx, const void *p, size_t n)
{
    put(ctx, p, n);
}

static uint64_t keymap_blob_len(const orl_keymap *km)
{
    return 4 + (uint64_t)km->count * 9 + 8 + km->arena_len;
}

static void put_keymap(wr *w, const orl_keymap *km)
{
    uint32_t c = km->count;
    uint64_t al = km->arena_len;
    put(w, &c, 4);
    put(w, km->is_str, c);
    put(w, km->vals, (size_t)c * 8);
    put(w, &al, 8);
    put(w, km->arena, (size_t)al);
}

static uint64_t types_blob_len(const orl_event_table *t)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < t->count; i++) n += 4 + 1 + 2 + strlen(t->types[i].name);
    return n;
}

static void put_types(wr *w, const orl_event_table *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        uint16_t len = (uint16_t)strlen(t->types[i].name);
        put(w, &t->types[i].reward, 4);
        put(w, &t->types[i].is_purchase, 1);
        put(w, &len, 2);
        put(w, t->types[i].name, len);
    }
}

int orl_dsfile_save(const orl_dataset *ds, const char *path)
{
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "save: the dataset is not finalized");
    if (!little_endian()) return orl_fail(ORL_E_UNSUPPORTED, "save: big-endian hosts");
    const uint64_t n = ds->n, S = ds->n_sessions;
    uint64_t len[DSF_NSEC] = {n * 4,
                              n * 8,
                              n * 2,
                              ds->ev_reward ? n * 4 : 0,
                              ds->ev_prop ? n * 4 : 0,
                              (S + 1) * 8,
                              S * 4,
                              types_blob_len(&ds->types),
                              keymap_blob_len(&ds->items),
                              keymap_blob_len(&ds->sessions)};
    dsf_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, DSF_MAGIC, 8);
    h.version = DSF_VERSION;
    h.header_size = DSF_HEADER;
    h.n_events = n;
    h.n_sessions = S;
    h.n_items = ds->n_items;
    h.n_types = ds->types.count;
    h.flags = (ds->ev_reward ? 1u : 0u) | (ds->ev_prop ? 2u : 0u) | (ds->disp.n ? 4u : 0u);
    h.window = ds->params.window;
    h.min_session_len = ds->params.min_session_len;
    h.min_item_count = ds->params.min_item_count;
    h.iterate_filters = ds->params.iterate_filters;
    h.item_order = ds->params.item_order;
    h.session_gap = ds->params.session_gap;
    uint64_t off = DSF_HEADER;
    for (int k = 0; k < DSF_NSEC; k++) {
        off = (off + DSF_ALIGN - 1) / DSF_ALIGN * DSF_ALIGN;
        h.sec[k][0] = off;
        h.sec[k][1] = len[k];
        off += len[k];
    }
    if (ds->disp.n) {
        off = (off + DSF_ALIGN - 1) / DSF_ALIGN * DSF_ALIGN;
        h.disp_sec[0] = off;
        h.disp_sec[1] = orl_displays_blob_len(&ds->disp);
        off += h.disp_sec[1];
    }
    h.file_size = off + 4;

    size_t plen = strlen(path);
    char *tmp = orl_malloc(plen + 48);
    if (!tmp) return orl_fail(ORL_E_NOMEM, "save: out of memory");
    /* A temporary file of our own (unique per call, created exclusively):
     * concurrent saves to one path must not write into the same file. */
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, plen + 48, "%s.tmp%ld.%u", path, (long)getpid(),
                 atomic_fetch_add(&tmp_counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST && errno != EINTR) break;
    }
    wr w = {fd >= 0 ? fdopen(fd, "wb") : NULL, 0, crc32(0, NULL, 0), 0};
    if (!w.f) {
        int s = orl_fail(ORL_E_IO, "save: cannot create %s: %s", tmp, strerror(errno));
        if (fd >= 0) {
            close(fd);
            remove(tmp);
        }
        orl_free(tmp);
        return s;
    }
    char hbuf[DSF_HEADER];
    memset(hbuf, 0, sizeof hbuf);
    memcpy(hbuf, &h, sizeof h);
    put(&w, hbuf, sizeof hbuf);
    const void *arrays[7] = {ds->ev_item, ds->ev_time,  ds->ev_code, ds->ev_reward,
                             ds->ev_prop, ds->sess_off, ds->sess_key};
    for (int k = 0; k < 7; k++) {
        pad(&w);
        put(&w, arrays[k], (size_t)len[k]);
    }
    pad(&w);
    put_types(&w, &ds->types);
    pad(&w);
    put_keymap(&w, &ds->items);
    pad(&w);
    put_keymap(&w, &ds->sessions);
    if (ds->disp.n) {
        pad(&w);
        orl_displays_blob_write(&ds->disp, put_cb, &w);
    }
    uint32_t crc = (uint32_t)w.crc;
    if (!w.err && fwrite(&crc, 1, 4, w.f) != 4) w.err = 1;
    if (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0) w.err = 1;
    if (fclose(w.f) != 0) w.err = 1;
    int s = ORL_OK;
    if (w.err || w.off + 4 != h.file_size)
        s = orl_fail(ORL_E_IO, "save: writing %s failed: %s", tmp, strerror(errno));
    else if (rename(tmp, path) != 0)
        s = orl_fail(ORL_E_IO, "save: cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (s != ORL_OK) remove(tmp);
    orl_free(tmp);
    return s;
}

/* ---------------------------------------------------------------- loading */

static int bad(const char *path, const char *what)
{
    return orl_fail(ORL_E_FORMAT, "%s: not a valid dataset file: %s", path, what);
}

static int load_keymap(const char *path, const uint8_t *p, uint64_t len, orl_keymap *km)
{
    if (len < 12) return bad(path, "key table too short");
    uint32_t c;
    memcpy(&c, p, 4);
    if ((uint64_t)c * 9 + 12 > len) return bad(path, "key table sizes");
    const uint8_t *is_str = p + 4;
    const uint8_t *vals = p + 4 + c;
    uint64_t al;
    memcpy(&al, vals + (size_t)c * 8, 8);
    if (4 + (uint64_t)c * 9 + 8 + al != len) return bad(path, "key table sizes");
    const char *arena = (const char *)vals + (size_t)c * 8 + 8;
    if (al && arena[al - 1] != '\0') return bad(path, "key strings not terminated");
    int s = orl_keymap_reserve(km, c);
    if (s != ORL_OK) return orl_fail(s, "%s: out of memory reading keys", path);
    for (uint32_t i = 0; i < c; i++) {
        uint64_t v;
        uint32_t id;
        memcpy(&v, vals + (size_t)i * 8, 8);
        if (is_str[i] > 1) return bad(path, "key kind");
        if (is_str[i]) {
            if (v >= al) return bad(path, "key string offset");
            const char *k = arena + v;
            size_t kl = strlen(k);
            if (kl == 0 || kl > ORL_KEY_MAX_LEN) return bad(path, "key string length");
            s = orl_keymap_put_str(km, k, kl, &id);
        } else {
            s = orl_keymap_put_int(km, (int64_t)v, &id);
        }
        if (s != ORL_OK) return orl_fail(s, "%s: out of memory reading keys", path);
        if (id != i) return bad(path, "duplicate keys");
    }
    return ORL_OK;
}

static int load_types(const char *path, const uint8_t *p, uint64_t len, uint32_t n,
                      orl_event_table *t)
{
    uint64_t o = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (o + 7 > len) return bad(path, "event type table");
        float r;
        uint8_t pur;
        uint16_t nl;
        memcpy(&r, p + o, 4);
        memcpy(&pur, p + o + 4, 1);
        memcpy(&nl, p + o + 5, 2);
        o += 7;
        if (o + nl > len || nl == 0 || memchr(p + o, '\0', nl) || pur > 1 || !isfinite(r))
            return bad(path, "event type entry");
        int32_t code;
        int s = orl_event_table_get(t, (const char *)p + o, nl, &code);
        if (s != ORL_OK) return s;
        if ((uint32_t)code != i) return bad(path, "duplicate event types");
        t->types[i].reward = r;
        t->types[i].is_purchase = pur;
        o += nl;
    }
    if (o != len) return bad(path, "event type table size");
    return ORL_OK;
}

static int validate(const char *path, const uint8_t *base, const dsf_header *h, uint64_t size)
{
    if (h->header_size != DSF_HEADER || h->file_size != size) return bad(path, "header sizes");
    const uint64_t n = h->n_events, S = h->n_sessions;
    if (n > size || S > size || h->n_types > ORL_MAX_EVENT_TYPES || (h->n_types == 0 && n))
        return bad(path, "counts");
    uint64_t want[7] = {
        n * 4,       n * 8, n * 2, (h->flags & 1) ? n * 4 : 0, (h->flags & 2) ? n * 4 : 0,
        (S + 1) * 8, S * 4};
    uint64_t prev_end = DSF_HEADER;
    for (int k = 0; k < DSF_NSEC; k++) {
        uint64_t o = h->sec[k][0], l = h->sec[k][1];
        if (o % DSF_ALIGN || o < prev_end || o > size - 4 || l > size - 4 - o)
            return bad(path, "section table");
        if (k < 7 && l != want[k]) return bad(path, "section sizes");
        prev_end = o + l;
    }
    if (h->flags & 4) {
        uint64_t o = h->disp_sec[0], l = h->disp_sec[1];
        if (o % DSF_ALIGN || o < prev_end || o > size - 4 || l > size - 4 - o)
            return bad(path, "display section");
    } else if (h->disp_sec[0] || h->disp_sec[1]) {
        return bad(path, "display section without its flag");
    }
    const int32_t *items = (const int32_t *)(base + h->sec[SEC_ITEM][0]);
    const uint16_t *codes = (const uint16_t *)(base + h->sec[SEC_CODE][0]);
    const uint64_t *off = (const uint64_t *)(base + h->sec[SEC_OFF][0]);
    for (uint64_t i = 0; i < n; i++)
        if (items[i] < 0 || (uint32_t)items[i] >= h->n_items || codes[i] >= h->n_types)
            return bad(path, "event out of range");
    if (off[0] != 0 || off[S] != n) return bad(path, "session offsets");
    for (uint64_t s = 0; s < S; s++)
        if (off[s + 1] <= off[s]) return bad(path, "session offsets");
    if ((h->flags & 2)) {
        const float *pr = (const float *)(base + h->sec[SEC_PROP][0]);
        for (uint64_t i = 0; i < n; i++)
            if (!isnan(pr[i]) && !(pr[i] > 0 && pr[i] <= 1)) return bad(path, "propensity");
    }
    if ((h->flags & 1)) {
        const float *r = (const float *)(base + h->sec[SEC_REWARD][0]);
        for (uint64_t i = 0; i < n; i++)
            if (isinf(r[i])) return bad(path, "reward");
    }
    return ORL_OK;
}

int orl_dsfile_load(const char *path, orl_dataset **out)
{
    if (!little_endian()) return orl_fail(ORL_E_UNSUPPORTED, "load: big-endian hosts");
    int fd = open(path, O_RDONLY);
    if (fd < 0) return orl_fail_open(path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return orl_fail(ORL_E_IO, "cannot stat %s: %s", path, strerror(errno));
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < 8) {
        close(fd);
        return size == 0 ? orl_fail(ORL_E_TRUNCATED, "%s: empty file", path)
                         : bad(path, "too short");
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return orl_fail(ORL_E_IO, "cannot map %s: %s", path, strerror(errno));
    const uint8_t *base = map;
    int s = ORL_OK;
    dsf_header h;
    orl_dataset *ds = NULL;
    if (memcmp(base, DSF_MAGIC, 8) != 0) {
        s = bad(path, "wrong magic number");
    } else if (size < DSF_HEADER + 4) {
        s = orl_fail(ORL_E_TRUNCATED, "%s: file ends inside the header", path);
    } else {
        memcpy(&h, base, sizeof h);
        if (h.version != DSF_VERSION)
            s = orl_fail(ORL_E_VERSION, "%s: dataset file version %u, this library reads %u", path,
                         h.version, DSF_VERSION);
        else if (h.file_size > size)
            s = orl_fail(ORL_E_TRUNCATED, "%s: file has %llu bytes, header says %llu", path,
                         (unsigned long long)size, (unsigned long long)h.file_size);
    }
    if (s == ORL_OK) {
        uLong crc = crc32(0, NULL, 0);
        for (uint64_t o = 0; o < size - 4;) {
            uInt c = size - 4 - o > (1u << 30) ? (1u << 30) : (uInt)(size - 4 - o);
            crc = crc32(crc, base + o, c);
            o += c;
        }
        uint32_t stored;
        memcpy(&stored, base + size - 4, 4);
        if (stored != (uint32_t)crc)
            s = orl_fail(ORL_E_CHECKSUM, "%s: checksum mismatch (corrupted file)", path);
    }
    if (s == ORL_OK) s = validate(path, base, &h, size);
    if (s == ORL_OK) {
        orl_dataset_params p;
        orl_dataset_params_defaults(&p);
        p.window = h.window;
        p.min_session_len = h.min_session_len;
        p.min_item_count = h.min_item_count;
        p.iterate_filters = h.iterate_filters;
        p.item_order = h.item_order;
        p.session_gap = h.session_gap;
        s = orl_dataset_new(&p, &ds);
        if (s != ORL_OK && s != ORL_E_NOMEM) s = bad(path, "settings");
    }
    if (s == ORL_OK)
        s = load_types(path, base + h.sec[SEC_TYPES][0], h.sec[SEC_TYPES][1], h.n_types,
                       &ds->types);
    if (s == ORL_OK)
        s = load_keymap(path, base + h.sec[SEC_ITEMKEYS][0], h.sec[SEC_ITEMKEYS][1], &ds->items);
    if (s == ORL_OK && ds->items.count != h.n_items) s = bad(path, "item count");
    if (s == ORL_OK)
        s = load_keymap(path, base + h.sec[SEC_SESSKEYS][0], h.sec[SEC_SESSKEYS][1], &ds->sessions);
    if (s == ORL_OK) {
        const uint32_t *keys = (const uint32_t *)(base + h.sec[SEC_KEY][0]);
        for (uint64_t i = 0; i < h.n_sessions && s == ORL_OK; i++)
            if (keys[i] >= ds->sessions.count) s = bad(path, "session key id");
    }
    orl_displays disp;
    memset(&disp, 0, sizeof disp);
    if (s == ORL_OK) {
        ds->sess_key = orl_malloc((size_t)h.n_sessions * 4 + 1);
        if (!ds->sess_key) s = orl_fail(ORL_E_NOMEM, "%s: out of memory", path);
    }
    if (s == ORL_OK && (h.flags & 4)) {
        /* the display checks read the events: a temporary view of them */
        ds->ev_item = (int32_t *)(base + h.sec[SEC_ITEM][0]);
        ds->sess_off = (uint64_t *)(base + h.sec[SEC_OFF][0]);
        ds->n_sessions = h.n_sessions;
        ds->n_items = h.n_items;
        s = orl_displays_blob_read(path, base + h.disp_sec[0], h.disp_sec[1], ds, &disp);
        ds->ev_item = NULL;
        ds->sess_off = NULL;
    }
    if (s != ORL_OK) {
        orl_dataset_delete(ds);
        munmap(map, (size_t)size);
        return s;
    }
    ds->disp = disp;
    memcpy(ds->sess_key, base + h.sec[SEC_KEY][0], (size_t)h.n_sessions * 4);
    ds->map_base = map;
    ds->map_len = (size_t)size;
    ds->ev_item = (int32_t *)(base + h.sec[SEC_ITEM][0]);
    ds->ev_time = (int64_t *)(base + h.sec[SEC_TIME][0]);
    ds->ev_code = (uint16_t *)(base + h.sec[SEC_CODE][0]);
    ds->ev_reward = (h.flags & 1) ? (float *)(base + h.sec[SEC_REWARD][0]) : NULL;
    ds->ev_prop = (h.flags & 2) ? (float *)(base + h.sec[SEC_PROP][0]) : NULL;
    ds->sess_off = (uint64_t *)(base + h.sec[SEC_OFF][0]);
    ds->n = ds->cap = h.n_events;
    ds->n_sessions = h.n_sessions;
    ds->n_items = h.n_items;
    ds->finalized = 1;
    if (orl_dataset_build_pos(ds) != ORL_OK) {
        orl_dataset_delete(ds); /* unmaps */
        return ORL_E_NOMEM;
    }
    *out = ds;
    return ORL_OK;
}
