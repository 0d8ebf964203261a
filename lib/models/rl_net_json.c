/* The rl_net configuration as one JSON object, for model metadata and the
 * trainer's configuration read-back. */
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "models/rl_net.h"

/* %.9g round-trips a float; infinities (allowed in the clip range) are
 * written as +-1e39, which reads back as a float infinity. */
static double json_num(float x)
{
    return isinf(x) ? (x > 0.0f ? 1e39 : -1e39) : (double)x;
}

int orl_rl_net_config_json(const orl_rl_net_config *c, char *buf, size_t buf_len, size_t *out_len)
{
    if (!c || !out_len) return orl_fail(ORL_E_INVALID_ARGUMENT, "rl_net_config_json: NULL");
    const char *name = orl_rl_algo_name(c->algorithm);
    if (!name) return orl_fail(ORL_E_OUT_OF_RANGE, "rl_net_config_json: bad algorithm");
#define F(x) json_num(x)
    /* The settings of the newer algorithms, only with them (the 0.1.0
     * algorithms' metadata stays as it was). */
    char extra[128] = "";
    if (c->algorithm == ORL_RL_CQL || c->algorithm == ORL_RL_SQN_CQL)
        snprintf(extra, sizeof extra, ",\"cql_alpha\":%.9g", F(c->cql_alpha));
    else if (c->algorithm == ORL_RL_SQN_REM)
        snprintf(extra, sizeof extra, ",\"q_heads\":%d,\"vpq_c\":%.9g", c->q_heads, F(c->vpq_c));
    int n = snprintf(buf, buf_len,
                     "{\"algorithm\":\"%s\",\"n_items\":%d,\"embed_dim\":%d,\"hidden_dim\":%d,"
                     "\"window\":%d,\"max_batch\":%d,\"gamma\":%.9g,\"n_neg\":%d,\"r_neg\":%.9g,"
                     "\"warmup_steps\":%lld,\"lr2\":%.9g,\"adv_clip_lo\":%.9g,"
                     "\"adv_clip_hi\":%.9g,\"weight\":%.9g,\"ips_smooth\":%.9g,"
                     "\"ips_clip_lo\":%.9g,\"ips_clip_hi\":%.9g%s}",
                     name, c->n_items, c->embed_dim, c->hidden_dim, c->window, c->max_batch,
                     F(c->gamma), c->n_neg, F(c->r_neg), (long long)c->warmup_steps, F(c->lr2),
                     F(c->adv_clip_lo), F(c->adv_clip_hi), F(c->weight), F(c->ips_smooth),
                     F(c->ips_clip_lo), F(c->ips_clip_hi), extra);
#undef F
    if (n < 0) return orl_fail(ORL_E_INTERNAL, "rl_net_config_json: formatting failed");
    if ((size_t)n + 1 > buf_len || !buf) {
        *out_len = (size_t)n + 1;
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "rl_net_config_json: %d bytes needed", n + 1);
    }
    *out_len = (size_t)n + 1;
    return ORL_OK;
}
