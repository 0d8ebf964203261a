/* TEMPORARY (see ope_policy_tmp.h): greedy / softmax / epsilon-greedy rows. */
#include "api/ope_policy_tmp.h"

#include <math.h>
#include <string.h>

#include "core/error.h"

void orl_policy_rule_init(orl_policy_rule *rule)
{
    if (!rule) return;
    memset(rule, 0, sizeof *rule);
    rule->struct_size = sizeof *rule;
    rule->temperature = 1.0;
    rule->epsilon = 0.1;
}

int orl_policy_rule_check(const orl_policy_rule *r)
{
    if (r->kind < 0 || r->kind > 2)
        return orl_fail(ORL_E_OUT_OF_RANGE, "policy rule: kind %d is not a policy kind", r->kind);
    if (r->kind == ORL_POLICY_SOFTMAX && !(r->temperature > 0 && isfinite(r->temperature)))
        return orl_fail(ORL_E_OUT_OF_RANGE, "policy rule: temperature %g must be > 0",
                        r->temperature);
    if (r->kind == ORL_POLICY_EPSILON && !(r->epsilon >= 0 && r->epsilon <= 1))
        return orl_fail(ORL_E_OUT_OF_RANGE, "policy rule: epsilon %g is outside [0, 1]",
                        r->epsilon);
    return ORL_OK;
}

static size_t argmax(const float *s, size_t n)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (s[i] > s[b]) b = i;
    return b;
}

int orl_policy_probs_rows(const orl_policy_rule *r, const float *scores, size_t rows, size_t n,
                          float *out)
{
    for (size_t k = 0; k < rows; k++) {
        const float *s = scores + k * n;
        float *p = out + k * n;
        if (r->kind == ORL_POLICY_SOFTMAX) {
            float mx = s[argmax(s, n)];
            double z = 0;
            for (size_t i = 0; i < n; i++) z += p[i] = expf((s[i] - mx) / (float)r->temperature);
            for (size_t i = 0; i < n; i++) p[i] = (float)(p[i] / z);
            continue;
        }
        double eps = r->kind == ORL_POLICY_EPSILON ? r->epsilon : 0.0;
        for (size_t i = 0; i < n; i++) p[i] = (float)(eps / (double)n);
        p[argmax(s, n)] += (float)(1.0 - eps);
    }
    return ORL_OK;
}
