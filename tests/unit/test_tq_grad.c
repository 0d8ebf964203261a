/* The BCQ and REM losses of tq_net: their value against a naive
 * double-precision reference built from the same encoder states, and their
 * gradient against central finite differences, parameter by parameter (heads,
 * encoder, embeddings), with the target network and a' fixed (coordinates
 * where a' flips under the perturbation are skipped). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/rng.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/tq_net_internal.h"

enum { TB = 4, TI = 7, TT = 3, TE = 4, TH = 5 };

typedef struct tq_case {
    orl_tq_net *net;
    int32_t states[TB * TT], lens[TB], actions[TB], next_states[TB * TT], next_lens[TB];
    float rewards[TB];
    uint8_t done[TB];
    orl_tq_inputs in;
} tq_case;

static void fill(float *x, size_t n, float scale, orl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * (2.0f * orl_rng_uniform(r) - 1.0f);
}

static void fill_tensor(orl_params *p, const char *name, float scale, orl_rng *r)
{
    const orl_param_view *v = orl_params_find(p, name);
    assert_non_null(v);
    fill(p->value + v->offset, v->rows * v->cols, scale, r);
}

static void make_case(tq_case *c, int algorithm, uint64_t seed)
{
    orl_tq_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.algorithm = algorithm;
    cfg.n_items = TI;
    cfg.max_batch = TB;
    cfg.gamma = 0.7f;
    cfg.threshold = 0.3f;
    cfg.reg = 0.2f; /* larger than the default so the term shows in the check */
    cfg.heads = 3;
    cfg.target_update = 100;
    orl_encoder_spec_default(&cfg.encoder);
    cfg.encoder.embed_dim = TE;
    cfg.encoder.hidden_dim = TH;
    cfg.encoder.window = TT;
    assert_orl_ok(orl_tq_net_create(&cfg, seed, 1, &c->net));
    orl_rng r;
    orl_rng_init(&r, seed, 9);
    /* Larger heads and embeddings so every term carries real gradient; the
     * target differs from the online network. */
    orl_params *stores[2] = {&c->net->on, &c->net->tgt};
    for (int s = 0; s < 2; s++) {
        fill_tensor(stores[s], ORL_ENC_EMB, 0.8f, &r);
        if (algorithm == ORL_TQ_BCQ) {
            fill_tensor(stores[s], ORL_Q_HEAD_W, 1.0f, &r);
            fill_tensor(stores[s], ORL_Q_HEAD_B, 1.0f, &r);
            fill_tensor(stores[s], ORL_CE_HEAD_W, 1.0f, &r);
            fill_tensor(stores[s], ORL_CE_HEAD_B, 1.0f, &r);
        } else {
            fill_tensor(stores[s], ORL_Q_ENSEMBLE_W, 1.0f, &r);
            fill_tensor(stores[s], ORL_Q_ENSEMBLE_B, 1.0f, &r);
        }
    }
    static const int32_t lens[TB] = {1, 2, 3, 3};
    for (int b = 0; b < TB; b++) {
        c->lens[b] = lens[b];
        c->actions[b] = (int32_t)orl_rng_below(&r, TI);
        for (int t = 0; t < TT; t++)
            c->states[b * TT + t] = t < lens[b] ? (int32_t)orl_rng_below(&r, TI) : TI;
        int32_t seq[TT + 1];
        int n = 0;
        for (int t = 0; t < lens[b]; t++) seq[n++] = c->states[b * TT + t];
        seq[n++] = c->actions[b];
        int first = n > TT ? n - TT : 0;
        c->next_lens[b] = n - first;
        for (int t = 0; t < TT; t++)
            c->next_states[b * TT + t] = t < n - first ? seq[first + t] : TI;
        c->rewards[b] = b % 2 ? 1.0f : 0.2f;
        c->done[b] = (uint8_t)(b == 2);
    }
    orl_tq_inputs in = {c->states,      c->lens,      c->actions, c->rewards,
                        c->next_states, c->next_lens, c->done,    TB};
    c->in = in;
}

static float eval_loss(tq_case *c, int32_t *a_next)
{
    orl_tq_net *net = c->net;
    memset(net->on.grad, 0, sizeof(float) * net->on.count);
    orl_tq_losses l;
    if (net->cfg.algorithm == ORL_TQ_BCQ)
        assert_orl_ok(orl_tq_bcq_loss_grad(net, &c->in, &l));
    else
        assert_orl_ok(orl_tq_rem_loss_grad(net, &c->in, &l));
    if (a_next) memcpy(a_next, net->a_next, sizeof(int32_t) * TB);
    return l.total;
}

static double huber(double e)
{
    return fabs(e) <= 1 ? 0.5 * e * e : fabs(e) - 0.5;
}

/* Row r of h times W^T + b, in double. */
static double lin(const float *h, const float *w, const float *b, int item)
{
    double s = b[item];
    for (int k = 0; k < TH; k++) s += (double)h[k] * w[item * TH + k];
    return s;
}

/* The loss from first principles, on the encoder states of the three encodes. */
static double naive_bcq(tq_case *c)
{
    orl_tq_net *net = c->net;
    const orl_params *on = &net->on, *tg = &net->tgt;
    float hs[TB * TH], hn_on[TB * TH], hn_tg[TB * TH];
    net->enc.cls->forward(NULL, on, &net->enc, net->work_ng, c->states, c->lens, TB, NULL, hs);
    net->enc.cls->forward(NULL, on, &net->enc, net->work_ng, c->next_states, c->next_lens, TB, NULL,
                          hn_on);
    net->enc.cls->forward(NULL, tg, &net->enc, net->work_ng, c->next_states, c->next_lens, TB, NULL,
                          hn_tg);
    const float *gw = orl_params_at(on, on->value, ORL_CE_HEAD_W);
    const float *gb = orl_params_at(on, on->value, ORL_CE_HEAD_B);
    const float *qw = orl_params_at(on, on->value, ORL_Q_HEAD_W);
    const float *qb = orl_params_at(on, on->value, ORL_Q_HEAD_B);
    double total = 0.0, sq = 0.0;
    for (int b = 0; b < TB; b++) {
        double z[TI], zmax = -INFINITY;
        for (int i = 0; i < TI; i++) {
            z[i] = lin(hn_on + b * TH, gw, gb, i);
            zmax = fmax(zmax, z[i]);
        }
        int best = -1;
        double bq = -INFINITY;
        for (int i = 0; i < TI; i++) {
            double q = lin(hn_on + b * TH, qw, qb, i);
            if (exp(z[i] - zmax) > 0.3 && q > bq) { /* G(a)/max G > threshold */
                bq = q;
                best = i;
            }
        }
        double y =
            c->rewards[b] + (c->done[b] ? 0.0 : 0.7) *
                                lin(hn_tg + b * TH, orl_params_at(tg, tg->value, ORL_Q_HEAD_W),
                                    orl_params_at(tg, tg->value, ORL_Q_HEAD_B), best);
        double m = -INFINITY, s = 0.0;
        for (int i = 0; i < TI; i++) {
            z[i] = lin(hs + b * TH, gw, gb, i);
            m = fmax(m, z[i]);
            sq += z[i] * z[i];
        }
        for (int i = 0; i < TI; i++) s += exp(z[i] - m);
        double ce = m + log(s) - z[c->actions[b]];
        total += huber(lin(hs + b * TH, qw, qb, c->actions[b]) - y) + ce;
    }
    return total / TB + 0.2 * sq / (TB * TI);
}

static double naive_rem(tq_case *c, const float *alpha)
{
    orl_tq_net *net = c->net;
    const orl_params *on = &net->on, *tg = &net->tgt;
    float hs[TB * TH], hn_tg[TB * TH];
    net->enc.cls->forward(NULL, on, &net->enc, net->work_ng, c->states, c->lens, TB, NULL, hs);
    net->enc.cls->forward(NULL, tg, &net->enc, net->work_ng, c->next_states, c->next_lens, TB, NULL,
                          hn_tg);
    double total = 0.0;
    for (int b = 0; b < TB; b++) {
        double mx = -INFINITY, q = 0.0;
        for (int i = 0; i < TI; i++) {
            double v = 0.0;
            for (int k = 0; k < 3; k++)
                v += alpha[k] * lin(hn_tg + b * TH, orl_params_at(tg, tg->value, ORL_Q_ENSEMBLE_W),
                                    orl_params_at(tg, tg->value, ORL_Q_ENSEMBLE_B), k * TI + i);
            mx = fmax(mx, v);
        }
        for (int k = 0; k < 3; k++)
            q += alpha[k] * lin(hs + b * TH, orl_params_at(on, on->value, ORL_Q_ENSEMBLE_W),
                                orl_params_at(on, on->value, ORL_Q_ENSEMBLE_B),
                                k * TI + c->actions[b]);
        total += huber(q - (c->rewards[b] + (c->done[b] ? 0.0 : 0.7) * mx));
    }
    return total / TB;
}

/* Every online parameter against central differences; returns the count
 * compared, and how many of them were embedding entries. */
static int check_gradient(tq_case *c, int *n_emb)
{
    orl_params *p = &c->net->on;
    int32_t a0[TB], ap[TB], am[TB];
    eval_loss(c, a0);
    float *grad = malloc(sizeof(float) * p->count);
    assert_non_null(grad);
    memcpy(grad, p->grad, sizeof(float) * p->count);
    const orl_param_view *emb = orl_params_find(p, ORL_ENC_EMB);
    const double eps = 2e-3;
    int compared = 0;
    *n_emb = 0;
    for (int v = 0; v < p->n_views; v++) {
        const orl_param_view *view = &p->views[v];
        for (size_t i = view->offset; i < view->offset + view->rows * view->cols; i++) {
            float keep = p->value[i];
            p->value[i] = keep + (float)eps;
            double lp = eval_loss(c, ap);
            p->value[i] = keep - (float)eps;
            double lm = eval_loss(c, am);
            p->value[i] = keep;
            if (memcmp(a0, ap, sizeof a0) || memcmp(a0, am, sizeof a0)) continue;
            double fd = (lp - lm) / (2 * eps);
            if (fabs(grad[i] - fd) > 2e-3 + 2e-2 * fabs(fd))
                fail_msg("tensor %s index %zu: analytic %g, numeric %g", view->name,
                         i - view->offset, (double)grad[i], fd);
            compared++;
            if (view == emb && grad[i] != 0.0f) (*n_emb)++;
        }
    }
    free(grad);
    return compared;
}

static void test_bcq_loss_and_gradient(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        tq_case c;
        make_case(&c, ORL_TQ_BCQ, seed);
        float loss = eval_loss(&c, NULL);
        double ref = naive_bcq(&c);
        if (fabs(loss - ref) > 1e-4 * (1 + fabs(ref)))
            fail_msg("seed %d: loss %g, reference %g", (int)seed, (double)loss, ref);
        int n_emb = 0;
        int n = check_gradient(&c, &n_emb);
        assert_true(n > (int)(0.9 * (double)c.net->on.count / 2)); /* a' rarely flips */
        assert_true(n_emb > 10);                                   /* through the encoder */
        orl_tq_net_free(c.net);
    }
}

static void test_rem_loss_and_gradient(void **state)
{
    (void)state;
    const float alpha[3] = {0.5f, 0.2f, 0.3f};
    for (uint64_t seed = 1; seed <= 3; seed++) {
        tq_case c;
        make_case(&c, ORL_TQ_REM, seed);
        memcpy(c.net->alpha, alpha, sizeof alpha);
        float loss = eval_loss(&c, NULL);
        double ref = naive_rem(&c, alpha);
        if (fabs(loss - ref) > 1e-4 * (1 + fabs(ref)))
            fail_msg("seed %d: loss %g, reference %g", (int)seed, (double)loss, ref);
        int n_emb = 0;
        int n = check_gradient(&c, &n_emb);
        assert_true(n > 100);
        assert_true(n_emb > 10);
        /* Only the logged actions' rows of each head have a gradient. */
        eval_loss(&c, NULL);
        const orl_params *p = &c.net->on;
        const float *g = orl_params_at(p, p->grad, ORL_Q_ENSEMBLE_W);
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < TI; i++) {
                int logged = 0;
                for (int b = 0; b < TB; b++) logged |= c.actions[b] == i;
                float s = 0;
                for (int j = 0; j < TH; j++) s += fabsf(g[(k * TI + i) * TH + j]);
                assert_true(logged ? s > 0 : s == 0);
            }
        orl_tq_net_free(c.net);
    }
}

/* alpha is a convex combination, drawn afresh each step. */
static void test_rem_alpha_draws(void **state)
{
    (void)state;
    tq_case c;
    make_case(&c, ORL_TQ_REM, 5);
    float prev[3] = {0};
    for (int t = 0; t < 50; t++) {
        orl_tq_rem_draw_alpha(c.net);
        float s = 0;
        for (int k = 0; k < 3; k++) {
            assert_true(c.net->alpha[k] >= 0.0f);
            s += c.net->alpha[k];
        }
        assert_true(fabsf(s - 1.0f) < 1e-6f);
        assert_true(memcmp(prev, c.net->alpha, sizeof prev) != 0);
        memcpy(prev, c.net->alpha, sizeof prev);
    }
    orl_tq_net_free(c.net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcq_loss_and_gradient),
        cmocka_unit_test(test_rem_loss_and_gradient),
        cmocka_unit_test(test_rem_alpha_draws),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
