/* The metrics as one flat JSON object, keyed like the peer's evaluate(). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "eval/metrics.h"

typedef struct json_out {
    char *buf;
    size_t cap;
    size_t len; /* bytes produced so far, excluding the NUL */
} json_out;

/* Appends formatted text; past the capacity only the length is counted. */
static void put(json_out *o, const char *fmt, ...) ORL_PRINTF(2, 3);
static void put(json_out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (o->buf && o->len + (size_t)n < o->cap) memcpy(o->buf + o->len, tmp, (size_t)n);
    o->len += (size_t)n;
}

/* Finite doubles with 9 significant digits (the metrics are means in [0, 1]). */
static void render(json_out *o, const orl_eval_metrics *m)
{
    static const char *cls[ORL_EVAL_NUM_CLASSES] = {"click", "purchase"};
    put(o, "{\"n_click\":%llu,\"n_purchase\":%llu,\"n_items\":%u",
        (unsigned long long)m->count[ORL_EVAL_CLICK],
        (unsigned long long)m->count[ORL_EVAL_PURCHASE], m->n_items);
    for (int c = 0; c < ORL_EVAL_NUM_CLASSES; c++)
        for (int k = 0; k < ORL_EVAL_NUM_K; k++)
            put(o, ",\"%s_hr@%u\":%.9g,\"%s_ndcg@%u\":%.9g", cls[c], m->ks[k], m->hr[k][c], cls[c],
                m->ks[k], m->ndcg[k][c]);
    put(o, ",\"n_nonfinite\":%llu}",
        (unsigned long long)(m->nonfinite[ORL_EVAL_CLICK] + m->nonfinite[ORL_EVAL_PURCHASE]));
}

int orl_eval_metrics_json(const orl_eval_metrics *m, char *buf, size_t buf_len, size_t *out_len)
{
    ORL_CHECK_NOT_NULL(m);
    json_out sizing = {NULL, 0, 0};
    render(&sizing, m);
    size_t need = sizing.len + 1;
    if (out_len) *out_len = need;
    if (buf_len < need)
        return orl_fail(ORL_E_BUFFER_TOO_SMALL, "metrics JSON needs %zu bytes, buffer has %zu",
                        need, buf_len);
    ORL_CHECK_NOT_NULL(buf);
    json_out o = {buf, buf_len, 0};
    render(&o, m);
    buf[o.len] = '\0';
    return ORL_OK;
}
