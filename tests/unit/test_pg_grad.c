/* reinforce's network (models/pg_net): the whole loss (weighted policy term,
 * the behaviour head's CE, the entropy bonus) against a naive double
 * reference and its gradient against central finite differences through the
 * encoder into the embeddings, with the stopped factor w lambda R held at
 * its value (the analytic gradient treats it as a constant); an injected
 * fault (the entropy's gradient dropped from the state) is caught. With
 * beta = pi (logged propensities set to the current pi(a|s)) the weights are
 * 1 and a step equals plain REINFORCE (w = 1) to rounding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/rng.h"
#include "models/ce_head.h"
#include "models/pg_net_internal.h"

enum { TB = 5, TI = 7, TT = 3, TE = 4, TH = 5 };

typedef struct pg_case {
    orl_pg_net *net;
    int32_t states[TB * TT], lens[TB], actions[TB];
    float returns[TB], props[TB];
    orl_pg_inputs in;
} pg_case;

static void fill_tensor(orl_params *p, const char *name, float scale, orl_rng *r)
{
    const orl_param_view *v = orl_params_find(p, name);
    assert_non_null(v);
    for (size_t i = 0; i < v->rows * v->cols; i++)
        p->value[v->offset + i] = scale * (2.0f * orl_rng_uniform(r) - 1.0f);
}

static orl_pg_config small_config(void)
{
    orl_pg_config c = orl_pg_config_default(TI);
    c.base.embed_dim = TE;
    c.base.hidden_dim = TH;
    c.base.window = TT;
    c.base.max_batch = TB;
    c.base.encoder.embed_dim = TE;
    c.base.encoder.hidden_dim = TH;
    c.base.encoder.window = TT;
    return c;
}

static void make_case(pg_case *c, const orl_pg_config *cfg, uint64_t seed)
{
    assert_orl_ok(orl_pg_net_create(cfg, seed, 1, &c->net));
    orl_rng r;
    orl_rng_init(&r, seed, 9);
    orl_params *p = &c->net->pi->params;
    fill_tensor(p, ORL_ENC_EMB, 0.8f, &r);
    fill_tensor(p, ORL_CE_HEAD_W, 1.0f, &r);
    fill_tensor(p, ORL_CE_HEAD_B, 1.0f, &r);
    if (c->net->has_beta) {
        fill_tensor(&c->net->beta, ORL_CE_HEAD_W, 1.0f, &r);
        fill_tensor(&c->net->beta, ORL_CE_HEAD_B, 1.0f, &r);
    }
    static const int32_t lens[TB] = {1, 2, 3, 3, 2};
    for (int b = 0; b < TB; b++) {
        c->lens[b] = lens[b];
        c->actions[b] = (int32_t)orl_rng_below(&r, TI);
        for (int t = 0; t < TT; t++)
            c->states[b * TT + t] = t < lens[b] ? (int32_t)orl_rng_below(&r, TI) : TI;
        c->returns[b] = 0.2f + 1.3f * orl_rng_uniform(&r);
        c->props[b] = 0.05f + 0.5f * orl_rng_uniform(&r);
    }
    orl_pg_inputs in = {c->states, c->lens, c->actions, c->returns, c->props, TB};
    c->in = in;
}

/* Row r of h times W^T + b, in double. */
static double lin(const float *h, const float *w, const float *b, int item)
{
    double s = b[item];
    for (int k = 0; k < TH; k++) s += (double)h[k] * w[item * TH + k];
    return s;
}

/* log softmax(h W^T + b)[a] and the softmax's entropy, in double. */
static void head(const float *h, const orl_params *p, int a, double *log_p, double *ent)
{
    const float *w = orl_params_at(p, p->value, ORL_CE_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_CE_HEAD_B);
    double z[TI], m = -INFINITY, s = 0.0;
    for (int i = 0; i < TI; i++) {
        z[i] = lin(h, w, b, i);
        m = fmax(m, z[i]);
    }
    for (int i = 0; i < TI; i++) s += exp(z[i] - m);
    double lse = m + log(s), e = 0.0;
    for (int i = 0; i < TI; i++) e -= exp(z[i] - lse) * (z[i] - lse);
    *log_p = z[a] - lse;
    *ent = e;
}

/* The loss from its definition (Chen et al. 2019, the peer's Reinforce). */
static double naive_loss(pg_case *c, double *w_out)
{
    orl_pg_net *net = c->net;
    const orl_pg_config *cfg = &net->cfg;
    float hs[TB * TH];
    net->pi->enc.cls->forward(NULL, &net->pi->params, &net->pi->enc, net->pi->work, c->states,
                              c->lens, TB, NULL, hs);
    double w[TB], lp[TB], lb[TB], ent[TB], total = 0.0, wsum = 0.0;
    for (int b = 0; b < TB; b++) {
        head(hs + b * TH, &net->pi->params, c->actions[b], &lp[b], &ent[b]);
        double e2;
        if (net->has_beta)
            head(hs + b * TH, &net->beta, c->actions[b], &lb[b], &e2);
        else
            lb[b] = log(c->props[b]);
        w[b] = pow(fmin(exp(lp[b] - lb[b]), cfg->clip), cfg->smooth);
        wsum += w[b];
    }
    for (int b = 0; b < TB; b++) {
        if (cfg->normalize) w[b] *= TB / wsum;
        double lambda = cfg->topk * pow(1.0 - exp(lp[b]), cfg->topk - 1);
        total += -w[b] * lambda * c->returns[b] * lp[b] - cfg->entropy * ent[b];
        if (net->has_beta) total -= lb[b];
        if (w_out) w_out[b] = w[b];
    }
    return total / TB;
}

/* Loss of the policy store's part (all but beta's CE, which the encoder's
 * gradient never sees) or of beta's CE, with the stopped factor fixed. */
static double part_loss(pg_case *c, const float *coef, int beta_part)
{
    orl_pg_step s;
    assert_orl_ok(orl_pg_net_loss(c->net, &c->in, coef, &s));
    return beta_part ? (double)s.beta_ce : (double)s.loss - (double)s.beta_ce;
}

/* Analytic against numeric gradients of one store; returns the mismatches
 * and counts the compared entries (and the embedding's non-zero ones). */
static int check_store(pg_case *c, orl_params *p, const float *grad, const float *coef,
                       int beta_part, int *compared, int *n_emb)
{
    const double eps = 2e-3;
    int bad = 0;
    const orl_param_view *emb = orl_params_find(p, ORL_ENC_EMB);
    for (int v = 0; v < p->n_views; v++) {
        const orl_param_view *view = &p->views[v];
        for (size_t i = view->offset; i < view->offset + view->rows * view->cols; i++) {
            float keep = p->value[i];
            p->value[i] = keep + (float)eps;
            double lp = part_loss(c, coef, beta_part);
            p->value[i] = keep - (float)eps;
            double lm = part_loss(c, coef, beta_part);
            p->value[i] = keep;
            double fd = (lp - lm) / (2 * eps);
            if (fabs(grad[i] - fd) > 2e-3 + 2e-2 * fabs(fd)) {
                if (!bad)
                    print_message("tensor %s index %zu: analytic %g, numeric %g\n", view->name,
                                  i - view->offset, (double)grad[i], fd);
                bad++;
            }
            (*compared)++;
            if (view == emb && grad[i] != 0.0f) (*n_emb)++;
        }
    }
    return bad;
}

/* The gradients of one loss_grad call, then every entry against central
 * differences. Returns the number of mismatches. */
static int check_gradient(pg_case *c, int *compared, int *n_emb)
{
    orl_pg_net *net = c->net;
    orl_params *pp = &net->pi->params;
    memset(pp->grad, 0, sizeof(float) * pp->count);
    orl_pg_step s;
    assert_orl_ok(orl_pg_net_loss_grad(net, &c->in, NULL, &s));
    float coef[TB];
    memcpy(coef, net->coef, sizeof coef);
    float *g_pi = malloc(sizeof(float) * pp->count);
    memcpy(g_pi, pp->grad, sizeof(float) * pp->count);
    float *g_beta = NULL;
    if (net->has_beta) {
        g_beta = malloc(sizeof(float) * net->beta.count);
        memcpy(g_beta, net->beta.grad, sizeof(float) * net->beta.count);
    }
    *compared = *n_emb = 0;
    int bad = check_store(c, pp, g_pi, coef, 0, compared, n_emb);
    if (g_beta) {
        int unused = 0;
        bad += check_store(c, &net->beta, g_beta, coef, 1, compared, &unused);
    }
    free(g_pi);
    free(g_beta);
    return bad;
}

static void test_loss_and_gradient(void **state)
{
    (void)state;
    /* The defaults, then every option: clip that bites, smoothing, the batch
     * mean, top-K, entropy; learned and logged beta. */
    for (int variant = 0; variant < 4; variant++)
        for (uint64_t seed = 1; seed <= 2; seed++) {
            orl_pg_config cfg = small_config();
            if (variant >= 1) {
                cfg.topk = 3;
                cfg.entropy = 0.3f;
            }
            if (variant == 2) {
                cfg.clip = 1.5f;
                cfg.smooth = 0.7f;
                cfg.normalize = 1;
            }
            if (variant == 3) cfg.logged_beta = 1;
            pg_case c;
            make_case(&c, &cfg, seed);
            orl_pg_step s;
            assert_orl_ok(orl_pg_net_loss(c.net, &c.in, NULL, &s));
            double w[TB];
            double ref = naive_loss(&c, w);
            if (fabs(s.loss - ref) > 1e-4 * (1 + fabs(ref)))
                fail_msg("variant %d seed %d: loss %g, reference %g", variant, (int)seed,
                         (double)s.loss, ref);
            for (int b = 0; b < TB; b++)
                assert_true(fabs(c.net->row_w[b] - w[b]) <= 1e-5 * (1 + w[b]));
            int compared = 0, n_emb = 0;
            int bad = check_gradient(&c, &compared, &n_emb);
            if (bad)
                fail_msg("variant %d seed %d: %d gradient mismatches", variant, (int)seed, bad);
            assert_true(compared > 100);
            assert_true(n_emb > 10); /* through the encoder into the embeddings */
            orl_pg_net_free(c.net);
        }
}

/* The check fails when the implementation is wrong: the entropy's gradient
 * into the state dropped. */
static void test_injected_fault_is_caught(void **state)
{
    (void)state;
    orl_pg_config cfg = small_config();
    cfg.entropy = 0.5f;
    pg_case c;
    make_case(&c, &cfg, 3);
    c.net->test_fault = 1;
    int compared = 0, n_emb = 0;
    int bad = check_gradient(&c, &compared, &n_emb);
    print_message("injected fault: %d of %d entries mismatch\n", bad, compared);
    assert_true(bad > 10);
    orl_pg_net_free(c.net);
}

/* beta = pi: logged propensities set to the current pi(a|s). The weights
 * are 1 (to rounding) and one step equals plain REINFORCE (smooth 0: w = 1
 * exactly) to rounding; no ratio is clipped. */
static void test_beta_equal_pi_is_plain_reinforce(void **state)
{
    (void)state;
    for (int topk = 1; topk <= 4; topk += 3) {
        orl_pg_config cfg = small_config();
        cfg.logged_beta = 1;
        cfg.topk = topk;
        orl_pg_config plain = cfg;
        plain.smooth = 0.0f;
        pg_case a, b;
        make_case(&a, &cfg, 4);
        make_case(&b, &plain, 4);
        orl_pg_step s;
        assert_orl_ok(orl_pg_net_loss(a.net, &a.in, NULL, &s));
        for (int r = 0; r < TB; r++) a.props[r] = expf(-a.net->row_pi[r]);
        memcpy(b.props, a.props, sizeof a.props);
        orl_pg_step sa, sb;
        assert_orl_ok(orl_pg_net_train_step(a.net, &a.in, 0.01f, &sa));
        assert_orl_ok(orl_pg_net_train_step(b.net, &b.in, 0.01f, &sb));
        assert_int_equal(sa.clipped, 0);
        for (int r = 0; r < TB; r++) assert_true(fabsf(a.net->row_w[r] - 1.0f) < 1e-6f);
        assert_true(fabs(sa.w_sum - TB) < 1e-5 && fabs(sb.w_sum - TB) == 0.0);
        assert_true(fabsf(sa.loss - sb.loss) <= 1e-6f * (1 + fabsf(sb.loss)));
        const orl_params *pa = orl_pg_net_policy(a.net), *pb = orl_pg_net_policy(b.net);
        assert_int_equal(pa->count, pb->count);
        double worst = 0.0;
        for (size_t i = 0; i < pa->count; i++)
            worst = fmax(worst, fabs((double)pa->value[i] - pb->value[i]));
        print_message("K %d: largest weight difference after one step %.3g\n", topk, worst);
        assert_true(worst < 1e-6);
        orl_pg_net_free(a.net);
        orl_pg_net_free(b.net);
    }
}

/* Direct creation refuses bad settings, naming them. */
static void test_config_checked(void **state)
{
    (void)state;
    struct {
        const char *key;
        void (*set)(orl_pg_config *);
    } cases[] = {
        {"clip", NULL}, {"smooth", NULL},  {"normalize", NULL},
        {"topk", NULL}, {"entropy", NULL}, {"beta", NULL},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        orl_pg_config cfg = small_config();
        if (k == 0) cfg.clip = 0.0f;
        if (k == 1) cfg.smooth = -1.0f;
        if (k == 2) cfg.normalize = 2;
        if (k == 3) cfg.topk = 0;
        if (k == 4) cfg.entropy = NAN;
        if (k == 5) cfg.logged_beta = -1;
        orl_pg_net *net = NULL;
        assert_int_equal(orl_pg_net_create(&cfg, 1, 1, &net), ORL_E_OUT_OF_RANGE);
        assert_non_null(strstr(orl_last_error(), cases[k].key));
        assert_null(net);
    }
    /* A logged beta needs propensities in (0, 1]. */
    orl_pg_config cfg = small_config();
    cfg.logged_beta = 1;
    pg_case c;
    make_case(&c, &cfg, 2);
    orl_pg_step s;
    c.props[2] = 0.0f;
    assert_int_equal(orl_pg_net_train_step(c.net, &c.in, 0.01f, &s), ORL_E_OUT_OF_RANGE);
    c.in.propensities = NULL;
    assert_int_equal(orl_pg_net_train_step(c.net, &c.in, 0.01f, &s), ORL_E_INVALID_ARGUMENT);
    orl_pg_net_free(c.net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loss_and_gradient),
        cmocka_unit_test(test_injected_fault_is_caught),
        cmocka_unit_test(test_beta_equal_pi_is_plain_reinforce),
        cmocka_unit_test(test_config_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
