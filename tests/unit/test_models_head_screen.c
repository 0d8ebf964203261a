/* The fp16 screen for one-history top-K (models/head_screen.h): its half
 * conversions, the rigour of its per-item bounds, and top-K results
 * bit-identical to the fp32 pass on a trained model and on adversarial
 * weights, with both kernels; the fallbacks; allocation failures. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/rng.h"
#include "models/ce_head.h"
#include "models/head_screen.h"
#include "models/sl_net.h"
#include "models/topk.h"
#include "nn/vmath.h"
#include "test_support.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_X86 1
__attribute__((target("f16c"))) static float hw_half_to_float(uint16_t h)
{
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}
__attribute__((target("f16c"))) static uint16_t hw_float_to_half(float f)
{
    return (uint16_t)_mm_cvtsi128_si32(_mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT));
}
#endif

static float bits_float(uint32_t x)
{
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

/* ---- conversions ---- */

static void test_half_conversions_round_to_nearest(void **state)
{
    (void)state;
#ifdef HAVE_X86
    int hw = __builtin_cpu_supports("f16c");
#else
    int hw = 0;
#endif
    for (uint32_t h = 0; h < 65536; h++) {
        if (((h >> 10) & 0x1f) == 0x1f) continue; /* inf / NaN: never stored */
        float f = orl_half_to_float((uint16_t)h);
        assert_int_equal(orl_float_to_half(f), h); /* exact round trip */
#ifdef HAVE_X86
        if (hw) assert_memory_equal(&f, &(float){hw_half_to_float((uint16_t)h)}, sizeof f);
#endif
    }
    orl_rng r;
    orl_rng_init(&r, 1, 0);
    for (int i = 0; i < 200000; i++) {
        /* Random bits below 65504 in magnitude, all exponents; ties included. */
        uint32_t x = (uint32_t)orl_rng_next(&r);
        if (i % 4 == 0) x &= ~0xfffu, x |= 0x1000u; /* exactly half an fp16 ulp */
        float f = bits_float(x);
        if (!(fabsf(f) < 65504.0f)) continue;
        uint16_t q = orl_float_to_half(f);
        float back = orl_half_to_float(q);
        double err = fabs((double)back - (double)f);
        assert_true(err <= 0x1p-11 * fabs((double)f) + 0x1p-25); /* what the proof uses */
#ifdef HAVE_X86
        if (hw) assert_int_equal(q, hw_float_to_half(f));
#endif
    }
}

/* ---- helpers ---- */

/* The fp32 pass the screen must reproduce: orl_matvec over all rows, then
 * orl_topk (the old one-history path). */
static void fp32_topk(const float *w, const float *b, const float *h, int I, int H, size_t k,
                      int32_t *ids, float *sc)
{
    float *s = malloc(sizeof(float) * (size_t)I);
    orl_matvec(s, w, h, b, (size_t)I, (size_t)H);
    orl_topk(s, (size_t)I, k, ids, sc);
    free(s);
}

static float *screen_scratch(void)
{
    float *p = orl_aligned_alloc(sizeof(float) * orl_head_screen_scratch_floats());
    assert_non_null(p);
    return p;
}

/* Screen top-k against the fp32 pass, bit for bit. Returns the screen's
 * verdict (1 answered, 0 fell back). */
static int check_same(const orl_head_screen *hs, const float *w, const float *b, const float *h,
                      int I, int H, size_t k, float *scratch, size_t *cands)
{
    int32_t *ia = malloc(sizeof(int32_t) * k), *ib = malloc(sizeof(int32_t) * k);
    float *sa = malloc(sizeof(float) * k), *sb = malloc(sizeof(float) * k);
    fp32_topk(w, b, h, I, H, k, ia, sa);
    orl_screen_stats st;
    int done = orl_head_screen_topk(hs, w, b, h, k, scratch, ib, sb, &st);
    if (done) {
        assert_memory_equal(ia, ib, sizeof(int32_t) * k);
        assert_memory_equal(sa, sb, sizeof(float) * k);
        assert_true(st.candidates >= k && !st.fell_back);
    } else {
        assert_true(st.fell_back);
    }
    if (cands) *cands = st.candidates;
    free(ia);
    free(ib);
    free(sa);
    free(sb);
    return done;
}

/* Both kernels where the CPU has the native one. */
static int n_kernels(void)
{
    orl_head_screen_force_scalar(0);
    return orl_head_screen_native() ? 2 : 1;
}

static void use_kernel(int kernel)
{
    orl_head_screen_force_scalar(kernel == 1);
}

/* ---- adversarial weights ---- */

enum { AI = 1000, AH = 64 };

/* Rows: a block of exact duplicates with the top bias (ties), rows of huge
 * and of tiny (fp16-subnormal, fp32-subnormal) norm, zero rows, near-equal
 * rows one ulp apart, and ordinary random rows. */
static void adversarial(float *w, float *b, orl_rng *r)
{
    for (int j = 0; j < AI; j++) {
        float scale = 1.0f;
        int kind = j % 10;
        if (kind == 1) scale = 3e4f;
        if (kind == 2) scale = 3e-6f;  /* fp16 subnormal */
        if (kind == 3) scale = 1e-39f; /* fp32 subnormal */
        if (kind == 4) scale = 0.0f;
        for (int k = 0; k < AH; k++) w[j * AH + k] = scale * (2.0f * orl_rng_uniform(r) - 1.0f);
        b[j] = kind == 5 ? 1e4f * (2.0f * orl_rng_uniform(r) - 1.0f) : 0.1f * orl_rng_uniform(r);
    }
    for (int j = 100; j < 300; j++) { /* 200 exact ties, on top */
        memcpy(w + j * AH, w + 99 * AH, sizeof(float) * AH);
        b[j] = b[99] = 2e4f;
    }
    for (int j = 400; j < 450; j++) { /* near-equal: one ulp in one weight */
        memcpy(w + j * AH, w + 399 * AH, sizeof(float) * AH);
        w[j * AH + j % AH] = nextafterf(w[j * AH + j % AH], (j & 1) ? INFINITY : -INFINITY);
        b[j] = b[399] = 1.5e4f;
    }
}

static void test_bounds_contain_the_fp32_scores(void **state)
{
    (void)state;
    float *w = malloc(sizeof(float) * AI * AH), *b = malloc(sizeof(float) * AI);
    float *s = malloc(sizeof(float) * AI), *lo = malloc(sizeof(float) * AI),
          *hi = malloc(sizeof(float) * AI);
    orl_rng r;
    orl_rng_init(&r, 2, 0);
    adversarial(w, b, &r);
    orl_head_screen *hs = NULL;
    assert_orl_ok(orl_head_screen_build(w, b, AI, AH, &hs));
    for (int kern = 0; kern < n_kernels(); kern++) {
        use_kernel(kern);
        for (int t = 0; t < 200; t++) {
            float h[AH];
            float hs_scale = t % 3 == 0 ? 1.0f : t % 3 == 1 ? 1e3f : 1e-3f;
            for (int k = 0; k < AH; k++) h[k] = hs_scale * (2.0f * orl_rng_uniform(&r) - 1.0f);
            orl_matvec(s, w, h, b, AI, AH);
            orl_head_screen_bounds(hs, h, lo, hi);
            double width = 0.0, nh = 0.0;
            for (int k = 0; k < AH; k++) nh += (double)h[k] * h[k];
            nh = sqrt(nh);
            for (int j = 0; j < AI; j++) {
                assert_true(lo[j] <= s[j]);
                assert_true(s[j] <= hi[j]);
                if (j % 10 == 0) { /* ordinary rows */
                    double nw = 0.0;
                    for (int k = 0; k < AH; k++) nw += (double)w[j * AH + k] * w[j * AH + k];
                    width += (double)(hi[j] - lo[j]) / (nh * sqrt(nw) + fabs((double)b[j]));
                }
            }
            /* Tight enough to be useful: about 2^-10 (||h|| ||w_j|| + |b_j|) wide. */
            assert_true(width / (AI / 10) < 2.5e-3);
        }
    }
    use_kernel(0);
    orl_head_screen_free(hs);
    free(w);
    free(b);
    free(s);
    free(lo);
    free(hi);
}

static void test_adversarial_topk_is_bit_identical(void **state)
{
    (void)state;
    float *w = malloc(sizeof(float) * AI * AH), *b = malloc(sizeof(float) * AI);
    orl_rng r;
    orl_rng_init(&r, 3, 0);
    adversarial(w, b, &r);
    orl_head_screen *hs = NULL;
    assert_orl_ok(orl_head_screen_build(w, b, AI, AH, &hs));
    float *scratch = screen_scratch();
    const size_t ks[] = {1, 3, 10, 199, 200, 201, 250, 500, AI};
    int answered = 0;
    for (int kern = 0; kern < n_kernels(); kern++) {
        use_kernel(kern);
        for (int t = 0; t < 60; t++) {
            float h[AH];
            for (int k = 0; k < AH; k++) h[k] = 2.0f * orl_rng_uniform(&r) - 1.0f;
            if (t % 4 == 1) memset(h, 0, sizeof h); /* every score is the bias: more ties */
            for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
                size_t cands = 0;
                answered += check_same(hs, w, b, h, AI, AH, ks[i], scratch, &cands);
            }
        }
    }
    /* The screen answered every call (no fallback): ties and K = I too. */
    assert_int_equal(answered, n_kernels() * 60 * 9);
    use_kernel(0);
    orl_aligned_free(scratch);
    orl_head_screen_free(hs);
    free(w);
    free(b);
}

/* ---- a trained model ---- */

static orl_sl_net *trained_net(int n_items)
{
    orl_sl_net_config cfg = orl_sl_net_config_default(n_items);
    cfg.max_batch = 32;
    orl_sl_net *net = NULL;
    assert_orl_ok(orl_sl_net_create(&cfg, 4, 1, &net));
    orl_rng r;
    orl_rng_init(&r, 4, 0);
    int32_t st[32 * 10], lens[32], act[32];
    for (int s = 0; s < 60; s++) {
        for (int i = 0; i < 32; i++) { /* the next item is the last + 1 */
            lens[i] = 1 + (int32_t)orl_rng_below(&r, 10);
            int start = (int)orl_rng_below(&r, (uint32_t)n_items);
            for (int t = 0; t < 10; t++)
                st[i * 10 + t] = t < lens[i] ? (start + t) % n_items : n_items;
            act[i] = (start + lens[i]) % n_items;
        }
        float loss;
        assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, 32, 0.01f, &loss));
    }
    return net;
}

static void random_history(orl_rng *r, int n_items, int32_t *st, int32_t *len)
{
    *len = 1 + (int32_t)orl_rng_below(r, 10);
    for (int t = 0; t < 10; t++)
        st[t] = t < *len ? (int32_t)orl_rng_below(r, (uint32_t)n_items) : n_items;
}

static void test_trained_model_topk_is_bit_identical(void **state)
{
    (void)state;
    enum { I = 1500 };
    orl_sl_net *net = trained_net(I);
    const orl_params *p = orl_sl_net_params_const(net);
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    const int H = orl_sl_net_get_config(net)->hidden_dim;
    orl_head_screen *hs = NULL;
    assert_orl_ok(orl_head_screen_build(w, b, I, H, &hs));
    float *scratch = screen_scratch();
    size_t bytes = orl_sl_net_scratch_bytes(net, 1);
    void *ns = malloc(bytes);
    orl_rng r;
    orl_rng_init(&r, 5, 0);
    size_t total_cands = 0, calls = 0;
    for (int kern = 0; kern < n_kernels(); kern++) {
        use_kernel(kern);
        for (int t = 0; t < 300; t++) {
            int32_t st[10], len;
            random_history(&r, I, st, &len);
            float h[256];
            assert_orl_ok(orl_sl_net_encode(net, st, &len, 1, ns, bytes, h));
            const size_t ks[] = {1, 10, 37};
            for (int i = 0; i < 3; i++) {
                size_t c = 0;
                assert_int_equal(check_same(hs, w, b, h, I, H, ks[i], scratch, &c), 1);
                total_cands += c;
                calls++;
            }
        }
    }
    /* Few candidates: the screen does its job (not merely correct). */
    assert_true(total_cands < calls * 80);
    use_kernel(0);
    free(ns);
    orl_aligned_free(scratch);
    orl_head_screen_free(hs);
    orl_sl_net_free(net);
}

/* orl_sl_net_topk with a screen equals it without, for one history (the
 * screened path) and for blocks (which never screen). */
static void test_net_topk_with_and_without_screen(void **state)
{
    (void)state;
    enum { I = ORL_SL_NET_SCREEN_MIN_ITEMS, N = 40, K = 10 };
    orl_sl_net *net = trained_net(I);
    size_t bytes = orl_sl_net_scratch_bytes(net, N);
    void *ns = malloc(bytes);
    int32_t st[N * 10], lens[N], ia[N * K], ib[N * K];
    float sa[N * K], sb[N * K];
    orl_rng r;
    orl_rng_init(&r, 6, 0);
    for (int i = 0; i < N; i++) random_history(&r, I, st + i * 10, lens + i);
    orl_sl_net_drop_screen(net);
    for (int i = 0; i < N; i++)
        assert_orl_ok(
            orl_sl_net_topk(net, st + i * 10, lens + i, 1, K, ns, bytes, ia + i * K, sa + i * K));
    assert_orl_ok(orl_sl_net_prepare_scoring(net));
    assert_int_equal(orl_sl_net_screen_bytes(net) > 0, orl_head_screen_native());
    assert_orl_ok(orl_sl_net_build_screen(net));
    assert_true(orl_sl_net_screen_bytes(net) > (size_t)I * 64 * 2);
    size_t bytes1 = orl_sl_net_scratch_bytes(net, 1); /* the screen needs its own scratch */
    void *ns1 = malloc(bytes1);
    for (int kern = 0; kern < n_kernels(); kern++) {
        use_kernel(kern);
        for (int i = 0; i < N; i++)
            assert_orl_ok(orl_sl_net_topk(net, st + i * 10, lens + i, 1, K, ns1, bytes1, ib + i * K,
                                          sb + i * K));
        assert_memory_equal(ia, ib, sizeof ia);
        assert_memory_equal(sa, sb, sizeof sa);
    }
    use_kernel(0);
    /* A training step drops the screen (its weights are stale). */
    int32_t act[1] = {3};
    float loss;
    assert_orl_ok(orl_sl_net_train_step(net, st, lens, act, 1, 0.01f, &loss));
    assert_int_equal(orl_sl_net_screen_bytes(net), 0);
    free(ns);
    free(ns1);
    orl_sl_net_free(net);
}

/* ---- fallbacks ---- */

static void test_falls_back_when_candidates_exceed_the_cap(void **state)
{
    (void)state;
    enum { I = 6000, H = 16 };
    float *w = malloc(sizeof(float) * I * H), *b = malloc(sizeof(float) * I);
    orl_rng r;
    orl_rng_init(&r, 7, 0);
    for (int k = 0; k < H; k++) w[k] = orl_rng_uniform(&r);
    for (int j = 0; j < I; j++) { /* every item the same: all of them tie */
        memcpy(w + j * H, w, sizeof(float) * H);
        b[j] = 0.25f;
    }
    orl_head_screen *hs = NULL;
    assert_orl_ok(orl_head_screen_build(w, b, I, H, &hs));
    float *scratch = screen_scratch();
    float h[H];
    for (int k = 0; k < H; k++) h[k] = orl_rng_uniform(&r);
    int32_t ids[ORL_SCREEN_MAX_K + 1] = {-7};
    float sc[ORL_SCREEN_MAX_K + 1] = {-7.0f};
    orl_screen_stats st;
    for (int kern = 0; kern < n_kernels(); kern++) {
        use_kernel(kern);
        assert_int_equal(orl_head_screen_topk(hs, w, b, h, 10, scratch, ids, sc, &st), 0);
        assert_true(st.fell_back);
        assert_int_equal(ids[0], -7); /* outputs untouched */
        /* K above the screen's limit, and a non-finite state. */
        assert_int_equal(
            orl_head_screen_topk(hs, w, b, h, ORL_SCREEN_MAX_K + 1, scratch, ids, sc, &st), 0);
        float bad[H];
        memcpy(bad, h, sizeof bad);
        bad[3] = INFINITY;
        assert_int_equal(orl_head_screen_topk(hs, w, b, bad, 10, scratch, ids, sc, &st), 0);
        bad[3] = NAN;
        assert_int_equal(orl_head_screen_topk(hs, w, b, bad, 10, scratch, ids, sc, &st), 0);
    }
    use_kernel(0);
    /* Forty items on top, the other 5960 tied below them: K <= 40 is
     * answered, K = 41 needs every tied item and falls back. */
    for (int j = 0; j < I; j++) b[j] = j < 40 ? 1.0f : -1.0f;
    orl_head_screen_free(hs);
    hs = NULL;
    assert_orl_ok(orl_head_screen_build(w, b, I, H, &hs));
    for (int kern = 0; kern < n_kernels(); kern++) {
        use_kernel(kern);
        assert_int_equal(check_same(hs, w, b, h, I, H, 10, scratch, NULL), 1);
        assert_int_equal(check_same(hs, w, b, h, I, H, 40, scratch, NULL), 1);
        assert_int_equal(check_same(hs, w, b, h, I, H, 41, scratch, NULL), 0); /* 5960 tie */
    }
    use_kernel(0);
    orl_aligned_free(scratch);
    orl_head_screen_free(hs);
    free(w);
    free(b);
}

static void test_build_refuses_what_fp16_cannot_hold(void **state)
{
    (void)state;
    float w[4 * 8], b[4] = {0};
    for (int i = 0; i < 32; i++) w[i] = 0.5f;
    orl_head_screen *hs = (orl_head_screen *)&w; /* must stay untouched */
    w[5] = 65504.0f;
    assert_int_equal(orl_head_screen_build(w, b, 4, 8, &hs), ORL_E_OUT_OF_RANGE);
    w[5] = NAN;
    assert_int_equal(orl_head_screen_build(w, b, 4, 8, &hs), ORL_E_OUT_OF_RANGE);
    w[5] = 65503.0f; /* rounds to 65504, the largest half: fine */
    b[2] = INFINITY;
    assert_int_equal(orl_head_screen_build(w, b, 4, 8, &hs), ORL_E_OUT_OF_RANGE);
    assert_ptr_equal(hs, (orl_head_screen *)&w);
    b[2] = 0.0f;
    assert_orl_ok(orl_head_screen_build(w, b, 4, 8, &hs));
    orl_head_screen_free(hs);

    /* A net whose head cannot be screened scores in fp32, without error. */
    orl_sl_net *net = trained_net(300);
    orl_params *p = orl_sl_net_params(net);
    float *hw = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    hw[7] = 1e6f;
    assert_orl_ok(orl_sl_net_build_screen(net));
    assert_int_equal(orl_sl_net_screen_bytes(net), 0);
    orl_sl_net_free(net);
}

static void test_build_allocation_failures(void **state)
{
    (void)state;
    enum { I = 100, H = 8 };
    float w[I * H], b[I];
    for (int i = 0; i < I * H; i++) w[i] = (float)(i % 13) * 0.1f;
    for (int i = 0; i < I; i++) b[i] = 0.0f;
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    for (int64_t n = 0;; n++) {
        orl_head_screen *hs = NULL;
        orl_alloc_fail_after(n);
        int s = orl_head_screen_build(w, b, I, H, &hs);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            orl_head_screen_free(hs);
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_null(hs);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_int_equal(failures, 2); /* the struct, the blocks */
    /* Through the net: a failed build keeps the net as it was. */
    orl_sl_net *net = trained_net(300);
    base = orl_alloc_live_blocks();
    orl_alloc_fail_after(0);
    assert_int_equal(orl_sl_net_build_screen(net), ORL_E_NOMEM);
    orl_alloc_fail_after(-1);
    assert_int_equal(orl_alloc_live_blocks(), base);
    assert_int_equal(orl_sl_net_screen_bytes(net), 0);
    assert_orl_ok(orl_sl_net_build_screen(net));
    assert_true(orl_sl_net_screen_bytes(net) > 0);
    orl_sl_net_free(net);
}

/* orl_model_build of a catalogue that gets a screen: every allocation
 * failure gives ORL_E_NOMEM, no model, no leak; the built model scores as
 * the fp32 pass. */
static void test_model_build_with_a_screen(void **state)
{
    (void)state;
    enum { I = ORL_SL_NET_SCREEN_MIN_ITEMS, K = 10 };
    orl_sl_net *net = trained_net(I);
    orl_keymap items;
    orl_keymap_init(&items);
    for (int i = 0; i < I; i++) {
        uint32_t id;
        assert_orl_ok(orl_keymap_put_int(&items, 5 * (int64_t)i, &id));
    }
    orl_encoder_spec enc;
    orl_encoder_spec_default(&enc);
    int64_t base = orl_alloc_live_blocks();
    int failures = 0;
    orl_model *m = NULL;
    for (int64_t n = 0;; n++) {
        orl_model *out = (orl_model *)&items; /* must stay untouched */
        orl_alloc_fail_after(n);
        int s = orl_model_build(&enc, I, "sl", NULL, &items, orl_sl_net_params_const(net), NULL, 0,
                                &out);
        orl_alloc_fail_after(-1);
        if (s == ORL_OK) {
            m = out;
            break;
        }
        assert_int_equal(s, ORL_E_NOMEM);
        assert_ptr_equal(out, (orl_model *)&items);
        assert_int_equal(orl_alloc_live_blocks(), base);
        failures++;
    }
    assert_true(failures >= 3);
    assert_int_equal(orl_sl_net_screen_bytes(m->net) > 0, orl_head_screen_native());
    /* The public call against the fp32 pass on the same net. */
    size_t bytes = orl_sl_net_scratch_bytes(net, 1);
    void *ns = malloc(bytes);
    orl_rng r;
    orl_rng_init(&r, 12, 0);
    for (int t = 0; t < 30; t++) {
        int32_t st[10], len, ids[K];
        float sc[K], api_sc[K];
        int64_t hist[10], api_items[K];
        random_history(&r, I, st, &len);
        for (int i = 0; i < len; i++) hist[i] = 5 * (int64_t)st[i];
        assert_orl_ok(orl_sl_net_topk(net, st, &len, 1, K, ns, bytes, ids, sc));
        assert_orl_ok(orl_model_recommend(m, hist, (size_t)len, K, api_items, api_sc, NULL));
        for (int k = 0; k < K; k++) assert_int_equal(api_items[k], 5 * (int64_t)ids[k]);
        assert_memory_equal(api_sc, sc, sizeof sc);
    }
    free(ns);
    orl_model_free(m);
    orl_keymap_free(&items);
    orl_sl_net_free(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_conversions_round_to_nearest),
        cmocka_unit_test(test_bounds_contain_the_fp32_scores),
        cmocka_unit_test(test_adversarial_topk_is_bit_identical),
        cmocka_unit_test(test_trained_model_topk_is_bit_identical),
        cmocka_unit_test(test_net_topk_with_and_without_screen),
        cmocka_unit_test(test_falls_back_when_candidates_exceed_the_cap),
        cmocka_unit_test(test_build_refuses_what_fp16_cannot_hold),
        cmocka_unit_test(test_build_allocation_failures),
        cmocka_unit_test(test_model_build_with_a_screen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
