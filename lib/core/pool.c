#include "core/pool.h"

#include <pthread.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/blas.h"
#include "core/error.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define ORL_HAVE_MXCSR 1
#endif

enum { ORL_POOL_MAX_THREADS = 256 };

struct orl_pool {
    int n_threads;
    pthread_t *workers;
    struct worker_arg *args; /* owned by the pool, so no block outlives create() unaccounted */
    int started;             /* workers successfully created */
    pthread_mutex_t lock;
    pthread_cond_t work_ready;
    pthread_cond_t work_done;
    unsigned long generation;
    int pending;
    int shutting_down;
    orl_pool_fn fn;
    void *ctx;
    size_t n;
};

typedef struct worker_arg {
    orl_pool *pool;
    int index;
} worker_arg;

unsigned orl_fp_flush_denormals(void)
{
#ifdef ORL_HAVE_MXCSR
    unsigned previous = _mm_getcsr();
    _mm_setcsr(previous | 0x8040); /* FTZ | DAZ */
    return previous;
#else
    return 0;
#endif
}

void orl_fp_restore(unsigned previous)
{
#ifdef ORL_HAVE_MXCSR
    _mm_setcsr(previous);
#else
    (void)previous;
#endif
}

int orl_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > ORL_POOL_MAX_THREADS ? ORL_POOL_MAX_THREADS : (int)n);
}

void orl_pool_chunk(size_t n, int parts, int index, size_t *begin, size_t *end)
{
    size_t base = n / (size_t)parts, extra = n % (size_t)parts;
    size_t i = (size_t)index;
    *begin = i * base + (i < extra ? i : extra);
    *end = *begin + base + (i < extra ? 1 : 0);
}

static void run_chunk(orl_pool *pool, int index)
{
    size_t begin, end;
    orl_pool_chunk(pool->n, pool->n_threads, index, &begin, &end);
    if (begin < end) pool->fn(pool->ctx, begin, end, index);
}

static void *worker_main(void *arg)
{
    worker_arg wa = *(worker_arg *)arg;
    orl_pool *pool = wa.pool;
    orl_fp_flush_denormals();
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->shutting_down && pool->generation == seen)
            pthread_cond_wait(&pool->work_ready, &pool->lock);
        if (pool->shutting_down) break;
        seen = pool->generation;
        pthread_mutex_unlock(&pool->lock);
        run_chunk(pool, wa.index);
        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0) pthread_cond_signal(&pool->work_done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

int orl_pool_create(int n_threads, orl_pool **out)
{
    if (!out) return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_pool_create: out is NULL");
    if (n_threads < 0 || n_threads > ORL_POOL_MAX_THREADS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "thread count %d is outside [0, %d]", n_threads,
                        ORL_POOL_MAX_THREADS);
    orl_blas_use_single_thread();
    orl_pool *pool = orl_calloc(1, sizeof *pool);
    if (!pool) return orl_fail(ORL_E_NOMEM, "out of memory creating a thread pool");
    pool->n_threads = n_threads == 0 ? orl_cpu_count() : n_threads;
    if (pool->n_threads > 1) {
        pool->workers = orl_calloc((size_t)pool->n_threads, sizeof *pool->workers);
        pool->args = orl_calloc((size_t)pool->n_threads, sizeof *pool->args);
        if (!pool->workers || !pool->args) {
            orl_free(pool->workers);
            orl_free(pool->args);
            orl_free(pool);
            return orl_fail(ORL_E_NOMEM, "out of memory creating a thread pool");
        }
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work_ready, NULL);
    pthread_cond_init(&pool->work_done, NULL);
    for (int i = 1; i < pool->n_threads; i++) {
        worker_arg *wa = &pool->args[i];
        wa->pool = pool;
        wa->index = i;
        if (pthread_create(&pool->workers[i], NULL, worker_main, wa) != 0) {
            orl_pool_free(pool);
            return orl_fail(ORL_E_THREAD, "cannot start worker thread %d", i);
        }
        pool->started = i;
    }
    *out = pool;
    return ORL_OK;
}

void orl_pool_free(orl_pool *pool)
{
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->shutting_down = 1;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i <= pool->started; i++) pthread_join(pool->workers[i], NULL);
    pthread_cond_destroy(&pool->work_done);
    pthread_cond_destroy(&pool->work_ready);
    pthread_mutex_destroy(&pool->lock);
    orl_free(pool->workers);
    orl_free(pool->args);
    orl_free(pool);
}

int orl_pool_threads(const orl_pool *pool)
{
    return pool ? pool->n_threads : 1;
}

void orl_pool_parallel_for(orl_pool *pool, size_t n, orl_pool_fn fn, void *ctx)
{
    if (n == 0) return;
    if (!pool || pool->n_threads == 1 || n == 1) {
        unsigned fp = orl_fp_flush_denormals();
        fn(ctx, 0, n, 0);
        orl_fp_restore(fp);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    pool->pending = pool->n_threads - 1;
    pool->generation++;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->lock);

    unsigned fp = orl_fp_flush_denormals();
    run_chunk(pool, 0);
    orl_fp_restore(fp);

    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0) pthread_cond_wait(&pool->work_done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
