/* Inference on a const sl_net: nothing here writes to the net, every
 * temporary lives in the caller's scratch, so threads may share one net. */
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "models/sl_net_internal.h"
#include "models/topk.h"
#include "nn/gemm_fma.h"
#include "nn/matvec_multi.h"
#include "nn/vmath.h"

/* Histories encoded and scored together (a block of their scores is the
 * largest temporary). */
enum { BLOCK = 64 };

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

typedef struct infer_space {
    float *one;      /* the encoder's one_bytes */
    float *work;     /* an encoder workspace for BLOCK rows */
    float *hidden;   /* [BLOCK x H] */
    float *scores;   /* [BLOCK x I], none for one history (its top-k streams) */
    float *topk_tmp; /* [I] scores of the top-k when the caller wants none */
    float *chunk;    /* one history's chunk of scores, or a block's transposed hidden
                      * states [H x 64] and chunk of scores [chunk x 64] */
    float *screen;   /* orl_head_screen_scratch_floats, with a screen */
} infer_space;

static size_t block_of(int n)
{
    return (size_t)(n < BLOCK ? (n < 1 ? 1 : n) : BLOCK);
}

/* The chunk region: hidden^T [H x np] and ORL_CE_HEAD_CHUNK rows of np
 * scores (np = blk rounded up to 16), as orl_ce_head_scores_t_floats counts,
 * or hidden^T and orl_matvec_multi_scan's work. */
static size_t chunk_floats(int hidden, size_t blk)
{
    size_t a = orl_ce_head_scores_t_floats(hidden, (int)blk);
    size_t b = blk > 1 ? (size_t)hidden * 64 + orl_matvec_multi_scan_work_floats() : 0;
    return a > b ? a : b;
}

/* The encoder's batch workspace: its encode_rows scratch when it has one. */
static size_t work_bytes(const orl_enc *e, size_t blk)
{
    size_t a = e->cls->work_bytes(e, (int)blk);
    size_t b = e->cls->rows_bytes ? e->cls->rows_bytes(e, (int)blk) : 0;
    return a > b ? a : b;
}

static size_t space_floats(const orl_sl_net *net, size_t blk, infer_space *s, float *base)
{
    const orl_enc *e = &net->enc;
    size_t H = (size_t)e->state_dim;
    size_t I = (size_t)e->n_items;
    size_t sizes[7] = {orl_enc_round64(e->cls->one_bytes(e)) / sizeof(float),
                       orl_enc_round64(work_bytes(e, blk)) / sizeof(float),
                       round16(blk * H),
                       blk > 1 ? round16(blk * I) : 0,
                       round16(I),
                       round16(chunk_floats(e->state_dim, blk)),
                       net->screen ? round16(orl_head_screen_scratch_floats()) : 0};
    size_t total = 0;
    float *p[7];
    for (int i = 0; i < 7; i++) {
        p[i] = base ? base + total : NULL;
        total += sizes[i];
    }
    if (s) {
        s->one = p[0];
        s->work = p[1];
        s->hidden = p[2];
        s->scores = p[3];
        s->topk_tmp = p[4];
        s->chunk = p[5];
        s->screen = p[6];
    }
    return total;
}

size_t orl_sl_net_scratch_bytes(const orl_sl_net *net, int n_histories)
{
    /* + 64 so that any caller pointer can be aligned up. */
    return sizeof(float) * space_floats(net, block_of(n_histories), NULL, NULL) + 64;
}

static int bind_space(const orl_sl_net *net, int n, void *scratch, size_t bytes, infer_space *s)
{
    size_t need = orl_sl_net_scratch_bytes(net, n);
    if (!scratch || bytes < need)
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "sl_net: scratch of %zu bytes, %zu needed", bytes,
                        need);
    uintptr_t a = ((uintptr_t)scratch + 63) & ~(uintptr_t)63;
    space_floats(net, block_of(n), s, (float *)a);
    return ORL_OK;
}

/* hidden [m x H] for histories [0, m) of the given arrays (m <= BLOCK), each
 * row bit-identical to encoding its history alone (encode_one). */
static void encode_block(const orl_sl_net *net, const int32_t *states, const int32_t *lens, int m,
                         infer_space *s, float *hidden)
{
    const orl_enc *e = &net->enc;
    const orl_params *p = &net->params;
    if (m == 1) {
        e->cls->encode_one(p, e, states, lens[0], s->one, hidden);
        return;
    }
    if (e->cls->encode_rows) {
        e->cls->encode_rows(p, e, states, lens, m, s->work, hidden);
        return;
    }
    void *w = e->cls->work_bind(s->work, e, m);
    e->cls->forward(NULL, p, e, w, states, lens, m, NULL, hidden);
}

int orl_sl_net_encode(const orl_sl_net *net, const int32_t *states, const int32_t *lens, int n,
                      void *scratch, size_t scratch_bytes, float *out_hidden)
{
    if (!net || !states || !lens || !out_hidden || n < 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "sl_net_encode: bad argument");
    infer_space s;
    ORL_TRY(bind_space(net, n, scratch, scratch_bytes, &s));
    ORL_TRY(orl_sl_net_check_states(net, states, lens, n));
    const size_t T = (size_t)net->cfg.window, H = (size_t)net->enc.state_dim;
    for (int i = 0; i < n; i += BLOCK) {
        int m = n - i < BLOCK ? n - i : BLOCK;
        encode_block(net, states + (size_t)i * T, lens + i, m, &s, out_hidden + (size_t)i * H);
    }
    return ORL_OK;
}

int orl_sl_net_scores(const orl_sl_net *net, const int32_t *states, const int32_t *lens, int n,
                      void *scratch, size_t scratch_bytes, float *out_scores)
{
    if (!net || !states || !lens || !out_scores || n < 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "sl_net_scores: bad argument");
    infer_space s;
    ORL_TRY(bind_space(net, n, scratch, scratch_bytes, &s));
    ORL_TRY(orl_sl_net_check_states(net, states, lens, n));
    const size_t T = (size_t)net->cfg.window, I = (size_t)net->cfg.n_items;
    for (int i = 0; i < n; i += BLOCK) {
        int m = n - i < BLOCK ? n - i : BLOCK;
        encode_block(net, states + (size_t)i * T, lens + i, m, &s, s.hidden);
        float *dst = out_scores + (size_t)i * I;
        if (m == 1) {
            orl_ce_head_scores(&net->params, (int)I, net->enc.state_dim, s.hidden, 1, dst);
            continue;
        }
        /* The head's scores with orl_matvec's arithmetic (the one-history
         * path's), a chunk of items for the block at a time, transposed. */
        const size_t H = (size_t)net->enc.state_dim, np = ((size_t)m + 15) & ~(size_t)15;
        const float *w = orl_params_at(&net->params, net->params.value, ORL_CE_HEAD_W);
        const float *b = orl_params_at(&net->params, net->params.value, ORL_CE_HEAD_B);
        float *xt = s.chunk, *chunk = s.chunk + H * np;
        orl_matvec_multi_prep(xt, s.hidden, m, H);
        for (size_t i0 = 0; i0 < I; i0 += ORL_CE_HEAD_CHUNK) {
            size_t i1 = i0 + ORL_CE_HEAD_CHUNK < I ? i0 + ORL_CE_HEAD_CHUNK : I;
            orl_matvec_multi_t(chunk, np, w + i0 * H, b + i0, i1 - i0, H, s.hidden, xt, m);
            for (size_t it = i0; it < i1; it++)
                for (int r = 0; r < m; r++) dst[(size_t)r * I + it] = chunk[(it - i0) * np + r];
        }
    }
    return ORL_OK;
}

/* Items per chunk of orl_sl_net_scores_chunked: 256 x 64 scores (64 KB)
 * stay in L2 while the caller reads them. */
enum { SCORE_CHUNK = 256 };

int orl_sl_net_scores_chunked(const orl_sl_net *net, const int32_t *states, const int32_t *lens,
                              int n, void *scratch, size_t scratch_bytes, float *out_hidden,
                              orl_sl_net_chunk_fn fn, void *ctx)
{
    if (!net || !states || !lens || !fn || n < 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "sl_net_scores_chunked: bad argument");
    infer_space s;
    ORL_TRY(bind_space(net, n, scratch, scratch_bytes, &s));
    ORL_TRY(orl_sl_net_check_states(net, states, lens, n));
    const size_t T = (size_t)net->cfg.window, I = (size_t)net->cfg.n_items;
    const size_t H = (size_t)net->enc.state_dim;
    const float *w = orl_params_at(&net->params, net->params.value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(&net->params, net->params.value, ORL_CE_HEAD_B);
    for (int i = 0; i < n; i += BLOCK) {
        int m = n - i < BLOCK ? n - i : BLOCK;
        float *hidden = out_hidden ? out_hidden + (size_t)i * H : s.hidden;
        encode_block(net, states + (size_t)i * T, lens + i, m, &s, hidden);
        /* nn/gemm_fma.h's arithmetic for every m (one history included). */
        const size_t np = ((size_t)m + 15) & ~(size_t)15;
        float *xt = s.chunk, *chunk = s.chunk + H * np;
        orl_matvec_multi_prep(xt, hidden, m, H);
        for (size_t i0 = 0; i0 < I; i0 += SCORE_CHUNK) {
            size_t i1 = i0 + SCORE_CHUNK < I ? i0 + SCORE_CHUNK : I;
            orl_gemm_fma_t(chunk, np, w + i0 * H, b + i0, i1 - i0, H, xt, np);
            fn(ctx, i, m, i0, i1 - i0, chunk, np);
        }
    }
    return ORL_OK;
}

int orl_sl_net_state_dim(const orl_sl_net *net)
{
    return net->enc.state_dim;
}

float orl_sl_net_head_score(const orl_sl_net *net, const float *hidden, int32_t item)
{
    const size_t H = (size_t)net->enc.state_dim;
    const float *w = orl_params_at(&net->params, net->params.value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(&net->params, net->params.value, ORL_CE_HEAD_B);
    return orl_dot_fma(w + (size_t)item * H, hidden, H, b[item]);
}

/* Top-k of one hidden state: through the screen when there is one and it
 * decides, else one fp32 pass in chunks of rows (same per-row arithmetic). */
static void topk_one(const orl_sl_net *net, const float *h, size_t k, infer_space *s, int32_t *ids,
                     float *scores)
{
    const orl_params *p = &net->params;
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    if (net->screen && orl_head_screen_topk(net->screen, w, b, h, k, s->screen, ids, scores, NULL))
        return;
    const size_t I = (size_t)net->cfg.n_items, H = (size_t)net->enc.state_dim;
    orl_topk_heap heap;
    orl_topk_init(&heap, k, scores, ids);
    for (size_t i0 = 0; i0 < I; i0 += ORL_CE_HEAD_CHUNK) {
        size_t rows = I - i0 < ORL_CE_HEAD_CHUNK ? I - i0 : ORL_CE_HEAD_CHUNK;
        orl_matvec(s->chunk, w + i0 * H, h, b + i0, rows, H);
        for (size_t r = 0; r < rows; r++) orl_topk_push(&heap, s->chunk[r], (int32_t)(i0 + r));
    }
    orl_topk_finish(&heap);
}

int orl_sl_net_prepare_scoring(orl_sl_net *net)
{
    orl_sl_net_drop_screen(net);
    if (net->cfg.n_items < ORL_SL_NET_SCREEN_MIN_ITEMS || !orl_head_screen_native()) return ORL_OK;
    return orl_sl_net_build_screen(net);
}

int orl_sl_net_build_screen(orl_sl_net *net)
{
    const orl_params *p = &net->params;
    orl_head_screen *scr = NULL;
    int st = orl_head_screen_build(orl_params_at(p, p->value, ORL_CE_HEAD_W),
                                   orl_params_at(p, p->value, ORL_CE_HEAD_B), net->cfg.n_items,
                                   net->enc.state_dim, &scr);
    if (st == ORL_E_NOMEM) return st;
    orl_head_screen_free(net->screen);
    net->screen = scr; /* NULL when the weights do not fit fp16 */
    return ORL_OK;
}

void orl_sl_net_drop_screen(orl_sl_net *net)
{
    orl_head_screen_free(net->screen);
    net->screen = NULL;
}

size_t orl_sl_net_screen_bytes(const orl_sl_net *net)
{
    return orl_head_screen_bytes(net->screen);
}

typedef struct scan_ctx {
    orl_topk_heap *heaps;
    float *thr;
    int m;
} scan_ctx;

/* One item's scores for the block's histories: into the heaps they beat
 * (pushing any other would change nothing), raising the bars. */
static void scan_push(void *ctx, int32_t item, const float *scores)
{
    scan_ctx *c = ctx;
    for (int r = 0; r < c->m; r++)
        if (!(scores[r] <= c->thr[r])) {
            orl_topk_push(&c->heaps[r], scores[r], item);
            c->thr[r] = c->heaps[r].filled < c->heaps[r].k ? -INFINITY : c->heaps[r].min;
        }
}

int orl_sl_net_topk(const orl_sl_net *net, const int32_t *states, const int32_t *lens, int n, int k,
                    void *scratch, size_t scratch_bytes, int32_t *out_ids, float *out_scores)
{
    if (!net || !states || !lens || !out_ids || n < 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "sl_net_topk: bad argument");
    if (k < 1 || k > net->cfg.n_items)
        return orl_fail(ORL_E_OUT_OF_RANGE, "sl_net_topk: k = %d is outside [1, %d]", k,
                        net->cfg.n_items);
    infer_space s;
    ORL_TRY(bind_space(net, n, scratch, scratch_bytes, &s));
    ORL_TRY(orl_sl_net_check_states(net, states, lens, n));
    const size_t T = (size_t)net->cfg.window, I = (size_t)net->cfg.n_items, K = (size_t)k;
    for (int i = 0; i < n; i += BLOCK) {
        int m = n - i < BLOCK ? n - i : BLOCK;
        encode_block(net, states + (size_t)i * T, lens + i, m, &s, s.hidden);
        if (m == 1) {
            topk_one(net, s.hidden, K, &s, out_ids + (size_t)i * K,
                     out_scores ? out_scores + (size_t)i * K : s.topk_tmp);
            continue;
        }
        /* Many histories: one pass of the catalogue through
         * orl_matvec_multi_scan (scores bit-identical to the one-history
         * pass), the scores of a tile of items checked against each
         * history's bar in registers; only those that beat it reach the heaps. */
        orl_topk_heap heaps[BLOCK];
        float thr[BLOCK];
        for (int r = 0; r < m; r++) {
            size_t row = (size_t)(i + r);
            orl_topk_init(&heaps[r], K, out_scores ? out_scores + row * K : s.scores + r * K,
                          out_ids + row * K);
            thr[r] = -INFINITY;
        }
        const orl_params *p = &net->params;
        const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
        const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
        const size_t H = (size_t)net->enc.state_dim;
        for (int r = m; r < BLOCK; r++) thr[r] = INFINITY; /* padding never beats */
        orl_matvec_multi_prep(s.chunk, s.hidden, m, H);
        scan_ctx sc = {heaps, thr, m};
        orl_matvec_multi_scan(w, b, I, H, s.hidden, s.chunk, m, thr, scan_push, &sc,
                              s.chunk + H * 64);
        for (int r = 0; r < m; r++) orl_topk_finish(&heaps[r]);
    }
    return ORL_OK;
}

int orl_sl_net_score_candidates(const orl_sl_net *net, const int32_t *states, const int32_t *lens,
                                int n, const int32_t *cand, int n_cand, void *scratch,
                                size_t scratch_bytes, float *out_scores)
{
    if (!net || !states || !lens || !cand || !out_scores || n < 0 || n_cand < 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "sl_net_score_candidates: bad argument");
    infer_space s;
    ORL_TRY(bind_space(net, n, scratch, scratch_bytes, &s));
    ORL_TRY(orl_sl_net_check_states(net, states, lens, n));
    const int I = net->cfg.n_items;
    for (size_t c = 0; c < (size_t)n * (size_t)n_cand; c++)
        if (cand[c] < 0 || cand[c] >= I)
            return orl_fail(ORL_E_OUT_OF_RANGE, "candidate %zu: item id %d is outside [0, %d)", c,
                            (int)cand[c], I);
    const size_t T = (size_t)net->cfg.window, H = (size_t)net->enc.state_dim;
    const size_t C = (size_t)n_cand;
    for (int i = 0; i < n; i += BLOCK) {
        int m = n - i < BLOCK ? n - i : BLOCK;
        encode_block(net, states + (size_t)i * T, lens + i, m, &s, s.hidden);
        for (int r = 0; r < m; r++) {
            size_t row = (size_t)(i + r);
            orl_ce_head_candidates(&net->params, net->enc.state_dim, s.hidden + (size_t)r * H,
                                   cand + row * C, C, out_scores + row * C);
        }
    }
    return ORL_OK;
}
