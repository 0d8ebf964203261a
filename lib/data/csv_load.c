#include "data/csv_load.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/csv_reader.h"
#include "data/dataset.h"
#include "data/timeparse.h"

enum { MAX_LINE = 1 << 20 };

void orl_csv_params_defaults(orl_csv_params *p)
{
    memset(p, 0, sizeof *p);
    p->struct_size = sizeof *p;
    p->delimiter = ',';
    p->header = 1;
    p->session_col = "session_id";
    p->item_col = "item_id";
    p->time_col = "timestamp";
    p->event_col = "event";
    p->reward_col = "reward?";
    p->propensity_col = "propensity?";
    p->default_event = "click";
    p->time_format = ORL_TIME_AUTO;
    p->strict = 1;
    p->unknown_events = ORL_UNKNOWN_SKIP;
    p->max_field_len = 4096;
    p->impressions_col = "impressions?";
    p->impression_propensities_col = "impression_propensities?";
    p->impression_inclusion_col = "impression_inclusion?";
    p->slate_propensity_col = "slate_propensity?";
}

int orl_csv_preset_impl(orl_csv_params *p, const char *name)
{
    orl_csv_params_defaults(p);
    p->reward_col = p->propensity_col = NULL;
    if (strcmp(name, "canonical") == 0) {
        orl_csv_params_defaults(p);
    } else if (strcmp(name, "retailrocket") == 0) {
        p->session_col = "visitorid";
        p->item_col = "itemid";
        p->event_map = "view=click,addtocart=cart"; /* transaction rows: unknown, skipped */
    } else if (strcmp(name, "rees46") == 0) {
        p->session_col = "user_session";
        p->item_col = "product_id";
        p->time_col = "event_time";
        p->event_col = "event_type";
        p->event_map = "view=click,cart=cart,purchase=purchase";
    } else if (strcmp(name, "yoochoose-clicks") == 0 || strcmp(name, "yoochoose-buys") == 0) {
        int buys = name[10] == 'b';
        p->header = 0;
        p->column_names = buys ? "session_id,timestamp,item_id,price,quantity"
                               : "session_id,timestamp,item_id,category";
        p->event_col = NULL;
        p->default_event = buys ? "purchase" : "click";
        p->only_known_sessions = buys;
    } else if (strcmp(name, "diginetica-views") == 0 || strcmp(name, "diginetica-purchases") == 0) {
        int buys = name[11] == 'p';
        p->delimiter = ';';
        p->session_col = buys ? "sessionId" : "session_id";
        p->item_col = buys ? "itemId" : "item_id";
        p->time_col = "timeframe";
        p->date_col = "eventdate";
        p->event_col = NULL;
        p->default_event = buys ? "purchase" : "click";
        p->only_known_sessions = buys;
    } else if (strcmp(name, "kuairand") == 0) {
        p->session_col = "user_id";
        p->item_col = "video_id";
        p->time_col = "time_ms";
        p->event_col = NULL;
        p->filter_col = "is_click";
        p->flag_events = "is_like=purchase";
        p->default_event = "click";
    } else if (strcmp(name, "trivago") == 0) {
        p->item_col = "reference";
        p->event_col = "action_type";
        p->event_map = "interaction item*=click,clickout item=purchase";
        p->integer_items = 1;
        p->strict = 0;
    } else if (strcmp(name, "movietweetings") == 0) {
        /* "::"-separated: split at ':' and skip the empty columns in between */
        p->delimiter = ':';
        p->header = 0;
        p->column_names = "user_id,,movie_id,,rating,,rating_timestamp";
        p->session_col = "user_id";
        p->item_col = "movie_id";
        p->time_col = "rating_timestamp";
        p->event_col = NULL;
        p->default_event = "rating";
        p->reward_col = "rating";
    } else {
        return orl_fail(ORL_E_NOT_FOUND, "unknown CSV preset '%.64s'", name);
    }
    return ORL_OK;
}

void orl_report_malformed(orl_load_report *rep, uint64_t line)
{
    rep->rows_malformed++;
    if (!rep->first_error_line) {
        rep->first_error_line = line;
        snprintf(rep->first_error, sizeof rep->first_error, "%s", orl_last_error());
    }
}

typedef struct evmap {
    const char *pat;
    size_t len;
    int prefix;
    int32_t code;
} evmap;

typedef struct flagcol {
    int col;
    int32_t code;
} flagcol;

typedef struct loader {
    orl_dataset *ds;
    const orl_csv_params *p;
    orl_csv_reader r;
    orl_load_report rep;
    /* column names (header copy or column_names split) */
    char *names_buf;
    const char **names;
    uint32_t nnames;
    int c_sess, c_item, c_time, c_event, c_reward, c_prop, c_date, c_filter, max_col;
    int c_imp, c_imp_prop, c_imp_incl, c_slate; /* displays */
    uint32_t imp_ids[ORL_MAX_SHOWN];
    float imp_beta[ORL_MAX_SHOWN], imp_incl[ORL_MAX_SHOWN];
    uint32_t n_imp;
    double slate;
    char *spec_buf; /* copy of event_map / flag_events, split in place */
    evmap *map;
    uint32_t nmap;
    flagcol *flags;
    uint32_t nflags;
    int32_t default_code;
    char last_ev[ORL_EVENT_NAME_MAX + 1];
    size_t last_len;
    int32_t last_code; /* -1 unknown, -2 no cache */
} loader;

static void loader_free(loader *L)
{
    orl_csv_close(&L->r);
    orl_free(L->names_buf);
    orl_free(L->names);
    orl_free(L->spec_buf);
    orl_free(L->map);
    orl_free(L->flags);
}

static int split_names(loader *L, const char *list)
{
    size_t n = strlen(list);
    L->names_buf = orl_strndup(list, n);
    uint32_t k = 1;
    for (size_t i = 0; i < n; i++) k += list[i] == ',';
    L->names = orl_calloc(k, sizeof *L->names);
    if (!L->names_buf || !L->names) return orl_fail(ORL_E_NOMEM, "out of memory");
    char *s = L->names_buf;
    for (uint32_t j = 0; j < k; j++) {
        L->names[j] = s;
        char *c = strchr(s, ',');
        if (c) {
            *c = '\0';
            s = c + 1;
        }
    }
    L->nnames = k;
    return ORL_OK;
}

static int header_names(loader *L)
{
    size_t total = 0;
    for (uint32_t i = 0; i < L->r.nfields; i++) total += L->r.fields[i].len + 1;
    L->names_buf = orl_malloc(total + 1);
    L->names = orl_calloc(L->r.nfields, sizeof *L->names);
    if (!L->names_buf || !L->names) return orl_fail(ORL_E_NOMEM, "out of memory");
    char *w = L->names_buf;
    for (uint32_t i = 0; i < L->r.nfields; i++) {
        L->names[i] = w;
        memcpy(w, L->r.fields[i].p, L->r.fields[i].len);
        w += L->r.fields[i].len;
        *w++ = '\0';
    }
    L->nnames = L->r.nfields;
    return ORL_OK;
}

/* A column spec: a name, "#k" (0-based), with a trailing '?' when optional. */
static int resolve(loader *L, const char *what, const char *spec, int *out)
{
    *out = -1;
    if (!spec || !*spec) return ORL_OK;
    size_t len = strlen(spec);
    int optional = spec[len - 1] == '?';
    if (optional) len--;
    if (spec[0] == '#') {
        int64_t k;
        if (!orl_parse_i64(spec + 1, len - 1, &k) || k < 0 || k > 65535)
            return orl_fail(ORL_E_INVALID_ARGUMENT, "%s column '%s': bad index", what, spec);
        *out = (int)k;
    } else {
        for (uint32_t i = 0; i < L->nnames; i++)
            if (strlen(L->names[i]) == len && memcmp(L->names[i], spec, len) == 0) {
                *out = (int)i;
                break;
            }
        if (*out < 0 && !optional)
            return orl_fail(
                ORL_E_PARSE, "%s: %s column '%.*s' not found%s", L->r.path, what, (int)len, spec,
                L->nnames ? " in the header" : " (the file has no header: use column_names or #k)");
    }
    if (*out > L->max_col) L->max_col = *out;
    return ORL_OK;
}

/* Parse "a=b,c=d" lists of event_map / flag_events into L. */
static int parse_specs(loader *L)
{
    const orl_csv_params *p = L->p;
    size_t a = p->event_map ? strlen(p->event_map) : 0;
    size_t b = p->flag_events ? strlen(p->flag_events) : 0;
    L->spec_buf = orl_malloc(a + b + 2);
    if (!L->spec_buf) return orl_fail(ORL_E_NOMEM, "out of memory");
    char *em = L->spec_buf, *fe = L->spec_buf + a + 1;
    memcpy(em, p->event_map ? p->event_map : "", a + 1);
    memcpy(fe, p->flag_events ? p->flag_events : "", b + 1);
    for (int which = 0; which < 2; which++) {
        char *s = which ? fe : em;
        if (!*s) continue;
        uint32_t k = 1;
        for (char *c = s; *c; c++) k += *c == ',';
        if (which) {
            L->flags = orl_calloc(k, sizeof *L->flags);
            if (!L->flags) return orl_fail(ORL_E_NOMEM, "out of memory");
        } else {
            L->map = orl_calloc(k, sizeof *L->map);
            if (!L->map) return orl_fail(ORL_E_NOMEM, "out of memory");
        }
        while (s) {
            char *next = strchr(s, ',');
            if (next) *next++ = '\0';
            char *eq = strchr(s, '=');
            if (!eq || eq == s || !eq[1])
                return orl_fail(ORL_E_INVALID_ARGUMENT, "%s entry '%s' is not 'raw=type'",
                                which ? "flag_events" : "event_map", s);
            *eq = '\0';
            int32_t code;
            ORL_TRY(orl_event_table_get(&L->ds->types, eq + 1, strlen(eq + 1), &code));
            if (which) {
                flagcol *f = &L->flags[L->nflags++];
                f->code = code;
                ORL_TRY(resolve(L, "flag", s, &f->col));
            } else {
                evmap *m = &L->map[L->nmap++];
                m->pat = s;
                m->len = strlen(s);
                m->prefix = m->len > 0 && s[m->len - 1] == '*';
                if (m->prefix) m->len--;
                m->code = code;
            }
            s = next;
        }
    }
    return ORL_OK;
}

static const char *col_name(const loader *L, int c)
{
    return (uint32_t)c < L->nnames ? L->names[c] : "";
}

/* Report a malformed field: "file:line: column k (name): expected X, got 'v'". */
static int bad_field(loader *L, int c, const char *expected)
{
    const orl_csv_field *f = &L->r.fields[c];
    char shown[48];
    size_t n = f->len < 40 ? f->len : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)f->p[i];
        shown[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    shown[n] = '\0';
    return orl_fail(ORL_E_PARSE, "%s:%llu: column %d (%s): expected %s, got '%s'%s", L->r.path,
                    (unsigned long long)L->r.line, c + 1, col_name(L, c), expected, shown,
                    f->len > 40 ? "..." : "");
}

static int is_zero(const orl_csv_field *f, int *zero)
{
    double v;
    if (f->len == 0) {
        *zero = 1;
        return 1;
    }
    if (!orl_parse_f64(f->p, f->len, &v)) return 0;
    *zero = v == 0.0;
    return 1;
}

/* Event code of a row: >= 0, -1 = unknown event type, -2 = filtered. */
static int row_event(loader *L, int32_t *code)
{
    const orl_csv_params *p = L->p;
    if (L->c_filter >= 0) {
        int z;
        if (!is_zero(&L->r.fields[L->c_filter], &z)) return bad_field(L, L->c_filter, "a number");
        if (z) {
            *code = -2;
            return ORL_OK;
        }
    }
    if (L->nflags) {
        for (uint32_t i = 0; i < L->nflags; i++) {
            int z;
            if (!is_zero(&L->r.fields[L->flags[i].col], &z))
                return bad_field(L, L->flags[i].col, "a 0/1 flag");
            if (!z) {
                *code = L->flags[i].code;
                return ORL_OK;
            }
        }
        *code = L->default_code >= 0 ? L->default_code : -2;
        return ORL_OK;
    }
    if (L->c_event < 0) {
        *code = L->default_code;
        return ORL_OK;
    }
    const orl_csv_field *f = &L->r.fields[L->c_event];
    if (f->len == 0) return bad_field(L, L->c_event, "an event type");
    if (f->len > ORL_EVENT_NAME_MAX)
        return bad_field(L, L->c_event, "an event type of <= 256 bytes");
    if (L->last_code != -2 && f->len == L->last_len && memcmp(f->p, L->last_ev, f->len) == 0) {
        *code = L->last_code;
        return ORL_OK;
    }
    int32_t c = -1;
    if (p->event_map) {
        for (uint32_t i = 0; i < L->nmap; i++) {
            const evmap *m = &L->map[i];
            if (m->prefix ? f->len >= m->len && memcmp(f->p, m->pat, m->len) == 0
                          : f->len == m->len && memcmp(f->p, m->pat, m->len) == 0) {
                c = m->code;
                break;
            }
        }
    } else {
        if (memchr(f->p, '\0', f->len)) return bad_field(L, L->c_event, "an event type");
        ORL_TRY(orl_event_table_get(&L->ds->types, f->p, f->len, &c));
    }
    memcpy(L->last_ev, f->p, f->len);
    L->last_len = f->len;
    L->last_code = c;
    *code = c;
    return ORL_OK;
}

static int check_key(loader *L, int c, int integer_only)
{
    const orl_csv_field *f = &L->r.fields[c];
    if (f->len == 0) return bad_field(L, c, "a non-empty key");
    if (f->len > L->p->max_field_len || f->len > ORL_KEY_MAX_LEN) {
        char what[64];
        snprintf(what, sizeof what, "a key of at most %u bytes (got %u)",
                 L->p->max_field_len < ORL_KEY_MAX_LEN ? L->p->max_field_len : ORL_KEY_MAX_LEN,
                 f->len);
        return bad_field(L, c, what);
    }
    int64_t v;
    if (integer_only && !orl_parse_canonical_i64(f->p, f->len, &v))
        return bad_field(L, c, "an integer item id");
    return ORL_OK;
}

static int parse_time(loader *L, int c, int fmt, int64_t *out)
{
    const orl_csv_field *f = &L->r.fields[c];
    if (fmt != ORL_TIME_DATETIME && orl_parse_i64(f->p, f->len, out)) return ORL_OK;
    if (fmt != ORL_TIME_INTEGER && orl_parse_datetime_ms(f->p, f->len, out)) return ORL_OK;
    return bad_field(L, c,
                     fmt == ORL_TIME_INTEGER ? "an integer timestamp"
                     : fmt == ORL_TIME_DATETIME
                         ? "a date-time YYYY-MM-DD[ HH:MM[:SS[.fff]]][ UTC|Z]"
                         : "an integer timestamp or a date-time YYYY-MM-DD[ HH:MM:SS]");
}

/* A '|'-separated list of probabilities in (0, 1] into out (n entries: the
 * shown items'); an empty field is "unknown" (NaN). */
static int parse_prob_list(loader *L, int c, float *out, uint32_t n)
{
    const orl_csv_field *f = &L->r.fields[c];
    if (f->len == 0) {
        for (uint32_t j = 0; j < n; j++) out[j] = NAN;
        return ORL_OK;
    }
    uint32_t j = 0;
    for (uint32_t b = 0; b <= f->len; j++) {
        uint32_t e = b;
        while (e < f->len && f->p[e] != '|') e++;
        double v;
        if (j >= n || !orl_parse_f64(f->p + b, e - b, &v) || !(v > 0.0 && v <= 1.0))
            return bad_field(L, c, "one probability in (0, 1] per shown item, '|'-separated");
        out[j] = (float)v;
        b = e + 1;
    }
    if (j != n) return bad_field(L, c, "one probability in (0, 1] per shown item, '|'-separated");
    return ORL_OK;
}

/* The shown items of a display row: keys into L->imp_ids (registered in the
 * item map), their propensities, the slate probability. */
static int parse_display(loader *L)
{
    orl_dataset *ds = L->ds;
    const orl_csv_field *f = &L->r.fields[L->c_imp];
    uint32_t n = 0;
    for (uint32_t b = 0; b <= f->len; n++) {
        uint32_t e = b;
        while (e < f->len && f->p[e] != '|') e++;
        int64_t v;
        if (n >= ORL_MAX_SHOWN || e == b || e - b > ORL_KEY_MAX_LEN ||
            e - b > L->p->max_field_len ||
            (L->p->integer_items && !orl_parse_canonical_i64(f->p + b, e - b, &v)))
            return bad_field(L, L->c_imp, "up to 1000 item keys separated by '|'");
        if (orl_keymap_put_str(&ds->items, f->p + b, e - b, &L->imp_ids[n]) != ORL_OK)
            return orl_fail(ORL_E_NOMEM, "%s: out of memory (or too many keys)", L->r.path);
        b = e + 1;
    }
    L->n_imp = n;
    if (L->c_imp_prop >= 0) {
        ORL_TRY(parse_prob_list(L, L->c_imp_prop, L->imp_beta, n));
    } else {
        for (uint32_t j = 0; j < n; j++) L->imp_beta[j] = NAN;
    }
    if (L->c_imp_incl >= 0) {
        ORL_TRY(parse_prob_list(L, L->c_imp_incl, L->imp_incl, n));
    } else {
        for (uint32_t j = 0; j < n; j++) L->imp_incl[j] = NAN;
    }
    L->slate = NAN;
    if (L->c_slate >= 0 && L->r.fields[L->c_slate].len) {
        const orl_csv_field *fs = &L->r.fields[L->c_slate];
        if (!orl_parse_f64(fs->p, fs->len, &L->slate) || !(L->slate > 0 && L->slate <= 1))
            return bad_field(L, L->c_slate, "a slate probability in (0, 1]");
    }
    return ORL_OK;
}

static int is_display_row(const loader *L)
{
    return L->c_imp >= 0 && L->r.fields[L->c_imp].len > 0;
}

static int parse_time(loader *L, int c, int fmt, int64_t *out);

/* A display row without a click: no event, reward 0. */
static int load_display_only(loader *L)
{
    orl_dataset *ds = L->ds;
    ORL_TRY(check_key(L, L->c_sess, 0));
    const orl_csv_field *fs = &L->r.fields[L->c_sess];
    if (L->p->only_known_sessions) {
        uint32_t id;
        if (!orl_keymap_find_str(&ds->sessions, fs->p, fs->len, &id)) {
            L->rep.rows_unknown_session++;
            return ORL_OK;
        }
    }
    int64_t t;
    ORL_TRY(parse_time(L, L->c_time, L->p->time_format, &t));
    ORL_TRY(parse_display(L));
    ORL_TRY(orl_displays_reserve(&ds->disp, 1, L->n_imp));
    uint32_t s;
    if (orl_keymap_put_str(&ds->sessions, fs->p, fs->len, &s) != ORL_OK)
        return orl_fail(ORL_E_NOMEM, "%s: out of memory (or too many keys)", L->r.path);
    orl_displays_push(&ds->disp, s, t, -1, ds->n, -1, 0.0f, L->slate, L->imp_ids, L->imp_beta,
                      L->imp_incl, L->n_imp);
    return ORL_OK;
}

/* One data row: ORL_OK (appended or skipped and counted) or an error. */
static int load_row(loader *L)
{
    orl_dataset *ds = L->ds;
    const orl_csv_params *p = L->p;
    L->rep.rows_read++;
    /* With a header, every row has its field count: a missing or extra field shifts columns. */
    if (p->header && L->r.nfields != L->nnames)
        return orl_fail(ORL_E_PARSE, "%s:%llu: %u fields, but the header has %u", L->r.path,
                        (unsigned long long)L->r.line, L->r.nfields, L->nnames);
    if ((int)L->r.nfields <= L->max_col)
        return orl_fail(ORL_E_PARSE, "%s:%llu: expected at least %d columns, got %u", L->r.path,
                        (unsigned long long)L->r.line, L->max_col + 1, L->r.nfields);
    if (is_display_row(L) && L->r.fields[L->c_item].len == 0) return load_display_only(L);
    int32_t code = -2;
    ORL_TRY(row_event(L, &code));
    if (code == -2) {
        L->rep.rows_filtered++;
        return ORL_OK;
    }
    if (code == -1) {
        if (p->unknown_events == ORL_UNKNOWN_ERROR) {
            const orl_csv_field *f = &L->r.fields[L->c_event];
            return orl_fail(ORL_E_PARSE, "%s:%llu: column %d (%s): unknown event type '%.*s'",
                            L->r.path, (unsigned long long)L->r.line, L->c_event + 1,
                            col_name(L, L->c_event), (int)(f->len < 64 ? f->len : 64), f->p);
        }
        L->rep.rows_unknown_event++;
        return ORL_OK;
    }
    ORL_TRY(check_key(L, L->c_sess, 0));
    ORL_TRY(check_key(L, L->c_item, p->integer_items));
    const orl_csv_field *fs = &L->r.fields[L->c_sess], *fi = &L->r.fields[L->c_item];
    if (p->only_known_sessions) {
        uint32_t id;
        if (!orl_keymap_find_str(&ds->sessions, fs->p, fs->len, &id)) {
            L->rep.rows_unknown_session++;
            return ORL_OK;
        }
    }
    int64_t t;
    if (L->c_date >= 0) {
        int64_t day, off;
        const orl_csv_field *fd = &L->r.fields[L->c_date];
        if (!orl_parse_datetime_ms(fd->p, fd->len, &day))
            return bad_field(L, L->c_date, "a date YYYY-MM-DD");
        const orl_csv_field *ft = &L->r.fields[L->c_time];
        if (!orl_parse_i64(ft->p, ft->len, &off))
            return bad_field(L, L->c_time, "an integer millisecond offset");
        t = day + off;
    } else {
        ORL_TRY(parse_time(L, L->c_time, p->time_format, &t));
    }
    float reward = NAN, prop = NAN;
    if (L->c_reward >= 0 && L->r.fields[L->c_reward].len) {
        double v;
        const orl_csv_field *f = &L->r.fields[L->c_reward];
        if (!orl_parse_f64(f->p, f->len, &v)) return bad_field(L, L->c_reward, "a finite reward");
        reward = (float)v;
        if (!ds->ev_reward) ORL_TRY(orl_ds_enable_rewards(ds));
    }
    if (L->c_prop >= 0 && L->r.fields[L->c_prop].len) {
        double v;
        const orl_csv_field *f = &L->r.fields[L->c_prop];
        if (!orl_parse_f64(f->p, f->len, &v) || !(v > 0.0 && v <= 1.0))
            return bad_field(L, L->c_prop, "a propensity in (0, 1]");
        prop = (float)v;
        if (!ds->ev_prop) ORL_TRY(orl_ds_enable_props(ds));
    }
    const int display = is_display_row(L);
    if (display) {
        ORL_TRY(parse_display(L));
        ORL_TRY(orl_displays_reserve(&ds->disp, 1, L->n_imp));
    }
    ORL_TRY(orl_ds_reserve(ds, 1));
    uint32_t s, it;
    int st = orl_keymap_put_str(&ds->sessions, fs->p, fs->len, &s);
    if (st == ORL_OK) st = orl_keymap_put_str(&ds->items, fi->p, fi->len, &it);
    if (st != ORL_OK) return orl_fail(st, "%s: out of memory (or too many keys)", L->r.path);
    orl_ds_push(ds, s, it, t, (uint16_t)code, reward, prop);
    if (display) {
        int slot = -1;
        for (uint32_t j = 0; j < L->n_imp && slot < 0; j++)
            if (L->imp_ids[j] == it) slot = (int)j;
        orl_displays_push(&ds->disp, s, t, (int64_t)ds->n - 1, ds->n - 1, slot, NAN, L->slate,
                          L->imp_ids, L->imp_beta, L->imp_incl, L->n_imp);
    }
    L->rep.rows_loaded++;
    return ORL_OK;
}

static int setup(loader *L)
{
    const orl_csv_params *p = L->p;
    int has = 0;
    if (p->header) {
        ORL_TRY(orl_csv_next(&L->r, &has));
        if (!has) return orl_fail(ORL_E_PARSE, "%s: empty file (no header line)", L->r.path);
        ORL_TRY(header_names(L));
    } else if (p->column_names) {
        ORL_TRY(split_names(L, p->column_names));
    }
    L->max_col = -1;
    ORL_TRY(resolve(L, "session", p->session_col, &L->c_sess));
    ORL_TRY(resolve(L, "item", p->item_col, &L->c_item));
    ORL_TRY(resolve(L, "time", p->time_col, &L->c_time));
    if (L->c_sess < 0 || L->c_item < 0 || L->c_time < 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "session_col, item_col and time_col are required");
    ORL_TRY(resolve(L, "event", p->flag_events ? NULL : p->event_col, &L->c_event));
    ORL_TRY(resolve(L, "reward", p->reward_col, &L->c_reward));
    ORL_TRY(resolve(L, "propensity", p->propensity_col, &L->c_prop));
    ORL_TRY(resolve(L, "date", p->date_col, &L->c_date));
    ORL_TRY(resolve(L, "filter", p->filter_col, &L->c_filter));
    ORL_TRY(resolve(L, "impressions", p->impressions_col, &L->c_imp));
    ORL_TRY(resolve(L, "impression propensities", p->impression_propensities_col, &L->c_imp_prop));
    ORL_TRY(resolve(L, "impression inclusion", p->impression_inclusion_col, &L->c_imp_incl));
    ORL_TRY(resolve(L, "slate propensity", p->slate_propensity_col, &L->c_slate));
    ORL_TRY(parse_specs(L));
    L->default_code = -1;
    if (p->default_event && *p->default_event && (L->c_event < 0 || L->nflags))
        ORL_TRY(orl_event_table_get(&L->ds->types, p->default_event, strlen(p->default_event),
                                    &L->default_code));
    if (L->c_event < 0 && !L->nflags && L->default_code < 0)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "no event_col, flag_events or default_event");
    L->last_code = -2;
    return ORL_OK;
}

static int check_params(const orl_csv_params *p)
{
    if (p->struct_size < sizeof *p)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_csv_params.struct_size is %zu, expected %zu",
                        p->struct_size, sizeof *p);
    if (p->delimiter == '"' || p->delimiter == '\n' || p->delimiter == '\r')
        return orl_fail(ORL_E_INVALID_ARGUMENT, "delimiter cannot be a quote or a line end");
    if (p->time_format < ORL_TIME_AUTO || p->time_format > ORL_TIME_DATETIME)
        return orl_fail(ORL_E_OUT_OF_RANGE, "time_format %d is not an orl_time_format",
                        p->time_format);
    if (p->max_field_len == 0) return orl_fail(ORL_E_OUT_OF_RANGE, "max_field_len must be > 0");
    return ORL_OK;
}

int orl_dataset_load_csv_impl(orl_dataset *ds, const char *path, const orl_csv_params *params,
                              orl_load_report *report)
{
    orl_csv_params defaults;
    if (!params) {
        orl_csv_params_defaults(&defaults);
        params = &defaults;
    }
    ORL_TRY(check_params(params));
    if (ds->finalized)
        return orl_fail(ORL_E_STATE, "the dataset is finalized: no more events can be added");
    loader L;
    memset(&L, 0, sizeof L);
    L.ds = ds;
    L.p = params;
    orl_ds_mark mark = orl_ds_mark_now(ds);
    int s = orl_csv_open(&L.r, path, params->delimiter, MAX_LINE);
    if (s == ORL_OK) s = setup(&L);
    int in_rows = s == ORL_OK, any = params->header;
    while (s == ORL_OK) {
        int has = 0;
        s = orl_csv_next(&L.r, &has);
        if (s == ORL_OK && !has) break;
        any = 1;
        if (s == ORL_OK)
            s = load_row(&L);
        else if (s == ORL_E_PARSE)
            L.rep.rows_read++;
        if (s == ORL_E_PARSE && !params->strict) {
            orl_report_malformed(&L.rep, L.r.line);
            s = ORL_OK;
        }
    }
    if (s == ORL_OK && !any) s = orl_fail(ORL_E_PARSE, "%s: empty file", path);
    if (s == ORL_E_PARSE && params->strict && in_rows) orl_report_malformed(&L.rep, L.r.line);
    if (report && (s == ORL_OK || s == ORL_E_PARSE)) {
        size_t keep = report->struct_size;
        *report = L.rep;
        report->struct_size = keep;
    }
    if (s != ORL_OK) orl_ds_rollback(ds, mark);
    loader_free(&L);
    return s;
}
