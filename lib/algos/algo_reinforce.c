/* "reinforce": off-policy REINFORCE with importance weights and the top-K
 * correction (Chen et al. 2019) on models/pg_net. The returns
 * R_t = sum_{k>=t} gamma^(k-t) r_k to the end of each session are computed
 * once per dataset (prepare); each step gathers its rows' by transition id.
 * Every transition of the dataset is a logged action; steps with no click
 * are not transitions, so REINFORCE never sees them. */
#include <math.h>
#include <string.h>

#include "algos/algo.h"
#include "algos/algo_reinforce.h"
#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"
#include "models/pg_net.h"

static const orl_setting_def reinforce_settings[] = {
    {"gamma", 0.5, 0, 1, 0, "discount of the return to the end of the session"},
    {"clip", 10, 1e-6, 1e12, 0, "importance weights w = min(pi/beta, clip)"},
    {"smooth", 1, 0, 10, 0, "w raised to this power after clipping (0: w = 1, plain REINFORCE)"},
    {"normalize", 0, 0, 1, 1, "1: w divided by its batch mean"},
    {"topk", 1, 1, 100000, 1, "K of the top-K correction lambda = K (1 - pi)^(K-1) (1: none)"},
    {"entropy", 0, 0, 1e6, 0, "weight of the policy-entropy bonus"},
    {"beta", 0, 0, 1, 1,
     "behaviour policy: 0 a learned head on the detached state, 1 the logged propensities"},
};
enum { S_GAMMA, S_CLIP, S_SMOOTH, S_NORMALIZE, S_TOPK, S_ENTROPY, S_BETA };

typedef struct reinforce {
    orl_pg_net *net;
    double gamma;
    float *returns; /* [transitions] R_t of the prepared dataset */
    uint64_t n_returns;
    float *batch_returns; /* [max_batch] */
    /* Since the last epoch_stats: sums over batches and over rows. */
    double ess_sum, ess_share_sum, w_sum, lambda_sum;
    uint64_t batches, rows, clipped;
} reinforce;

static void reinforce_destroy(void *self)
{
    reinforce *r = self;
    if (!r) return;
    orl_pg_net_free(r->net);
    orl_free(r->returns);
    orl_free(r->batch_returns);
    orl_free(r);
}

static int reinforce_create(const orl_algo_context *ctx, void **out)
{
    const double *v = ctx->settings;
    orl_pg_config c = orl_pg_config_default((int)ctx->n_items);
    c.base.embed_dim = (int)ctx->encoder->embed_dim;
    c.base.hidden_dim = (int)ctx->encoder->hidden_dim;
    c.base.window = (int)ctx->encoder->window;
    c.base.dropout = ctx->encoder->dropout;
    c.base.encoder = *ctx->encoder;
    c.base.max_batch = (int)ctx->max_batch;
    c.clip = (float)v[S_CLIP];
    c.smooth = (float)v[S_SMOOTH];
    c.normalize = (int)v[S_NORMALIZE];
    c.topk = (int)v[S_TOPK];
    c.entropy = (float)v[S_ENTROPY];
    c.logged_beta = (int)v[S_BETA];
    reinforce *r = orl_calloc(1, sizeof *r);
    if (!r) return orl_fail(ORL_E_NOMEM, "reinforce: out of memory");
    r->gamma = v[S_GAMMA];
    r->batch_returns = orl_malloc(sizeof(float) * (ctx->max_batch ? ctx->max_batch : 1));
    int s = r->batch_returns ? orl_pg_net_create(&c, ctx->seed, ctx->threads, &r->net)
                             : orl_fail(ORL_E_NOMEM, "reinforce: out of memory");
    if (s != ORL_OK) {
        reinforce_destroy(r);
        return s;
    }
    *out = r;
    return ORL_OK;
}

/* R_t = r_t + gamma R_{t+1} inside each session, backwards; and, with the
 * logged beta, every transition's propensity checked once. */
static int reinforce_prepare(void *self, const orl_dataset *ds)
{
    reinforce *r = self;
    if (!ds->finalized) return orl_fail(ORL_E_STATE, "reinforce: the dataset is not finalized");
    if (orl_pg_net_get_config(r->net)->logged_beta) {
        if (!ds->ev_prop)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "reinforce: setting 'beta' = 1 (logged propensity) but the training "
                            "dataset has no propensities (load a propensity column, or set "
                            "'beta' = 0 for a learned behaviour head)");
        for (uint64_t t = 0; t < ds->n; t++)
            if (!(ds->ev_prop[t] > 0.0f && ds->ev_prop[t] <= 1.0f))
                return orl_fail(ORL_E_INVALID_ARGUMENT,
                                "reinforce: setting 'beta' = 1 (logged propensity) but event %llu "
                                "of the training dataset has propensity %g, outside (0, 1]",
                                (unsigned long long)t, (double)ds->ev_prop[t]);
    }
    orl_free(r->returns);
    r->n_returns = 0;
    r->returns = orl_malloc(sizeof(float) * (ds->n ? ds->n : 1));
    if (!r->returns) return orl_fail(ORL_E_NOMEM, "reinforce: out of memory for the returns");
    for (uint64_t s = 0; s < ds->n_sessions; s++) {
        double acc = 0.0;
        for (uint64_t t = ds->sess_off[s + 1]; t-- > ds->sess_off[s];) {
            acc = (double)orl_dataset_event_reward(ds, t) + r->gamma * acc;
            r->returns[t] = (float)acc;
        }
    }
    r->n_returns = ds->n;
    return ORL_OK;
}

static int reinforce_step(void *self, const orl_batch *b, float lr, orl_step_losses *out)
{
    reinforce *r = self;
    if (!r->returns)
        return orl_fail(ORL_E_STATE, "reinforce: no dataset prepared (the trainer calls prepare)");
    for (size_t i = 0; i < b->size; i++) {
        if (b->transition_ids[i] >= r->n_returns)
            return orl_fail(ORL_E_OUT_OF_RANGE, "reinforce: transition id %llu >= %llu",
                            (unsigned long long)b->transition_ids[i],
                            (unsigned long long)r->n_returns);
        r->batch_returns[i] = r->returns[b->transition_ids[i]];
    }
    const orl_pg_inputs in = {b->states,        b->state_len,    b->actions,
                              r->batch_returns, b->propensities, (int)b->size};
    orl_pg_step st;
    ORL_TRY(orl_pg_net_train_step(r->net, &in, lr, &st));
    out->loss = st.loss;
    out->ce_loss = orl_pg_net_get_config(r->net)->logged_beta ? NAN : st.beta_ce;
    out->q_loss = NAN;
    /* ESS 0 when every weight is 0 (pi/beta underflowed with smooth > 0). */
    const double ess = st.w_sq > 0.0 ? st.w_sum * st.w_sum / st.w_sq : 0.0;
    r->ess_sum += ess;
    r->ess_share_sum += ess / st.rows;
    r->batches++;
    r->rows += (uint64_t)st.rows;
    r->clipped += (uint64_t)st.clipped;
    r->w_sum += st.w_sum;
    r->lambda_sum += st.lambda_sum;
    return ORL_OK;
}

static void reinforce_epoch_stats(void *self, orl_algo_stats *out)
{
    reinforce *r = self;
    const double nb = r->batches ? (double)r->batches : 1.0, nr = r->rows ? (double)r->rows : 1.0;
    static const char *const keys[] = {"ess", "ess_share", "clipped_share", "mean_weight",
                                       "mean_lambda_k"};
    const double values[] = {r->ess_sum / nb, r->ess_share_sum / nb, (double)r->clipped / nr,
                             r->w_sum / nr, r->lambda_sum / nr};
    out->n = (int)(sizeof values / sizeof values[0]);
    for (int i = 0; i < out->n; i++) {
        out->keys[i] = keys[i];
        out->values[i] = values[i];
    }
    r->ess_sum = r->ess_share_sum = r->w_sum = r->lambda_sum = 0.0;
    r->batches = r->rows = r->clipped = 0;
}

const orl_pg_net *orl_algo_reinforce_net(const void *instance)
{
    return ((const reinforce *)instance)->net;
}

const float *orl_algo_reinforce_returns(const void *instance, uint64_t *out_count)
{
    const reinforce *r = instance;
    *out_count = r->n_returns;
    return r->returns;
}

static const orl_params *reinforce_policy(const void *self)
{
    return orl_pg_net_policy(((const reinforce *)self)->net);
}

const orl_algo_class orl_algo_reinforce = {
    .name = "reinforce",
    .summary = "off-policy REINFORCE: softmax policy, importance weights min(pi/beta, clip), "
               "top-K correction (Chen 2019)",
    .settings = reinforce_settings,
    .n_settings = (int)(sizeof reinforce_settings / sizeof reinforce_settings[0]),
    .create = reinforce_create,
    .destroy = reinforce_destroy,
    .step = reinforce_step,
    .policy_params = reinforce_policy,
    .prepare = reinforce_prepare,
    .epoch_stats = reinforce_epoch_stats,
};
