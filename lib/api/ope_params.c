/* orl_ope_params: defaults, checks naming the field, the estimator list. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/ope_impl.h"
#include "core/numtext.h"

ORL_API void orl_ope_params_init(orl_ope_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->interval = ORL_OPE_INTERVAL_BOOTSTRAP;
    p->bootstrap_samples = 200;
    p->confidence = 0.95;
    p->clip = 10.0;
    p->switch_threshold = 10.0;
    p->gamma = 1.0;
    p->behaviour = ORL_OPE_BEHAVIOUR_LOGGED;
    p->reward_model = ORL_OPE_REWARD_FQE;
    p->fqe_epochs = 3;
    p->fqe_batch = 256;
    p->fqe_learning_rate = 1e-3f;
    p->seed = 1;
    p->threads = 0;
}

static int range(const char *fn, const char *field, double v, double lo, double hi, int open_lo,
                 int open_hi)
{
    int ok = isfinite(v) && (open_lo ? v > lo : v >= lo) && (open_hi ? v < hi : v <= hi);
    if (ok) return ORL_OK;
    return orl_fail(ORL_E_OUT_OF_RANGE, "%s: params->%s = %g is outside %c%g, %g%c", fn, field, v,
                    open_lo ? '(' : '[', lo, hi, open_hi ? ')' : ']');
}

int ope_params_check(const orl_ope_params *p, orl_policy_rule *rule, const char *fn)
{
    if (p->struct_size < sizeof *p)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: params->struct_size is %zu, expected %zu (use orl_ope_params_init)",
                        fn, p->struct_size, sizeof *p);
    if (p->interval < ORL_OPE_INTERVAL_BOOTSTRAP || p->interval > ORL_OPE_INTERVAL_BCA)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: params->interval %d is not an interval kind", fn,
                        (int)p->interval);
    if (p->bootstrap_samples < 2 || p->bootstrap_samples > 100000)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "%s: params->bootstrap_samples %u is outside [2, 100000]", fn,
                        (unsigned)p->bootstrap_samples);
    ORL_TRY(range(fn, "confidence", p->confidence, 0, 1, 1, 1));
    ORL_TRY(range(fn, "clip", p->clip, 0, INFINITY, 1, 1));
    ORL_TRY(range(fn, "switch_threshold", p->switch_threshold, 0, INFINITY, 1, 1));
    ORL_TRY(range(fn, "gamma", p->gamma, 0, 1, 0, 0));
    if (p->behaviour < ORL_OPE_BEHAVIOUR_LOGGED || p->behaviour > ORL_OPE_BEHAVIOUR_FIT)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: params->behaviour %d is not a behaviour source",
                        fn, (int)p->behaviour);
    if (p->behaviour == ORL_OPE_BEHAVIOUR_MODEL && !p->behaviour_model)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: params->behaviour is ORL_OPE_BEHAVIOUR_MODEL but "
                        "params->behaviour_model is NULL",
                        fn);
    if (p->behaviour_model) ORL_CHECK_HANDLE(p->behaviour_model, ORL_TAG_MODEL);
    if (p->reward_model != ORL_OPE_REWARD_FQE && p->reward_model != ORL_OPE_REWARD_ITEM_MEAN)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: params->reward_model %d is not a reward model", fn,
                        (int)p->reward_model);
    if (p->fqe_epochs < 1 || p->fqe_epochs > 1000)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: params->fqe_epochs %u is outside [1, 1000]", fn,
                        (unsigned)p->fqe_epochs);
    if (p->fqe_batch < 1 || p->fqe_batch > 65536)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: params->fqe_batch %u is outside [1, 65536]", fn,
                        (unsigned)p->fqe_batch);
    ORL_TRY(range(fn, "fqe_learning_rate", p->fqe_learning_rate, 0, 1, 1, 0)); /* as FQE's */
    if (p->fqe_encoder) ORL_CHECK_HANDLE(p->fqe_encoder, ORL_TAG_ENCODER);
    if (p->threads < 0 || p->threads > 256)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: params->threads %d is outside [0, 256]", fn,
                        (int)p->threads);
    orl_policy_rule_init(rule);
    if (p->policy) {
        if (orl_policy_rule_check(p->policy) != ORL_OK)
            return orl_fail_context("%s: params->policy", fn);
        *rule = *p->policy;
        rule->struct_size = sizeof *rule;
    }
    uint8_t want[64];
    int explicit_list;
    return ope_params_select(p->estimators, want, &explicit_list, fn);
}

int ope_params_select(const char *list, uint8_t *want, int *explicit_list, const char *fn)
{
    size_t n = orl_ope_estimator_count();
    memset(want, list ? 0 : 1, n);
    *explicit_list = list != NULL;
    if (!list) return ORL_OK;
    const char *p = list;
    size_t named = 0;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        /* Spaces around a name are fine ("ips, dr"). */
        const char *b = p;
        size_t l = len;
        while (l && (*b == ' ')) b++, l--;
        while (l && b[l - 1] == ' ') l--;
        if (l) {
            const orl_ope_estimator *est = orl_ope_estimator_find(b, l);
            if (!est) {
                char names[256] = "";
                for (size_t i = 0; i < n; i++) {
                    strncat(names, i ? ", " : "", sizeof names - strlen(names) - 1);
                    strncat(names, orl_ope_estimator_at(i)->name, sizeof names - strlen(names) - 1);
                }
                return orl_fail(ORL_E_INVALID_ARGUMENT,
                                "%s: params->estimators names '%.*s', not an estimator (%s)", fn,
                                (int)(l > 40 ? 40 : l), b, names);
            }
            want[est - orl_ope_estimator_at(0)] = 1;
            named++;
        }
        p += len;
        if (*p == ',') p++;
    }
    if (!named)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: params->estimators names no estimator", fn);
    return ORL_OK;
}

void ope_policy_text(const orl_policy_rule *r, char *buf, size_t len)
{
    size_t out = 0;
    if (orl_policy_rule_format(r, buf, len, &out) != ORL_OK) snprintf(buf, len, "?");
}
