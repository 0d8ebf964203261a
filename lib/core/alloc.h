/* The one allocation wrapper. Tests can make the Nth allocation fail to prove
 * that every failure path returns ORL_E_NOMEM and leaks nothing. */
#ifndef ORL_CORE_ALLOC_H
#define ORL_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *orl_malloc(size_t size);
/* Zeroed; NULL (not overflow) when count * size does not fit. */
void *orl_calloc(size_t count, size_t size);
void *orl_realloc(void *ptr, size_t size);
/* Grows an array of `elem` sized items: NULL on overflow or failure, ptr kept. */
void *orl_realloc_array(void *ptr, size_t count, size_t elem);
void orl_free(void *ptr);
/* 64-byte aligned, for tensors; free with orl_aligned_free. */
void *orl_aligned_alloc(size_t size);
void orl_aligned_free(void *ptr);
char *orl_strdup(const char *s);
char *orl_strndup(const char *s, size_t n);

/* Test hooks. fail_after(n): the n-th allocation from now (0-based) fails,
 * and every later one succeeds; n < 0 disables injection. */
void orl_alloc_fail_after(int64_t n);
/* Allocations refused by injection since start. */
uint64_t orl_alloc_injected_failures(void);
/* Blocks allocated and not yet freed through this wrapper. */
int64_t orl_alloc_live_blocks(void);

/* Convenience: allocation that sets the thread's error on failure. */
#define ORL_ALLOC_OR_FAIL(ptr, expr)                                                               \
    do {                                                                                           \
        (ptr) = (expr);                                                                            \
        if ((ptr) == NULL) return orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);            \
    } while (0)

#endif
