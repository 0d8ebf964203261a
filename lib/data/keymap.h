/* Key dictionary: external keys (64-bit integers or UTF-8 strings) <-> dense
 * ids 0..count-1 in insertion order. A key's identity is its text: the
 * integer 42 and the string "42" are one key, while "042" is a string key.
 * Used for items (the way back from dense ids) and for sessions. */
#ifndef ORL_DATA_KEYMAP_H
#define ORL_DATA_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

/* Longest string key accepted (bytes); longer fields are malformed input. */
#define ORL_KEY_MAX_LEN 4096

typedef struct orl_keymap {
    uint32_t count;  /* keys held; ids are 0..count-1 */
    uint32_t cap;    /* capacity of vals / is_str */
    uint64_t *vals;  /* per id: the int64 key, or the string's arena offset */
    uint8_t *is_str; /* per id: 1 when the key is a string */
    char *arena;     /* NUL-terminated string keys */
    size_t arena_len, arena_cap;
    uint32_t *slots; /* open addressing: id + 1, 0 = empty */
    uint32_t nslots; /* power of two (0 before first insert) */
} orl_keymap;

void orl_keymap_init(orl_keymap *km);
void orl_keymap_free(orl_keymap *km);

/* Find a key: 1 and *out_id when present, else 0. */
int orl_keymap_find_int(const orl_keymap *km, int64_t key, uint32_t *out_id);
int orl_keymap_find_str(const orl_keymap *km, const char *key, size_t len, uint32_t *out_id);
/* Find or insert; ORL_OK, ORL_E_NOMEM, or ORL_E_OUT_OF_RANGE when full (2^32-2 keys).
 * A string key that is a canonical decimal int64 is stored as that integer. */
int orl_keymap_put_int(orl_keymap *km, int64_t key, uint32_t *out_id);
int orl_keymap_put_str(orl_keymap *km, const char *key, size_t len, uint32_t *out_id);
/* Insert without lookup; the caller knows the key is new (rebuilding a map). */
int orl_keymap_append_from(orl_keymap *km, const orl_keymap *src, uint32_t src_id);
/* Forget ids >= n (rollback of a failed load); never allocates. */
void orl_keymap_truncate(orl_keymap *km, uint32_t n);
/* Reserve room for n more keys (so later puts of new keys cannot fail). */
int orl_keymap_reserve(orl_keymap *km, uint32_t n);

/* The key of an id as text (decimal for integers), NUL-terminated into buf;
 * returns the text length (excluding NUL) whatever buf_len is. */
size_t orl_keymap_text(const orl_keymap *km, uint32_t id, char *buf, size_t buf_len);
static inline int orl_keymap_is_str(const orl_keymap *km, uint32_t id)
{
    return km->is_str[id];
}
static inline int64_t orl_keymap_int(const orl_keymap *km, uint32_t id)
{
    return (int64_t)km->vals[id];
}
static inline const char *orl_keymap_str(const orl_keymap *km, uint32_t id)
{
    return km->arena + km->vals[id];
}
/* Parse a canonical decimal int64 ("0", "-12", no '+', no leading zeros). */
int orl_parse_canonical_i64(const char *s, size_t len, int64_t *out);
/* Deep copy (same ids). */
int orl_keymap_copy(orl_keymap *dst, const orl_keymap *src);
/* Bytes owned by the map. */
size_t orl_keymap_bytes(const orl_keymap *km);

#endif
