/* XXH64 against the reference vectors of the xxHash specification. */
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/checksum.h"
#include "core/rng.h"
#include "test_support.h"

#define PRIME32 2654435761U

/* The sanity buffer of the reference implementation's self-test. */
static void sanity_buffer(uint8_t *buf, size_t n)
{
    uint32_t gen = PRIME32;
    for (size_t i = 0; i < n; i++) {
        buf[i] = (uint8_t)(gen >> 24);
        gen *= gen;
    }
}

static void test_reference_vectors(void **state)
{
    (void)state;
    uint8_t buf[101];
    sanity_buffer(buf, sizeof buf);
    assert_true(orl_xxh64(NULL, 0, 0) == 0xEF46DB3751D8E999ULL);
    assert_true(orl_xxh64(NULL, 0, PRIME32) == 0xAC75FDA2929B17EFULL);
    assert_true(orl_xxh64(buf, 1, 0) == 0x4FCE394CC88952D8ULL);
    assert_true(orl_xxh64(buf, 1, PRIME32) == 0x739840CB819FA723ULL);
    assert_true(orl_xxh64(buf, 14, 0) == 0xCFFA8DB881BC3A3DULL);
    assert_true(orl_xxh64(buf, 14, PRIME32) == 0x5B9611585EFCC9CBULL);
    assert_true(orl_xxh64(buf, 101, 0) == 0x0EAB543384F878ADULL);
    assert_true(orl_xxh64(buf, 101, PRIME32) == 0xCAA65939306F1E21ULL);
    assert_true(orl_xxh64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
    assert_true(orl_xxh64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
    const char *s = "Nobody inspects the spammish repetition"; /* 39 bytes: stripes + tail */
    assert_true(orl_xxh64(s, strlen(s), 0) == 0xFBCEA83C8A378BF1ULL);
}

/* Every split of a buffer into pieces gives the one-shot digest. */
static void test_streaming_matches_one_shot(void **state)
{
    (void)state;
    uint8_t buf[300];
    orl_rng rng;
    orl_rng_init(&rng, 7, 0);
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)orl_rng_next(&rng);
    for (size_t len = 0; len <= sizeof buf; len += 13) {
        uint64_t want = orl_xxh64(buf, len, 42);
        for (size_t piece = 1; piece <= 70; piece += 3) {
            orl_xxh64_state st;
            orl_xxh64_init(&st, 42);
            for (size_t off = 0; off < len; off += piece)
                orl_xxh64_update(&st, buf + off, off + piece > len ? len - off : piece);
            assert_true(orl_xxh64_digest(&st) == want);
        }
    }
}

static void test_every_bit_flip_changes_the_hash(void **state)
{
    (void)state;
    uint8_t buf[100];
    sanity_buffer(buf, sizeof buf);
    uint64_t h = orl_xxh64(buf, sizeof buf, 0);
    for (size_t i = 0; i < sizeof buf * 8; i++) {
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
        assert_true(orl_xxh64(buf, sizeof buf, 0) != h);
        buf[i / 8] ^= (uint8_t)(1u << (i % 8));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_vectors),
        cmocka_unit_test(test_streaming_matches_one_shot),
        cmocka_unit_test(test_every_bit_flip_changes_the_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
