#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic int64_t fail_countdown = -1;
static _Atomic uint64_t injected = 0;
static _Atomic int64_t live_blocks = 0;

/* True when this allocation must be refused by the test hook. */
static int inject_failure(void)
{
    int64_t n = atomic_load_explicit(&fail_countdown, memory_order_relaxed);
    if (n < 0) return 0;
    n = atomic_fetch_sub(&fail_countdown, 1);
    if (n == 0) {
        atomic_fetch_add(&injected, 1);
        return 1;
    }
    if (n < 0) atomic_store(&fail_countdown, -1);
    return 0;
}

void orl_alloc_fail_after(int64_t n)
{
    atomic_store(&fail_countdown, n < 0 ? -1 : n);
}

uint64_t orl_alloc_injected_failures(void)
{
    return atomic_load(&injected);
}

int64_t orl_alloc_live_blocks(void)
{
    return atomic_load(&live_blocks);
}

void *orl_malloc(size_t size)
{
    if (inject_failure()) return NULL;
    void *p = malloc(size ? size : 1);
    if (p) atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
    return p;
}

void *orl_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    if (inject_failure()) return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p) atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
    return p;
}

void *orl_realloc(void *ptr, size_t size)
{
    if (inject_failure()) return NULL;
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr) atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
    return p;
}

void *orl_realloc_array(void *ptr, size_t count, size_t elem)
{
    if (elem && count > SIZE_MAX / elem) return NULL;
    return orl_realloc(ptr, count * elem);
}

void orl_free(void *ptr)
{
    if (!ptr) return;
    atomic_fetch_sub_explicit(&live_blocks, 1, memory_order_relaxed);
    free(ptr);
}

void *orl_aligned_alloc(size_t size)
{
    if (inject_failure()) return NULL;
    void *p = NULL;
    size_t rounded = (size + 63) & ~(size_t)63;
    if (rounded < size || posix_memalign(&p, 64, rounded ? rounded : 64) != 0) return NULL;
    atomic_fetch_add_explicit(&live_blocks, 1, memory_order_relaxed);
    return p;
}

void orl_aligned_free(void *ptr)
{
    orl_free(ptr);
}

char *orl_strndup(const char *s, size_t n)
{
    char *d = orl_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *orl_strdup(const char *s)
{
    return orl_strndup(s, strlen(s));
}
