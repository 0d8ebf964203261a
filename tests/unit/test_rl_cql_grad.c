/* Gradient checks of the cql, sqn_cql and sqn_rem losses of rl_net against
 * central finite differences, parameter by parameter (Q heads or the REM
 * ensemble, CE head, and through the GRU encoder into the embeddings), and
 * their values against a plain recomputation from the networks' tensors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/rng.h"
#include "models/ce_head.h"
#include "models/q_head.h"
#include "models/rl_net_internal.h"

enum { TB = 4, TI = 7, TT = 3 };

typedef struct rl_case {
    orl_rl_net *net;
    int32_t states[TB * TT], lens[TB], actions[TB], next_states[TB * TT], next_lens[TB];
    float rewards[TB];
    uint8_t done[TB];
    orl_rl_inputs in;
} rl_case;

static void fill(float *x, size_t n, float scale, orl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = scale * (2.0f * orl_rng_uniform(r) - 1.0f);
}

static void make_case(rl_case *c, int algorithm, float alpha, float vpq_c, uint64_t seed)
{
    orl_rl_net_config cfg = orl_rl_net_config_default(TI, algorithm);
    cfg.embed_dim = 4;
    cfg.hidden_dim = 5;
    cfg.window = TT;
    cfg.max_batch = TB;
    cfg.cql_alpha = alpha;
    cfg.q_heads = 3;
    cfg.vpq_c = vpq_c;
    assert_orl_ok(orl_rl_net_create(&cfg, seed, 1, &c->net));
    orl_rng r;
    orl_rng_init(&r, seed, 9);
    /* Larger Q values so that the TD terms carry real gradient. */
    for (int k = 0; k < 2; k++) {
        orl_params *p = &c->net->qn[k];
        const char *w = algorithm == ORL_RL_SQN_REM ? ORL_Q_ENSEMBLE_W : ORL_Q_HEAD_W;
        const char *b = algorithm == ORL_RL_SQN_REM ? ORL_Q_ENSEMBLE_B : ORL_Q_HEAD_B;
        const size_t rows = orl_params_find(p, w)->rows;
        fill(orl_params_at(p, p->value, w), rows * 5, 1.0f, &r);
        fill(orl_params_at(p, p->value, b), rows, 1.0f, &r);
        fill(orl_params_at(p, p->value, ORL_GRU4REC_EMB), (TI + 1) * 4, 0.8f, &r);
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
    orl_rl_inputs in = {c->states,    c->lens, c->actions, c->rewards, c->next_states,
                        c->next_lens, c->done, NULL,       TB};
    c->in = in;
    /* A fixed, uneven mixture for sqn_rem. */
    const float alpha_mix[3] = {0.5f, 0.2f, 0.3f};
    memcpy(c->net->rem_alpha, alpha_mix, sizeof alpha_mix);
}

static float eval_loss(rl_case *c, int main_net, orl_rl_losses *l, int32_t *a_star)
{
    for (int k = 0; k < 2; k++) memset(c->net->qn[k].grad, 0, sizeof(float) * c->net->qn[k].count);
    orl_rl_losses tmp;
    if (!l) l = &tmp;
    assert_orl_ok(orl_rl_net_loss_grad(c->net, main_net, 0, &c->in, NULL, NULL, l));
    if (a_star) memcpy(a_star, c->net->a_star, sizeof(int32_t) * TB);
    return l->total;
}

/* Every parameter of the main network against central differences
 * (coordinates where the argmax of s' flips are skipped). */
static void check_gradient(rl_case *c, int main_net)
{
    orl_params *p = &c->net->qn[main_net];
    int32_t a0[TB], ap[TB], am[TB];
    eval_loss(c, main_net, NULL, a0);
    float *grad = malloc(sizeof(float) * p->count);
    assert_non_null(grad);
    memcpy(grad, p->grad, sizeof(float) * p->count);
    const orl_params *pt = &c->net->qn[1 - main_net];
    for (size_t i = 0; i < pt->count; i++) assert_true(pt->grad[i] == 0.0f);
    const double eps = 2e-3;
    int compared = 0, nonzero = 0;
    for (int v = 0; v < p->n_views; v++) {
        const orl_param_view *view = &p->views[v];
        for (size_t i = 0; i < view->rows * view->cols; i++) {
            float *x = p->value + view->offset + i;
            float keep = *x;
            *x = keep + (float)eps;
            double lp = eval_loss(c, main_net, NULL, ap);
            *x = keep - (float)eps;
            double lm = eval_loss(c, main_net, NULL, am);
            *x = keep;
            if (memcmp(ap, a0, sizeof a0) || memcmp(am, a0, sizeof a0)) continue;
            double fd = (lp - lm) / (2 * eps), an = grad[view->offset + i];
            if (!(fabs(an - fd) <= 2e-3 + 2e-2 * fabs(fd)))
                fail_msg("%s[%zu]: analytic %g, numeric %g", view->name, i, an, fd);
            compared++;
            nonzero += fabs(an) > 1e-4;
        }
    }
    free(grad);
    assert_true(compared > 100);
    assert_true(nonzero > compared / 4); /* the check is not vacuous */
}

/* Q of a linear head at row a for state h. */
static double q_of(const float *w, const float *b, const float *h, size_t a)
{
    double s = b[a];
    for (int k = 0; k < 5; k++) s += (double)w[a * 5 + k] * h[k];
    return s;
}

/* The reported losses equal 0.5 e^2 + alpha (logsumexp Q - Q(s, a)) (+ CE)
 * recomputed from the main network's encoding of s and its Q head. */
static void check_cql_value(rl_case *c, int main_net, int with_ce)
{
    orl_rl_losses l;
    float total = eval_loss(c, main_net, &l, NULL);
    const orl_params *p = &c->net->qn[main_net];
    const float *w = orl_params_at(p, p->value, ORL_Q_HEAD_W);
    const float *b = orl_params_at(p, p->value, ORL_Q_HEAD_B);
    double sum = 0.0, cql_sum = 0.0;
    for (int r = 0; r < TB; r++) {
        const float *h = c->net->h + r * 5;
        double m = -INFINITY, z[TI];
        for (int a = 0; a < TI; a++) {
            z[a] = q_of(w, b, h, (size_t)a);
            m = z[a] > m ? z[a] : m;
        }
        double se = 0.0;
        for (int a = 0; a < TI; a++) se += exp(z[a] - m);
        double cq = m + log(se) - z[c->actions[r]];
        double e = c->net->y[r] - z[c->actions[r]];
        cql_sum += cq;
        sum += 0.5 * e * e + c->net->cfg.cql_alpha * cq + (with_ce ? c->net->row_ce[r] : 0.0);
        /* y = r + gamma (1 - done) Q_target(s', argmax Q_main(s')) */
        const orl_params *pt = &c->net->qn[1 - main_net];
        double qt = q_of(orl_params_at(pt, pt->value, ORL_Q_HEAD_W),
                         orl_params_at(pt, pt->value, ORL_Q_HEAD_B), c->net->h_aux + r * 5,
                         (size_t)c->net->a_star[r]);
        double y = c->rewards[r] + 0.5 * (c->done[r] ? 0.0 : qt);
        assert_true(fabs(y - c->net->y[r]) < 1e-5);
    }
    assert_true(fabs(sum / TB - total) < 1e-4 * (1.0 + fabs(total)));
    assert_true(fabs(cql_sum / TB - l.cql) < 1e-5);
    assert_true(l.cql > 0.0f); /* logsumexp exceeds any one value */
    if (!with_ce) assert_true(l.ce == 0.0f);
}

static void test_cql_loss_gradient(void **state)
{
    (void)state;
    rl_case c;
    make_case(&c, ORL_RL_CQL, 0.7f, 0.0f, 31);
    for (int main_net = 0; main_net < 2; main_net++) {
        check_gradient(&c, main_net);
        check_cql_value(&c, main_net, 0);
        /* No supervised head: its gradient stays 0. */
        const orl_params *p = &c.net->qn[main_net];
        const float *g = orl_params_at(p, p->grad, ORL_CE_HEAD_W);
        for (int i = 0; i < TI * 5; i++) assert_true(g[i] == 0.0f);
    }
    orl_rl_net_free(c.net);
}

static void test_sqn_cql_loss_gradient(void **state)
{
    (void)state;
    rl_case c;
    make_case(&c, ORL_RL_SQN_CQL, 1.3f, 0.0f, 32);
    check_gradient(&c, 1);
    check_cql_value(&c, 1, 1);
    /* alpha 0 is SQN's loss exactly. */
    orl_rl_losses l0, lq;
    c.net->cfg.cql_alpha = 0.0f;
    eval_loss(&c, 0, &l0, NULL);
    assert_true(fabs(l0.total - (l0.ce + l0.td)) < 1e-5);
    c.net->cfg.cql_alpha = 2.0f;
    eval_loss(&c, 0, &lq, NULL);
    assert_true(fabs(lq.total - (l0.total + 2.0f * lq.cql)) < 1e-4);
    orl_rl_net_free(c.net);
}

/* sqn_rem's values: Q(s, a) and the target from the mixed heads, a* the
 * argmax of the main mix on s', VPQ's weight from the target heads' std. */
static void check_rem_value(rl_case *c, int main_net)
{
    orl_rl_losses l;
    eval_loss(c, main_net, &l, NULL);
    orl_rl_net *net = c->net;
    const int K = 3;
    const orl_params *pm = &net->qn[main_net], *pt = &net->qn[1 - main_net];
    const float *wm = orl_params_at(pm, pm->value, ORL_Q_ENSEMBLE_W);
    const float *bm = orl_params_at(pm, pm->value, ORL_Q_ENSEMBLE_B);
    const float *wt = orl_params_at(pt, pt->value, ORL_Q_ENSEMBLE_W);
    const float *bt = orl_params_at(pt, pt->value, ORL_Q_ENSEMBLE_B);
    double td = 0.0;
    for (int r = 0; r < TB; r++) {
        double q = 0.0;
        for (int k = 0; k < K; k++)
            q += net->rem_alpha[k] *
                 q_of(wm + k * TI * 5, bm + k * TI, net->h + r * 5, (size_t)c->actions[r]);
        assert_true(fabs(q - net->q_val[r]) < 1e-5);
        /* a*: the main mix's argmax on s' (its encoding follows that of s). */
        const float *hn = net->h + (TB + r) * 5;
        int best = 0;
        double best_q = -INFINITY;
        for (int a = 0; a < TI; a++) {
            double v = 0.0;
            for (int k = 0; k < K; k++)
                v += net->rem_alpha[k] * q_of(wm + k * TI * 5, bm + k * TI, hn, (size_t)a);
            if (v > best_q) best_q = v, best = a;
        }
        assert_int_equal(best, net->a_star[r]);
        double qk[3], mean = 0.0, var = 0.0, mix = 0.0;
        for (int k = 0; k < K; k++) {
            qk[k] = q_of(wt + k * TI * 5, bt + k * TI, net->h_aux + r * 5, (size_t)best);
            mean += qk[k] / K;
            mix += net->rem_alpha[k] * qk[k];
        }
        for (int k = 0; k < K; k++) var += (qk[k] - mean) * (qk[k] - mean) / K;
        double w = 1.0 / (1.0 + net->cfg.vpq_c * sqrt(var));
        double y = c->rewards[r] + 0.5 * (c->done[r] ? 0.0 : w * mix);
        assert_true(fabs(y - net->y[r]) < 1e-5);
        td += 0.5 * (y - q) * (y - q);
    }
    assert_true(fabs(td / TB - l.td) < 1e-5);
    assert_true(fabs(l.total - (l.td + l.ce)) < 1e-5);
}

static void rem_case(float vpq_c, uint64_t seed)
{
    rl_case c;
    make_case(&c, ORL_RL_SQN_REM, 1.0f, vpq_c, seed);
    for (int main_net = 0; main_net < 2; main_net++) {
        check_gradient(&c, main_net);
        check_rem_value(&c, main_net);
        /* The heads' mean is derived: no gradient. */
        const orl_params *p = &c.net->qn[main_net];
        const float *g = orl_params_at(p, p->grad, ORL_Q_HEAD_W);
        for (int i = 0; i < TI * 5; i++) assert_true(g[i] == 0.0f);
    }
    if (vpq_c > 0.0f) { /* the weights shrink the bootstrap */
        int below = 0;
        for (int r = 0; r < TB; r++) {
            assert_true(c.net->vpq_w[r] > 0.0f && c.net->vpq_w[r] <= 1.0f);
            below += c.net->vpq_w[r] < 0.99f;
        }
        assert_true(below > 0);
    }
    orl_rl_net_free(c.net);
}

static void test_sqn_rem_loss_gradient(void **state)
{
    (void)state;
    rem_case(0.0f, 33);
}

static void test_sqn_rem_vpq_loss_gradient(void **state)
{
    (void)state;
    rem_case(2.0f, 34);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cql_loss_gradient),
        cmocka_unit_test(test_sqn_cql_loss_gradient),
        cmocka_unit_test(test_sqn_rem_loss_gradient),
        cmocka_unit_test(test_sqn_rem_vpq_loss_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
