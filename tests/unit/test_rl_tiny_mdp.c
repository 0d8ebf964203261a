/* cql, sqn_cql and sqn_rem against the answers of a tiny MDP, as the peer's
 * --selftest: 3 states x 4 actions with stochastic transitions and
 * termination, a log drawn from a behaviour policy, and value iteration on the
 * log's empirical MDP (what an offline method can converge to). State s is
 * the one-item history [s] for the GRU4Rec encoder; actions are items 0..3.
 * Full-batch training, 1,500 steps, Adam lr 0.01 then 0.001 for the last
 * third; the policy network QN_1 is read through its Q-head view. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "core/rng.h"
#include "models/rl_net_internal.h"

enum { NS = 3, NA = 4, MAXN = 1024, STEPS = 1500 };

static const double MDP_R[NS][NA] = {
    {0.2, 0.0, 0.1, 1.0}, {0.0, 0.5, 0.2, 0.0}, {0.3, 0.0, 1.0, 0.1}};
/* P[s][a] = probabilities of next state 0, 1, 2 and of the episode ending. */
static const double MDP_P[NS][NA][NS + 1] = {
    {{0.1, 0.6, 0.2, 0.1}, {0.0, 0.2, 0.7, 0.1}, {0.5, 0.3, 0.1, 0.1}, {0.0, 0.1, 0.1, 0.8}},
    {{0.3, 0.1, 0.5, 0.1}, {0.1, 0.1, 0.1, 0.7}, {0.1, 0.1, 0.7, 0.1}, {0.6, 0.2, 0.1, 0.1}},
    {{0.7, 0.1, 0.1, 0.1}, {0.2, 0.6, 0.1, 0.1}, {0.1, 0.1, 0.2, 0.6}, {0.3, 0.3, 0.3, 0.1}}};
static const double START[NS] = {0.5, 0.3, 0.2};
static const double GAMMA = 0.5;

typedef struct mdp_log {
    int n;
    int32_t s[MAXN], a[MAXN], ns[MAXN], one[MAXN];
    float r[MAXN];
    uint8_t done[MAXN];
    double q_star[NS][NA];
    int logged[NS][NA];
    double n_sa[NS][NA], r_hat[NS][NA], p_hat[NS][NA][NS]; /* the empirical MDP */
} mdp_log;

static int draw(orl_rng *g, const double *p, int n)
{
    double u = orl_rng_uniform(g), c = 0.0;
    for (int i = 0; i < n - 1; i++)
        if (u < (c += p[i])) return i;
    return n - 1;
}

/* Episodes of `beta` until >= n_min transitions, then value iteration on
 * the empirical MDP (max over the actions logged in the next state). */
static void make_log(mdp_log *m, const double beta[NS][NA], int n_min, uint64_t seed)
{
    memset(m, 0, sizeof *m);
    orl_rng g;
    orl_rng_init(&g, seed, 0);
    while (m->n < n_min) {
        int s = draw(&g, START, NS);
        for (;;) {
            int a = draw(&g, beta[s], NA), nx = draw(&g, MDP_P[s][a], NS + 1);
            assert_true(m->n < MAXN);
            m->s[m->n] = s;
            m->a[m->n] = a;
            m->r[m->n] = (float)MDP_R[s][a];
            m->done[m->n] = nx == NS;
            m->ns[m->n] = nx == NS ? 0 : nx;
            m->one[m->n] = 1;
            m->n++;
            if (nx == NS) break;
            s = nx;
        }
    }
    double n[NS][NA] = {{0}}, r[NS][NA] = {{0}}, P[NS][NA][NS] = {{{0}}};
    for (int i = 0; i < m->n; i++) {
        n[m->s[i]][m->a[i]] += 1;
        r[m->s[i]][m->a[i]] += m->r[i];
        if (!m->done[i]) P[m->s[i]][m->a[i]][m->ns[i]] += 1;
    }
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) m->logged[s][a] = n[s][a] > 0;
    double Q[NS][NA] = {{0}};
    for (int it = 0; it < 400; it++) {
        double V[NS];
        for (int s = 0; s < NS; s++) {
            V[s] = -INFINITY;
            for (int a = 0; a < NA; a++)
                if (m->logged[s][a] && Q[s][a] > V[s]) V[s] = Q[s][a];
        }
        for (int s = 0; s < NS; s++)
            for (int a = 0; a < NA; a++) {
                if (!m->logged[s][a]) continue;
                double y = r[s][a] / n[s][a];
                for (int t = 0; t < NS; t++) y += GAMMA * P[s][a][t] / n[s][a] * V[t];
                Q[s][a] = y;
            }
    }
    memcpy(m->q_star, Q, sizeof Q);
    memcpy(m->n_sa, n, sizeof n);
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) {
            m->r_hat[s][a] = n[s][a] > 0 ? r[s][a] / n[s][a] : 0.0;
            for (int t = 0; t < NS; t++)
                m->p_hat[s][a][t] = n[s][a] > 0 ? P[s][a][t] / n[s][a] : 0.0;
        }
}

/* x = A^-1 b for 4 x 4, Gaussian elimination with partial pivoting. */
static void solve4(double A[NA][NA], double b[NA], double x[NA])
{
    for (int c = 0; c < NA; c++) {
        int piv = c;
        for (int r = c + 1; r < NA; r++)
            if (fabs(A[r][c]) > fabs(A[piv][c])) piv = r;
        for (int k = 0; k < NA; k++) {
            double t = A[c][k];
            A[c][k] = A[piv][k];
            A[piv][k] = t;
        }
        double t = b[c];
        b[c] = b[piv];
        b[piv] = t;
        for (int r = c + 1; r < NA; r++) {
            double f = A[r][c] / A[c][c];
            for (int k = c; k < NA; k++) A[r][k] -= f * A[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = NA - 1; r >= 0; r--) {
        double v = b[r];
        for (int k = r + 1; k < NA; k++) v -= A[r][k] * x[k];
        x[r] = v / A[r][r];
    }
}

/* The fixed point of CQL(H)'s expected update on the log (every action
 * logged): per state the minimiser of sum_a n_sa [0.5 (Q_a - y_a)^2 - alpha Q_a]
 * + alpha n_s logsumexp(Q), y = r + gamma P max Q, by Newton inside value
 * iteration (the peer's construction). */
static void cql_fixed_point(const mdp_log *m, double alpha, double Q[NS][NA])
{
    memset(Q, 0, sizeof(double) * NS * NA);
    for (int it = 0; it < 400; it++) {
        double V[NS], y[NS][NA];
        for (int s = 0; s < NS; s++) {
            V[s] = Q[s][0];
            for (int a = 1; a < NA; a++) V[s] = Q[s][a] > V[s] ? Q[s][a] : V[s];
        }
        for (int s = 0; s < NS; s++)
            for (int a = 0; a < NA; a++) {
                y[s][a] = m->r_hat[s][a];
                for (int t = 0; t < NS; t++) y[s][a] += GAMMA * m->p_hat[s][a][t] * V[t];
            }
        for (int s = 0; s < NS; s++) {
            double ns = 0.0, *q = Q[s];
            for (int a = 0; a < NA; a++) ns += m->n_sa[s][a];
            for (int k = 0; k < 50; k++) {
                double mx = q[0], p[NA], z = 0.0;
                for (int a = 1; a < NA; a++) mx = q[a] > mx ? q[a] : mx;
                for (int a = 0; a < NA; a++) z += p[a] = exp(q[a] - mx);
                double g[NA], H[NA][NA], d[NA];
                for (int a = 0; a < NA; a++) {
                    p[a] /= z;
                    g[a] = m->n_sa[s][a] * (q[a] - y[s][a]) + alpha * (ns * p[a] - m->n_sa[s][a]);
                }
                for (int a = 0; a < NA; a++)
                    for (int b = 0; b < NA; b++)
                        H[a][b] = (a == b ? m->n_sa[s][a] + alpha * ns * p[a] : 0.0) -
                                  alpha * ns * p[a] * p[b];
                solve4(H, g, d);
                for (int a = 0; a < NA; a++) q[a] -= d[a];
            }
        }
    }
}

/* QN_1's scores of the three states with `head` (orl_rl_head). */
static void read_head(const orl_rl_net *net, int head, double out[NS][NA])
{
    const orl_sl_net *view = orl_rl_net_policy(net, head);
    int32_t states[NS] = {0, 1, 2}, lens[NS] = {1, 1, 1};
    size_t bytes = orl_sl_net_scratch_bytes(view, NS);
    void *scratch = malloc(bytes);
    float scores[NS * NA];
    assert_orl_ok(orl_sl_net_scores(view, states, lens, NS, scratch, bytes, scores));
    free(scratch);
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) out[s][a] = scores[s * NA + a];
}

/* Trains `algorithm` on the whole log for STEPS full-batch steps; returns
 * the net (QN_1's Q values in q[s][a]: the Q head, or the heads' mean). */
static orl_rl_net *train(const mdp_log *m, int algorithm, float alpha, float vpq_c,
                         double q[NS][NA])
{
    orl_rl_net_config c = orl_rl_net_config_default(NA, algorithm);
    c.embed_dim = 16;
    c.hidden_dim = 16;
    c.window = 1;
    c.max_batch = m->n;
    c.gamma = (float)GAMMA;
    c.cql_alpha = alpha;
    c.vpq_c = vpq_c;
    orl_rl_net *net = NULL;
    assert_orl_ok(orl_rl_net_create(&c, 7, 1, &net));
    for (int t = 0; t < STEPS; t++) {
        float lr = t < 2 * STEPS / 3 ? 0.01f : 0.001f;
        assert_orl_ok(orl_rl_net_train_step(net, m->s, m->one, m->a, m->r, m->ns, m->one, m->done,
                                            m->n, lr, NULL));
    }
    read_head(net, ORL_RL_HEAD_Q, q);
    return net;
}

/* max |q - Q*| over the logged (s, a); and the largest q - Q* there. */
static double max_err(const mdp_log *m, double q[NS][NA], double *above)
{
    double e = 0.0, up = -INFINITY;
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++)
            if (m->logged[s][a]) {
                double d = q[s][a] - m->q_star[s][a];
                e = fabs(d) > e ? fabs(d) : e;
                up = d > up ? d : up;
            }
    if (above) *above = up;
    return e;
}

/* Every action logged; (0, 3), the best of state 0, rarely. */
static const double BETA_ALL[NS][NA] = {
    {0.45, 0.30, 0.20, 0.05}, {0.25, 0.25, 0.25, 0.25}, {0.10, 0.50, 0.30, 0.10}};
/* Some actions never taken: (1, 3) and (2, 0). */
static const double BETA_GAPS[NS][NA] = {
    {0.45, 0.30, 0.20, 0.05}, {0.35, 0.35, 0.30, 0.00}, {0.00, 0.55, 0.35, 0.10}};

static void test_cql_alpha0_reaches_q_star(void **state)
{
    (void)state;
    mdp_log *m = malloc(sizeof *m);
    make_log(m, BETA_ALL, 600, 1);
    double q[NS][NA];
    orl_rl_net_free(train(m, ORL_RL_CQL, 0.0f, 0.0f, q));
    double e = max_err(m, q, NULL);
    print_message("cql alpha 0: max |Q - Q*| %.2e over %d transitions\n", e, m->n);
    assert_true(e <= 0.05);
    free(m);
}

static void test_cql_pushes_unlogged_actions_down(void **state)
{
    (void)state;
    mdp_log *m = malloc(sizeof *m);
    make_log(m, BETA_GAPS, 600, 2);
    assert_false(m->logged[1][3]);
    assert_false(m->logged[2][0]);
    double q[NS][NA];
    orl_rl_net_free(train(m, ORL_RL_CQL, 1.0f, 0.0f, q));
    for (int s = 0; s < NS; s++) {
        double lo_logged = INFINITY, hi_unlogged = -INFINITY;
        for (int a = 0; a < NA; a++) {
            if (m->logged[s][a])
                lo_logged = q[s][a] < lo_logged ? q[s][a] : lo_logged;
            else
                hi_unlogged = q[s][a] > hi_unlogged ? q[s][a] : hi_unlogged;
        }
        if (hi_unlogged == -INFINITY) continue; /* every action logged here */
        print_message("cql alpha 1, state %d: lowest logged Q %.4f, highest unlogged %.4f\n", s,
                      lo_logged, hi_unlogged);
        assert_true(hi_unlogged < lo_logged);
    }
    /* The same log without the term leaves the unlogged actions where the
     * function approximation puts them; the term must lower them further. */
    double q0[NS][NA];
    orl_rl_net_free(train(m, ORL_RL_CQL, 0.0f, 0.0f, q0));
    assert_true(q[1][3] < q0[1][3] && q[2][0] < q0[2][0]);
    free(m);
}

/* With every action logged, cql and sqn_cql reach the CQL fixed point (far
 * from Q*: the check tells the two apart), and sqn_cql's CE head the logged
 * behaviour. */
static void test_cql_reaches_the_cql_fixed_point(void **state)
{
    (void)state;
    mdp_log *m = malloc(sizeof *m);
    make_log(m, BETA_ALL, 600, 4);
    double fixed[NS][NA], q[NS][NA], gap = 0.0;
    cql_fixed_point(m, 1.0, fixed);
    for (int s = 0; s < NS; s++)
        for (int a = 0; a < NA; a++) {
            double d = fabs(fixed[s][a] - m->q_star[s][a]);
            gap = d > gap ? d : gap;
        }
    print_message("CQL fixed point vs Q*: max difference %.3f\n", gap);
    assert_true(gap > 0.3);
    memcpy(m->q_star, fixed, sizeof fixed); /* compare against the fixed point */
    orl_rl_net_free(train(m, ORL_RL_CQL, 1.0f, 0.0f, q));
    double e = max_err(m, q, NULL);
    print_message("cql alpha 1: max |Q - CQL fixed point| %.2e\n", e);
    assert_true(e <= 0.05);
    orl_rl_net *net = train(m, ORL_RL_SQN_CQL, 1.0f, 0.0f, q);
    e = max_err(m, q, NULL);
    double z[NS][NA], worst = 0.0;
    read_head(net, ORL_RL_HEAD_CE, z);
    for (int s = 0; s < NS; s++) {
        double mx = z[s][0], sum = 0.0, ns = 0.0;
        for (int a = 1; a < NA; a++) mx = z[s][a] > mx ? z[s][a] : mx;
        for (int a = 0; a < NA; a++) sum += exp(z[s][a] - mx), ns += m->n_sa[s][a];
        for (int a = 0; a < NA; a++) {
            double d = fabs(exp(z[s][a] - mx) / sum - m->n_sa[s][a] / ns);
            worst = d > worst ? d : worst;
        }
    }
    print_message("sqn_cql: max |Q - CQL fixed point| %.2e, CE head vs logged beta %.2e\n", e,
                  worst);
    assert_true(e <= 0.05);
    assert_true(worst <= 0.05);
    orl_rl_net_free(net);
    free(m);
}

static void test_sqn_rem_mean_reaches_q_star(void **state)
{
    (void)state;
    mdp_log *m = malloc(sizeof *m);
    make_log(m, BETA_ALL, 600, 3);
    double q[NS][NA], above;
    orl_rl_net *net = train(m, ORL_RL_SQN_REM, 0.0f, 0.0f, q);
    double e = max_err(m, q, &above);
    print_message("sqn_rem: max |mean of heads - Q*| %.2e\n", e);
    assert_true(e <= 0.05);
    /* The view scores with the exact mean of the K heads. */
    const orl_params *p = orl_rl_net_policy_params(net);
    const float *mean = orl_params_at(p, p->value, ORL_Q_HEAD_W);
    const float *w = orl_params_at(p, p->value, ORL_Q_ENSEMBLE_W);
    const int H = 16, K = net->cfg.q_heads;
    for (int i = 0; i < NA * H; i++) {
        float s = 0.0f;
        for (int k = 0; k < K; k++) s += w[(size_t)k * NA * H + i];
        assert_true(mean[i] == s / (float)K);
    }
    orl_rl_net_free(net);
    /* VPQ shrinks every bootstrap: never above Q* (by more than the tolerance). */
    orl_rl_net_free(train(m, ORL_RL_SQN_REM, 0.0f, 10.0f, q));
    e = max_err(m, q, &above);
    print_message("sqn_rem vpq 10: max of (mean of heads - Q*) %.2e (max abs %.2e)\n", above, e);
    assert_true(above <= 0.05);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cql_alpha0_reaches_q_star),
        cmocka_unit_test(test_cql_pushes_unlogged_actions_down),
        cmocka_unit_test(test_cql_reaches_the_cql_fixed_point),
        cmocka_unit_test(test_sqn_rem_mean_reaches_q_star),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
