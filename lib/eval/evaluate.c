#include "eval/evaluate.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/transitions.h"

#define ORL_EVAL_DEFAULT_BATCH 256u
#define ORL_EVAL_SCORE_BUDGET  ((size_t)64 << 20)

void orl_eval_options_init(orl_eval_options *opt)
{
    if (opt) memset(opt, 0, sizeof *opt);
}

typedef struct eval_worker {
    orl_batch batch;
    float *scores;
    uint64_t *ids;
    orl_eval_accum acc;
    int status;
    char message[512]; /* the worker thread's error text, for the caller */
} eval_worker;

typedef struct eval_job {
    const orl_dataset *ds;
    const uint64_t *subset; /* NULL: transition i is id i */
    size_t batch_size;
    uint32_t n_items;
    orl_eval_score_fn score;
    void *score_ctx;
    eval_worker *workers;
    atomic_int failed; /* stop everyone early after a failure */
} eval_job;

static int eval_batch(eval_job *job, eval_worker *w, size_t begin, size_t n)
{
    for (size_t i = 0; i < n; i++) w->ids[i] = job->subset ? job->subset[begin + i] : begin + i;
    ORL_TRY(orl_dataset_fill_batch(job->ds, w->ids, n, &w->batch));
    ORL_TRY(job->score(job->score_ctx, w->batch.states, w->batch.state_len, n, w->scores));
    return orl_eval_accumulate(&w->acc, w->scores, n, job->n_items, w->batch.actions,
                               w->batch.is_purchase);
}

static void eval_range(void *ctx, size_t begin, size_t end, int thread_index)
{
    eval_job *job = ctx;
    eval_worker *w = &job->workers[thread_index];
    for (size_t b = begin; b < end; b += job->batch_size) {
        if (atomic_load_explicit(&job->failed, memory_order_relaxed)) return;
        size_t n = end - b < job->batch_size ? end - b : job->batch_size;
        int s = eval_batch(job, w, b, n);
        if (s != ORL_OK) {
            w->status = s;
            snprintf(w->message, sizeof w->message, "%s", orl_last_error());
            atomic_store(&job->failed, 1);
            return;
        }
    }
}

static void free_workers(eval_worker *w, int n)
{
    if (!w) return;
    for (int i = 0; i < n; i++) {
        orl_batch_free(&w[i].batch);
        orl_aligned_free(w[i].scores);
        orl_free(w[i].ids);
    }
    orl_free(w);
}

static int alloc_workers(int n, size_t batch_size, uint32_t window, uint32_t n_items,
                         eval_worker **out)
{
    eval_worker *w = orl_calloc((size_t)n, sizeof *w);
    if (!w) return orl_fail(ORL_E_NOMEM, "out of memory for evaluation workers");
    for (int i = 0; i < n; i++) {
        int s = orl_batch_init(&w[i].batch, batch_size, window);
        if (s != ORL_OK) {
            free_workers(w, n);
            return s;
        }
        w[i].scores = orl_aligned_alloc(batch_size * (size_t)n_items * sizeof(float));
        w[i].ids = orl_malloc(batch_size * sizeof *w[i].ids);
        if (!w[i].scores || !w[i].ids) {
            free_workers(w, n);
            return orl_fail(ORL_E_NOMEM, "out of memory for evaluation scratch (%zu x %u scores)",
                            batch_size, n_items);
        }
        orl_eval_accum_init(&w[i].acc);
    }
    *out = w;
    return ORL_OK;
}

int orl_eval_run(const orl_dataset *ds, const orl_eval_options *opt, orl_eval_score_fn score,
                 void *score_ctx, orl_pool *pool, orl_eval_metrics *out)
{
    ORL_CHECK_NOT_NULL(ds);
    ORL_CHECK_NOT_NULL(score);
    ORL_CHECK_NOT_NULL(out);
    orl_eval_options defaults;
    orl_eval_options_init(&defaults);
    if (!opt) opt = &defaults;
    uint64_t total = orl_dataset_transition_count(ds);
    uint32_t window = orl_dataset_window(ds);
    if (total == 0)
        return orl_fail(ORL_E_STATE, "evaluation needs a finalized dataset with events");
    uint32_t n_items = opt->n_items ? opt->n_items : orl_dataset_item_count(ds);
    if (n_items == 0) return orl_fail(ORL_E_INVALID_ARGUMENT, "evaluation over 0 items");
    uint64_t n = total;
    if (opt->transition_ids) {
        n = opt->n_transitions;
        for (uint64_t i = 0; i < n; i++)
            if (opt->transition_ids[i] >= total)
                return orl_fail(
                    ORL_E_OUT_OF_RANGE, "evaluation transition id %llu is not below the count %llu",
                    (unsigned long long)opt->transition_ids[i], (unsigned long long)total);
    } else if (opt->n_transitions != 0) {
        return orl_fail(ORL_E_INVALID_ARGUMENT, "n_transitions given without transition_ids");
    }
    if (n > SIZE_MAX) return orl_fail(ORL_E_OUT_OF_RANGE, "too many transitions");
    size_t row = (size_t)n_items * sizeof(float);
    size_t bs = opt->batch_size;
    if (bs == 0) {
        bs = ORL_EVAL_SCORE_BUDGET / row;
        if (bs > ORL_EVAL_DEFAULT_BATCH) bs = ORL_EVAL_DEFAULT_BATCH;
        if (bs == 0) bs = 1;
    }
    int workers = pool ? orl_pool_threads(pool) : 1;
    /* No scratch beyond one thread's share of the work. */
    uint64_t share = (n + (uint64_t)workers - 1) / (uint64_t)workers;
    if (share == 0) share = 1;
    if (bs > share) bs = (size_t)share;
    if (bs > SIZE_MAX / row) return orl_fail(ORL_E_OUT_OF_RANGE, "evaluation batch too large");

    eval_job job = {.ds = ds,
                    .subset = opt->transition_ids,
                    .batch_size = bs,
                    .n_items = n_items,
                    .score = score,
                    .score_ctx = score_ctx};
    atomic_init(&job.failed, 0);
    ORL_TRY(alloc_workers(workers, bs, window, n_items, &job.workers));
    orl_pool_parallel_for(pool, (size_t)n, eval_range, &job);
    orl_eval_accum acc;
    orl_eval_accum_init(&acc);
    int status = ORL_OK;
    for (int i = 0; i < workers; i++) {
        if (job.workers[i].status != ORL_OK && status == ORL_OK) {
            status = orl_fail(job.workers[i].status, "%s", job.workers[i].message);
        }
        orl_eval_accum_merge(&acc, &job.workers[i].acc);
    }
    free_workers(job.workers, workers);
    if (status != ORL_OK) return status;
    orl_eval_finalize(&acc, n_items, out);
    return ORL_OK;
}
