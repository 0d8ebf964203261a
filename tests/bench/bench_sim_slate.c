/* Slate logging speed: display steps per second of the logging engine at
 * slate_size 1 and K (the Plackett-Luce draw, the inclusion integral per
 * shown item and the choice model), interleaved, best of 3. One JSON line.
 * usage: bench_sim_slate [sessions (default 2000)] [items (default 1000)] [K (default 10)] */
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
    fprintf(stderr, "bench_sim_slate: %s: %s\n", what, orl_last_error());
    return 1;
}

/* Steps per second of one logging run (a step shows one slate). */
static int run(orl_sim *sim, uint64_t sessions, double *out_rate, uint64_t *out_steps)
{
    orl_sim_events ev;
    memset(&ev, 0, sizeof ev);
    double t0 = now();
    if (orl_sim_log_sessions(sim->world, 0, sessions, &ev) != ORL_OK) return fail("log");
    double t = now() - t0;
    uint64_t steps = ev.shown / sim->world->p.slate_size;
    orl_sim_events_free(&ev);
    *out_rate = (double)steps / t;
    *out_steps = steps;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t sessions = argc > 1 ? strtoull(argv[1], NULL, 10) : 2000;
    uint32_t items = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000;
    uint32_t K = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 10;
    orl_sim *sims[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        orl_sim_params p;
        orl_sim_params_init(&p);
        p.n_items = items;
        p.slate_size = k ? K : 1;
        p.log_impressions = 1; /* K = 1 logs its displays too: the same work per step */
        if (orl_sim_create(&p, &sims[k]) != ORL_OK) return fail("create");
    }
    double best[2] = {0, 0};
    uint64_t steps[2] = {0, 0};
    for (int rep = 0; rep < 3; rep++)
        for (int k = 0; k < 2; k++) {
            double r;
            /* K = 1 is ~1000x faster: give it more sessions for a measurable time */
            if (run(sims[k], k ? sessions : sessions * 50, &r, &steps[k])) return 1;
            if (r > best[k]) best[k] = r;
        }
    printf("{\"bench\":\"sim_slate\",\"items\":%u,\"k\":%u,\"steps_per_s_k1\":%.0f,"
           "\"steps_per_s_k\":%.0f,\"ratio_k_to_k1\":%.5f,\"steps_k1\":%llu,\"steps_k\":%llu}\n",
           items, K, best[0], best[1], best[1] / best[0], (unsigned long long)steps[0],
           (unsigned long long)steps[1]);
    orl_sim_free(sims[0]);
    orl_sim_free(sims[1]);
    return 0;
}
