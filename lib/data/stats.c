#include "data/stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/numtext.h"
#include "data/dataset.h"

void orl_dataset_count_codes(const orl_dataset *ds, uint64_t *counts)
{
    memset(counts, 0, (size_t)ds->types.count * sizeof *counts);
    for (uint64_t i = 0; i < ds->n; i++) counts[ds->ev_code[i]]++;
}

void orl_dataset_stats_impl(const orl_dataset *ds, orl_dataset_stats *o)
{
    size_t keep = o->struct_size;
    memset(o, 0, sizeof *o);
    o->struct_size = keep;
    o->finalized = ds->finalized;
    o->n_items = ds->finalized ? ds->n_items : ds->items.count;
    o->n_event_types = ds->types.count;
    o->window = ds->params.window;
    o->n_events = ds->n;
    o->n_sessions = ds->finalized ? ds->n_sessions : ds->sessions.count;
    o->memory_bytes = orl_dataset_memory_bytes(ds);
    for (uint64_t i = 0; i < ds->n; i++) {
        int64_t t = ds->ev_time[i];
        if (i == 0 || t < o->time_min) o->time_min = t;
        if (i == 0 || t > o->time_max) o->time_max = t;
        o->n_purchases += ds->types.types[ds->ev_code[i]].is_purchase;
        if (ds->ev_prop && !isnan(ds->ev_prop[i])) o->n_with_propensity++;
    }
    o->mean_session_len = o->n_sessions ? (double)ds->n / (double)o->n_sessions : 0.0;
    if (!ds->finalized) return;
    for (uint64_t s = 0; s < ds->n_sessions; s++) {
        uint64_t b = ds->sess_off[s], e = ds->sess_off[s + 1], len = e - b;
        if (s == 0 || len < o->min_session_len) o->min_session_len = len;
        if (len > o->max_session_len) o->max_session_len = len;
        for (uint64_t i = b; i < e; i++)
            if (ds->types.types[ds->ev_code[i]].is_purchase) {
                o->n_sessions_with_purchase++;
                break;
            }
    }
}

void orl_dataset_histogram_impl(const orl_dataset *ds, uint64_t *buf, size_t buf_len)
{
    memset(buf, 0, buf_len * sizeof *buf);
    for (uint64_t s = 0; s < ds->n_sessions; s++) {
        uint64_t len = ds->sess_off[s + 1] - ds->sess_off[s];
        buf[len < buf_len - 1 ? len : buf_len - 1]++;
    }
}

/* A growing string for the JSON text. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) ORL_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t c = b->cap ? b->cap * 2 : 1024;
        while (c < b->len + (size_t)n + 1) c *= 2;
        char *q = orl_realloc(b->p, c);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = c;
    }
}

static void sb_json_string(sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c < 0x20)
            sb_printf(b, "\\u%04x", c);
        else
            sb_printf(b, "%c", c);
    }
    sb_printf(b, "\"");
}

/* "rewards": the distribution of the per-event reward every event carries (its reward
 * column value, or its event type's reward where the column was empty), written only when
 * the dataset has a reward column: count, min, mean, max and a histogram. Whole-number
 * rewards spanning at most 20 values (a 0-10 rating) get one bin per value, others 10 bins
 * of equal width; each bin is [lo, hi), the last one includes max. */
enum { REWARD_BINS_MAX = 21, REWARD_BINS = 10 };

static void reward_json(const orl_dataset *ds, sbuf *b)
{
    if (!ds->ev_reward || ds->n == 0) return;
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    uint64_t from_column = 0, n = 0;
    int whole = 1;
    for (uint64_t i = 0; i < ds->n; i++) {
        double r = orl_dataset_event_reward(ds, i);
        if (!isfinite(r)) continue;
        from_column += !isnan(ds->ev_reward[i]);
        n++;
        sum += r;
        if (r < lo) lo = r;
        if (r > hi) hi = r;
        if (r != floor(r)) whole = 0;
    }
    if (n == 0) return;
    int per_value = whole && hi - lo < REWARD_BINS_MAX;
    int bins = per_value ? (int)(hi - lo) + 1 : hi > lo ? REWARD_BINS : 1;
    double width = per_value ? 1.0 : (hi - lo) / bins;
    uint64_t count[REWARD_BINS_MAX] = {0};
    for (uint64_t i = 0; i < ds->n; i++) {
        double r = orl_dataset_event_reward(ds, i);
        if (!isfinite(r)) continue;
        int k = width > 0 ? (int)floor((r - lo) / width) : 0;
        count[k < 0 ? 0 : k >= bins ? bins - 1 : k]++;
    }
    char a[ORL_NUMTEXT_MAX], z[ORL_NUMTEXT_MAX];
    orl_float_text(a, sizeof a, (float)lo);
    orl_float_text(z, sizeof z, (float)hi);
    sb_printf(b,
              ",\"rewards\":{\"events\":%llu,\"from_column\":%llu,\"min\":%s,\"mean\":%.6g,"
              "\"max\":%s,\"histogram\":[",
              (unsigned long long)n, (unsigned long long)from_column, a, sum / (double)n, z);
    for (int k = 0; k < bins; k++) {
        orl_float_text(a, sizeof a, (float)(lo + k * width));
        orl_float_text(z, sizeof z,
                       (float)(k == bins - 1 && !per_value ? hi : lo + (k + 1) * width));
        sb_printf(b, "%s{\"lo\":%s,\"hi\":%s,\"events\":%llu}", k ? "," : "", a, z,
                  (unsigned long long)count[k]);
    }
    sb_printf(b, "]}");
}

int orl_dataset_stats_json_impl(const orl_dataset *ds, char **out_json, size_t *out_len)
{
    orl_dataset_stats st;
    st.struct_size = sizeof st;
    orl_dataset_stats_impl(ds, &st);
    uint64_t *counts = orl_calloc(ds->types.count + 1, sizeof *counts);
    uint64_t hist[33];
    if (!counts) return orl_fail(ORL_E_NOMEM, "out of memory writing statistics");
    orl_dataset_count_codes(ds, counts);
    sbuf b = {0};
    sb_printf(&b,
              "{\"finalized\":%d,\"events\":%llu,\"sessions\":%llu,\"items\":%u,"
              "\"purchases\":%llu,\"sessions_with_purchase\":%llu,\"with_propensity\":%llu,"
              "\"window\":%u,\"session_len\":{\"min\":%llu,\"max\":%llu,\"mean\":%.4f},"
              "\"time_min\":%lld,\"time_max\":%lld,\"memory_bytes\":%llu,"
              "\"bytes_per_event\":%.2f,\"event_types\":[",
              st.finalized, (unsigned long long)st.n_events, (unsigned long long)st.n_sessions,
              st.n_items, (unsigned long long)st.n_purchases,
              (unsigned long long)st.n_sessions_with_purchase,
              (unsigned long long)st.n_with_propensity, st.window,
              (unsigned long long)st.min_session_len, (unsigned long long)st.max_session_len,
              st.mean_session_len, (long long)st.time_min, (long long)st.time_max,
              (unsigned long long)st.memory_bytes,
              st.n_events ? (double)st.memory_bytes / (double)st.n_events : 0.0);
    for (uint32_t c = 0; c < ds->types.count; c++) {
        sb_printf(&b, "%s{\"code\":%u,\"name\":", c ? "," : "", c);
        sb_json_string(&b, ds->types.types[c].name);
        sb_printf(&b, ",\"reward\":%g,\"purchase\":%d,\"events\":%llu}",
                  (double)ds->types.types[c].reward, ds->types.types[c].is_purchase,
                  (unsigned long long)counts[c]);
    }
    sb_printf(&b, "]");
    if (ds->finalized) {
        orl_dataset_histogram_impl(ds, hist, 33);
        sb_printf(&b, ",\"session_len_histogram\":{");
        int first = 1;
        for (int k = 1; k < 33; k++) {
            if (!hist[k]) continue;
            sb_printf(&b, "%s\"%d%s\":%llu", first ? "" : ",", k, k == 32 ? "+" : "",
                      (unsigned long long)hist[k]);
            first = 0;
        }
        sb_printf(&b, "}");
    }
    reward_json(ds, &b);
    sb_printf(&b, ",\"displays\":%llu,\"shown_items\":%llu}", (unsigned long long)ds->disp.n,
              (unsigned long long)ds->disp.n_shown);
    orl_free(counts);
    if (b.failed) {
        orl_free(b.p);
        return orl_fail(ORL_E_NOMEM, "out of memory writing statistics");
    }
    *out_json = b.p;
    *out_len = b.len;
    return ORL_OK;
}
