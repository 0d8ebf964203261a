/* "cql", "sqn_cql", "sqn_rem": conservative and ensemble Q-learning on the
 * SQN-family network (models/rl_net: two networks, double Q-learning). */
#include "algos/algo.h"
#include "algos/algo_rl.h"
#include "models/q_head.h"
#include "models/rl_net.h"

#define GAMMA                                                                                      \
    {                                                                                              \
        "gamma", 0.5, 0, 0.999999, 0, "discount of future rewards"                                 \
    }
#define SCORE_HEAD                                                                                 \
    {                                                                                              \
        "score_head", 0, 0, 1, 1, "head the exported model scores with: 0 supervised, 1 Q"         \
    }
#define ALPHA                                                                                      \
    {                                                                                              \
        "alpha", 1, 0, 1e6, 0, "weight of the CQL term logsumexp Q(s,.) - Q(s,a)"                  \
    }

/* cql has no supervised head: its model scores with Q (ORL_ALGO_Q_ONLY). */
static const orl_setting_def cql_settings[] = {GAMMA, ALPHA};
static const orl_setting_def sqn_cql_settings[] = {GAMMA, SCORE_HEAD, ALPHA};
static const orl_setting_def sqn_rem_settings[] = {
    GAMMA,
    {"score_head", 0, 0, 1, 1, "head the exported model scores with: 0 supervised, 1 Q (mean)"},
    {"heads", 4, 2, ORL_Q_ENSEMBLE_MAX, 1, "Q heads in the REM ensemble"},
    {"vpq_c", 0, 0, 1e6, 0, "VPQ: bootstrap times 1/(1 + c std over heads); 0 = off"},
};

#define N_OF(T) (int)(sizeof T / sizeof T[0])

static int cql_create(const orl_algo_context *ctx, void **out);
static int sqn_cql_create(const orl_algo_context *ctx, void **out);
static int sqn_rem_create(const orl_algo_context *ctx, void **out);

const orl_algo_class orl_algo_cql = {
    "cql",
    "conservative Q-learning, CQL(H): double-Q TD + alpha (logsumexp Q - Q(s,a)) (Kumar 2020)",
    cql_settings,
    N_OF(cql_settings),
    cql_create,
    orl_algo_rl_destroy,
    orl_algo_rl_step,
    orl_algo_rl_policy,
    ORL_ALGO_Q_ONLY,
    NULL,
    NULL};
const orl_algo_class orl_algo_sqn_cql = {"sqn_cql",
                                         "SQN with the CQL term on its Q head",
                                         sqn_cql_settings,
                                         N_OF(sqn_cql_settings),
                                         sqn_cql_create,
                                         orl_algo_rl_destroy,
                                         orl_algo_rl_step,
                                         orl_algo_rl_policy,
                                         0,
                                         NULL,
                                         NULL};
const orl_algo_class orl_algo_sqn_rem = {
    "sqn_rem",
    "SQN whose Q head is a REM ensemble (Agarwal 2020), VPQ optional (Gao 2022)",
    sqn_rem_settings,
    N_OF(sqn_rem_settings),
    sqn_rem_create,
    orl_algo_rl_destroy,
    orl_algo_rl_step,
    orl_algo_rl_policy,
    0,
    NULL,
    NULL};

static int cql_create(const orl_algo_context *ctx, void **out)
{
    return orl_algo_rl_create(&orl_algo_cql, ORL_RL_CQL, ctx, out);
}

static int sqn_cql_create(const orl_algo_context *ctx, void **out)
{
    return orl_algo_rl_create(&orl_algo_sqn_cql, ORL_RL_SQN_CQL, ctx, out);
}

static int sqn_rem_create(const orl_algo_context *ctx, void **out)
{
    return orl_algo_rl_create(&orl_algo_sqn_rem, ORL_RL_SQN_REM, ctx, out);
}
