/* FQE speed: transitions/s of orl_fqe_fit at 2,000 and 25,000 items (GRU4Rec
 * 64/64, window 10, batch 256, one epoch) with a softmax target policy whose
 * probabilities a callback supplies, the callback timed separately; the same
 * fit with gamma 0 (a reward model, no callback); and Q-value rows/s of
 * orl_fqe_q_values (256 rows per call).
 *
 * The target policy is a GRU4Rec scorer of the same shape (an sl_net, as a
 * model's batch scoring) made stochastic by softmax(scores / 0.1), scored in
 * 256-row blocks split over the same number of threads. No peer implements
 * FQE here, so the ratio printed is the fit's own time against the policy
 * callback's, from the same run.
 *
 * The logs are synthetic (make_logs): every item of the catalogue occurs, so
 * the Q head and the policy rows span exactly `items` items. The machine is
 * shared: the process CPU seconds of each phase are printed beside the wall
 * times.
 *
 * --displays 1 adds a display table to the same logs (each click's display
 * and, before each click, one display without a click of another item) and
 * times orl_fqe_fit_displays (gamma 0.9) on the displays right after
 * orl_fqe_fit on the events, printing transitions/s of both and their ratio.
 *
 * usage: bench_fqe [--items 2000,25000] [--sessions N] [--threads N] [--epochs N]
 *                  [--displays 0|1]
 * Prints one JSON line per catalogue size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "core/alloc.h"
#include "core/pool.h"
#include "data/displays.h"
#include "data/transitions.h"
#include "eval/fqe.h"
#include "models/sl_net.h"
#include "offlinerl/offlinerl.h"

static void check(int status, const char *what)
{
    if (status != ORL_OK) {
        fprintf(stderr, "%s: %s\n", what, orl_last_error());
        exit(1);
    }
}

/* The softmax policy of an sl_net: rows split over a pool, scratch per thread. */
typedef struct softmax_policy {
    orl_sl_net *net;
    orl_pool *pool;
    void *scratch[8];
    size_t scratch_bytes;
    size_t n_items;
    float inv_temp;
    double seconds, cpu_seconds;
    uint64_t rows;
    /* one call's arguments */
    const orl_batch *b;
    const int32_t *states, *lens;
    float *out;
    int status;
} softmax_policy;

static void policy_rows(void *ctx, size_t begin, size_t end, int thread)
{
    softmax_policy *p = ctx;
    const size_t I = p->n_items, W = p->b->window;
    for (size_t r0 = begin; r0 < end; r0 += 64) {
        const int n = (int)(end - r0 < 64 ? end - r0 : 64);
        float *rows = p->out + r0 * I;
        int s = orl_sl_net_scores(p->net, p->states + r0 * W, p->lens + r0, n, p->scratch[thread],
                                  p->scratch_bytes, rows);
        if (s != ORL_OK) p->status = s;
        for (int r = 0; r < n; r++) {
            float *x = rows + (size_t)r * I, m = -INFINITY;
            for (size_t i = 0; i < I; i++) m = x[i] > m ? x[i] : m;
            double z = 0.0;
            for (size_t i = 0; i < I; i++) z += x[i] = expf((x[i] - m) * p->inv_temp);
            const float inv = (float)(1.0 / z);
            for (size_t i = 0; i < I; i++) x[i] *= inv;
        }
    }
}

static double cpu_s(void);

static int softmax_probs(void *ctx, const orl_batch *b, int use_next, float *out_probs)
{
    softmax_policy *p = ctx;
    const double t0 = now_s(), c0 = cpu_s();
    p->b = b;
    p->states = use_next ? b->next_states : b->states;
    p->lens = use_next ? b->next_len : b->state_len;
    p->out = out_probs;
    p->status = ORL_OK;
    orl_pool_parallel_for(p->pool, b->size, policy_rows, p);
    p->seconds += now_s() - t0;
    p->cpu_seconds += cpu_s() - c0;
    p->rows += b->size;
    return p->status;
}

/* Sessions of 1..20 events over exactly `items` items: item i is the i-th
 * event's (so every item appears), later ones Zipf-like (u^3 of the
 * catalogue), each a click (reward 0.2) or, one in ten, a purchase (1.0). */
static orl_dataset *make_logs(uint32_t items, uint64_t sessions, int displays)
{
    const size_t cap = (size_t)sessions * 20;
    int64_t *sess = malloc(sizeof(int64_t) * cap), *item = malloc(sizeof(int64_t) * cap),
            *ts = malloc(sizeof(int64_t) * cap);
    int32_t *code = malloc(sizeof(int32_t) * cap);
    if (!sess || !item || !ts || !code) check(ORL_E_NOMEM, "logs");
    orl_dataset *ds = NULL;
    check(orl_dataset_create(NULL, &ds), "dataset");
    int32_t click, buy;
    check(orl_dataset_event_type(ds, "click", &click), "click");
    check(orl_dataset_event_type(ds, "purchase", &buy), "purchase");
    uint64_t x = 88172645463325252ull;
    size_t e = 0;
    for (uint64_t k = 0; k < sessions; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const int len = 1 + (int)(x % 20);
        for (int t = 0; t < len; t++, e++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const double u = (double)(x >> 11) / 9007199254740992.0;
            sess[e] = (int64_t)k;
            item[e] = e < items ? (int64_t)e : (int64_t)(u * u * u * items);
            ts[e] = t;
            code[e] = (x >> 3) % 10 == 0 ? buy : click;
        }
    }
    check(orl_dataset_add_events_i64(ds, e, sess, item, ts, code, NULL, NULL), "add");
    if (displays) {
        /* per event: a skipped display of another item at the same time, then the click's */
        const size_t nd = 2 * e;
        int64_t *ev = malloc(sizeof(int64_t) * nd), *dsess = malloc(sizeof(int64_t) * nd),
                *dts = malloc(sizeof(int64_t) * nd);
        int16_t *slot = malloc(sizeof(int16_t) * nd);
        float *rew = malloc(sizeof(float) * nd), *beta = malloc(sizeof(float) * nd),
              *incl = malloc(sizeof(float) * nd);
        double *slate = malloc(sizeof(double) * nd);
        uint32_t *shown = malloc(sizeof(uint32_t) * nd);
        if (!ev || !dsess || !dts || !slot || !rew || !beta || !incl || !slate || !shown)
            check(ORL_E_NOMEM, "displays");
        for (size_t i = 0; i < e; i++)
            for (int c = 0; c < 2; c++) {
                const size_t d = 2 * i + (size_t)c;
                dsess[d] = sess[i];
                dts[d] = ts[i];
                ev[d] = c ? (int64_t)i : -1;
                slot[d] = c ? 0 : -1;
                rew[d] = c ? (code[i] == buy ? 1.0f : 0.2f) : 0.0f;
                shown[d] = c ? (uint32_t)item[i] : (uint32_t)((item[i] + 1) % items);
                beta[d] = incl[d] = NAN;
                slate[d] = NAN;
            }
        check(orl_dataset_add_displays_int(ds, 0, nd, 1, dsess, dts, ev, slot, rew, slate, shown,
                                           beta, incl),
              "add displays");
        free(ev);
        free(dsess);
        free(dts);
        free(slot);
        free(rew);
        free(beta);
        free(incl);
        free(slate);
        free(shown);
    }
    check(orl_dataset_finalize(ds), "finalize");
    free(sess);
    free(item);
    free(ts);
    free(code);
    return ds;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The event fit, then the display fit on the same logs: transitions/s of each. */
static void run_displays(uint32_t items, uint64_t sessions, int threads, uint32_t epochs,
                         softmax_policy *pol, orl_dataset *ds)
{
    orl_fqe_settings s;
    orl_fqe_settings_init(&s);
    s.gamma = 0.9;
    s.epochs = epochs;
    s.threads = threads;
    s.seed = 3;
    uint64_t nd = 0;
    check(orl_dataset_display_count(ds, &nd), "displays");
    const uint64_t n = orl_dataset_transition_count(ds);
    orl_fqe *f = NULL;
    pol->seconds = pol->cpu_seconds = 0.0;
    double t0 = now_s(), c0 = cpu_s();
    check(orl_fqe_fit(ds, &s, softmax_probs, pol, &f), "fqe fit");
    const double ev_s = now_s() - t0, ev_cpu = cpu_s() - c0, ev_pol = pol->seconds;
    orl_fqe_free(f);
    pol->seconds = pol->cpu_seconds = 0.0;
    t0 = now_s();
    c0 = cpu_s();
    check(orl_fqe_fit_displays(ds, &s, softmax_probs, pol, &f), "fqe fit displays");
    const double d_s = now_s() - t0, d_cpu = cpu_s() - c0, d_pol = pol->seconds;
    orl_fqe_free(f);
    const double ev_rate = (double)n * epochs / ev_s, d_rate = (double)nd * epochs / d_s;
    printf("{\"items\": %u, \"sessions\": %llu, \"epochs\": %u, \"threads\": %d, "
           "\"events\": %llu, \"displays\": %llu, \"event_fit_s\": %.3f, "
           "\"event_transitions_per_s\": %.0f, \"event_policy_s\": %.3f, "
           "\"display_fit_s\": %.3f, \"display_transitions_per_s\": %.0f, "
           "\"display_policy_s\": %.3f, \"display_over_event_per_transition\": %.3f, "
           "\"cpu_s\": {\"event_fit\": %.3f, \"display_fit\": %.3f}}\n",
           items, (unsigned long long)sessions, epochs, threads, (unsigned long long)n,
           (unsigned long long)nd, ev_s, ev_rate, ev_pol, d_s, d_rate, d_pol, d_rate / ev_rate,
           ev_cpu, d_cpu);
    fflush(stdout);
}

static void run(uint32_t items, uint64_t sessions, int threads, uint32_t epochs, int displays)
{
    orl_dataset *ds = make_logs(items, sessions, displays);
    const uint64_t n = orl_dataset_transition_count(ds);
    const uint32_t I = orl_dataset_item_count(ds);

    softmax_policy pol;
    memset(&pol, 0, sizeof pol);
    orl_sl_net_config sc = orl_sl_net_config_default((int)I);
    check(orl_sl_net_create(&sc, 7, 1, &pol.net), "policy net");
    check(orl_pool_create(threads, &pol.pool), "pool");
    pol.scratch_bytes = orl_sl_net_scratch_bytes(pol.net, 64);
    for (int t = 0; t < orl_pool_threads(pol.pool); t++)
        if (!(pol.scratch[t] = orl_aligned_alloc(pol.scratch_bytes))) check(ORL_E_NOMEM, "scratch");
    pol.n_items = I;
    pol.inv_temp = 10.0f;

    if (displays) {
        run_displays(items, sessions, threads, epochs, &pol, ds);
        for (int t = 0; t < 8; t++) orl_aligned_free(pol.scratch[t]);
        orl_pool_free(pol.pool);
        orl_sl_net_free(pol.net);
        orl_dataset_free(ds);
        return;
    }
    orl_fqe_settings s;
    orl_fqe_settings_init(&s);
    s.gamma = 0.9;
    s.epochs = epochs;
    s.threads = threads;
    s.seed = 3;
    orl_fqe *f = NULL;
    double t0 = now_s(), c0 = cpu_s();
    check(orl_fqe_fit(ds, &s, softmax_probs, &pol, &f), "fqe fit");
    const double fit_s = now_s() - t0, own_s = fit_s - pol.seconds, fit_cpu = cpu_s() - c0;
    const double trans = (double)n * epochs;

    orl_fqe_settings s0 = s;
    s0.gamma = 0.0;
    orl_fqe *f0 = NULL;
    t0 = now_s();
    c0 = cpu_s();
    check(orl_fqe_fit(ds, &s0, NULL, NULL, &f0), "fqe fit gamma 0");
    const double fit0_s = now_s() - t0, fit0_cpu = cpu_s() - c0;

    /* Q rows: every transition's state, 256 per call, up to 50,000 rows */
    orl_batch b;
    check(orl_batch_init(&b, 256, orl_dataset_window(ds)), "batch");
    float *q = malloc(sizeof(float) * 256 * I);
    uint64_t *ids = malloc(sizeof(uint64_t) * 256);
    if (!q || !ids) check(ORL_E_NOMEM, "q");
    const uint64_t rows_max = n < 50000 ? n : 50000;
    uint64_t rows = 0;
    double q_s = 0.0, q_cpu = 0.0;
    for (uint64_t off = 0; off < rows_max; off += 256) {
        const size_t nb = (size_t)(rows_max - off < 256 ? rows_max - off : 256);
        for (size_t i = 0; i < nb; i++) ids[i] = off + i;
        check(orl_dataset_fill_batch(ds, ids, nb, &b), "fill");
        t0 = now_s();
        c0 = cpu_s();
        check(orl_fqe_q_values(f, &b, q), "q_values");
        q_s += now_s() - t0;
        q_cpu += cpu_s() - c0;
        rows += nb;
    }
    printf("{\"items\": %u, \"transitions\": %llu, \"epochs\": %u, \"threads\": %d, "
           "\"fit_s\": %.3f, \"fit_transitions_per_s\": %.0f, \"policy_callback_s\": %.3f, "
           "\"policy_rows_per_s\": %.0f, \"fqe_own_s\": %.3f, \"fqe_own_transitions_per_s\": %.0f, "
           "\"fqe_own_over_callback\": %.3f, \"gamma0_fit_s\": %.3f, "
           "\"gamma0_transitions_per_s\": %.0f, \"q_rows\": %llu, \"q_rows_per_s\": %.0f, "
           "\"last_loss\": %.5g, \"cpu_s\": {\"fit\": %.3f, \"policy_callback\": %.3f, "
           "\"fqe_own\": %.3f, \"gamma0_fit\": %.3f, \"q_values\": %.3f}}\n",
           I, (unsigned long long)n, epochs, threads, fit_s, trans / fit_s, pol.seconds,
           (double)pol.rows / pol.seconds, own_s, trans / own_s, own_s / pol.seconds, fit0_s,
           trans / fit0_s, (unsigned long long)rows, (double)rows / q_s, orl_fqe_last_epoch_loss(f),
           fit_cpu, pol.cpu_seconds, fit_cpu - pol.cpu_seconds, fit0_cpu, q_cpu);
    fflush(stdout);
    free(q);
    free(ids);
    orl_batch_free(&b);
    orl_fqe_free(f);
    orl_fqe_free(f0);
    for (int t = 0; t < 8; t++) orl_aligned_free(pol.scratch[t]);
    orl_pool_free(pol.pool);
    orl_sl_net_free(pol.net);
    orl_dataset_free(ds);
}

int main(int argc, char **argv)
{
    const char *items = "2000,25000";
    uint64_t sessions = 12000;
    int threads = 2;
    uint32_t epochs = 1;
    int displays = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--items"))
            items = argv[i + 1];
        else if (!strcmp(argv[i], "--sessions"))
            sessions = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--epochs"))
            epochs = (uint32_t)atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--displays"))
            displays = atoi(argv[i + 1]) != 0;
        else {
            fprintf(stderr, "usage: bench_fqe [--items a,b] [--sessions N] [--threads N] "
                            "[--epochs N] [--displays 0|1]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > 8) threads = 2;
    for (const char *p = items; *p;) {
        run((uint32_t)strtoul(p, NULL, 10), sessions, threads, epochs, displays);
        p = strchr(p, ',');
        if (!p) break;
        p++;
    }
    return 0;
}
