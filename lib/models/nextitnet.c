/* NextItNet behind the encoder interface, as seqrec_torch.py's NextItNet
 * (NextItNetModules.py of the SQN / SA2C TF code):
 *   x = emb[s] * mask; for each dilation d, a residual block
 *   x = (x + relu(LN(conv_2d(relu(LN(conv_d(x))))))) * mask;
 *   state = x at position len - 1,
 * conv_d the causal dilated convolution of nn/dilated_conv.h (bias), LN eps
 * 1e-8 (nn/layernorm.h).
 *
 * Causal convolutions mean positions >= len never reach position len - 1, so
 * only the first len positions of a history are computed (the same bits).
 * Histories are laid out time-major, sorted by decreasing length (stable):
 * each step's rows are one block, each conv tap one GEMM per step. The pool
 * splits the histories into rank ranges of equal row counts; the parameter
 * gradients are summed over all rows in one fixed order, split over the
 * pool by channel, so they do not depend on the thread count.
 *
 * No dropout in the reference; with spec.dropout > 0 it applies to the state
 * vector (here, not in the nets, so that SL and RL both get it). */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/pool.h"
#include "models/encoder.h"
#include "nn/dilated_conv.h"
#include "nn/dropout.h"
#include "nn/layernorm.h"
#include "nn/vmath.h"

enum {
    NIN_MAX_LAYERS = 2 * ORL_ENC_MAX_DILATIONS,
    NIN_MAX_PARTS = 256, /* the pool's thread cap */
    NIN_MAX_DILATION = 1024,
    NIN_MIN_KERNEL = 2,
    NIN_MAX_KERNEL = 16,
    NIN_TENSORS_PER_LAYER = 4 /* kernel, bias, LN gamma, LN beta */
};
static const float nin_ln_eps = 1e-8f;
/* The reference's initializer(seed=1): one fixed stream for the tied kernel. */
static const uint64_t nin_tied_seed = 1, nin_tied_stream = 0x4e49;

/* ---- settings ---- */

static int enc_resolve(orl_encoder_spec *s)
{
    static const uint32_t def[] = {1, 2, 1, 2, 1, 2};
    if (s->dropout < 0.0f) s->dropout = 0.0f; /* none in the reference */
    if (s->n_dilations == 0) {
        s->n_dilations = sizeof def / sizeof def[0];
        memcpy(s->dilations, def, sizeof def);
    }
    if (s->kernel_size == 0) s->kernel_size = 3;
    if (s->n_dilations > ORL_ENC_MAX_DILATIONS)
        return orl_fail(ORL_E_OUT_OF_RANGE, "nextitnet n_dilations %u is outside [1, %d]",
                        s->n_dilations, ORL_ENC_MAX_DILATIONS);
    for (uint32_t i = 0; i < s->n_dilations; i++)
        if (s->dilations[i] < 1 || s->dilations[i] > NIN_MAX_DILATION)
            return orl_fail(ORL_E_OUT_OF_RANGE, "nextitnet dilations[%u] = %u is outside [1, %d]",
                            i, s->dilations[i], NIN_MAX_DILATION);
    if (s->kernel_size < NIN_MIN_KERNEL || s->kernel_size > NIN_MAX_KERNEL)
        return orl_fail(ORL_E_OUT_OF_RANGE, "nextitnet kernel_size %u is outside [%d, %d]",
                        s->kernel_size, NIN_MIN_KERNEL, NIN_MAX_KERNEL);
    if (s->independent_init > 1)
        return orl_fail(ORL_E_OUT_OF_RANGE, "nextitnet independent_init %u is outside [0, 1]",
                        s->independent_init);
    if (s->embed_dim != s->hidden_dim)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "nextitnet embed_dim %u must equal hidden_dim %u (the residual adds them)",
                        s->embed_dim, s->hidden_dim);
    return ORL_OK;
}

static int enc_state_dim(const orl_encoder_spec *s)
{
    return (int)s->hidden_dim;
}

static int n_layers(const orl_encoder_spec *s)
{
    return 2 * (int)s->n_dilations;
}

static int enc_n_params(const orl_encoder_spec *s)
{
    return 1 + NIN_TENSORS_PER_LAYER * n_layers(s);
}

/* Tensor q of layer l (block l / 2, its conv l % 2). */
static void layer_name(char *dst, int l, int q)
{
    static const char *const what[NIN_TENSORS_PER_LAYER] = {"w", "b", "ln_g", "ln_b"};
    snprintf(dst, ORL_PARAM_NAME_MAX, "nin.b%d.c%d.%s", l / 2, l % 2, what[q]);
}

static void enc_param_specs(const orl_enc *e, orl_param_spec *specs, orl_param_name *names)
{
    const size_t H = e->spec.hidden_dim, K = e->spec.kernel_size;
    specs[0] = (orl_param_spec){ORL_ENC_EMB, (size_t)e->n_items + 1, e->spec.embed_dim};
    for (int l = 0; l < n_layers(&e->spec); l++)
        for (int q = 0; q < NIN_TENSORS_PER_LAYER; q++) {
            int i = 1 + NIN_TENSORS_PER_LAYER * l + q;
            layer_name(names[i], l, q);
            specs[i] = (orl_param_spec){names[i], q == 0 ? K * H : 1, H};
        }
}

/* TF's truncated_normal: N(0, std) redrawn outside 2 std. */
static void truncated_normal(float *x, size_t n, float std, orl_rng *rng)
{
    for (size_t i = 0; i < n; i++) {
        float z;
        do z = orl_rng_normal(rng);
        while (z < -2.0f || z > 2.0f);
        x[i] = std * z;
    }
}

/* The encoder's tensors are views emb, then 4 per layer, in spec order. */
static const orl_param_view *views_of(const orl_params *p)
{
    return orl_params_find(p, ORL_ENC_EMB);
}

static void enc_init(orl_params *p, const orl_enc *e, orl_rng *rng)
{
    const orl_param_view *v = views_of(p);
    float *emb = p->value + v->offset;
    for (size_t i = 0; i < v->rows * v->cols; i++) emb[i] = 0.01f * orl_rng_normal(rng);
    orl_rng tied;
    orl_rng_init(&tied, nin_tied_seed, nin_tied_stream);
    const float *first = NULL;
    for (int l = 0; l < n_layers(&e->spec); l++) {
        const orl_param_view *lv = v + 1 + NIN_TENSORS_PER_LAYER * l;
        float *w = p->value + lv[0].offset;
        size_t nw = lv[0].rows * lv[0].cols, H = lv[1].cols;
        if (e->spec.independent_init)
            truncated_normal(w, nw, 0.02f, rng);
        else if (first)
            memcpy(w, first, sizeof(float) * nw);
        else
            truncated_normal(w, nw, 0.02f, &tied);
        first = w;
        memset(p->value + lv[1].offset, 0, sizeof(float) * H);
        for (size_t i = 0; i < H; i++) p->value[lv[2].offset + i] = 1.0f;
        memset(p->value + lv[3].offset, 0, sizeof(float) * H);
    }
}

/* ---- the network's weights, one call's view ---- */

typedef struct nin_net {
    int H, k, L, pad;
    int dil[NIN_MAX_LAYERS];
    float *emb;
    float *w[NIN_MAX_LAYERS], *b[NIN_MAX_LAYERS], *g[NIN_MAX_LAYERS], *beta[NIN_MAX_LAYERS];
} nin_net;

/* Weights from buf (p->value) or, with buf = p->grad, their gradients. */
static void net_of(nin_net *n, const orl_params *p, float *buf, const orl_enc *e)
{
    const orl_param_view *v = views_of(p);
    n->H = (int)e->spec.hidden_dim;
    n->k = (int)e->spec.kernel_size;
    n->L = n_layers(&e->spec);
    n->pad = e->n_items;
    n->emb = buf + v->offset;
    for (int l = 0; l < n->L; l++) {
        const orl_param_view *lv = v + 1 + NIN_TENSORS_PER_LAYER * l;
        n->dil[l] = (int)e->spec.dilations[l / 2] * (l % 2 ? 2 : 1);
        n->w[l] = buf + lv[0].offset;
        n->b[l] = buf + lv[1].offset;
        n->g[l] = buf + lv[2].offset;
        n->beta[l] = buf + lv[3].offset;
    }
}

static orl_dconv_dims dims_at(const nin_net *n, int l)
{
    return (orl_dconv_dims){n->H, n->k, n->dil[l]};
}

/* Where the activations of a set of rows live: layer l's y at y + l * ls,
 * block b's input at x + b * xs; strides 0 share one buffer (encode_one). */
typedef struct nin_acts {
    float *x, *y, *r, *st;
    size_t xs, ls, ss;
} nin_acts;

/* ---- element-wise loops, branch-free so that they vectorise ---- */

static void relu(float *restrict v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float x = v[i];
        v[i] = x > 0.0f ? x : 0.0f;
    }
}

/* d = g where the ReLU's output r is positive, else 0. */
static void relu_backward(float *restrict d, const float *restrict g, const float *restrict r,
                          size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float gv = g[i];
        d[i] = r[i] > 0.0f ? gv : 0.0f;
    }
}

/* y = (x + r) m; y may be x (encode_one works in place). */
static void add_times(float *y, const float *x, const float *restrict r, float m, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = (x[i] + r[i]) * m;
}

static void copy_times(float *restrict y, const float *restrict x, float m, size_t n)
{
    for (size_t i = 0; i < n; i++) y[i] = x[i] * m;
}

static void times(float *restrict v, float m, size_t n)
{
    for (size_t i = 0; i < n; i++) v[i] *= m;
}

/* ---- forward of the rows of s (shared by the batch and encode_one) ---- */

static void conv_ln_relu(const nin_net *n, const nin_acts *a, int l, const float *in,
                         orl_dconv_seqs s)
{
    const size_t H = (size_t)n->H;
    float *y = a->y + l * a->ls, *r = a->r + l * a->ls, *st = a->st + l * a->ss;
    orl_dconv_forward(y, in, n->w[l], n->b[l], dims_at(n, l), s);
    for (int t = 0; t < s.steps; t++) {
        size_t r0;
        const int m = orl_dconv_step_rows(s, t, &r0);
        if (!m) break;
        orl_layernorm_forward(r + r0 * H, st + 2 * r0, y + r0 * H, n->g[l], n->beta[l], (size_t)m,
                              H, nin_ln_eps);
        relu(r + r0 * H, (size_t)m * H);
    }
}

static void forward_rows(const nin_net *n, const nin_acts *a, const int32_t *ids, const float *mask,
                         orl_dconv_seqs s)
{
    const size_t H = (size_t)n->H;
    for (int t = 0; t < s.steps; t++) {
        size_t r0;
        const int m = orl_dconv_step_rows(s, t, &r0);
        for (size_t r = r0; r < r0 + (size_t)m; r++)
            copy_times(a->x + r * H, n->emb + (size_t)ids[r] * H, mask[r], H);
    }
    for (int blk = 0; blk < n->L / 2; blk++) {
        float *x = a->x + blk * a->xs, *x_next = a->x + (blk + 1) * a->xs;
        conv_ln_relu(n, a, 2 * blk, x, s);
        conv_ln_relu(n, a, 2 * blk + 1, a->r + 2 * blk * a->ls, s);
        const float *r = a->r + (2 * blk + 1) * a->ls;
        for (int t = 0; t < s.steps; t++) {
            size_t r0;
            const int m = orl_dconv_step_rows(s, t, &r0);
            for (size_t row = r0; row < r0 + (size_t)m; row++)
                add_times(x_next + row * H, x + row * H, r + row * H, mask[row], H);
        }
    }
}

/* ---- the training / batch workspace ---- */

typedef struct nin_work {
    int max_batch;
    /* plan of the last forward */
    int batch, rows, steps, parts, dropped;
    int32_t *perm;            /* [B] history at each rank: decreasing length, stable */
    int32_t *start, *count;   /* [T] rows of each step */
    int32_t *bound;           /* [NIN_MAX_PARTS + 1] rank ranges of the parts */
    int32_t *ids;             /* [N] time-major */
    float *mask;              /* [N] 0 for the padding id */
    nin_acts acts;            /* x [(blocks + 1) N H], y, r [L N H], st [L 2N] */
    float *dx, *dr, *dz, *dy; /* [N H] backward */
    float *wt;                /* [L k H H] transposed kernels */
    float *drop;              /* [B H] dropout mask of the state */
} nin_work;

enum { NIN_WORK_PIECES = 16 };

/* Sizes of the pieces after the struct, in order (bytes, each rounded to 64). */
static void work_pieces(const orl_enc *e, int max_batch, size_t *sz)
{
    const size_t B = (size_t)max_batch, T = e->spec.window, H = e->spec.hidden_dim;
    const size_t N = B * T, L = (size_t)n_layers(&e->spec), K = e->spec.kernel_size;
    const size_t f = sizeof(float), i4 = sizeof(int32_t);
    size_t v[] = {B * i4,
                  T * i4,
                  T * i4,
                  (NIN_MAX_PARTS + 1) * i4,
                  N * i4,
                  N * f,
                  (L / 2 + 1) * N * H * f,
                  L * N * H * f,
                  L * N * H * f,
                  L * 2 * N * f,
                  N * H * f,
                  N * H * f,
                  N * H * f,
                  N * H * f,
                  L * K * H * H * f,
                  B * H * f};
    _Static_assert(sizeof v / sizeof v[0] == NIN_WORK_PIECES, "one size per piece");
    for (int i = 0; i < NIN_WORK_PIECES; i++) sz[i] = orl_enc_round64(v[i]);
}

static size_t enc_work_bytes(const orl_enc *e, int max_batch)
{
    size_t sz[NIN_WORK_PIECES], total = orl_enc_round64(sizeof(nin_work));
    work_pieces(e, max_batch, sz);
    for (int i = 0; i < NIN_WORK_PIECES; i++) total += sz[i];
    return total;
}

static void *enc_work_bind(void *block, const orl_enc *e, int max_batch)
{
    size_t sz[NIN_WORK_PIECES];
    work_pieces(e, max_batch, sz);
    nin_work *w = block;
    memset(w, 0, sizeof *w);
    char *p = (char *)block + orl_enc_round64(sizeof *w);
    void *piece[NIN_WORK_PIECES];
    for (int i = 0; i < NIN_WORK_PIECES; i++) {
        piece[i] = p;
        p += sz[i];
    }
    const size_t NH = (size_t)max_batch * e->spec.window * e->spec.hidden_dim;
    w->max_batch = max_batch;
    w->perm = piece[0];
    w->start = piece[1];
    w->count = piece[2];
    w->bound = piece[3];
    w->ids = piece[4];
    w->mask = piece[5];
    w->acts = (nin_acts){
        piece[6], piece[7], piece[8], piece[9], NH, NH, 2 * (size_t)max_batch * e->spec.window};
    w->dx = piece[10];
    w->dr = piece[11];
    w->dz = piece[12];
    w->dy = piece[13];
    w->wt = piece[14];
    w->drop = piece[15];
    return w;
}

/* Rank order, time-major ids and masks, and the parts' rank ranges. */
static void plan(nin_work *w, const int32_t *states, const int32_t *lens, int batch, int T, int pad,
                 int threads)
{
    /* Counting sort by decreasing length, stable; count[] first holds the
     * histogram, start[] each length's first rank. */
    int32_t *count = w->count, *start = w->start;
    memset(count, 0, sizeof(int32_t) * (size_t)T);
    for (int b = 0; b < batch; b++) count[lens[b] - 1]++;
    for (int len = T, rank = 0; len >= 1; len--) {
        start[len - 1] = rank;
        rank += count[len - 1];
    }
    for (int b = 0; b < batch; b++) w->perm[start[lens[b] - 1]++] = b;
    for (int t = T - 1, running = 0; t >= 0; t--) { /* now: histories longer than t */
        running += count[t];
        count[t] = running;
    }
    w->batch = batch;
    w->steps = lens[w->perm[0]];
    int rows = 0;
    for (int t = 0; t < w->steps; t++) {
        start[t] = rows;
        for (int i = 0; i < count[t]; i++) {
            int32_t id = states[(size_t)w->perm[i] * T + t];
            w->ids[rows + i] = id;
            w->mask[rows + i] = id != pad ? 1.0f : 0.0f;
        }
        rows += count[t];
    }
    w->rows = rows;
    /* Parts of about equal rows; ranks are sorted, so walk them once. */
    int parts = threads < batch ? threads : batch;
    if (parts > NIN_MAX_PARTS) parts = NIN_MAX_PARTS;
    if (parts < 1) parts = 1;
    w->parts = parts;
    w->bound[0] = 0;
    int rank = 0;
    long acc = 0;
    for (int c = 1; c < parts; c++) {
        long target = (long)rows * c / parts;
        while (rank < batch && acc + lens[w->perm[rank]] <= target) acc += lens[w->perm[rank++]];
        w->bound[c] = rank;
    }
    w->bound[parts] = batch;
}

static orl_dconv_seqs seqs_of(const nin_work *w, int lo, int hi)
{
    return (orl_dconv_seqs){w->start, w->count, w->steps, lo, hi};
}

/* ---- batch forward ---- */

typedef struct fwd_job {
    nin_net net;
    nin_work *w;
    const int32_t *lens;
    float *out;
} fwd_job;

static void fwd_part(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const fwd_job *j = ctx;
    nin_work *w = j->w;
    const size_t H = (size_t)j->net.H;
    const float *last = w->acts.x + (size_t)(j->net.L / 2) * w->acts.xs;
    for (size_t c = begin; c < end; c++) {
        const int lo = w->bound[c], hi = w->bound[c + 1];
        if (lo >= hi) continue;
        forward_rows(&j->net, &w->acts, w->ids, w->mask, seqs_of(w, lo, hi));
        for (int i = lo; i < hi; i++) {
            const int b = w->perm[i];
            const float *src = last + ((size_t)w->start[j->lens[b] - 1] + (size_t)i) * H;
            float *dst = j->out + (size_t)b * H;
            if (w->dropped)
                orl_dropout_forward(dst, src, w->drop + (size_t)b * H, H);
            else
                memcpy(dst, src, sizeof(float) * H);
        }
    }
}

static void enc_forward(orl_pool *pool, const orl_params *p, const orl_enc *e, void *work,
                        const int32_t *states, const int32_t *lens, int batch, orl_rng *dropout,
                        float *out)
{
    nin_work *w = work;
    if (batch < 1) return;
    fwd_job j;
    net_of(&j.net, p, p->value, e);
    j.w = w;
    j.lens = lens;
    j.out = out;
    plan(w, states, lens, batch, (int)e->spec.window, e->n_items, orl_pool_threads(pool));
    w->dropped = dropout && e->spec.dropout > 0.0f;
    if (w->dropped) orl_dropout_mask(w->drop, (size_t)batch * j.net.H, e->spec.dropout, dropout);
    orl_pool_parallel_for(pool, (size_t)w->parts, fwd_part, &j);
}

/* ---- backward ---- */

typedef struct bwd_job {
    nin_net net, grad; /* weights; their gradients (p->grad) */
    nin_work *w;
    const int32_t *lens;
    const float *d_out;
    float *d_emb;
    int layer; /* the layer whose product the phase handles */
} bwd_job;

static const float *layer_input(const nin_net *n, const nin_acts *a, int l)
{
    return l % 2 ? a->r + (size_t)(l - 1) * a->ls : a->x + (size_t)(l / 2) * a->xs;
}

/* dz = g_out * relu'(r_l) and dy = LN_l'(dz) on the rows of s. */
static void through_ln_relu(const bwd_job *j, int l, const float *g_out, orl_dconv_seqs s)
{
    const nin_acts *a = &j->w->acts;
    const size_t H = (size_t)j->net.H;
    const float *r = a->r + l * a->ls, *y = a->y + l * a->ls, *st = a->st + l * a->ss;
    for (int t = 0; t < s.steps; t++) {
        size_t r0;
        const int m = orl_dconv_step_rows(s, t, &r0);
        if (!m) break;
        relu_backward(j->w->dz + r0 * H, g_out + r0 * H, r + r0 * H, (size_t)m * H);
        orl_layernorm_backward(j->w->dy + r0 * H, NULL, NULL, j->w->dz + r0 * H, y + r0 * H,
                               st + 2 * r0, j->net.g[l], (size_t)m, H, 0);
    }
}

/* dx *= mask: the block output's (and the embedding's) mask. */
static void mask_rows(const nin_work *w, float *v, size_t H, orl_dconv_seqs s)
{
    for (int t = 0; t < s.steps; t++) {
        size_t r0;
        const int m = orl_dconv_step_rows(s, t, &r0);
        for (size_t row = r0; row < r0 + (size_t)m; row++) times(v + row * H, w->mask[row], H);
    }
}

/* Row phase: the input gradient of layer j->layer (or, at L, the scatter of
 * d_out), then dz, dy of the layer below. */
static void bwd_rows(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const bwd_job *j = ctx;
    nin_work *w = j->w;
    const size_t H = (size_t)j->net.H;
    const int l = j->layer;
    for (size_t c = begin; c < end; c++) {
        const int lo = w->bound[c], hi = w->bound[c + 1];
        if (lo >= hi) continue;
        orl_dconv_seqs s = seqs_of(w, lo, hi);
        if (l == j->net.L) {
            for (int t = 0; t < s.steps; t++) {
                size_t r0;
                const int m = orl_dconv_step_rows(s, t, &r0);
                memset(w->dx + r0 * H, 0, sizeof(float) * (size_t)m * H);
            }
            for (int i = lo; i < hi; i++) {
                const int b = w->perm[i];
                float *dst = w->dx + ((size_t)w->start[j->lens[b] - 1] + (size_t)i) * H;
                const float *src = j->d_out + (size_t)b * H;
                if (w->dropped)
                    orl_dropout_backward(dst, src, w->drop + (size_t)b * H, H);
                else
                    memcpy(dst, src, sizeof(float) * H);
            }
        } else if (l % 2) {
            orl_dconv_backward_data(w->dr, w->dy, w->wt + (size_t)l * j->net.k * H * H,
                                    dims_at(&j->net, l), s, 0);
            through_ln_relu(j, l - 1, w->dr, s);
            continue;
        } else {
            orl_dconv_backward_data(w->dx, w->dy, w->wt + (size_t)l * j->net.k * H * H,
                                    dims_at(&j->net, l), s, 1);
        }
        mask_rows(w, w->dx, H, s);
        if (l > 0) through_ln_relu(j, l - 1, w->dx, s);
    }
}

/* LN's d_gamma, d_beta [c0, c1) += their gradients over rows [0, n). */
static void ln_params(float *restrict gg, float *restrict gb, const float *dz, const float *y,
                      const float *st, size_t n, size_t H, size_t c0, size_t c1)
{
    for (size_t r = 0; r < n; r++) {
        const float *restrict dzr = dz + r * H, *restrict yr = y + r * H;
        const float mean = st[2 * r], rstd = st[2 * r + 1];
        for (size_t o = c0; o < c1; o++) {
            gg[o] += dzr[o] * ((yr[o] - mean) * rstd);
            gb[o] += dzr[o];
        }
    }
}

/* Parameter phase of layer j->layer, channels of part c; at layer -1 the
 * embedding rows. Every sum runs over all rows in row order. */
static void bwd_params(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)thread_index;
    const bwd_job *j = ctx;
    const nin_work *w = j->w;
    const int l = j->layer, H = j->net.H, parts = w->parts;
    const size_t N = (size_t)w->rows;
    for (size_t c = begin; c < end; c++) {
        size_t c0, c1;
        orl_pool_chunk((size_t)H, parts, (int)c, &c0, &c1);
        if (l < 0) {
            for (size_t r = 0; r < N; r++)
                if (w->mask[r] != 0.0f)
                    orl_vec_add(j->d_emb + (size_t)w->ids[r] * H + c0, w->dx + r * H + c0, c1 - c0);
            continue;
        }
        orl_dconv_backward_params(j->grad.w[l], j->grad.b[l], w->dy,
                                  layer_input(&j->net, &w->acts, l), dims_at(&j->net, l),
                                  seqs_of(w, 0, w->batch), (int)c0, (int)c1);
        const float *y = w->acts.y + (size_t)l * w->acts.ls, *st = w->acts.st + l * w->acts.ss;
        ln_params(j->grad.g[l], j->grad.beta[l], w->dz, y, st, N, (size_t)H, c0, c1);
        /* The next row phase needs this layer's transposed kernel. */
        for (int q = (int)c; q < j->net.k; q += parts)
            orl_dconv_pack_t(w->wt + (size_t)l * j->net.k * H * H, j->net.w[l], dims_at(&j->net, l),
                             q);
    }
}

static void enc_backward(orl_pool *pool, orl_params *p, const orl_enc *e, void *work,
                         const int32_t *states, const int32_t *lens, int batch, const float *d_out)
{
    (void)states; /* the forward's plan is in work */
    nin_work *w = work;
    if (batch < 1) return;
    bwd_job j;
    net_of(&j.net, p, p->value, e);
    net_of(&j.grad, p, p->grad, e);
    j.w = w;
    j.lens = lens;
    j.d_out = d_out;
    j.d_emb = j.grad.emb;
    const size_t parts = (size_t)w->parts;
    for (int l = j.net.L; l >= 0; l--) {
        j.layer = l;
        orl_pool_parallel_for(pool, parts, bwd_rows, &j);
        j.layer = l - 1;
        orl_pool_parallel_for(pool, parts, bwd_params, &j);
    }
}

static void enc_mark_touched(const orl_enc *e, const void *work, const int32_t *states,
                             const int32_t *lens, int batch, unsigned char *touched)
{
    (void)e, (void)states, (void)lens, (void)batch;
    const nin_work *w = work;
    for (int r = 0; r < w->rows; r++)
        if (w->mask[r] != 0.0f) touched[w->ids[r]] = 1;
}

/* ---- one history ---- */

static size_t enc_one_bytes(const orl_enc *e)
{
    const size_t T = e->spec.window, H = e->spec.hidden_dim;
    return orl_enc_round64(3 * T * sizeof(int32_t)) + orl_enc_round64(T * sizeof(float)) +
           3 * orl_enc_round64(T * H * sizeof(float)) + orl_enc_round64(2 * T * sizeof(float));
}

typedef struct one_job {
    nin_net net;
    nin_acts acts;
    const int32_t *ids;
    const float *mask;
    orl_dconv_seqs s;
    float *out;
} one_job;

static void one_run(void *ctx, size_t begin, size_t end, int thread_index)
{
    (void)begin, (void)end, (void)thread_index;
    const one_job *j = ctx;
    forward_rows(&j->net, &j->acts, j->ids, j->mask, j->s);
    const size_t H = (size_t)j->net.H;
    memcpy(j->out, j->acts.x + (size_t)(j->s.steps - 1) * H, sizeof(float) * H);
}

static void enc_encode_one(const orl_params *p, const orl_enc *e, const int32_t *state, int32_t len,
                           void *scratch, float *out)
{
    const size_t T = e->spec.window, H = e->spec.hidden_dim;
    char *c = scratch;
    int32_t *ids = (int32_t *)(void *)c, *start = ids + T, *count = start + T;
    c += orl_enc_round64(3 * T * sizeof(int32_t));
    float *mask = (float *)(void *)c;
    c += orl_enc_round64(T * sizeof(float));
    one_job j;
    net_of(&j.net, p, p->value, e);
    /* One buffer per kind, every layer in place (strides 0). */
    j.acts.x = (float *)(void *)c;
    j.acts.y = j.acts.x + orl_enc_round64(T * H * sizeof(float)) / sizeof(float);
    j.acts.r = j.acts.y + orl_enc_round64(T * H * sizeof(float)) / sizeof(float);
    j.acts.st = j.acts.r + orl_enc_round64(T * H * sizeof(float)) / sizeof(float);
    j.acts.xs = j.acts.ls = j.acts.ss = 0;
    for (int t = 0; t < len; t++) {
        ids[t] = state[t];
        mask[t] = state[t] != e->n_items ? 1.0f : 0.0f;
        start[t] = t;
        count[t] = 1;
    }
    j.ids = ids;
    j.mask = mask;
    j.s = (orl_dconv_seqs){start, count, len, 0, 1};
    j.out = out;
    /* Through the pool's inline path, for its flush-to-zero: the batch forward
     * runs under it too, and denormals must round the same. */
    orl_pool_parallel_for(NULL, 1, one_run, &j);
}

const orl_encoder_class orl_encoder_nextitnet = {
    .name = "nextitnet",
    .state_dropout = 0,
    .resolve = enc_resolve,
    .state_dim = enc_state_dim,
    .n_params = enc_n_params,
    .param_specs = enc_param_specs,
    .init = enc_init,
    .work_bytes = enc_work_bytes,
    .work_bind = enc_work_bind,
    .forward = enc_forward,
    .backward = enc_backward,
    .mark_touched = enc_mark_touched,
    .one_bytes = enc_one_bytes,
    .encode_one = enc_encode_one,
    .step_bytes = NULL,
    .step = NULL,
};
