/* A growing HTML/SVG text buffer with escaping and locale-independent numbers.
 * An allocation failure sets `oom` and turns every later append into a no-op,
 * so builders check once at the end. */
#ifndef ORL_API_HTML_BUF_H
#define ORL_API_HTML_BUF_H

#include <stddef.h>

#include "core/error.h"

typedef struct orl_html {
    char *buf; /* NUL-terminated when len > 0 */
    size_t len, cap;
    int oom;
} orl_html;

/* Trusted markup, appended as is. */
void orl_html_raw(orl_html *h, const char *markup);
/* Trusted markup with printf formatting: use it for integers and trusted strings only
 * (floating point goes through orl_html_fixed, which ignores the locale). */
void orl_html_printf(orl_html *h, const char *fmt, ...) ORL_PRINTF(2, 3);
/* Text or attribute value, escaped: & < > " ' become entities; control bytes are dropped. */
void orl_html_text(orl_html *h, const char *text, size_t len);
void orl_html_cstr(orl_html *h, const char *text);
/* `v` with `decimals` digits after a '.', whatever the C locale; "n/a" when not finite. */
void orl_html_fixed(orl_html *h, double v, int decimals);
void orl_html_free(orl_html *h);

#endif
