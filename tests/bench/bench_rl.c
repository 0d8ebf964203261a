/* Training throughput of the RL networks (sqn, sac, snqn, sa2c; cql, sqn_cql,
 * sqn_rem with --algo at their defaults: alpha 1, 4 heads, no VPQ), batch 256,
 * hidden 64, window 10, as the reference sqn_torch.py. One JSON line per
 * configuration; for SA2C and SAC the warm-up and the weighted phase are timed
 * separately (each half of the steps, as the reference with --max-steps).
 *
 * For SQN also the BLAS-bound share: the FLOPs per transition of every product
 * of the step (the model's: CE logits forward, its two backward products and
 * the argmax's Q forward on s', 8 H I; plus the GRU's) at the rate of the
 * faster of OpenBLAS and orl_kgemm measured now on the output layer's shapes.
 * (Above 8 MB of logits the fused CE recomputes them in its pass 2: 2 H I
 * more fp32 FLOPs;
 * where the AMX argmax screen runs, the argmax's 2 H I are not fp32 work.
 * "flops_per_transition_executed" counts what runs in fp32 and "amx_argmax"
 * says which; the bound uses the model's FLOPs, so with the screen the share
 * can pass 100%.)
 *
 *   bench_rl [items ...] [--threads N] [--steps N] [--algo NAME]
 *       synthetic transitions (lengths 1..10, Zipf-like actions, 20% buys) at
 *       each catalogue size (default 2000 25000), 1 and 2 threads.
 *   bench_rl --data TRAIN.csv [--items N] [--threads N] [--steps N] [--algo NAME]
 *       [--seed S] [--encoder gru4rec|sasrec|caser|nextitnet]
 *       the transitions of a canonical CSV file (session_id,timestamp,item_id,
 *       event; click 0.2, purchase 1.0) in a seeded shuffled order, each batch
 *       assembled inside the timed loop as the reference does; the catalogue is
 *       max(N, the file's items) (the reference's --n-items). Default 2 threads.
 *       --algo ce runs the supervised network (sl_net) on the same batches;
 *       --algo bcq / rem the target-network algorithms (tq_net) at their
 *       defaults (threshold 0.3, reg 0.01, 4 heads);
 *       --algo reinforce the policy gradient (pg_net) at its defaults (learned
 *       beta head, clip 10, K 1), each row's reward as its return (the
 *       trainer computes the returns once per dataset: no cost per step);
 *       --encoder picks the encoder at its reference settings (dropout on).
 * The reference's README figures are printed alongside the synthetic runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/blas.h"
#include "core/cpu.h"
#include "core/pool.h"
#include "core/rng.h"
#include "data/transitions.h"
#include "models/pg_net.h"
#include "models/rl_net.h"
#include "models/sl_net.h"
#include "models/tq_net.h"
#include "nn/kgemm.h"
#include "nn/linear_argmax.h"
#include "offlinerl/dataset.h"
#include "bench_util.h"
#include "bench_gemm_rate.h"

enum { B = 256, T = 10, NB = 16, ALG_CE = 100, ALG_BCQ = 101, ALG_REM = 102, ALG_REINFORCE = 103 };

typedef struct batches {
    int32_t s[NB][B * T], ls[NB][B], a[NB][B], ns[NB][B * T], lns[NB][B];
    float r[NB][B];
    uint8_t d[NB][B];
} batches;

static void make_batches(batches *x, int I, uint64_t seed)
{
    orl_rng rng;
    orl_rng_init(&rng, seed, 0);
    for (int k = 0; k < NB; k++)
        for (int b = 0; b < B; b++) {
            int p = (int)orl_rng_below(&rng, 15); /* position in the session */
            int items[16];
            for (int t = 0; t <= p; t++) {
                float u = orl_rng_uniform(&rng);
                items[t] = (int)((float)I * u * u * u) % I; /* popular items first */
            }
            int len = p < 1 ? 1 : (p > T ? T : p), first = p > T ? p - T : 0;
            x->ls[k][b] = len;
            for (int t = 0; t < T; t++)
                x->s[k][b * T + t] = (p > 0 && t < len) ? items[first + t] : I;
            x->a[k][b] = items[p];
            int nfirst = p + 1 > T ? p + 1 - T : 0, nlen = p + 1 - nfirst;
            x->lns[k][b] = nlen;
            for (int t = 0; t < T; t++) x->ns[k][b * T + t] = t < nlen ? items[nfirst + t] : I;
            int buy = orl_rng_uniform(&rng) < 0.2f;
            x->r[k][b] = buy ? 1.0f : 0.2f;
            x->d[k][b] = (uint8_t)(orl_rng_uniform(&rng) < 0.15f);
        }
}

static double reference_rate(int I, int alg)
{
    /* offrl_torch.py on the small set, 2 threads (README "Offline-RL methods"). */
    if (I == 2000 && alg == ORL_RL_CQL) return 10565.0;
    if (I == 2000 && alg == ORL_RL_SQN_CQL) return 8342.0;
    if (I == 2000 && alg == ORL_RL_SQN_REM) return 7116.0;
    if (I == 2000) return alg == ORL_RL_SA2C ? 8950.0 : (alg == ORL_RL_SQN ? 11963.0 : 0.0);
    if (I == 25000) return alg == ORL_RL_SA2C ? 2139.0 : (alg == ORL_RL_SQN ? 2424.0 : 0.0);
    return 0.0;
}

/* Where a step's batch comes from: the synthetic batches, or a dataset read
 * in a shuffled order (assembled per step, pad id remapped to the net's). */
typedef struct source {
    const batches *x;
    const orl_dataset *ds;
    const uint64_t *order;
    uint64_t n_order, next;
    orl_batch batch;
    int32_t ds_pad, pad;
    double mean_len; /* mean state length of the data */
} source;

typedef struct step_in {
    const int32_t *s, *ls, *a, *ns, *lns;
    const float *r;
    const uint8_t *d;
} step_in;

static int next_batch(source *src, int k, step_in *o)
{
    if (src->x) {
        int j = k % NB;
        *o = (step_in){src->x->s[j],   src->x->ls[j], src->x->a[j], src->x->ns[j],
                       src->x->lns[j], src->x->r[j],  src->x->d[j]};
        return 0;
    }
    if (src->next + B > src->n_order) src->next = 0; /* full batches only */
    if (orl_dataset_fill_batch(src->ds, src->order + src->next, B, &src->batch) != ORL_OK) return 1;
    src->next += B;
    orl_batch *b = &src->batch;
    if (src->pad != src->ds_pad)
        for (size_t i = 0; i < (size_t)B * T; i++) {
            if (b->states[i] == src->ds_pad) b->states[i] = src->pad;
            if (b->next_states[i] == src->ds_pad) b->next_states[i] = src->pad;
        }
    *o = (step_in){b->states,   b->state_len, b->actions, b->next_states,
                   b->next_len, b->rewards,   b->done};
    return 0;
}

/* The SQN step's model FLOPs per transition: 8 H I in the output layers and
 * the GRU's products (2 * 3H(E + H) per step): forward on s (L steps), its
 * backward (2L), one step to s', the target network's forward on s' (L + 1). */
static double sqn_flops(int I, double mean_len)
{
    const double H = 64.0, E = 64.0;
    return 8.0 * H * I + 2.0 * 3.0 * H * (E + H) * (4.0 * mean_len + 2.0);
}

/* The encoder every run uses (--encoder), resolved to its reference settings. */
static orl_encoder_spec g_encoder;

/* "ce": the supervised network on the same batches (encoder + CE head). */
static int run_ce(source *src, int I, int threads, int steps)
{
    orl_sl_net_config c = orl_sl_net_config_default(I);
    c.encoder = g_encoder;
    c.dropout = g_encoder.dropout;
    orl_sl_net *net = NULL;
    if (orl_sl_net_create(&c, 1, threads, &net) != 0) return 1;
    const int warm = 3;
    double total = 0.0;
    float loss = 0.0f;
    for (int k = 0; k < warm + steps; k++) {
        double t0 = now_s();
        step_in x;
        if (next_batch(src, k, &x) != 0 ||
            orl_sl_net_train_step(net, x.s, x.ls, x.a, B, 0.01f, &loss) != 0) {
            fprintf(stderr, "step failed: %s\n", orl_last_error());
            orl_sl_net_free(net);
            return 1;
        }
        if (k >= warm) total += now_s() - t0;
    }
    printf("{\"bench\":\"rl_train\",\"algo\":\"ce\",\"encoder\":\"%s\",\"data\":\"%s\","
           "\"n_items\":%d,\"threads\":%d,\"batch\":%d,\"steps\":%d,\"mean_state_len\":%.2f,"
           "\"transitions_per_s\":%.0f,\"ms_per_step\":%.2f,\"final_loss\":%.4f}\n",
           g_encoder.architecture, src->x ? "synthetic" : "file", I, threads, B, steps,
           src->mean_len, (double)B * steps / total, 1e3 * total / steps, (double)loss);
    fflush(stdout);
    orl_sl_net_free(net);
    return 0;
}

/* "bcq", "rem": tq_net at the algorithms' defaults on the same batches. */
static int run_tq(source *src, int I, int alg, int threads, int steps)
{
    orl_tq_config c;
    memset(&c, 0, sizeof c);
    c.algorithm = alg == ALG_BCQ ? ORL_TQ_BCQ : ORL_TQ_REM;
    c.n_items = I;
    c.max_batch = B;
    c.gamma = 0.5f;
    c.threshold = 0.3f;
    c.reg = 0.01f;
    c.heads = 4;
    c.target_update = 8000;
    c.encoder = g_encoder;
    orl_tq_net *net = NULL;
    if (orl_tq_net_create(&c, 1, threads, &net) != 0) return 1;
    const int warm = 3;
    double total = 0.0;
    orl_tq_losses l;
    for (int k = 0; k < warm + steps; k++) {
        double t0 = now_s();
        step_in x;
        if (next_batch(src, k, &x) != 0 ||
            orl_tq_net_train_step(net, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, B, 0.01f, &l) != 0) {
            fprintf(stderr, "step failed: %s\n", orl_last_error());
            orl_tq_net_free(net);
            return 1;
        }
        if (k >= warm) total += now_s() - t0;
    }
    printf("{\"bench\":\"rl_train\",\"algo\":\"%s\",\"encoder\":\"%s\",\"data\":\"%s\","
           "\"n_items\":%d,\"threads\":%d,\"batch\":%d,\"steps\":%d,\"mean_state_len\":%.2f,"
           "\"transitions_per_s\":%.0f,\"ms_per_step\":%.2f,\"final_loss\":%.4f}\n",
           alg == ALG_BCQ ? "bcq" : "rem", g_encoder.architecture, src->x ? "synthetic" : "file", I,
           threads, B, steps, src->mean_len, (double)B * steps / total, 1e3 * total / steps,
           (double)l.total);
    fflush(stdout);
    orl_tq_net_free(net);
    return 0;
}

/* reinforce's model FLOPs per transition: pi's fused CE (logits 2 H I, its two
 * backward products 4 H I), beta's (logits 2 H I, dW 2 H I: no gradient into
 * the state) and the GRU's products on s (forward L steps, backward 2L). */
static double reinforce_flops(int I, double mean_len)
{
    const double H = 64.0, E = 64.0;
    return 10.0 * H * I + 2.0 * 3.0 * H * (E + H) * 3.0 * mean_len;
}

/* "reinforce": pg_net at its defaults on the same batches. */
static int run_pg(source *src, int I, int threads, int steps)
{
    orl_pg_config c = orl_pg_config_default(I);
    c.base.encoder = g_encoder;
    c.base.dropout = g_encoder.dropout;
    orl_pg_net *net = NULL;
    if (orl_pg_net_create(&c, 1, threads, &net) != 0) return 1;
    const int warm = 3;
    double total = 0.0;
    orl_pg_step st;
    for (int k = 0; k < warm + steps; k++) {
        double t0 = now_s();
        step_in x = {0};
        int s = next_batch(src, k, &x);
        const orl_pg_inputs in = {x.s, x.ls, x.a, x.r, NULL, B};
        if (s != 0 || orl_pg_net_train_step(net, &in, 0.01f, &st) != 0) {
            fprintf(stderr, "step failed: %s\n", orl_last_error());
            orl_pg_net_free(net);
            return 1;
        }
        if (k >= warm) total += now_s() - t0;
    }
    const double rate = (double)B * steps / total;
    printf("{\"bench\":\"rl_train\",\"algo\":\"reinforce\",\"encoder\":\"%s\",\"data\":\"%s\","
           "\"n_items\":%d,\"threads\":%d,\"batch\":%d,\"steps\":%d,\"mean_state_len\":%.2f,"
           "\"transitions_per_s\":%.0f,\"ms_per_step\":%.2f",
           g_encoder.architecture, src->x ? "synthetic" : "file", I, threads, B, steps,
           src->mean_len, rate, 1e3 * total / steps);
    if (!strcmp(g_encoder.architecture, "gru4rec")) {
        double gb = output_layer_gflops(I, threads, 5, 0),
               gk = output_layer_gflops(I, threads, 5, 1);
        double best = gb > gk ? gb : gk, flops = reinforce_flops(I, src->mean_len);
        double bound = best * 1e9 / flops;
        printf(",\"openblas_gflops\":%.1f,\"kgemm_gflops\":%.1f,\"flops_per_transition\":%.0f,"
               "\"blas_bound_transitions_per_s\":%.0f,\"pct_of_blas_bound\":%.1f",
               gb, gk, flops, bound, 100.0 * rate / bound);
    }
    printf(",\"final_loss\":%.4f}\n", (double)st.loss);
    fflush(stdout);
    orl_pg_net_free(net);
    return 0;
}

static int run(source *src, int I, int alg, int threads, int steps)
{
    if (alg == ALG_CE) return run_ce(src, I, threads, steps);
    if (alg == ALG_REINFORCE) return run_pg(src, I, threads, steps);
    if (alg == ALG_BCQ || alg == ALG_REM) return run_tq(src, I, alg, threads, steps);
    orl_rl_net_config c = orl_rl_net_config_default(I, alg);
    c.encoder = g_encoder;
    const int warm = 3;
    c.warmup_steps = warm + steps / 2;
    orl_rl_net *net = NULL;
    if (orl_rl_net_create(&c, 1, threads, &net) != 0) return 1;
    orl_rl_net_timing tm;
    memset(&tm, 0, sizeof tm);
    double t_phase[2] = {0.0, 0.0};
    int n_phase[2] = {0, 0};
    orl_rl_losses l;
    for (int k = 0; k < warm + steps; k++) {
        if (k == warm) orl_rl_net_set_timing(net, &tm);
        double t0 = now_s();
        step_in x;
        if (next_batch(src, k, &x) != 0 ||
            orl_rl_net_train_step(net, x.s, x.ls, x.a, x.r, x.ns, x.lns, x.d, B, 0.01f, &l) != 0) {
            fprintf(stderr, "step failed: %s\n", orl_last_error());
            orl_rl_net_free(net);
            return 1;
        }
        double t = now_s() - t0;
        if (k >= warm) {
            t_phase[l.phase] += t;
            n_phase[l.phase]++;
        }
    }
    int has_phases = alg == ORL_RL_SAC || alg == ORL_RL_SA2C;
    double total = (t_phase[0] + t_phase[1]);
    double rate = (double)B * (n_phase[0] + n_phase[1]) / total;
    printf("{\"bench\":\"rl_train\",\"encoder\":\"%s\",\"algo\":\"%s\",\"data\":\"%s\","
           "\"n_items\":%d,\"threads\":%d,"
           "\"batch\":%d,\"steps\":%d,\"mean_state_len\":%.2f,\"transitions_per_s\":%.0f,"
           "\"ms_per_step\":%.2f",
           g_encoder.architecture, orl_rl_algo_name(alg), src->x ? "synthetic" : "file", I, threads,
           B, steps, src->mean_len, rate, 1e3 * total / steps);
    if (has_phases)
        printf(",\"warmup_transitions_per_s\":%.0f,\"weighted_transitions_per_s\":%.0f",
               n_phase[0] ? B * n_phase[0] / t_phase[0] : 0.0,
               n_phase[1] ? B * n_phase[1] / t_phase[1] : 0.0);
    double ref = src->x ? reference_rate(I, alg) : 0.0;
    if (ref > 0.0)
        printf(",\"readme_reference_transitions_per_s\":%.0f,\"ratio_to_readme_reference\":%.2f",
               ref, rate / ref);
    if (alg == ORL_RL_SQN && !strcmp(g_encoder.architecture, "gru4rec")) {
        double gb = output_layer_gflops(I, threads, 5, 0),
               gk = output_layer_gflops(I, threads, 5, 1);
        double best = gb > gk ? gb : gk, flops = sqn_flops(I, src->mean_len);
        double bound = best * 1e9 / flops;
        const int amx =
            orl_cpu_amx_bf16_ready() && orl_kgemm_native() && I >= ORL_ARGMAX_SCREEN_MIN_ITEMS;
        /* The CE layer keeps B x I logits up to 8 MB (nn/softmax_ce.c). */
        const int recomputes = (double)B * I * sizeof(float) > 8.0 * (1 << 20);
        printf(",\"openblas_gflops\":%.1f,\"kgemm_gflops\":%.1f,\"flops_per_transition\":%.0f,"
               "\"amx_argmax\":%s,\"flops_per_transition_executed\":%.0f,"
               "\"blas_bound_transitions_per_s\":%.0f,\"pct_of_blas_bound\":%.1f",
               gb, gk, flops, amx ? "true" : "false",
               flops + (recomputes ? 2.0 * 64.0 * I : 0.0) - (amx ? 2.0 * 64.0 * I : 0.0), bound,
               100.0 * rate / bound);
    }
    double ms = 1e3 / (double)(tm.steps ? tm.steps : 1);
    printf(",\"ms_phases\":{\"encode_fwd\":%.2f,\"ce_fwd\":%.2f,\"targets\":%.2f,"
           "\"head_bwd\":%.2f,\"encode_bwd\":%.2f,\"adam\":%.2f}",
           tm.encode_fwd * ms, tm.ce_fwd * ms, tm.targets * ms, tm.head_bwd * ms,
           tm.encode_bwd * ms, tm.adam * ms);
    printf(",\"final_loss\":%.4f}\n", (double)l.total);
    fflush(stdout);
    orl_rl_net_free(net);
    return 0;
}

/* --data mode: every algorithm asked for on the file's transitions. */
static int run_file(const char *path, int items, int threads, int steps, int only, uint64_t seed)
{
    orl_dataset_params dp;
    orl_dataset_params_init(&dp);
    orl_dataset *ds = NULL;
    source src;
    memset(&src, 0, sizeof src);
    uint64_t *order = NULL;
    int status = orl_dataset_create(&dp, &ds);
    if (status == ORL_OK) status = orl_dataset_load_csv(ds, path, NULL, NULL);
    if (status == ORL_OK) status = orl_dataset_finalize(ds);
    const uint64_t n = status == ORL_OK ? orl_dataset_transition_count(ds) : 0;
    if (status == ORL_OK && n < B) status = ORL_E_OUT_OF_RANGE;
    if (status == ORL_OK) {
        order = malloc(sizeof(uint64_t) * n);
        status = order ? orl_dataset_epoch_order(ds, seed, 0, order) : ORL_E_NOMEM;
    }
    if (status == ORL_OK) status = orl_batch_init(&src.batch, B, T);
    if (status == ORL_OK) {
        int ds_items = (int)orl_dataset_item_count(ds);
        int I = items > ds_items ? items : ds_items;
        src.ds = ds;
        src.order = order;
        src.n_order = n;
        src.ds_pad = ds_items;
        src.pad = I;
        /* Mean state length over the transitions the run will see. */
        double sum = 0.0;
        for (int k = 0; k < 64 && status == ORL_OK; k++) {
            step_in x;
            status = next_batch(&src, k, &x);
            for (int b = 0; b < B && status == ORL_OK; b++) sum += x.ls[b];
            if (status == ORL_OK) src.mean_len = sum / ((double)(k + 1) * B);
        }
        if (only >= ALG_CE) status = run(&src, I, only, threads, steps) ? ORL_E_NUMERIC : ORL_OK;
        for (int alg = 0; alg < 13 && status == ORL_OK; alg++)
            if ((only < 0 && alg < 4) || only == alg) {
                src.next = 0;
                status = run(&src, I, alg, threads, steps) ? ORL_E_NUMERIC : ORL_OK;
            }
    }
    if (status != ORL_OK) fprintf(stderr, "bench_rl --data %s: %s\n", path, orl_last_error());
    orl_batch_free(&src.batch);
    free(order);
    orl_dataset_free(ds);
    return status == ORL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    orl_encoder_spec_default(&g_encoder);
    g_encoder.dropout = -1.0f; /* the encoder's reference dropout */
    int items[8], n_items = 0, thread_list[2] = {1, 2}, n_threads = 2, steps = 0, only = -1;
    const char *data = NULL;
    uint64_t seed = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            thread_list[0] = atoi(argv[++i]);
            n_threads = 1;
        } else if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
            steps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--algo") && i + 1 < argc) {
            if (!strcmp(argv[++i], "ce"))
                only = ALG_CE;
            else if (!strcmp(argv[i], "bcq"))
                only = ALG_BCQ;
            else if (!strcmp(argv[i], "rem"))
                only = ALG_REM;
            else if (!strcmp(argv[i], "reinforce"))
                only = ALG_REINFORCE;
            else if (orl_rl_algo_from_name(argv[i], &only) != 0)
                return 2;
        } else if (!strcmp(argv[i], "--encoder") && i + 1 < argc) {
            snprintf(g_encoder.architecture, sizeof g_encoder.architecture, "%s", argv[++i]);
        } else if (!strcmp(argv[i], "--data") && i + 1 < argc) {
            data = argv[++i];
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(argv[i], "--items") && i + 1 < argc) {
            items[0] = atoi(argv[++i]);
            n_items = 1;
        } else if (n_items < 8 && argv[i][0] != '-') {
            items[n_items++] = atoi(argv[i]);
        } else {
            fprintf(stderr, "bench_rl: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (orl_encoder_spec_resolve(&g_encoder) != ORL_OK) {
        fprintf(stderr, "bench_rl: %s\n", orl_last_error());
        return 2;
    }
    orl_fp_flush_denormals();
    if (data) {
        int st = steps > 0 ? steps : 60;
        return run_file(data, n_items ? items[0] : 0, n_threads == 1 ? thread_list[0] : 2, st, only,
                        seed);
    }
    if (!n_items) {
        items[0] = 2000;
        items[1] = 25000;
        n_items = 2;
    }
    batches *x = malloc(sizeof *x);
    if (!x) return 1;
    for (int ii = 0; ii < n_items; ii++) {
        make_batches(x, items[ii], 7);
        source src;
        memset(&src, 0, sizeof src);
        src.x = x;
        double sum = 0.0;
        for (int k = 0; k < NB; k++)
            for (int b = 0; b < B; b++) sum += x->ls[k][b];
        src.mean_len = sum / (NB * B);
        int st = steps > 0 ? steps : (items[ii] <= 5000 ? 60 : 20);
        for (int ti = 0; ti < n_threads; ti++) {
            if (only >= ALG_CE && run(&src, items[ii], only, thread_list[ti], st) != 0) return 1;
            for (int alg = 0; alg < 13; alg++) /* the default: the four of 0.1.0 */
                if ((only < 0 && alg < 4) || only == alg)
                    if (run(&src, items[ii], alg, thread_list[ti], st) != 0) return 1;
        }
    }
    free(x);
    return 0;
}
