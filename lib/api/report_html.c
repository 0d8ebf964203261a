/* The training report page: header, learning curves, per-epoch table, final test metrics,
 * configuration, library build. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/report_chart.h"
#include "api/report_html.h"
#include "core/alloc.h"

static const char *const STYLE =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
    "margin:0;background:#f5f6f8;color:#1d2330}"
    "main{max-width:1140px;margin:0 auto;padding:24px 28px 40px}"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 10px;"
    "border-bottom:1px solid #d6dae1;padding-bottom:6px}"
    ".meta{color:#5a6272;font-size:14px;margin:0}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:18px}"
    ".card{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:10px 16px;"
    "min-width:150px}.card .v{font-size:22px;font-weight:600}.card .k{font-size:12px;"
    "color:#5a6272;text-transform:uppercase;letter-spacing:.04em}"
    ".charts{display:flex;flex-wrap:wrap;gap:16px}"
    "svg.chart{background:#fff;border:1px solid #dde1e8;border-radius:8px;width:548px;"
    "max-width:100%;height:auto}"
    "svg .grid{stroke:#e6e9ef;stroke-width:1}svg .axis{stroke:#5a6272;stroke-width:1}"
    "svg text{font-size:12px;fill:#3b4252}svg .chart-title{font-size:15px;font-weight:600;"
    "fill:#1d2330}svg .axis-label{font-size:13px;fill:#5a6272}"
    "table{border-collapse:collapse;background:#fff;border:1px solid #dde1e8;font-size:14px}"
    "th,td{padding:6px 12px;border-bottom:1px solid #eceff3;text-align:right}"
    "th{background:#eef1f5;font-weight:600}td.l,th.l{text-align:left}"
    "td.num{font-variant-numeric:tabular-nums}"
    ".note{color:#5a6272;font-size:14px}"
    "pre{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:10px;"
    "font-size:12px;white-space:pre-wrap;word-break:break-all}";

/* --- configuration: the flat rows of a JSON object ("encoder.embed_dim" = 64) --- */

typedef struct jcur {
    const char *p, *end;
} jcur;

static void jws(jcur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

/* A string token; *s and *n get its raw content (escapes left as written). */
static int jstring(jcur *c, const char **s, size_t *n)
{
    if (c->p >= c->end || *c->p != '"') return -1;
    const char *start = ++c->p;
    while (c->p < c->end && *c->p != '"') c->p += (*c->p == '\\' && c->p + 1 < c->end) ? 2 : 1;
    if (c->p >= c->end) return -1;
    *s = start;
    *n = (size_t)(c->p - start);
    c->p++;
    return 0;
}

/* Skip one value of any kind, keeping its span. */
static int jskip(jcur *c)
{
    jws(c);
    if (c->p >= c->end) return -1;
    if (*c->p == '"') {
        const char *s;
        size_t n;
        return jstring(c, &s, &n);
    }
    if (*c->p == '{' || *c->p == '[') {
        int depth = 0;
        while (c->p < c->end) {
            char ch = *c->p;
            if (ch == '"') {
                const char *s;
                size_t n;
                if (jstring(c, &s, &n) != 0) return -1;
                continue;
            }
            if (ch == '{' || ch == '[') depth++;
            if (ch == '}' || ch == ']') depth--;
            c->p++;
            if (depth == 0) return 0;
        }
        return -1;
    }
    const char *start = c->p;
    while (c->p < c->end && !strchr(",}] \n\t\r", *c->p)) c->p++;
    return c->p > start ? 0 : -1;
}

/* A configuration value; a float setting stored as a double ("0.0099999997764825821") is
 * shown as the float it was set to ("0.01"). */
static void config_value(orl_html *h, const char *v, size_t n)
{
    char num[64], shorter[64];
    if (n > 0 && n < sizeof num && strchr("-0123456789", v[0])) {
        memcpy(num, v, n);
        num[n] = '\0';
        char *end;
        double d = strtod(num, &end);
        if (*end == '\0' && isfinite(d) && (double)(float)d == d && d != floor(d)) {
            for (int p = 1; p <= 9; p++) {
                snprintf(shorter, sizeof shorter, "%.*g", p, d);
                if ((float)strtod(shorter, NULL) == (float)d) {
                    orl_html_cstr(h, shorter);
                    return;
                }
            }
        }
    }
    orl_html_text(h, v, n);
}

/* Walk an object; with `h` emit one table row per scalar. Returns 0 when well formed. */
static int jobject(jcur *c, orl_html *h, const char *prefix, size_t prefix_len, int depth)
{
    jws(c);
    if (depth > 8 || c->p >= c->end || *c->p != '{') return -1;
    c->p++;
    jws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    for (;;) {
        jws(c);
        const char *key;
        size_t klen;
        if (jstring(c, &key, &klen) != 0) return -1;
        jws(c);
        if (c->p >= c->end || *c->p != ':') return -1;
        c->p++;
        jws(c);
        char path[256];
        size_t plen = 0;
        if (prefix_len + klen + 2 < sizeof path) {
            if (prefix_len) {
                memcpy(path, prefix, prefix_len);
                path[prefix_len] = '.';
                plen = prefix_len + 1;
            }
            memcpy(path + plen, key, klen);
            plen += klen;
        }
        if (c->p < c->end && *c->p == '{') {
            if (jobject(c, h, path, plen, depth + 1) != 0) return -1;
        } else {
            const char *v = c->p;
            if (jskip(c) != 0) return -1;
            const char *ve = c->p;
            if (*v == '"') v++, ve--;
            if (h) {
                orl_html_raw(h, "<tr><td class=\"l\">");
                orl_html_text(h, path, plen);
                orl_html_raw(h, "</td><td class=\"l num\">");
                config_value(h, v, (size_t)(ve - v));
                orl_html_raw(h, "</td></tr>\n");
            }
        }
        jws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            return 0;
        }
        return -1;
    }
}

static void config_section(orl_html *h, const char *json)
{
    orl_html_raw(h, "<h2>Configuration</h2>\n");
    jcur probe = {json, json + strlen(json)};
    if (jobject(&probe, NULL, "", 0, 0) == 0) {
        jcur c = {json, json + strlen(json)};
        orl_html_raw(h, "<table id=\"config\"><tr><th class=\"l\">setting</th>"
                        "<th class=\"l\">value</th></tr>\n");
        jobject(&c, h, "", 0, 0);
        orl_html_raw(h, "</table>\n");
    } else {
        orl_html_raw(h, "<pre id=\"config\">");
        orl_html_cstr(h, json);
        orl_html_raw(h, "</pre>\n");
    }
}

/* The "algorithm" value of the configuration, for the title. */
static void algorithm_name(const char *json, const char **s, size_t *n)
{
    *s = "?";
    *n = 1;
    const char *a = strstr(json, "\"algorithm\":\"");
    if (!a) return;
    a += strlen("\"algorithm\":\"");
    const char *e = strchr(a, '"');
    if (!e) return;
    *s = a;
    *n = (size_t)(e - a);
}

/* --- sections --- */

static void card(orl_html *h, const char *key, double v, int decimals, const char *suffix)
{
    orl_html_raw(h, "<div class=\"card\"><div class=\"k\">");
    orl_html_cstr(h, key);
    orl_html_raw(h, "</div><div class=\"v\">");
    orl_html_fixed(h, v, decimals);
    orl_html_cstr(h, suffix);
    orl_html_raw(h, "</div></div>");
}

static void header(orl_html *h, const orl_report_input *in)
{
    const char *algo;
    size_t algo_len;
    algorithm_name(in->config_json, &algo, &algo_len);
    orl_html_raw(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
                    "<title>Training report: ");
    orl_html_text(h, algo, algo_len);
    orl_html_raw(h, "</title><style>");
    orl_html_raw(h, STYLE);
    orl_html_raw(h, "</style></head>\n<body><main>\n<h1>Training report: ");
    orl_html_text(h, algo, algo_len);
    orl_html_raw(h, "</h1>\n<p class=\"meta\">libofflinerl ");
    orl_html_cstr(h, in->version);
    orl_html_raw(h, " &#183; generated ");
    orl_html_cstr(h, in->generated);
    orl_html_printf(h, " &#183; %u epoch%s</p>\n<div class=\"cards\">", (unsigned)in->n_epochs,
                    in->n_epochs == 1 ? "" : "s");
    const orl_epoch_record *last = &in->epochs[in->n_epochs - 1];
    card(h, "final training loss", last->loss, 4, "");
    double tps = 0;
    for (uint32_t i = 0; i < in->n_epochs; i++) tps += in->epochs[i].transitions_per_s;
    card(h, "mean throughput", tps / in->n_epochs, 0, " transitions/s");
    card(h, "training time", last->elapsed_s, 1, " s");
    if (in->test) {
        card(h, "test HR@10 clicks", in->test->click_hr[1], 4, "");
        card(h, "test HR@10 purchases", in->test->purchase_hr[1], 4, "");
    }
    orl_html_raw(h, "</div>\n");
}

static void curves(orl_html *h, const orl_report_input *in, double *scratch)
{
    uint32_t n = in->n_epochs;
    double *x = scratch, *loss = x + n,
           *m[4] = {loss + n, loss + 2 * n, loss + 3 * n, loss + 4 * n};
    int any_valid = 0;
    for (uint32_t i = 0; i < n; i++) {
        const orl_epoch_record *r = &in->epochs[i];
        x[i] = r->epoch;
        loss[i] = r->loss;
        const orl_eval_result *v = r->has_validation ? &r->validation : NULL;
        any_valid |= v != NULL;
        m[0][i] = v ? v->click_hr[1] : NAN;
        m[1][i] = v ? v->purchase_hr[1] : NAN;
        m[2][i] = v ? v->click_ndcg[1] : NAN;
        m[3][i] = v ? v->purchase_ndcg[1] : NAN;
    }
    orl_html_raw(h, "<h2>Learning curves</h2>\n<div class=\"charts\">\n");
    orl_chart_series ls = {"loss", "training loss", "#3461c1", loss};
    orl_chart c = {"chart-loss", "Training loss", "mean loss", 0, n, x, &ls, 1};
    orl_report_chart(h, &c);
    if (any_valid) {
        orl_chart_series hr[2] = {{"click", "clicks", "#d9792b", m[0]},
                                  {"purchase", "purchases", "#2a9d6f", m[1]}};
        orl_chart ch = {"chart-hr10", "Validation HR@10", "HR@10", 1, n, x, hr, 2};
        orl_report_chart(h, &ch);
        orl_chart_series nd[2] = {{"click", "clicks", "#d9792b", m[2]},
                                  {"purchase", "purchases", "#2a9d6f", m[3]}};
        orl_chart cn = {"chart-ndcg10", "Validation NDCG@10", "NDCG@10", 1, n, x, nd, 2};
        orl_report_chart(h, &cn);
    }
    orl_html_raw(h, "</div>\n");
    if (!any_valid)
        orl_html_raw(h, "<p class=\"note\">No validation set was given, so there are no metric "
                        "curves: pass one to orl_trainer_fit() (with orl train: --valid-data, or "
                        "--holdout with --report).</p>\n");
}

static void epoch_table(orl_html *h, const orl_report_input *in)
{
    /* The algorithm's own figures (reinforce's weights) as columns, named by the first epoch. */
    const orl_algo_stats *names = &in->epochs[0].algo_stats;
    orl_html_raw(h, "<h2>Epochs</h2>\n<table id=\"epochs\"><tr><th>epoch</th><th>loss</th>"
                    "<th>transitions/s</th><th>elapsed s</th><th>HR@10 clicks</th>"
                    "<th>HR@10 purchases</th><th>NDCG@10 clicks</th><th>NDCG@10 purchases</th>");
    for (int k = 0; k < names->n; k++) {
        orl_html_raw(h, "<th>");
        orl_html_cstr(h, names->keys[k]);
        orl_html_raw(h, "</th>");
    }
    orl_html_raw(h, "</tr>\n");
    for (uint32_t i = 0; i < in->n_epochs; i++) {
        const orl_epoch_record *r = &in->epochs[i];
        orl_html_printf(h, "<tr><td class=\"num\">%u</td><td class=\"num\">", (unsigned)r->epoch);
        orl_html_fixed(h, r->loss, 5);
        orl_html_raw(h, "</td><td class=\"num\">");
        orl_html_fixed(h, r->transitions_per_s, 0);
        orl_html_raw(h, "</td><td class=\"num\">");
        orl_html_fixed(h, r->elapsed_s, 2);
        const orl_eval_result *v = &r->validation;
        double vals[4] = {v->click_hr[1], v->purchase_hr[1], v->click_ndcg[1], v->purchase_ndcg[1]};
        for (int k = 0; k < 4; k++) {
            orl_html_raw(h, "</td><td class=\"num\">");
            if (r->has_validation)
                orl_html_fixed(h, vals[k], 4);
            else
                orl_html_raw(h, "&#8211;");
        }
        for (int k = 0; k < names->n; k++) {
            orl_html_raw(h, "</td><td class=\"num\">");
            if (k < r->algo_stats.n)
                orl_html_fixed(h, r->algo_stats.values[k], 4);
            else
                orl_html_raw(h, "&#8211;");
        }
        orl_html_raw(h, "</td></tr>\n");
    }
    orl_html_raw(h, "</table>\n");
}

static void metric_row(orl_html *h, const char *kind, const char *label, uint64_t count,
                       const double *hr, const double *ndcg)
{
    static const int ks[3] = {5, 10, 20};
    orl_html_printf(h,
                    "<tr><td class=\"l\">%s</td><td class=\"num\" id=\"test-%s-count\">%llu</td>",
                    label, kind, (unsigned long long)count);
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < 3; k++) {
            orl_html_printf(h, "<td class=\"num\" id=\"test-%s-%s-%d\">", kind,
                            m == 0 ? "hr" : "ndcg", ks[k]);
            orl_html_fixed(h, m == 0 ? hr[k] : ndcg[k], 4);
            orl_html_raw(h, "</td>");
        }
    orl_html_raw(h, "</tr>\n");
}

static void test_table(orl_html *h, const orl_eval_result *t)
{
    orl_html_raw(h, "<h2>Final test metrics</h2>\n");
    if (!t) {
        orl_html_raw(h, "<p class=\"note\">No test result was given.</p>\n");
        return;
    }
    orl_html_raw(h, "<table id=\"test-metrics\"><tr><th class=\"l\">steps</th><th>count</th>"
                    "<th>HR@5</th><th>HR@10</th><th>HR@20</th><th>NDCG@5</th><th>NDCG@10</th>"
                    "<th>NDCG@20</th></tr>\n");
    metric_row(h, "click", "clicks", t->click_count, t->click_hr, t->click_ndcg);
    metric_row(h, "purchase", "purchases", t->purchase_count, t->purchase_hr, t->purchase_ndcg);
    orl_html_printf(h,
                    "</table>\n<p class=\"note\">Every step of every test session ranks the whole "
                    "catalogue; HR@K counts true items ranked among the K best, NDCG@K weighs "
                    "each hit by 1/log2(rank + 2). Test items unknown to the model (counted as "
                    "misses): <span id=\"test-unknown\">%llu</span>.</p>\n",
                    (unsigned long long)t->unknown_targets);
}

void orl_report_html(orl_html *h, const orl_report_input *in)
{
    double *scratch = orl_malloc(6 * (size_t)in->n_epochs * sizeof *scratch);
    if (!scratch) {
        h->oom = 1;
        return;
    }
    header(h, in);
    curves(h, in, scratch);
    orl_free(scratch);
    epoch_table(h, in);
    test_table(h, in->test);
    config_section(h, in->config_json);
    orl_html_raw(h, "<h2>Library</h2>\n<p class=\"meta\">libofflinerl ");
    orl_html_cstr(h, in->version);
    orl_html_raw(h, "</p>\n<pre id=\"build-info\">");
    orl_html_cstr(h, in->build_info);
    orl_html_raw(h, "</pre>\n</main></body></html>\n");
}
