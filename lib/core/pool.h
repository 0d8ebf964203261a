/* A fork-join pool of pthreads owned by one handle. The calling thread takes
 * part, so a pool of n threads starts n - 1 workers. Work is split into
 * contiguous, deterministic chunks: chunk k always goes to thread k, so results
 * do not depend on scheduling. BLAS is kept single-threaded (see blas.h) so that
 * the pool alone owns the cores. */
#ifndef ORL_CORE_POOL_H
#define ORL_CORE_POOL_H

#include <stddef.h>

typedef struct orl_pool orl_pool;

/* fn(ctx, begin, end, thread_index) processes items [begin, end). */
typedef void (*orl_pool_fn)(void *ctx, size_t begin, size_t end, int thread_index);

/* Number of online cores (at least 1). */
int orl_cpu_count(void);
/* n_threads: 0 = all cores; capped at 256. Returns ORL_OK or an error. */
int orl_pool_create(int n_threads, orl_pool **out);
void orl_pool_free(orl_pool *pool);
int orl_pool_threads(const orl_pool *pool);
/* Split [0, n) into pool_threads chunks and run them; returns when all are done.
 * Not reentrant: one parallel_for at a time per pool. A NULL pool runs inline. */
void orl_pool_parallel_for(orl_pool *pool, size_t n, orl_pool_fn fn, void *ctx);
/* The [begin, end) of chunk `index` of `parts` over n items. */
void orl_pool_chunk(size_t n, int parts, int index, size_t *begin, size_t *end);

/* Flush denormals to zero in the current thread; returns the previous state
 * for orl_fp_restore. Workers run with it on: denormal exp() outputs made
 * softmax several times slower in the reference. */
unsigned orl_fp_flush_denormals(void);
void orl_fp_restore(unsigned previous);

#endif
