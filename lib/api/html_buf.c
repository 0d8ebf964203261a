/* Growing text buffer for the HTML report. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "api/html_buf.h"
#include "core/alloc.h"

static int reserve(orl_html *h, size_t extra)
{
    if (h->oom) return -1;
    if (h->len + extra + 1 <= h->cap) return 0;
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < h->len + extra + 1) cap *= 2;
    char *b = orl_realloc(h->buf, cap);
    if (!b) {
        h->oom = 1;
        return -1;
    }
    h->buf = b;
    h->cap = cap;
    return 0;
}

static void append(orl_html *h, const char *s, size_t n)
{
    if (reserve(h, n) != 0) return;
    memcpy(h->buf + h->len, s, n);
    h->len += n;
    h->buf[h->len] = '\0';
}

void orl_html_raw(orl_html *h, const char *markup)
{
    append(h, markup, strlen(markup));
}

void orl_html_printf(orl_html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        append(h, small, (size_t)n);
        return;
    }
    if (reserve(h, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(h->buf + h->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    h->len += (size_t)n;
}

void orl_html_text(orl_html *h, const char *text, size_t len)
{
    size_t run = 0; /* bytes that need no escaping, appended in one go */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        const char *ent = NULL;
        switch (c) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        default:
            if (c < 0x20 && c != '\n' && c != '\t') ent = ""; /* not allowed in XML text */
        }
        if (!ent) continue;
        append(h, text + run, i - run);
        append(h, ent, strlen(ent));
        run = i + 1;
    }
    append(h, text + run, len - run);
}

void orl_html_cstr(orl_html *h, const char *text)
{
    orl_html_text(h, text, strlen(text));
}

void orl_html_fixed(orl_html *h, double v, int decimals)
{
    if (!isfinite(v)) {
        orl_html_raw(h, "n/a");
        return;
    }
    if (decimals < 0) decimals = 0;
    if (decimals > 9) decimals = 9;
    uint64_t scale = 1;
    for (int i = 0; i < decimals; i++) scale *= 10;
    double r = round(fabs(v) * (double)scale);
    if (r >= 9e15) { /* beyond exact integers: rare enough for a plain exponent form */
        orl_html_printf(h, "%s%.0f", v < 0 ? "-" : "", fabs(v));
        return;
    }
    uint64_t q = (uint64_t)r;
    const char *sign = (v < 0 && q != 0) ? "-" : "";
    if (decimals == 0)
        orl_html_printf(h, "%s%llu", sign, (unsigned long long)q);
    else
        orl_html_printf(h, "%s%llu.%0*llu", sign, (unsigned long long)(q / scale), decimals,
                        (unsigned long long)(q % scale));
}

void orl_html_free(orl_html *h)
{
    orl_free(h->buf);
    h->buf = NULL;
    h->len = h->cap = 0;
}
