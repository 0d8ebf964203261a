#include "core/blas.h"

#include <pthread.h>

#include <cblas.h>

#ifndef ORL_BLAS_NAME
#define ORL_BLAS_NAME "cblas"
#endif

/* OpenBLAS's thread control, resolved only when the BLAS provides it. */
extern void openblas_set_num_threads(int) __attribute__((weak));
extern char *openblas_get_corename(void) __attribute__((weak));

const char *orl_blas_core(void)
{
    /* OpenBLAS names the kernels it picked for this CPU: an old OpenBLAS on a newer CPU falls
     * back to "Prescott" (SSE3) kernels, several times slower; hosts should know. */
    const char *name = openblas_get_corename ? openblas_get_corename() : NULL;
    return name ? name : "unknown";
}

const char *orl_blas_name(void)
{
    return ORL_BLAS_NAME;
}

static pthread_once_t single_thread_once = PTHREAD_ONCE_INIT;

static void set_single_thread(void)
{
    if (openblas_set_num_threads) openblas_set_num_threads(1);
}

void orl_blas_use_single_thread(void)
{
    pthread_once(&single_thread_once, set_single_thread);
}

void orl_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
               const float *b, int ldb, float beta, float *c, int ldc)
{
    if (m <= 0 || n <= 0) return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

typedef struct gemm_job {
    int trans_a, trans_b, m, n, k, lda, ldb, ldc, split_rows;
    float alpha, beta;
    const float *a, *b;
    float *c;
} gemm_job;

static void gemm_chunk(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const gemm_job *j = ctx;
    int lo = (int)begin, cnt = (int)(end - begin);
    if (j->split_rows) {
        /* Rows lo.. of C come from rows lo.. of op(A). */
        const float *a = j->trans_a ? j->a + lo : j->a + (size_t)lo * (size_t)j->lda;
        orl_sgemm(j->trans_a, j->trans_b, cnt, j->n, j->k, j->alpha, a, j->lda, j->b, j->ldb,
                  j->beta, j->c + (size_t)lo * (size_t)j->ldc, j->ldc);
    } else {
        /* Columns lo.. of C come from columns lo.. of op(B). */
        const float *b = j->trans_b ? j->b + (size_t)lo * (size_t)j->ldb : j->b + lo;
        orl_sgemm(j->trans_a, j->trans_b, j->m, cnt, j->k, j->alpha, j->a, j->lda, b, j->ldb,
                  j->beta, j->c + lo, j->ldc);
    }
}

void orl_sgemm_pool(orl_pool *pool, int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)
{
    int threads = orl_pool_threads(pool);
    /* Small products are not worth a fork-join (~10 us). */
    if (threads == 1 || (double)m * n * k < 2e5) {
        orl_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    gemm_job job = {trans_a, trans_b, m, n, k, lda, ldb, ldc, m >= n, alpha, beta, a, b, c};
    if (job.split_rows) {
        orl_pool_parallel_for(pool, (size_t)m, gemm_chunk, &job);
    } else {
        orl_pool_parallel_for(pool, (size_t)n, gemm_chunk, &job);
    }
}

void orl_sgemv(int trans_a, int m, int n, float alpha, const float *a, int lda, const float *x,
               float beta, float *y)
{
    cblas_sgemv(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, m, n, alpha, a, lda, x, 1, beta,
                y, 1);
}
