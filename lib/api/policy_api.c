/* Target policy rules: defaults, text, and a model's probabilities under one. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/model_impl.h"
#include "api/policy_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/numtext.h"
#include "models/policy_rule.h"

ORL_API void orl_policy_rule_init(orl_policy_rule *rule)
{
    if (!rule) return;
    memset(rule, 0, sizeof *rule);
    rule->struct_size = sizeof *rule;
    rule->kind = ORL_POLICY_GREEDY;
    rule->top_k = 0;
    rule->temperature = 1.0;
    rule->epsilon = 0.1;
}

/* A decimal number that fills [s, end) exactly: digits, one point, an
 * exponent; no spaces, signs other than the exponent's, hex, inf or nan. */
static int read_number(const char *s, const char *end, const char *what, double *out)
{
    char buf[64];
    size_t len = (size_t)(end - s);
    if (len == 0) return orl_fail(ORL_E_PARSE, "policy rule: the %s is missing", what);
    if (len >= sizeof buf) return orl_fail(ORL_E_PARSE, "policy rule: the %s is too long", what);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        int ok = (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
                 ((c == '-' || c == '+') && i > 0 && (s[i - 1] == 'e' || s[i - 1] == 'E'));
        if (!ok)
            return orl_fail(ORL_E_PARSE, "policy rule: the %s '%.*s' is not a decimal number", what,
                            (int)len, s);
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *stop = NULL;
    errno = 0;
    double v = strtod(buf, &stop);
    if (stop != buf + len || !isfinite(v))
        return orl_fail(ORL_E_PARSE, "policy rule: the %s '%s' is not a number", what, buf);
    *out = v;
    return ORL_OK;
}

/* A whole number 1 .. 2^32 - 1 that fills [s, end) exactly. */
static int read_top_k(const char *s, const char *end, uint32_t *out)
{
    size_t len = (size_t)(end - s);
    if (len == 0)
        return orl_fail(ORL_E_PARSE, "policy rule: top_k after the second ':' is missing");
    uint64_t v = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return orl_fail(ORL_E_PARSE, "policy rule: top_k '%.*s' is not a whole number",
                            (int)len, s);
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > UINT32_MAX)
            return orl_fail(ORL_E_OUT_OF_RANGE, "policy rule: top_k '%.*s' is above 2^32 - 1",
                            (int)len, s);
    }
    if (v == 0)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "policy rule: top_k = 0; leave it out ('epsilon:E') for the whole "
                        "catalogue");
    *out = (uint32_t)v;
    return ORL_OK;
}

static int parse_rule(const char *text, orl_policy_rule *r)
{
    static const char usage[] = "expected greedy, softmax:T, epsilon:E or epsilon:E:K";
    if (strcmp(text, "greedy") == 0) {
        r->kind = ORL_POLICY_GREEDY;
        return ORL_OK;
    }
    const char *colon = strchr(text, ':');
    const char *end = text + strlen(text);
    if (colon && (size_t)(colon - text) == 7 && strncmp(text, "softmax", 7) == 0) {
        r->kind = ORL_POLICY_SOFTMAX;
        if (strchr(colon + 1, ':'))
            return orl_fail(ORL_E_PARSE, "policy rule '%s': softmax takes one number (%s)", text,
                            usage);
        ORL_TRY(read_number(colon + 1, end, "temperature", &r->temperature));
        return ORL_OK;
    }
    if (colon && (size_t)(colon - text) == 7 && strncmp(text, "epsilon", 7) == 0) {
        r->kind = ORL_POLICY_EPSILON;
        const char *second = strchr(colon + 1, ':');
        ORL_TRY(read_number(colon + 1, second ? second : end, "epsilon", &r->epsilon));
        r->top_k = 0;
        if (second) ORL_TRY(read_top_k(second + 1, end, &r->top_k));
        return ORL_OK;
    }
    return orl_fail(ORL_E_PARSE, "policy rule '%.60s': %s", text, usage);
}

ORL_API int orl_policy_rule_parse(const char *text, orl_policy_rule *out)
{
    ORL_CHECK_NOT_NULL(text);
    ORL_CHECK_NOT_NULL(out);
    if (out->struct_size < sizeof *out)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: out->struct_size = %zu is smaller than %zu; fill it with "
                        "orl_policy_rule_init()",
                        __func__, out->struct_size, sizeof *out);
    orl_policy_rule r;
    orl_policy_rule_init(&r);
    ORL_TRY(parse_rule(text, &r));
    int s = orl_policy_rule_check(&r);
    if (s != ORL_OK) return orl_fail_context("policy rule '%.60s'", text);
    r.struct_size = out->struct_size;
    memcpy(out, &r, sizeof r);
    return ORL_OK;
}

ORL_API int orl_policy_rule_format(const orl_policy_rule *rule, char *buf, size_t buf_len,
                                   size_t *out_len)
{
    ORL_CHECK_NOT_NULL(rule);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: NULL buf with buf_len > 0", __func__);
    ORL_TRY(orl_policy_rule_check(rule));
    char text[3 * ORL_NUMTEXT_MAX + 16], num[ORL_NUMTEXT_MAX];
    if (rule->kind == ORL_POLICY_SOFTMAX) {
        orl_double_text(num, sizeof num, rule->temperature);
        snprintf(text, sizeof text, "softmax:%s", num);
    } else if (rule->kind == ORL_POLICY_EPSILON) {
        orl_double_text(num, sizeof num, rule->epsilon);
        if (rule->top_k)
            snprintf(text, sizeof text, "epsilon:%s:%u", num, rule->top_k);
        else
            snprintf(text, sizeof text, "epsilon:%s", num);
    } else {
        snprintf(text, sizeof text, "greedy");
    }
    size_t need = strlen(text) + 1;
    *out_len = need;
    int s = orl_check_out_buffer(buf, buf_len, need, __func__);
    if (s == ORL_SIZE_QUERY) return ORL_OK;
    if (s != ORL_OK) return s;
    memcpy(buf, text, need);
    return ORL_OK;
}

int orl_model_policy_row(const orl_model *model, const orl_policy_rule *rule,
                         const int64_t *history, size_t history_len, float *scores, float *probs)
{
    int32_t state[1024], len;
    orl_model_history_state(model, history, NULL, history_len, state, &len);
    ORL_TRY(orl_model_score_row(model, state, len, scores, NULL));
    return orl_policy_probs_from_scores(rule, scores, model->n_items, probs);
}

int orl_policy_rule_or_greedy(const orl_policy_rule *rule, orl_policy_rule *out)
{
    if (rule) {
        ORL_TRY(orl_policy_rule_check(rule));
        *out = *rule;
        out->struct_size = sizeof *out;
    } else {
        orl_policy_rule_init(out);
    }
    return ORL_OK;
}

ORL_API int orl_model_policy_probs(const orl_model *model, const orl_policy_rule *rule,
                                   const int64_t *history_item_keys, size_t history_len,
                                   float *out_probs, size_t n_items)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_probs);
    if (history_len > 0 && !history_item_keys)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: history_item_keys is NULL", __func__);
    if (n_items != model->n_items)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: n_items = %zu, but the model's catalogue has %u items", __func__,
                        n_items, model->n_items);
    orl_policy_rule r;
    ORL_TRY(orl_policy_rule_or_greedy(rule, &r));
    ORL_TRY(orl_policy_rule_check_items(&r, n_items));
    float *scores = orl_malloc(sizeof(float) * n_items);
    float *probs = orl_malloc(sizeof(float) * n_items);
    int s = scores && probs
                ? orl_model_policy_row(model, &r, history_item_keys, history_len, scores, probs)
                : orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    if (s == ORL_OK) memcpy(out_probs, probs, sizeof(float) * n_items);
    orl_free(scores);
    orl_free(probs);
    return s;
}
