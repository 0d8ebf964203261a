/* Accuracy side by side with the PyTorch reference (shared/peer/sqn_torch.py
 * --mode ce): the same preprocessing (state = last 10 items before each step,
 * left-aligned, padded with n_items, length clip(p, 1, 10)), the same model,
 * init family, Adam and batches (full batches of a fresh permutation every
 * epoch), and the papers' evaluation: every test step ranked over all items,
 * rank = 1 + #items with a strictly larger score, HR@k and NDCG@k for clicks
 * and purchases separately.
 *
 *   bench_accuracy train.csv test.csv [epochs 10] [threads 2] [seed 0]
 *
 * CSV: session_id,timestamp,item_id,event (click|purchase), with a header.
 * The CSV reading here is a benchmark's minimal reader, not the library's. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "offlinerl/offlinerl.h"
#include "models/sl_net.h"
#include "bench_util.h"

enum { T = 10, B = 256 };

typedef struct event {
    long long session, ts;
    int item, buy, order;
} event;

typedef struct transitions {
    int n;
    int32_t *states, *lens, *actions;
    unsigned char *buy;
} transitions;

static int cmp_event(const void *a, const void *b)
{
    const event *x = a, *y = b;
    if (x->session != y->session) return x->session < y->session ? -1 : 1;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return x->order - y->order;
}

static event *read_events(const char *path, int *out_n, int *max_item)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char line[512];
    int cap = 1 << 16, n = 0;
    event *ev = malloc(sizeof(event) * cap);
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        free(ev);
        return NULL;
    }
    while (fgets(line, sizeof line, f)) {
        event e;
        char kind[64];
        if (sscanf(line, "%lld,%lld,%d,%63s", &e.session, &e.ts, &e.item, kind) != 4) continue;
        e.buy = strncmp(kind, "purchase", 8) == 0;
        e.order = n;
        if (n == cap) ev = realloc(ev, sizeof(event) * (cap *= 2));
        ev[n++] = e;
        if (e.item > *max_item) *max_item = e.item;
    }
    fclose(f);
    qsort(ev, (size_t)n, sizeof *ev, cmp_event);
    *out_n = n;
    return ev;
}

static transitions build(const event *ev, int n, int n_items)
{
    transitions t = {n, malloc(sizeof(int32_t) * n * T), malloc(sizeof(int32_t) * n),
                     malloc(sizeof(int32_t) * n), malloc((size_t)n)};
    int start = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && ev[i].session != ev[i - 1].session) start = i;
        int p = i - start, first = p > T ? p - T : 0;
        for (int k = 0; k < T; k++)
            t.states[(size_t)i * T + k] = first + k < p ? ev[start + first + k].item : n_items;
        t.lens[i] = p < 1 ? 1 : (p > T ? T : p);
        t.actions[i] = ev[i].item;
        t.buy[i] = (unsigned char)ev[i].buy;
    }
    return t;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s train.csv test.csv [epochs] [threads] [seed]\n", argv[0]);
        return 2;
    }
    int epochs = argc > 3 ? atoi(argv[3]) : 10, threads = argc > 4 ? atoi(argv[4]) : 2;
    unsigned long long seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 0;
    int n_tr = 0, n_te = 0, max_item = -1;
    event *tr_ev = read_events(argv[1], &n_tr, &max_item);
    event *te_ev = read_events(argv[2], &n_te, &max_item);
    if (!tr_ev || !te_ev) {
        fprintf(stderr, "cannot read the CSV files\n");
        return 1;
    }
    int I = max_item + 1;
    transitions tr = build(tr_ev, n_tr, I), te = build(te_ev, n_te, I);

    orl_sl_net_config cfg = orl_sl_net_config_default(I);
    orl_sl_net *net = NULL;
    if (orl_sl_net_create(&cfg, seed, threads, &net) != 0) {
        fprintf(stderr, "create: %s\n", orl_last_error());
        return 1;
    }
    uint32_t *perm = malloc(sizeof(uint32_t) * tr.n);
    int32_t st[B * T], ln[B], ac[B];
    orl_rng r;
    orl_rng_init(&r, seed, 99);
    int nb = tr.n / B;
    double t_train = 0;
    float loss = 0;
    for (int ep = 0; ep < epochs; ep++) {
        for (int i = 0; i < tr.n; i++) perm[i] = (uint32_t)i;
        orl_rng_shuffle_u32(&r, perm, (uint32_t)tr.n);
        double t0 = now_s();
        for (int b = 0; b < nb; b++) {
            for (int k = 0; k < B; k++) {
                uint32_t x = perm[b * B + k];
                memcpy(st + k * T, tr.states + (size_t)x * T, sizeof(int32_t) * T);
                ln[k] = tr.lens[x];
                ac[k] = tr.actions[x];
            }
            if (orl_sl_net_train_step(net, st, ln, ac, B, 0.01f, &loss) != 0) {
                fprintf(stderr, "step: %s\n", orl_last_error());
                return 1;
            }
        }
        t_train += now_s() - t0;
        fprintf(stderr, "epoch %d: loss %.4f\n", ep + 1, loss);
    }
    /* Evaluation: every test step against all items. */
    double hit[2][3] = {{0}}, ndcg[2][3] = {{0}};
    int cnt[2] = {0, 0};
    const int ks[3] = {5, 10, 20};
    size_t bytes = orl_sl_net_scratch_bytes(net, B);
    void *scr = malloc(bytes);
    float *scores = malloc(sizeof(float) * (size_t)B * I);
    double t0 = now_s();
    for (int i = 0; i < te.n; i += B) {
        int m = te.n - i < B ? te.n - i : B;
        orl_sl_net_scores(net, te.states + (size_t)i * T, te.lens + i, m, scr, bytes, scores);
        for (int k = 0; k < m; k++) {
            const float *row = scores + (size_t)k * I;
            float target = row[te.actions[i + k]];
            int rank = 0;
            for (int j = 0; j < I; j++) rank += row[j] > target;
            if (!isfinite(target)) rank = I;
            int c = te.buy[i + k];
            cnt[c]++;
            for (int q = 0; q < 3; q++)
                if (rank < ks[q]) {
                    hit[c][q] += 1;
                    ndcg[c][q] += 1.0 / log2(rank + 2.0);
                }
        }
    }
    double t_eval = now_s() - t0;
    printf("{\"bench\":\"accuracy\",\"n_items\":%d,\"train_transitions\":%d,"
           "\"test_transitions\":%d,\"epochs\":%d,\"threads\":%d,\"seed\":%llu,"
           "\"steps\":%d,\"train_transitions_per_s\":%.1f,\"final_loss\":%.5f,\"eval_s\":%.2f",
           I, tr.n, te.n, epochs, threads, seed, nb * epochs, (double)nb * epochs * B / t_train,
           loss, t_eval);
    const char *names[2] = {"click", "purchase"};
    for (int c = 0; c < 2; c++)
        for (int q = 0; q < 3; q++)
            printf(",\"%s_hr@%d\":%.5f,\"%s_ndcg@%d\":%.5f", names[c], ks[q],
                   hit[c][q] / (cnt[c] ? cnt[c] : 1), names[c], ks[q],
                   ndcg[c][q] / (cnt[c] ? cnt[c] : 1));
    printf(",\"n_click\":%d,\"n_purchase\":%d}\n", cnt[0], cnt[1]);
    free(scores);
    free(scr);
    free(perm);
    orl_sl_net_free(net);
    free(tr_ev);
    free(te_ev);
    return 0;
}
