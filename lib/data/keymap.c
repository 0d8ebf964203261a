#include "data/keymap.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static uint64_t hash_str(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
    return mix64(h ^ 0x5bd1e995u);
}

static uint64_t hash_of(const orl_keymap *km, uint32_t id)
{
    if (km->is_str[id]) {
        const char *s = km->arena + km->vals[id];
        return hash_str(s, strlen(s));
    }
    return mix64(km->vals[id]);
}

void orl_keymap_init(orl_keymap *km)
{
    memset(km, 0, sizeof *km);
}

void orl_keymap_free(orl_keymap *km)
{
    orl_free(km->vals);
    orl_free(km->is_str);
    orl_free(km->arena);
    orl_free(km->slots);
    orl_keymap_init(km);
}

size_t orl_keymap_bytes(const orl_keymap *km)
{
    return (size_t)km->cap * 9 + km->arena_cap + (size_t)km->nslots * 4;
}

int orl_parse_canonical_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (len == 0 || len > 20) return 0;
    if (s[0] == '-') {
        neg = 1;
        i = 1;
        if (len == 1) return 0;
    }
    if (s[i] == '0' && (len - i > 1 || neg)) return 0; /* "007", "-0" are strings */
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) return 0;
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return 0;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX) return 0;
        *out = (int64_t)v;
    }
    return 1;
}

/* Place id in the table (no growth). */
static void slot_insert(uint32_t *slots, uint32_t nslots, uint64_t h, uint32_t id)
{
    uint32_t mask = nslots - 1;
    uint32_t i = (uint32_t)h & mask;
    while (slots[i]) i = (i + 1) & mask;
    slots[i] = id + 1;
}

static int grow_slots(orl_keymap *km, uint32_t want_keys)
{
    uint64_t need = (uint64_t)want_keys * 2;
    if (need <= km->nslots) return ORL_OK;
    uint64_t n = km->nslots ? km->nslots : 64;
    while (n < need) n *= 2;
    if (n > (1ull << 31)) return ORL_E_OUT_OF_RANGE; /* at most 2^30 keys */
    uint32_t *s = orl_calloc((size_t)n, sizeof *s);
    if (!s) return ORL_E_NOMEM;
    for (uint32_t id = 0; id < km->count; id++) slot_insert(s, (uint32_t)n, hash_of(km, id), id);
    orl_free(km->slots);
    km->slots = s;
    km->nslots = (uint32_t)n;
    return ORL_OK;
}

static int grow_ids(orl_keymap *km, uint32_t want)
{
    if (want <= km->cap) return ORL_OK;
    if (want >= UINT32_MAX - 1) return ORL_E_OUT_OF_RANGE;
    uint64_t c = km->cap ? (uint64_t)km->cap * 2 : 64;
    while (c < want) c *= 2;
    if (c > UINT32_MAX - 1) c = UINT32_MAX - 1;
    uint64_t *v = orl_realloc_array(km->vals, (size_t)c, sizeof *v);
    if (!v) return ORL_E_NOMEM;
    km->vals = v;
    uint8_t *k = orl_realloc_array(km->is_str, (size_t)c, 1);
    if (!k) return ORL_E_NOMEM;
    km->is_str = k;
    km->cap = (uint32_t)c;
    return ORL_OK;
}

int orl_keymap_reserve(orl_keymap *km, uint32_t n)
{
    if ((uint64_t)km->count + n >= UINT32_MAX - 1) return ORL_E_OUT_OF_RANGE;
    int s = grow_ids(km, km->count + n);
    if (s == ORL_OK) s = grow_slots(km, km->count + n);
    return s;
}

int orl_keymap_find_int(const orl_keymap *km, int64_t key, uint32_t *out_id)
{
    if (!km->nslots) return 0;
    uint32_t mask = km->nslots - 1;
    uint32_t i = (uint32_t)mix64((uint64_t)key) & mask;
    for (;;) {
        uint32_t e = km->slots[i];
        if (!e) return 0;
        if (!km->is_str[e - 1] && km->vals[e - 1] == (uint64_t)key) {
            *out_id = e - 1;
            return 1;
        }
        i = (i + 1) & mask;
    }
}

static int find_str_raw(const orl_keymap *km, const char *key, size_t len, uint64_t h,
                        uint32_t *out_id)
{
    if (!km->nslots) return 0;
    uint32_t mask = km->nslots - 1;
    uint32_t i = (uint32_t)h & mask;
    for (;;) {
        uint32_t e = km->slots[i];
        if (!e) return 0;
        if (km->is_str[e - 1]) {
            const char *s = km->arena + km->vals[e - 1];
            if (memcmp(s, key, len) == 0 && s[len] == '\0') {
                *out_id = e - 1;
                return 1;
            }
        }
        i = (i + 1) & mask;
    }
}

int orl_keymap_find_str(const orl_keymap *km, const char *key, size_t len, uint32_t *out_id)
{
    int64_t v;
    if (orl_parse_canonical_i64(key, len, &v)) return orl_keymap_find_int(km, v, out_id);
    return find_str_raw(km, key, len, hash_str(key, len), out_id);
}

int orl_keymap_put_int(orl_keymap *km, int64_t key, uint32_t *out_id)
{
    if (orl_keymap_find_int(km, key, out_id)) return ORL_OK;
    int s = orl_keymap_reserve(km, 1);
    if (s != ORL_OK) return s;
    uint32_t id = km->count++;
    km->vals[id] = (uint64_t)key;
    km->is_str[id] = 0;
    slot_insert(km->slots, km->nslots, mix64((uint64_t)key), id);
    *out_id = id;
    return ORL_OK;
}

static int arena_add(orl_keymap *km, const char *key, size_t len, uint64_t *out_off)
{
    if (km->arena_len + len + 1 > km->arena_cap) {
        size_t c = km->arena_cap ? km->arena_cap * 2 : 4096;
        while (c < km->arena_len + len + 1) c *= 2;
        char *a = orl_realloc(km->arena, c);
        if (!a) return ORL_E_NOMEM;
        km->arena = a;
        km->arena_cap = c;
    }
    memcpy(km->arena + km->arena_len, key, len);
    km->arena[km->arena_len + len] = '\0';
    *out_off = km->arena_len;
    km->arena_len += len + 1;
    return ORL_OK;
}

int orl_keymap_put_str(orl_keymap *km, const char *key, size_t len, uint32_t *out_id)
{
    int64_t v;
    if (orl_parse_canonical_i64(key, len, &v)) return orl_keymap_put_int(km, v, out_id);
    uint64_t h = hash_str(key, len);
    if (find_str_raw(km, key, len, h, out_id)) return ORL_OK;
    int s = orl_keymap_reserve(km, 1);
    if (s != ORL_OK) return s;
    uint64_t off;
    s = arena_add(km, key, len, &off);
    if (s != ORL_OK) return s;
    uint32_t id = km->count++;
    km->vals[id] = off;
    km->is_str[id] = 1;
    slot_insert(km->slots, km->nslots, h, id);
    *out_id = id;
    return ORL_OK;
}

int orl_keymap_append_from(orl_keymap *km, const orl_keymap *src, uint32_t src_id)
{
    uint32_t id;
    if (src->is_str[src_id]) {
        const char *s = src->arena + src->vals[src_id];
        return orl_keymap_put_str(km, s, strlen(s), &id);
    }
    return orl_keymap_put_int(km, (int64_t)src->vals[src_id], &id);
}

void orl_keymap_truncate(orl_keymap *km, uint32_t n)
{
    if (n >= km->count) return;
    km->count = n;
    /* Strings are appended in id order: the arena ends after the last kept one. */
    size_t end = 0;
    for (uint32_t id = n; id-- > 0;)
        if (km->is_str[id]) {
            end = km->vals[id] + strlen(km->arena + km->vals[id]) + 1;
            break;
        }
    km->arena_len = end;
    if (km->nslots) {
        memset(km->slots, 0, (size_t)km->nslots * sizeof *km->slots);
        for (uint32_t id = 0; id < n; id++) slot_insert(km->slots, km->nslots, hash_of(km, id), id);
    }
}

size_t orl_keymap_text(const orl_keymap *km, uint32_t id, char *buf, size_t buf_len)
{
    char tmp[24];
    const char *s;
    size_t len;
    if (km->is_str[id]) {
        s = km->arena + km->vals[id];
        len = strlen(s);
    } else {
        len = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)(int64_t)km->vals[id]);
        s = tmp;
    }
    if (buf && buf_len) {
        size_t c = len < buf_len - 1 ? len : buf_len - 1;
        memcpy(buf, s, c);
        buf[c] = '\0';
    }
    return len;
}

int orl_keymap_copy(orl_keymap *dst, const orl_keymap *src)
{
    orl_keymap k;
    orl_keymap_init(&k);
    k.count = k.cap = src->count;
    k.nslots = src->nslots;
    k.arena_len = k.arena_cap = src->arena_len;
    k.vals = orl_malloc((size_t)src->count * sizeof *k.vals + 1);
    k.is_str = orl_malloc((size_t)src->count + 1);
    k.arena = orl_malloc(src->arena_len + 1);
    k.slots = orl_malloc((size_t)src->nslots * sizeof *k.slots + 1);
    if (!k.vals || !k.is_str || !k.arena || !k.slots) {
        orl_keymap_free(&k);
        return ORL_E_NOMEM;
    }
    if (src->count) {
        memcpy(k.vals, src->vals, (size_t)src->count * sizeof *k.vals);
        memcpy(k.is_str, src->is_str, src->count);
    }
    if (src->arena_len) memcpy(k.arena, src->arena, src->arena_len);
    if (src->nslots) memcpy(k.slots, src->slots, (size_t)src->nslots * sizeof *k.slots);
    *dst = k;
    return ORL_OK;
}
