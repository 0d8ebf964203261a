/* Scoring latency and throughput of the GRU4Rec + CE network (reference
 * shape: embedding 64, hidden 64, window 10):
 *   - one history, top-10 over the catalogue, 1 thread: p50 / p99 latency, as
 *     the model scores (the fp16 screen where orl_sl_net_prepare_scoring puts
 *     one) and with the plain fp32 pass, alternated phases in the same run;
 *     the encoder alone; candidates the screen rescored;
 *   - one history, 100 host candidates: p50 / p99;
 *   - batches of 256 histories, top-10: states/s on 1 and on 2 threads (each
 *     thread scoring its own batches on the same const net), 1 and 2 threads
 *     alternated, each timing >= 0.3 s of work, median of 7.
 *
 *   bench_score [--encoder gru4rec|sasrec|caser|nextitnet] [items ...]
 *       (default: gru4rec at 2000 and 25000 items; every encoder at its
 *       reference settings)
 * One JSON line per catalogue size on stdout. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/pool.h"
#include "core/rng.h"
#include "models/head_screen.h"
#include "models/sl_net_internal.h"
#include "nn/kgemm.h"
#include "bench_util.h"

enum { T = 10, K = 10, NB = 256, CALLS = 3000 };

/* The encoder of every network here (--encoder), resolved. */
static orl_encoder_spec g_encoder;

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static void histories(int n_items, int n, uint64_t seed, int32_t *st, int32_t *lens)
{
    orl_rng r;
    orl_rng_init(&r, seed, (uint64_t)n_items);
    for (int i = 0; i < n; i++) {
        lens[i] = orl_rng_below(&r, 2) ? T : 1 + (int32_t)orl_rng_below(&r, T);
        for (int t = 0; t < T; t++)
            st[i * T + t] = t < lens[i] ? (int32_t)orl_rng_below(&r, (uint32_t)n_items) : n_items;
    }
}

typedef struct batch_job {
    const orl_sl_net *net;
    const int32_t *st, *lens;
    int n_batches;
    pthread_barrier_t *go;
} batch_job;

static void *batch_thread(void *arg)
{
    batch_job *j = arg;
    size_t bytes = orl_sl_net_scratch_bytes(j->net, NB);
    void *scr = malloc(bytes);
    int32_t *ids = malloc(sizeof(int32_t) * NB * K);
    float *sc = malloc(sizeof(float) * NB * K);
    unsigned fp = orl_fp_flush_denormals();
    /* One untimed batch: scratch pages and caches warm before the clock. */
    orl_sl_net_topk(j->net, j->st, j->lens, NB, K, scr, bytes, ids, sc);
    pthread_barrier_wait(j->go);
    for (int b = 0; b < j->n_batches; b++)
        orl_sl_net_topk(j->net, j->st + (size_t)(b % 4) * NB * T, j->lens + (b % 4) * NB, NB, K,
                        scr, bytes, ids, sc);
    orl_fp_restore(fp);
    free(scr);
    free(ids);
    free(sc);
    return NULL;
}

/* States per second of `threads` threads each scoring n_batches batches;
 * wall time from a common start to the last one's end. */
static double batch_rate(const orl_sl_net *net, const int32_t *st, const int32_t *lens, int threads,
                         int n_batches)
{
    pthread_t th[2];
    batch_job jobs[2];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, (unsigned)threads + 1);
    for (int t = 0; t < threads; t++) {
        jobs[t] = (batch_job){net, st, lens, n_batches, &go};
        pthread_create(&th[t], NULL, batch_thread, &jobs[t]);
    }
    pthread_barrier_wait(&go);
    double t0 = now_s();
    for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
    double sec = now_s() - t0;
    pthread_barrier_destroy(&go);
    return (double)threads * n_batches * NB / sec;
}

/* p50 of CALLS one-history top-10 calls, in `phases` alternated phases of
 * the screen (if built) and the fp32 pass. */
typedef struct one_lat {
    double screen_p50, screen_p99, fp32_p50, fp32_p99, encode_p50;
} one_lat;

static one_lat one_history(orl_sl_net *net, const int32_t *st, const int32_t *lens, int screened)
{
    size_t bytes = orl_sl_net_scratch_bytes(net, 1) + 4 * ORL_SCREEN_CAP * sizeof(float) * 3;
    void *scr = malloc(bytes);
    double *a = malloc(sizeof(double) * CALLS), *b = malloc(sizeof(double) * CALLS),
           *e = malloc(sizeof(double) * CALLS);
    int na = 0, nb = 0;
    int32_t ids[K];
    float sc[K], hid[256];
    orl_rng r;
    orl_rng_init(&r, 5, 0);
    enum { PHASES = 6 };
    for (int ph = 0; ph < PHASES; ph++) {
        int use_screen = screened && (ph % 2 == 0);
        if (use_screen)
            orl_sl_net_build_screen(net);
        else
            orl_sl_net_drop_screen(net);
        for (int i = 0; i < 100; i++) /* warm-up */
            orl_sl_net_topk(net, st + (size_t)(i % NB) * T, lens + i % NB, 1, K, scr, bytes, ids,
                            sc);
        for (int i = 0; i < CALLS / PHASES; i++) {
            int h = (int)orl_rng_below(&r, 4 * NB);
            double t0 = now_s();
            orl_sl_net_topk(net, st + (size_t)h * T, lens + h, 1, K, scr, bytes, ids, sc);
            double t1 = now_s();
            if (use_screen)
                a[na++] = (t1 - t0) * 1e6;
            else
                b[nb++] = (t1 - t0) * 1e6;
        }
    }
    for (int i = 0; i < CALLS; i++) {
        int h = (int)orl_rng_below(&r, 4 * NB);
        double t0 = now_s();
        orl_sl_net_encode(net, st + (size_t)h * T, lens + h, 1, scr, bytes, hid);
        e[i] = (now_s() - t0) * 1e6;
    }
    one_lat o = {0, 0, pct(b, nb, 0.5), pct(b, nb, 0.99), pct(e, CALLS, 0.5)};
    if (na) o.screen_p50 = pct(a, na, 0.5), o.screen_p99 = pct(a, na, 0.99);
    free(a);
    free(b);
    free(e);
    free(scr);
    return o;
}

/* Candidates the screen rescored over 1,000 histories: median and max. */
static void screen_candidates(const orl_sl_net *net, const int32_t *st, const int32_t *lens,
                              double *med, double *max, int *fallbacks)
{
    const orl_head_screen *hs = net->screen;
    size_t bytes = orl_sl_net_scratch_bytes(net, 1);
    void *scr = malloc(bytes);
    float *work = orl_aligned_alloc(sizeof(float) * orl_head_screen_scratch_floats());
    const orl_params *p = orl_sl_net_params_const(net);
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *bias = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    double c[4 * NB];
    int n = 0;
    *fallbacks = 0;
    for (int h = 0; h < 4 * NB; h++) {
        float hid[256], sc[K];
        int32_t ids[K];
        orl_sl_net_encode(net, st + (size_t)h * T, lens + h, 1, scr, bytes, hid);
        orl_screen_stats stats;
        orl_head_screen_topk(hs, w, bias, hid, K, work, ids, sc, &stats);
        if (stats.fell_back)
            (*fallbacks)++;
        else
            c[n++] = (double)stats.candidates;
    }
    *med = n ? pct(c, n, 0.5) : 0;
    *max = n ? c[n - 1] : 0;
    orl_aligned_free(work);
    free(scr);
}

/* p50 of orl_model_recommend (top-10, int64 keys) on a model built from the
 * net: the public path, with its per-call allocations and key mapping; and,
 * alternated with it, of orl_sl_net_topk on the model's own net. */
static double api_top10_p50(const orl_sl_net *net, int I, const int32_t *st, const int32_t *lens,
                            double *direct_p50)
{
    orl_keymap items;
    orl_keymap_init(&items);
    for (int i = 0; i < I; i++) {
        uint32_t id;
        if (orl_keymap_put_int(&items, 1000 + (int64_t)i, &id) != ORL_OK) return -1;
    }
    orl_encoder_spec enc = g_encoder;
    orl_model *m = NULL;
    int s = orl_model_build(&enc, (uint32_t)I, "sl", NULL, &items, orl_sl_net_params_const(net),
                            NULL, 0, &m);
    orl_keymap_free(&items);
    if (s != ORL_OK) return -1;
    double *lat = malloc(sizeof(double) * CALLS), *direct = malloc(sizeof(double) * CALLS);
    size_t bytes = orl_sl_net_scratch_bytes(m->net, 1);
    void *scr = malloc(bytes);
    orl_rng r;
    orl_rng_init(&r, 11, 0);
    for (int i = 0; i < CALLS + 100; i++) {
        int h = (int)orl_rng_below(&r, 4 * NB);
        int64_t hist[T], items_out[K];
        float sc[K];
        for (int t = 0; t < lens[h]; t++) hist[t] = 1000 + st[h * T + t];
        double t0 = now_s();
        orl_model_recommend(m, hist, (size_t)lens[h], K, items_out, sc, NULL);
        double t1 = now_s();
        int32_t ids[K];
        orl_sl_net_topk(m->net, st + (size_t)h * T, lens + h, 1, K, scr, bytes, ids, sc);
        if (i >= 100) { /* after 100 warm-up calls */
            lat[i - 100] = (t1 - t0) * 1e6;
            direct[i - 100] = (now_s() - t1) * 1e6;
        }
    }
    double p50 = pct(lat, CALLS, 0.5);
    *direct_p50 = pct(direct, CALLS, 0.5);
    free(lat);
    free(direct);
    free(scr);
    orl_model_free(m);
    return p50;
}

static double load1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

int main(int argc, char **argv)
{
    int sizes[8] = {2000, 25000}, n_sizes = 2, given = 0;
    orl_encoder_spec_default(&g_encoder);
    g_encoder.dropout = -1.0f;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--encoder") && i + 1 < argc) {
            snprintf(g_encoder.architecture, sizeof g_encoder.architecture, "%s", argv[++i]);
        } else if (given < 8) {
            if (!given) n_sizes = 0;
            sizes[n_sizes++] = atoi(argv[i]);
            given++;
        }
    }
    if (orl_encoder_spec_resolve(&g_encoder) != ORL_OK) {
        fprintf(stderr, "bench_score: %s\n", orl_last_error());
        return 2;
    }
    orl_fp_flush_denormals();
    for (int si = 0; si < n_sizes; si++) {
        int I = sizes[si];
        orl_sl_net_config cfg = orl_sl_net_config_default(I);
        cfg.encoder = g_encoder;
        cfg.dropout = g_encoder.dropout;
        cfg.max_batch = 64; /* inference only: keep the training workspace small */
        orl_sl_net *net = NULL;
        if (orl_sl_net_create(&cfg, 1, 1, &net) != 0) return 1;
        /* Some training so that scores are not those of the init. */
        int32_t *st = malloc(sizeof(int32_t) * 4 * NB * T),
                *lens = malloc(sizeof(int32_t) * 4 * NB);
        histories(I, 4 * NB, 7, st, lens);
        int32_t act[64];
        for (int s = 0; s < 40; s++) {
            int off = (s * 64) % (4 * NB - 64);
            for (int b = 0; b < 64; b++) act[b] = (st[(off + b) * T] + 1) % I;
            float loss;
            orl_sl_net_train_step(net, st + (size_t)off * T, lens + off, act, 64, 0.01f, &loss);
        }
        orl_sl_net_prepare_scoring(net); /* as orl_model does */
        int screened = net->screen != NULL;
        double c_med = 0, c_max = 0;
        int fallbacks = 0;
        size_t screen_bytes = 0;
        if (!screened) orl_sl_net_build_screen(net); /* for the candidate figures only */
        if (net->screen) {
            screen_bytes = orl_sl_net_screen_bytes(net);
            screen_candidates(net, st, lens, &c_med, &c_max, &fallbacks);
        }
        one_lat o = one_history(net, st, lens, net->screen != NULL);
        if (screened)
            orl_sl_net_build_screen(net);
        else
            orl_sl_net_drop_screen(net);

        double api_direct = 0, api_p50 = api_top10_p50(net, I, st, lens, &api_direct);
        size_t bytes = orl_sl_net_scratch_bytes(net, 1);
        void *scr = malloc(bytes);
        double *lat_c = malloc(sizeof(double) * CALLS);
        int32_t cand[100];
        float csc[100];
        orl_rng r;
        orl_rng_init(&r, 3, 0);
        for (int c = 0; c < 100; c++) cand[c] = (int32_t)orl_rng_below(&r, (uint32_t)I);
        for (int i = 0; i < CALLS; i++) {
            int h = (int)orl_rng_below(&r, 4 * NB);
            double t0 = now_s();
            orl_sl_net_score_candidates(net, st + (size_t)h * T, lens + h, 1, cand, 100, scr, bytes,
                                        csc);
            lat_c[i] = (now_s() - t0) * 1e6;
        }
        double c50 = pct(lat_c, CALLS, 0.5), c99 = pct(lat_c, CALLS, 0.99);

        /* Batches: enough batches for >= 0.3 s per timing, 1 and 2 threads
         * alternated, median of REPS. */
        enum { REPS = 7 };
        double t0 = now_s();
        batch_rate(net, st, lens, 1, 2);
        double per_batch = (now_s() - t0) / 3.0;
        int n_batches = (int)(0.3 / per_batch) + 1;
        double r1[REPS], r2[REPS], ratio[REPS];
        for (int rep = 0; rep < REPS; rep++) {
            r1[rep] = batch_rate(net, st, lens, 1, n_batches);
            r2[rep] = batch_rate(net, st, lens, 2, n_batches);
            ratio[rep] = r2[rep] / r1[rep];
        }
        double lo = ratio[0], hi = ratio[0];
        for (int rep = 1; rep < REPS; rep++) {
            lo = ratio[rep] < lo ? ratio[rep] : lo;
            hi = ratio[rep] > hi ? ratio[rep] : hi;
        }
        double b1 = pct(r1, REPS, 0.5), b2 = pct(r2, REPS, 0.5), sc2 = pct(ratio, REPS, 0.5);
        printf("{\"bench\":\"score\",\"encoder\":\"%s\",\"n_items\":%d,\"top\":%d,\"calls\":%d,"
               "\"load1\":%.2f,"
               "\"top10_one_history_us_p50\":%.1f,\"top10_one_history_us_p99\":%.1f,"
               "\"screened\":%s,\"screen_us_p50\":%.1f,\"fp32_us_p50\":%.1f,\"fp32_us_p99\":%.1f,"
               "\"encode_one_us_p50\":%.1f,\"api_recommend_top10_us_p50\":%.1f,\"api_same_model_sl_"
               "net_us_p50\":%.1f,\"screen_bytes\":%"
               "zu,\"screen_candidates_median\":%.0f,"
               "\"screen_candidates_max\":%.0f,\"screen_fallbacks\":%d,"
               "\"candidates100_us_p50\":%.1f,\"candidates100_us_p99\":%.1f,"
               "\"batch256_top10_states_per_s_1t\":%.0f,\"batch256_top10_states_per_s_2t\":%.0f,"
               "\"scaling_2t\":%.2f,\"scaling_2t_min\":%.2f,\"scaling_2t_max\":%.2f,"
               "\"batches_per_timing\":%d,\"reps\":%d,\"kgemm\":\"%s\"}\n",
               g_encoder.architecture, I, K, CALLS, load1(), screened ? o.screen_p50 : o.fp32_p50,
               screened ? o.screen_p99 : o.fp32_p99, screened ? "true" : "false", o.screen_p50,
               o.fp32_p50, o.fp32_p99, o.encode_p50, api_p50, api_direct, screen_bytes, c_med,
               c_max, fallbacks, c50, c99, b1, b2, sc2, lo, hi, n_batches, REPS,
               orl_kgemm_native() ? "avx512" : "blas");
        fflush(stdout);
        free(lat_c);
        free(scr);
        free(st);
        free(lens);
        orl_sl_net_free(net);
    }
    return 0;
}
