/* Dataset benchmark: canonical CSV ingestion rate, bytes per loaded event,
 * minibatch assembly time. Prints one JSON line.
 * Usage: bench_dataset [rows (default 2000000)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/rng.h"
#include "data/dataset.h"
#include "data/transitions.h"
#include "offlinerl/offlinerl.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long rows = argc > 1 ? atol(argv[1]) : 2000000;
    const long sessions = rows / 10 > 0 ? rows / 10 : 1, items = 50000;
    char path[256];
    snprintf(path, sizeof path, "/tmp/orl_bench_canonical_%ld.csv", (long)getpid());
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    fprintf(f, "session_id,timestamp,item_id,event\n");
    orl_rng rng;
    orl_rng_init(&rng, 1, 0);
    for (long i = 0; i < rows; i++) {
        long s = (long)orl_rng_below64(&rng, (uint64_t)sessions);
        long it = (long)orl_rng_below64(&rng, (uint64_t)items) * 7919 + 1000000;
        fprintf(f, "%ld,%ld,%ld,%s\n", s, 1600000000000L + i * 37, it,
                orl_rng_below(&rng, 20) ? "click" : "purchase");
    }
    fclose(f);

    orl_dataset *ds = NULL;
    if (orl_dataset_create(NULL, &ds)) return 1;
    double t0 = now();
    if (orl_dataset_load_csv(ds, path, NULL, NULL)) {
        fprintf(stderr, "load: %s\n", orl_last_error());
        return 1;
    }
    double t1 = now();
    if (orl_dataset_finalize(ds)) return 1;
    double t2 = now();
    remove(path);
    orl_dataset_stats st;
    st.struct_size = sizeof st;
    orl_dataset_get_stats(ds, &st);

    orl_batch b;
    if (orl_batch_init(&b, 256, 10)) return 1;
    enum { REPS = 2000 };
    static double us[REPS];
    uint64_t ids[256];
    uint64_t n = orl_dataset_transition_count(ds);
    for (int r = 0; r < REPS; r++) {
        for (int i = 0; i < 256; i++) ids[i] = orl_rng_below64(&rng, n);
        double a = now();
        orl_dataset_fill_batch(ds, ids, 256, &b);
        us[r] = (now() - a) * 1e6;
    }
    qsort(us, REPS, sizeof us[0], cmp_d);
    printf(
        "{\"bench\":\"dataset\",\"rows\":%ld,\"csv_rows_per_s\":%.0f,"
        "\"finalize_s\":%.3f,\"events\":%llu,\"sessions\":%llu,\"items\":%u,"
        "\"bytes_per_event\":%.2f,\"batch256_n10_us_median\":%.2f,\"batch256_n10_us_p99\":%.2f}\n",
        rows, (double)rows / (t1 - t0), t2 - t1, (unsigned long long)st.n_events,
        (unsigned long long)st.n_sessions, st.n_items,
        (double)st.memory_bytes / (double)st.n_events, us[REPS / 2], us[REPS * 99 / 100]);
    orl_batch_free(&b);
    orl_dataset_free(ds);
    return 0;
}
