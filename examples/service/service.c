/* A recommender service in miniature: load a model once, then let a pool of worker threads
 * answer top-K requests concurrently on that one immutable model, and report the latency
 * percentiles and the throughput.
 *
 *   orl_service MODEL.orl [--logs FILE.csv] [--requests N] [--threads T] [-k K]
 *
 * Requests are session histories: with --logs, the prefixes of the sessions of a logged CSV
 * with `session_id` and `item_id` columns (as `orl sim generate` writes); otherwise random
 * histories over the model's catalogue, with an occasional key the model has never seen. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <offlinerl/offlinerl.h>

enum { MAX_HISTORY = 20, MAX_K = 100 };

typedef struct request {
    int64_t items[MAX_HISTORY];
    size_t len;
} request;

typedef struct service {
    const orl_model *model; /* shared by every worker: scoring is thread-safe */
    const request *requests;
    size_t n_requests;
    uint32_t k;
    atomic_size_t next;  /* the queue: the next request to take */
    double *latency_us;  /* per request */
    atomic_int failures; /* requests that returned an error */
    atomic_ulong skipped;
} service;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *worker(void *arg)
{
    service *svc = arg;
    int64_t items[MAX_K];
    float scores[MAX_K];
    for (;;) {
        size_t i = atomic_fetch_add(&svc->next, 1);
        if (i >= svc->n_requests) break;
        const request *r = &svc->requests[i];
        size_t skipped = 0;
        double t0 = now_s();
        int s = orl_model_recommend(svc->model, r->items, r->len, svc->k, items, scores, &skipped);
        svc->latency_us[i] = (now_s() - t0) * 1e6;
        if (s != ORL_OK) {
            /* orl_last_error() is per thread: this worker's own message. */
            if (atomic_fetch_add(&svc->failures, 1) == 0)
                fprintf(stderr, "request %zu: %s\n", i, orl_last_error());
        }
        atomic_fetch_add(&svc->skipped, (unsigned long)skipped);
    }
    return NULL;
}

/* Session prefixes of a logged CSV: every event gives one request, the history before it. */
static int requests_from_logs(const char *path, size_t max, request *out, size_t *out_n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[4096];
    int sess_col = -1, item_col = -1;
    if (fgets(line, sizeof line, f)) {
        int c = 0;
        for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), c++) {
            if (strcmp(tok, "session_id") == 0) sess_col = c;
            if (strcmp(tok, "item_id") == 0) item_col = c;
        }
    }
    if (sess_col < 0 || item_col < 0) {
        fprintf(stderr, "%s: needs session_id and item_id columns\n", path);
        fclose(f);
        return -1;
    }
    request cur = {{0}, 0};
    char last_session[64] = "";
    size_t n = 0;
    while (n < max && fgets(line, sizeof line, f)) {
        char *fields[32];
        int c = 0;
        for (char *p = line; c < 32;) {
            fields[c++] = p;
            p = strchr(p, ',');
            if (!p) break;
            *p++ = '\0';
        }
        if (c <= sess_col || c <= item_col) continue;
        if (strcmp(fields[sess_col], last_session) != 0) {
            snprintf(last_session, sizeof last_session, "%s", fields[sess_col]);
            cur.len = 0;
        }
        if (cur.len > 0) out[n++] = cur; /* what comes after this history? */
        int64_t item = strtoll(fields[item_col], NULL, 10);
        if (cur.len == MAX_HISTORY) {
            memmove(cur.items, cur.items + 1, (MAX_HISTORY - 1) * sizeof cur.items[0]);
            cur.len--;
        }
        cur.items[cur.len++] = item;
    }
    fclose(f);
    *out_n = n;
    return 0;
}

/* Random histories over the catalogue (keys from a top-K over everything), with about one
 * key in 50 that the model does not know, as live traffic has. */
static int random_requests(const orl_model *model, size_t n, request *out)
{
    uint64_t n_items = 0;
    if (orl_model_item_count(model, &n_items) != ORL_OK) return -1;
    int64_t *keys = malloc(n_items * sizeof *keys);
    if (!keys) return -1;
    if (orl_model_recommend(model, NULL, 0, (uint32_t)n_items, keys, NULL, NULL) != ORL_OK) {
        fprintf(stderr, "listing the catalogue: %s\n", orl_last_error());
        free(keys);
        return -1;
    }
    uint64_t x = 88172645463325252ull; /* xorshift: the example needs no quality randomness */
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        out[i].len = (size_t)(x % MAX_HISTORY) + 1;
        for (size_t j = 0; j < out[i].len; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            out[i].items[j] = (x % 50 == 0) ? -1 - (int64_t)(x % 1000) : keys[x % n_items];
        }
    }
    free(keys);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

int main(int argc, char **argv)
{
    const char *model_path = NULL, *logs = NULL;
    long n_requests = 20000, threads = 4, k = 10;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--logs") == 0)
            logs = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--requests") == 0)
            n_requests = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0)
            threads = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "-k") == 0)
            k = strtol(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !model_path)
            model_path = argv[i];
        else {
            model_path = NULL;
            break;
        }
    }
    if (!model_path || n_requests < 1 || threads < 1 || threads > 256 || k < 1 || k > MAX_K) {
        fprintf(stderr,
                "usage: %s MODEL.orl [--logs FILE.csv] [--requests N] [--threads T "
                "(1..256)] [-k K (1..100)]\n",
                argv[0]);
        return 2;
    }

    /* 1. Load the model once, at start-up. */
    double t0 = now_s();
    orl_model *model = NULL;
    if (orl_model_load(model_path, &model) != ORL_OK) {
        fprintf(stderr, "loading %s: %s\n", model_path, orl_last_error());
        return 1;
    }
    uint64_t n_items = 0;
    orl_model_item_count(model, &n_items);
    if ((uint64_t)k > n_items) k = (long)n_items;
    printf("model %s: %llu items, loaded in %.1f ms\n", model_path, (unsigned long long)n_items,
           (now_s() - t0) * 1e3);

    /* 2. The requests. */
    request *requests = calloc((size_t)n_requests, sizeof *requests);
    double *latency = calloc((size_t)n_requests, sizeof *latency);
    pthread_t *tids = calloc((size_t)threads, sizeof *tids);
    size_t n = (size_t)n_requests;
    int rc = 1;
    if (!requests || !latency || !tids) goto done;
    if (logs ? requests_from_logs(logs, n, requests, &n) : random_requests(model, n, requests))
        goto done;
    if (n == 0) {
        fprintf(stderr, "no requests\n");
        goto done;
    }

    /* 3. The worker pool: every thread scores with the same model, no lock needed. */
    service svc = {model, requests, n, (uint32_t)k, 0, latency, 0, 0};
    double start = now_s();
    long started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tids[started], NULL, worker, &svc) != 0) break;
    for (long t = 0; t < started; t++) pthread_join(tids[t], NULL);
    double wall = now_s() - start;
    if (started == 0 || atomic_load(&svc.failures) > 0) {
        fprintf(stderr, "%d requests failed\n", atomic_load(&svc.failures));
        goto done;
    }

    /* 4. The figures. */
    qsort(latency, n, sizeof *latency, cmp_double);
    printf("%zu requests (%s), top-%ld, %ld worker threads\n", n,
           logs ? "session prefixes of the logs" : "random histories", k, started);
    printf("latency  p50 %.1f us   p90 %.1f us   p99 %.1f us   max %.1f us\n",
           percentile(latency, n, 50), percentile(latency, n, 90), percentile(latency, n, 99),
           latency[n - 1]);
    printf("throughput %.0f requests/s (%.3f s wall)\n", (double)n / wall, wall);
    printf("history keys unknown to the model (skipped): %lu\n", atomic_load(&svc.skipped));
    rc = 0;
done:
    free(tids);
    free(latency);
    free(requests);
    orl_model_free(model);
    return rc;
}
