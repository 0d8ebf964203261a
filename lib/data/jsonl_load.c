/* OTTO-style JSON lines: {"session":K,"events":[{"aid":A,"ts":T,"type":"clicks"},...]}.
 * A small strict JSON scanner for this shape; unknown keys are skipped. A line
 * is parsed completely before any of its events is appended. */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/csv_load.h"
#include "data/dataset.h"
#include "data/jsonl_load.h"
#include "data/timeparse.h"

enum { MAX_LINE = 64 << 20, MAX_DEPTH = 64 };

typedef struct jev {
    const char *aid, *type;
    size_t alen, tlen;
    int64_t ts;
} jev;

typedef struct jp {
    const char *b, *s, *e;
    const char *path;
    uint64_t line;
    jev *ev;
    size_t nev, cap;
    const char *sess;
    size_t slen;
} jp;

static int jerr(jp *j, const char *what)
{
    char ctx[24];
    size_t n = (size_t)(j->e - j->s) < 20 ? (size_t)(j->e - j->s) : 20;
    for (size_t i = 0; i < n; i++) ctx[i] = (unsigned char)j->s[i] < 0x20 ? '?' : j->s[i];
    ctx[n] = '\0';
    return orl_fail(ORL_E_PARSE, "%s:%llu: column %zu: expected %s, got '%s'", j->path,
                    (unsigned long long)j->line, (size_t)(j->s - j->b) + 1, what,
                    n ? ctx : "end of line");
}

static void ws(jp *j)
{
    while (j->s < j->e && (*j->s == ' ' || *j->s == '\t' || *j->s == '\r')) j->s++;
}

static int peek(jp *j, char c)
{
    ws(j);
    return j->s < j->e && *j->s == c;
}

static int lit(jp *j, char c, const char *what)
{
    if (!peek(j, c)) return jerr(j, what);
    j->s++;
    return ORL_OK;
}

static int jstring(jp *j, const char **p, size_t *len)
{
    ORL_TRY(lit(j, '"', "a string"));
    const char *b = j->s;
    while (j->s < j->e && *j->s != '"') {
        if ((unsigned char)*j->s < 0x20) return jerr(j, "a string without control characters");
        if (*j->s == '\\') j->s++; /* escapes are kept verbatim */
        j->s++;
    }
    if (j->s >= j->e) return jerr(j, "a closing quote");
    *p = b;
    *len = (size_t)(j->s - b);
    j->s++;
    return ORL_OK;
}

static int jscalar(jp *j, const char **p, size_t *len)
{
    ws(j);
    const char *b = j->s;
    while (j->s < j->e && (strchr("+-.eE", *j->s) || (*j->s >= '0' && *j->s <= '9') ||
                           (*j->s >= 'a' && *j->s <= 'z')))
        j->s++;
    if (j->s == b) return jerr(j, "a value");
    *p = b;
    *len = (size_t)(j->s - b);
    return ORL_OK;
}

/* A key: a string or a number, as text. */
static int jkey(jp *j, const char **p, size_t *len)
{
    if (peek(j, '"')) return jstring(j, p, len);
    ORL_TRY(jscalar(j, p, len));
    int64_t v;
    if (!orl_parse_i64(*p, *len, &v)) return jerr(j, "an integer or a string key");
    return ORL_OK;
}

static int is_key(const char *p, size_t n, const char *k)
{
    return strlen(k) == n && memcmp(p, k, n) == 0;
}

static int skip_value(jp *j, int depth)
{
    const char *p;
    size_t n;
    if (depth > MAX_DEPTH) return jerr(j, "at most 64 levels of nesting");
    ws(j);
    if (j->s >= j->e) return jerr(j, "a value");
    char c = *j->s;
    if (c == '"') return jstring(j, &p, &n);
    if (c != '{' && c != '[') {
        /* A JSON scalar: true, false, null or a number (not any run of letters). */
        const char *at = j->s;
        ORL_TRY(jscalar(j, &p, &n));
        double v;
        if (is_key(p, n, "true") || is_key(p, n, "false") || is_key(p, n, "null") ||
            orl_parse_f64(p, n, &v))
            return ORL_OK;
        j->s = at;
        return jerr(j, "a JSON value");
    }
    char close = c == '{' ? '}' : ']';
    j->s++;
    if (peek(j, close)) {
        j->s++;
        return ORL_OK;
    }
    for (;;) {
        if (c == '{') {
            ORL_TRY(jstring(j, &p, &n));
            ORL_TRY(lit(j, ':', "':'"));
        }
        ORL_TRY(skip_value(j, depth + 1));
        if (peek(j, ',')) {
            j->s++;
            continue;
        }
        return lit(j, close, c == '{' ? "',' or '}'" : "',' or ']'");
    }
}

static int jevent(jp *j)
{
    jev e = {0};
    int have_ts = 0;
    const char *p;
    size_t n;
    ORL_TRY(lit(j, '{', "'{' starting an event"));
    if (!peek(j, '}'))
        for (;;) {
            ORL_TRY(jstring(j, &p, &n));
            ORL_TRY(lit(j, ':', "':'"));
            if ((is_key(p, n, "aid") && e.aid) || (is_key(p, n, "ts") && have_ts) ||
                (is_key(p, n, "type") && e.type)) {
                j->s = p - 1;
                return jerr(j, "each of aid, ts and type once per event");
            }
            if (is_key(p, n, "aid")) {
                ORL_TRY(jkey(j, &e.aid, &e.alen));
            } else if (is_key(p, n, "ts")) {
                const char *t;
                size_t tl;
                ORL_TRY(jscalar(j, &t, &tl));
                if (!orl_parse_i64(t, tl, &e.ts)) return jerr(j, "an integer timestamp");
                have_ts = 1;
            } else if (is_key(p, n, "type")) {
                ORL_TRY(jstring(j, &e.type, &e.tlen));
            } else {
                ORL_TRY(skip_value(j, 2));
            }
            if (peek(j, ',')) {
                j->s++;
                continue;
            }
            break;
        }
    ORL_TRY(lit(j, '}', "',' or '}' in an event"));
    if (!e.aid || !have_ts || !e.type) return jerr(j, "an event with aid, ts and type");
    if (e.alen == 0 || e.alen > ORL_KEY_MAX_LEN) return jerr(j, "an item key of 1..4096 bytes");
    if (e.tlen == 0 || e.tlen > ORL_EVENT_NAME_MAX) return jerr(j, "a type of 1..256 bytes");
    if (j->nev == j->cap) {
        size_t c = j->cap ? j->cap * 2 : 256;
        jev *v = orl_realloc_array(j->ev, c, sizeof *v);
        if (!v) return orl_fail(ORL_E_NOMEM, "%s: out of memory", j->path);
        j->ev = v;
        j->cap = c;
    }
    j->ev[j->nev++] = e;
    return ORL_OK;
}

static int jline(jp *j)
{
    const char *p;
    size_t n;
    int have_events = 0;
    j->nev = 0;
    j->sess = NULL;
    ORL_TRY(lit(j, '{', "'{' starting a session"));
    if (!peek(j, '}'))
        for (;;) {
            ORL_TRY(jstring(j, &p, &n));
            ORL_TRY(lit(j, ':', "':'"));
            if ((is_key(p, n, "session") && j->sess) || (is_key(p, n, "events") && have_events)) {
                j->s = p - 1;
                return jerr(j, "each of session and events once per line");
            }
            if (is_key(p, n, "session")) {
                ORL_TRY(jkey(j, &j->sess, &j->slen));
            } else if (is_key(p, n, "events")) {
                ORL_TRY(lit(j, '[', "'[' starting the events"));
                if (!peek(j, ']'))
                    for (;;) {
                        ORL_TRY(jevent(j));
                        if (peek(j, ',')) {
                            j->s++;
                            continue;
                        }
                        break;
                    }
                ORL_TRY(lit(j, ']', "',' or ']' in the events"));
                have_events = 1;
            } else {
                ORL_TRY(skip_value(j, 1));
            }
            if (peek(j, ',')) {
                j->s++;
                continue;
            }
            break;
        }
    ORL_TRY(lit(j, '}', "',' or '}' ending the session"));
    ws(j);
    if (j->s != j->e) return jerr(j, "the end of the line");
    if (!j->sess || !have_events) return jerr(j, "a session with \"session\" and \"events\"");
    if (j->slen == 0 || j->slen > ORL_KEY_MAX_LEN) return jerr(j, "a session key of 1..4096 bytes");
    return ORL_OK;
}

static int append_line(orl_dataset *ds, jp *j, orl_load_report *rep)
{
    ORL_TRY(orl_ds_reserve(ds, j->nev));
    uint32_t s;
    int st = orl_keymap_put_str(&ds->sessions, j->sess, j->slen, &s);
    for (size_t i = 0; st == ORL_OK && i < j->nev; i++) {
        int32_t code;
        uint32_t it;
        st = orl_event_table_get(&ds->types, j->ev[i].type, j->ev[i].tlen, &code);
        if (st == ORL_OK) st = orl_keymap_put_str(&ds->items, j->ev[i].aid, j->ev[i].alen, &it);
        if (st == ORL_OK) orl_ds_push(ds, s, it, j->ev[i].ts, (uint16_t)code, NAN, NAN);
    }
    if (st != ORL_OK)
        return orl_fail(st, "%s:%llu: cannot store events: %s", j->path,
                        (unsigned long long)j->line, orl_last_error());
    rep->rows_loaded += j->nev;
    return ORL_OK;
}

/* Read one line into *buf (growing it); 0 at end of file. */
static int read_line(gzFile gz, const char *path, char **buf, size_t *cap, size_t *len, int *has)
{
    *len = 0;
    *has = 0;
    for (;;) {
        if (*cap - *len < 2) {
            if (*cap >= MAX_LINE)
                return orl_fail(ORL_E_PARSE, "%s: line longer than %d bytes", path, MAX_LINE);
            char *b = orl_realloc(*buf, *cap * 2);
            if (!b) return orl_fail(ORL_E_NOMEM, "%s: out of memory", path);
            *buf = b;
            *cap *= 2;
        }
        char *got = gzgets(gz, *buf + *len, (int)(*cap - *len));
        int err = Z_OK;
        const char *msg = gzerror(gz, &err);
        if (err != Z_OK && err != Z_STREAM_END) {
            if (err == Z_BUF_ERROR)
                return orl_fail(ORL_E_TRUNCATED, "%s: compressed data ends early", path);
            return orl_fail(ORL_E_IO, "%s: read failed: %s", path,
                            err == Z_ERRNO ? strerror(errno) : msg);
        }
        if (!got) return ORL_OK;
        size_t add = strlen(*buf + *len);
        /* gzgets stops at NUL bytes silently: a short read without newline
         * before EOF means an embedded NUL */
        *len += add;
        *has = 1;
        if (*len && (*buf)[*len - 1] == '\n') {
            (*buf)[--*len] = '\0';
            return ORL_OK;
        }
        if (gzeof(gz)) return ORL_OK;
        if (add + 1 < *cap - (*len - add))
            return orl_fail(ORL_E_PARSE, "%s: embedded NUL byte", path);
    }
}

int orl_dataset_load_jsonl_impl(orl_dataset *ds, const char *path, int strict,
                                orl_load_report *report)
{
    if (ds->finalized)
        return orl_fail(ORL_E_STATE, "the dataset is finalized: no more events can be added");
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) return orl_fail_open(path, errno);
    orl_load_report rep;
    memset(&rep, 0, sizeof rep);
    orl_ds_mark mark = orl_ds_mark_now(ds);
    size_t cap = 1 << 16, len = 0;
    char *buf = orl_malloc(cap);
    jp j;
    memset(&j, 0, sizeof j);
    j.path = path;
    int s = buf ? ORL_OK : orl_fail(ORL_E_NOMEM, "%s: out of memory", path);
    uint64_t line = 0, lines_with_data = 0;
    while (s == ORL_OK) {
        int has;
        s = read_line(gz, path, &buf, &cap, &len, &has);
        if (s == ORL_OK && !has) break;
        line++;
        if (s == ORL_E_PARSE) {
            s = orl_fail(ORL_E_PARSE, "%s:%llu: %s", path, (unsigned long long)line,
                         "embedded NUL byte or over-long line");
        } else if (s == ORL_OK) {
            while (len && (buf[len - 1] == '\r' || buf[len - 1] == ' ')) buf[--len] = '\0';
            const char *start = buf;
            if (line == 1 && len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) start += 3;
            if (start == buf + len) continue; /* blank line */
            lines_with_data++;
            j.b = j.s = start;
            j.e = buf + len;
            j.line = line;
            s = jline(&j);
            if (s == ORL_OK) {
                rep.rows_read += j.nev;
                s = append_line(ds, &j, &rep);
            }
        }
        if (s == ORL_E_PARSE) {
            orl_report_malformed(&rep, line);
            if (!strict) s = ORL_OK;
        }
    }
    if (s == ORL_OK && lines_with_data == 0) s = orl_fail(ORL_E_PARSE, "%s: empty file", path);
    if (report && (s == ORL_OK || s == ORL_E_PARSE)) {
        size_t keep = report->struct_size;
        *report = rep;
        report->struct_size = keep;
    }
    if (s != ORL_OK) orl_ds_rollback(ds, mark);
    orl_free(j.ev);
    orl_free(buf);
    gzclose(gz);
    return s;
}
