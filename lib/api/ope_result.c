/* The result of orl_model_estimate_value: estimates, warnings, settings, and
 * its JSON. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/html_buf.h"
#include "api/ope_impl.h"
#include "core/alloc.h"
#include "core/numtext.h"

int ope_result_new(orl_ope_result **out)
{
    orl_ope_result *r = orl_calloc(1, sizeof *r);
    if (!r) return orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
    r->tag.tag = ORL_TAG_OPE_RESULT;
    *out = r;
    return ORL_OK;
}

int ope_result_add(orl_ope_result *r, const orl_ope_estimate *e)
{
    if (r->n_est == r->cap_est) {
        size_t cap = r->cap_est ? 2 * r->cap_est : 16;
        orl_ope_estimate *p = orl_realloc(r->est, cap * sizeof *p);
        if (!p) return orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
        r->est = p;
        r->cap_est = cap;
    }
    r->est[r->n_est++] = *e;
    return ORL_OK;
}

int ope_result_warn(orl_ope_result *r, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char **w = orl_realloc(r->warnings, (r->n_warnings + 1) * sizeof *w);
    if (!w) return orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
    r->warnings = w;
    size_t len = strlen(text) + 1;
    if (!(w[r->n_warnings] = orl_malloc(len)))
        return orl_fail(ORL_E_NOMEM, "estimate value: out of memory");
    memcpy(w[r->n_warnings++], text, len);
    return ORL_OK;
}

ORL_API void orl_ope_result_free(orl_ope_result *r)
{
    if (!r || r->tag.tag != ORL_TAG_OPE_RESULT) return;
    for (size_t i = 0; i < r->n_warnings; i++) orl_free(r->warnings[i]);
    orl_free(r->warnings);
    orl_free(r->est);
    r->tag.tag = ORL_TAG_FREED;
    orl_free(r);
}

ORL_API int orl_ope_result_count(const orl_ope_result *r, size_t *out_count)
{
    ORL_CHECK_HANDLE(r, ORL_TAG_OPE_RESULT);
    ORL_CHECK_NOT_NULL(out_count);
    *out_count = r->n_est;
    return ORL_OK;
}

ORL_API int orl_ope_result_get(const orl_ope_result *r, size_t index, orl_ope_estimate *out)
{
    ORL_CHECK_HANDLE(r, ORL_TAG_OPE_RESULT);
    ORL_CHECK_NOT_NULL(out);
    if (out->struct_size < sizeof out->struct_size)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: out->struct_size %zu is too small", __func__,
                        out->struct_size);
    if (index >= r->n_est)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: index %zu is not below the count %zu", __func__,
                        index, r->n_est);
    size_t size = out->struct_size < sizeof *out ? out->struct_size : sizeof *out;
    orl_ope_estimate e = r->est[index];
    e.struct_size = out->struct_size;
    memcpy(out, &e, size);
    return ORL_OK;
}

ORL_API int orl_ope_result_warning_count(const orl_ope_result *r, size_t *out_count)
{
    ORL_CHECK_HANDLE(r, ORL_TAG_OPE_RESULT);
    ORL_CHECK_NOT_NULL(out_count);
    *out_count = r->n_warnings;
    return ORL_OK;
}

ORL_API int orl_ope_result_warning(const orl_ope_result *r, size_t index, char *buf, size_t buf_len,
                                   size_t *out_len)
{
    ORL_CHECK_HANDLE(r, ORL_TAG_OPE_RESULT);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len) return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: buf is NULL", __func__);
    if (index >= r->n_warnings)
        return orl_fail(ORL_E_OUT_OF_RANGE, "%s: index %zu is not below the count %zu", __func__,
                        index, r->n_warnings);
    size_t need = strlen(r->warnings[index]) + 1;
    *out_len = need;
    ORL_OUT_BUFFER(buf, buf_len, need);
    memcpy(buf, r->warnings[index], need);
    return ORL_OK;
}

/* A JSON number in its shortest round-trip form; null when not finite. */
static void num(orl_html *h, const char *key, double v)
{
    char t[ORL_NUMTEXT_MAX];
    if (!isfinite(v))
        snprintf(t, sizeof t, "null");
    else
        orl_double_text(t, sizeof t, v);
    orl_html_printf(h, "\"%s\":%s", key, t);
}

/* A JSON string (the texts here are ours or estimator names: escape quotes,
 * backslashes and control bytes). */
static void str(orl_html *h, const char *s)
{
    orl_html_raw(h, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            orl_html_printf(h, "\\%c", c);
        else if (c < 0x20)
            orl_html_printf(h, "\\u%04x", c);
        else
            orl_html_printf(h, "%c", c);
    }
    orl_html_raw(h, "\"");
}

static void estimate_json(orl_html *h, const orl_ope_estimate *e)
{
    orl_html_raw(h, "{\"estimator\":");
    str(h, e->estimator);
    orl_html_printf(h, ",\"unit\":\"%s\",", e->per_session ? "session" : "step");
    num(h, "value", e->value);
    orl_html_raw(h, ",");
    num(h, "ci_low", e->ci_low);
    orl_html_raw(h, ",");
    num(h, "ci_high", e->ci_high);
    orl_html_raw(h, ",");
    num(h, "std_error", e->std_error);
    orl_html_raw(h, ",");
    num(h, "ess", e->ess);
    orl_html_raw(h, ",");
    num(h, "clipped_share", e->clipped_share);
    orl_html_raw(h, ",");
    num(h, "session_value", e->session_value);
    orl_html_raw(h, ",");
    num(h, "session_ci_low", e->session_ci_low);
    orl_html_raw(h, ",");
    num(h, "session_ci_high", e->session_ci_high);
    orl_html_printf(h, ",\"n_steps\":%llu,\"n_sessions\":%llu}", (unsigned long long)e->n_steps,
                    (unsigned long long)e->n_sessions);
}

static void result_json(orl_html *h, const orl_ope_result *r)
{
    orl_html_raw(h, "{\"policy\":");
    str(h, r->policy);
    orl_html_printf(h, ",\"interval\":\"%s\",\"bootstrap_samples\":%u,",
                    r->interval == ORL_OPE_INTERVAL_NORMAL ? "normal"
                    : r->interval == ORL_OPE_INTERVAL_BCA  ? "bca"
                                                           : "bootstrap",
                    (unsigned)r->samples);
    num(h, "confidence", r->confidence);
    orl_html_raw(h, ",\"behaviour\":");
    str(h, r->behaviour);
    orl_html_raw(h, ",\"reward_model\":");
    str(h, r->reward_model);
    orl_html_printf(h, ",\"n_steps\":%llu,\"n_sessions\":%llu,\"estimates\":[",
                    (unsigned long long)r->n_steps, (unsigned long long)r->n_sessions);
    for (size_t i = 0; i < r->n_est; i++) {
        if (i) orl_html_raw(h, ",");
        estimate_json(h, &r->est[i]);
    }
    orl_html_raw(h, "],\"warnings\":[");
    for (size_t i = 0; i < r->n_warnings; i++) {
        if (i) orl_html_raw(h, ",");
        str(h, r->warnings[i]);
    }
    const ope_timing *t = &r->timing;
    const double v[] = {t->scoring, t->policy,     t->reward_model, t->behaviour,
                        t->fqe_fit, t->estimators, t->intervals,    t->total};
    const char *k[] = {"scoring", "policy",     "reward_model", "behaviour",
                       "fqe_fit", "estimators", "intervals",    "total"};
    orl_html_raw(h, "],\"timing\":{");
    for (int i = 0; i < 8; i++) {
        if (i) orl_html_raw(h, ",");
        num(h, k[i], v[i]);
    }
    orl_html_raw(h, "}}");
}

ORL_API int orl_ope_result_json(const orl_ope_result *r, char *buf, size_t buf_len, size_t *out_len)
{
    ORL_CHECK_HANDLE(r, ORL_TAG_OPE_RESULT);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len) return orl_fail(ORL_E_INVALID_ARGUMENT, "%s: buf is NULL", __func__);
    orl_html h = {0};
    result_json(&h, r);
    if (h.oom) {
        orl_html_free(&h);
        return orl_fail(ORL_E_NOMEM, "%s: out of memory", __func__);
    }
    size_t need = h.len + 1;
    *out_len = need;
    int s = orl_check_out_buffer(buf, buf_len, need, __func__);
    if (s == ORL_OK) memcpy(buf, h.buf, need);
    orl_html_free(&h);
    return s == ORL_SIZE_QUERY ? ORL_OK : s;
}
