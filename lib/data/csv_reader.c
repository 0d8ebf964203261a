#include "data/csv_reader.h"

#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/error.h"

enum { CHUNK = 1 << 20 };

/* Read more bytes after r->len (compacting consumed bytes first). */
static int refill(orl_csv_reader *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - r->len < CHUNK / 2) {
        if (r->cap >= r->max_record + CHUNK) return ORL_OK; /* full: caller reports */
        size_t c = r->cap * 2;
        char *b = orl_realloc(r->buf, c + 1);
        if (!b) return orl_fail(ORL_E_NOMEM, "%s: out of memory reading", r->path);
        r->buf = b;
        r->cap = c;
    }
    int got = gzread((gzFile)r->gz, r->buf + r->len, (unsigned)(r->cap - r->len));
    int err = Z_OK;
    const char *msg = gzerror((gzFile)r->gz, &err);
    if (got < 0 || (err != Z_OK && err != Z_STREAM_END)) {
        if (err == Z_BUF_ERROR)
            return orl_fail(ORL_E_TRUNCATED, "%s: compressed data ends early (truncated file)",
                            r->path);
        if (err == Z_ERRNO)
            return orl_fail(ORL_E_IO, "%s: read failed: %s", r->path, strerror(errno));
        return orl_fail(ORL_E_IO, "%s: corrupt compressed data: %s", r->path, msg);
    }
    if (got == 0) r->eof = 1;
    r->len += (size_t)got;
    r->buf[r->len] = '\0';
    return ORL_OK;
}

static char guess_delim(const char *s, size_t n)
{
    const char cand[] = {',', ';', '\t', '|'};
    size_t best = 0, count[4] = {0};
    int inq = 0;
    for (size_t i = 0; i < n && s[i] != '\n'; i++) {
        if (s[i] == '"') inq = !inq;
        if (inq) continue;
        for (int k = 0; k < 4; k++) count[k] += s[i] == cand[k];
    }
    for (int k = 1; k < 4; k++)
        if (count[k] > count[best]) best = (size_t)k;
    return count[best] ? cand[best] : ',';
}

int orl_csv_open(orl_csv_reader *r, const char *path, char delim, size_t max_record)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->max_record = max_record;
    r->line = r->next_line = 1;
    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) return orl_fail_open(path, errno);
    r->gz = gz;
    gzbuffer(gz, 1 << 17);
    r->cap = CHUNK;
    r->buf = orl_malloc(r->cap + 1);
    r->fcap = 64;
    r->fields = orl_malloc(r->fcap * sizeof *r->fields);
    if (!r->buf || !r->fields) {
        orl_csv_close(r);
        return orl_fail(ORL_E_NOMEM, "%s: out of memory opening", path);
    }
    int s = refill(r);
    if (s != ORL_OK) {
        orl_csv_close(r);
        return s;
    }
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
    r->delim = delim ? delim : guess_delim(r->buf + r->pos, r->len - r->pos);
    return ORL_OK;
}

void orl_csv_close(orl_csv_reader *r)
{
    if (r->gz) gzclose((gzFile)r->gz);
    orl_free(r->buf);
    orl_free(r->fields);
    memset(r, 0, sizeof *r);
}

/* End of the record starting at pos (index of its '\n', or len at EOF), or
 * (size_t)-1 when more input is needed; *newlines counts embedded ones. */
static size_t record_end(const orl_csv_reader *r, uint64_t *newlines)
{
    const char *b = r->buf + r->pos;
    size_t n = r->len - r->pos;
    const char *nl = memchr(b, '\n', n);
    size_t lim = nl ? (size_t)(nl - b) : n;
    *newlines = 0;
    if (!memchr(b, '"', lim)) return nl ? r->pos + lim : (r->eof ? r->len : (size_t)-1);
    int inq = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '"')
            inq = !inq;
        else if (b[i] == '\n') {
            if (!inq) return r->pos + i;
            (*newlines)++;
        }
    }
    return r->eof ? r->len : (size_t)-1;
}

static int push_field(orl_csv_reader *r, char *p, size_t len)
{
    if (r->nfields == r->fcap) {
        if (r->fcap >= 65536)
            return orl_fail(ORL_E_PARSE, "%s:%llu: more than 65536 columns", r->path,
                            (unsigned long long)r->line);
        orl_csv_field *f = orl_realloc_array(r->fields, r->fcap * 2, sizeof *f);
        if (!f) return orl_fail(ORL_E_NOMEM, "%s: out of memory", r->path);
        r->fields = f;
        r->fcap *= 2;
    }
    r->fields[r->nfields].p = p;
    r->fields[r->nfields].len = (uint32_t)len;
    r->nfields++;
    return ORL_OK;
}

/* Split [s, e) into fields, unquoting in place. */
static int split(orl_csv_reader *r, char *s, char *e)
{
    const char d = r->delim;
    r->nfields = 0;
    if (e > s && e[-1] == '\r') e--;
    char *p = s;
    for (;;) {
        if (p < e && *p == '"') {
            char *w = p, *q = p + 1;
            for (;;) {
                if (q >= e)
                    return orl_fail(ORL_E_PARSE, "%s:%llu: column %u: unterminated quoted field",
                                    r->path, (unsigned long long)r->line, r->nfields + 1);
                if (*q == '"') {
                    if (q + 1 < e && q[1] == '"') {
                        *w++ = '"';
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                if (*q == '\0')
                    return orl_fail(ORL_E_PARSE, "%s:%llu: column %u: embedded NUL byte", r->path,
                                    (unsigned long long)r->line, r->nfields + 1);
                *w++ = *q++;
            }
            if (q < e && *q != d)
                return orl_fail(ORL_E_PARSE,
                                "%s:%llu: column %u: expected a separator after the closing quote",
                                r->path, (unsigned long long)r->line, r->nfields + 1);
            ORL_TRY(push_field(r, p, (size_t)(w - p)));
            if (q >= e) return ORL_OK;
            p = q + 1;
            continue;
        }
        char *q = p;
        while (q < e && *q != d) {
            if (*q == '\0')
                return orl_fail(ORL_E_PARSE, "%s:%llu: column %u: embedded NUL byte", r->path,
                                (unsigned long long)r->line, r->nfields + 1);
            q++;
        }
        ORL_TRY(push_field(r, p, (size_t)(q - p)));
        if (q >= e) return ORL_OK;
        p = q + 1;
    }
}

int orl_csv_next(orl_csv_reader *r, int *has)
{
    for (;;) {
        uint64_t extra = 0;
        size_t end = record_end(r, &extra);
        if (end == (size_t)-1) {
            size_t before = r->len - r->pos;
            if (before > r->max_record) {
                /* skip to the next newline so a lenient caller can go on */
                r->line = r->next_line;
                for (;;) {
                    char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
                    if (nl) {
                        r->pos = (size_t)(nl - r->buf) + 1;
                        break;
                    }
                    r->pos = r->len;
                    if (r->eof) break;
                    ORL_TRY(refill(r));
                    if (r->eof && r->pos == r->len) break;
                }
                r->next_line = r->line + 1;
                return orl_fail(ORL_E_PARSE, "%s:%llu: line longer than %zu bytes", r->path,
                                (unsigned long long)r->line, r->max_record);
            }
            ORL_TRY(refill(r));
            continue;
        }
        if (end == r->pos && r->eof && end == r->len) {
            *has = 0;
            return ORL_OK;
        }
        r->line = r->next_line;
        r->next_line += 1 + extra;
        char *s = r->buf + r->pos, *e = r->buf + end;
        r->pos = end < r->len ? end + 1 : end;
        if (e == s || (e == s + 1 && *s == '\r')) continue; /* blank line */
        if ((size_t)(e - s) > r->max_record)
            return orl_fail(ORL_E_PARSE, "%s:%llu: line longer than %zu bytes", r->path,
                            (unsigned long long)r->line, r->max_record);
        ORL_TRY(split(r, s, e));
        *has = 1;
        return ORL_OK;
    }
}
