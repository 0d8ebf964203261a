/* Simulator logging speed: events per second from the logging engine alone,
 * into a dataset through orl_sim_generate, and as CSV. Prints one JSON line.
 * usage: bench_sim [sessions (default 200000)] [items (default 1000)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/sim_handle.h"
#include "sim/sim_log.h"
#include "offlinerl/offlinerl.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int fail(const char *what)
{
    fprintf(stderr, "bench_sim: %s: %s\n", what, orl_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    uint64_t sessions = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    uint32_t items = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000;
    orl_sim_params p;
    orl_sim_params_init(&p);
    p.n_items = items;
    orl_sim *sim = NULL;
    if (orl_sim_create(&p, &sim) != ORL_OK) return fail("create");

    /* Best of three runs of the engine (the machine is shared). */
    double engine_s = 1e30;
    orl_sim_events ev;
    memset(&ev, 0, sizeof ev);
    for (int rep = 0; rep < 3; rep++) {
        ev.n = 0;
        ev.shown = 0;
        double t0 = now();
        if (orl_sim_log_sessions(sim->world, 0, sessions, &ev) != ORL_OK) return fail("log");
        double t = now() - t0;
        if (t < engine_s) engine_s = t;
    }
    size_t events = ev.n;
    uint64_t shown = ev.shown;
    orl_sim_events_free(&ev);

    orl_dataset *ds = NULL;
    if (orl_dataset_create(NULL, &ds) != ORL_OK) return fail("dataset");
    double t0 = now();
    if (orl_sim_generate(sim, sessions, ds) != ORL_OK) return fail("generate");
    double dataset_s = now() - t0;
    orl_dataset_free(ds);

    char path[] = "/tmp/bench_sim_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return fail("mkstemp");
    t0 = now();
    if (orl_sim_write_csv(sim, sessions, path) != ORL_OK) return fail("csv");
    double csv_s = now() - t0;
    remove(path);

    printf("{\"bench\":\"sim_logging\",\"sessions\":%llu,\"items\":%u,\"events\":%zu,"
           "\"shown\":%llu,\"events_per_s\":%.0f,\"shown_per_s\":%.0f,"
           "\"dataset_events_per_s\":%.0f,\"csv_events_per_s\":%.0f,\"target_events_per_s\":"
           "1000000}\n",
           (unsigned long long)sessions, (unsigned)items, events, (unsigned long long)shown,
           (double)events / engine_s, (double)shown / engine_s, (double)events / dataset_s,
           (double)events / csv_s);
    orl_sim_free(sim);
    return 0;
}
