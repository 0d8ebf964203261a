/* The display table: appends, finalize remapping, subsets and display states. */
#include "data/displays.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"

void orl_displays_free(orl_displays *d)
{
    orl_free(d->off);
    orl_free(d->time);
    orl_free(d->event);
    orl_free(d->session);
    orl_free(d->dsess);
    orl_free(d->skey);
    orl_free(d->pos);
    orl_free(d->slot);
    orl_free(d->reward);
    orl_free(d->slate);
    orl_free(d->item);
    orl_free(d->beta);
    orl_free(d->incl);
    memset(d, 0, sizeof *d);
}

static int grow(void **p, uint64_t cap, size_t elem)
{
    void *q = orl_realloc_array(*p, (size_t)cap, elem);
    if (!q) return ORL_E_NOMEM;
    *p = q;
    return ORL_OK;
}

int orl_displays_reserve(orl_displays *d, uint64_t n, uint64_t m)
{
    if (n > (UINT64_MAX >> 8) - d->n || m > (UINT64_MAX >> 8) - d->n_shown)
        return orl_fail(ORL_E_OUT_OF_RANGE, "too many displays");
    if (d->n + n > d->cap || !d->off) {
        uint64_t cap = d->cap ? d->cap : 256;
        while (cap < d->n + n) cap += cap / 2;
        /* cap rises only once every array grew: a failure keeps the table consistent */
        if (grow((void **)&d->off, cap + 1, sizeof *d->off) ||
            grow((void **)&d->time, cap, sizeof *d->time) ||
            grow((void **)&d->event, cap, sizeof *d->event) ||
            grow((void **)&d->skey, cap, sizeof *d->skey) ||
            grow((void **)&d->pos, cap, sizeof *d->pos) ||
            grow((void **)&d->slot, cap, sizeof *d->slot) ||
            grow((void **)&d->reward, cap, sizeof *d->reward) ||
            grow((void **)&d->slate, cap, sizeof *d->slate))
            return orl_fail(ORL_E_NOMEM, "out of memory storing displays");
        if (d->cap == 0) d->off[0] = 0;
        d->cap = cap;
    }
    if (d->n_shown + m > d->shown_cap || !d->item) {
        uint64_t cap = d->shown_cap ? d->shown_cap : 1024;
        while (cap < d->n_shown + m) cap += cap / 2;
        if (grow((void **)&d->item, cap, sizeof *d->item) ||
            grow((void **)&d->beta, cap, sizeof *d->beta) ||
            grow((void **)&d->incl, cap, sizeof *d->incl))
            return orl_fail(ORL_E_NOMEM, "out of memory storing displays");
        d->shown_cap = cap;
    }
    return ORL_OK;
}

void orl_displays_push(orl_displays *d, uint32_t skey, int64_t time, int64_t raw_event,
                       uint64_t events_before, int slot, float reward, double slate,
                       const uint32_t *items, const float *beta, const float *incl, uint32_t k)
{
    uint64_t i = d->n++, o = d->n_shown;
    d->skey[i] = skey;
    d->time[i] = time;
    d->event[i] = raw_event;
    d->pos[i] = events_before;
    d->slot[i] = (int16_t)slot;
    d->reward[i] = reward;
    d->slate[i] = slate;
    for (uint32_t j = 0; j < k; j++) {
        d->item[o + j] = (int32_t)items[j];
        d->beta[o + j] = beta ? beta[j] : NAN;
        d->incl[o + j] = incl ? incl[j] : NAN;
    }
    d->n_shown = o + k;
    d->off[i + 1] = d->n_shown;
}

void orl_displays_truncate(orl_displays *d, uint64_t n)
{
    if (n >= d->n) return;
    d->n = n;
    d->n_shown = d->off ? d->off[n] : 0;
}

size_t orl_displays_bytes(const orl_displays *d)
{
    size_t per = 8 * 6 + 4 + 2 + 4 + 8, per_item = 12;
    return (size_t)d->cap * per + (size_t)d->shown_cap * per_item;
}

/* ------------------------------------------------------------ finalize */

typedef struct dkey {
    uint64_t major; /* final session, or n_sessions for a session without events */
    int64_t first;  /* first display time of an eventless session (0 otherwise) */
    uint32_t key;   /* its key id (0 otherwise) */
    int64_t time;
    uint64_t idx; /* raw display index: stable order */
} dkey;

static int cmp_dkey(const void *a, const void *b)
{
    const dkey *x = a, *y = b;
#define CMP(f)                                                                                     \
    if (x->f != y->f) return x->f < y->f ? -1 : 1;
    CMP(major)
    CMP(first)
    CMP(key)
    CMP(time)
    CMP(idx)
#undef CMP
    return 0;
}

/* The segment holding sorted position k of raw session r. */
static uint64_t segment_of(const orl_disp_remap *m, uint64_t k)
{
    uint64_t lo = 0, hi = m->nseg; /* seg_off[lo] <= k < seg_off[hi] */
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (m->seg_off[mid] <= k)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Kept events of segment s at sorted positions < k. */
static uint64_t kept_before(const orl_disp_remap *m, uint64_t s, uint64_t k)
{
    uint64_t c = 0;
    for (uint64_t j = m->seg_off[s]; j < k; j++) c += m->k_event[j] >= 0;
    return c;
}

int orl_displays_finalize(const orl_displays *d, const orl_disp_remap *m, orl_displays *out)
{
    memset(out, 0, sizeof *out);
    const uint64_t n = d->n;
    uint64_t *inv = NULL;
    int64_t *first = NULL;
    dkey *keys = NULL;
    int64_t *sess = NULL, *ev = NULL;
    uint64_t *pos = NULL;
    if (n == 0) return ORL_OK;
    inv = orl_malloc((size_t)m->n_raw_events * sizeof *inv + 1);
    first = orl_malloc((size_t)m->n_raw_sessions * sizeof *first + 1);
    keys = orl_malloc((size_t)n * sizeof *keys);
    sess = orl_malloc((size_t)n * sizeof *sess);
    ev = orl_malloc((size_t)n * sizeof *ev);
    pos = orl_malloc((size_t)n * sizeof *pos);
    if (!inv || !first || !keys || !sess || !ev || !pos) goto nomem;
    for (uint64_t k = 0; k < m->n_raw_events; k++) inv[m->perm[k]] = k;
    for (uint32_t r = 0; r < m->n_raw_sessions; r++) first[r] = INT64_MAX;
    for (uint64_t i = 0; i < n; i++)
        if (d->time[i] < first[d->skey[i]]) first[d->skey[i]] = d->time[i];
    uint64_t kept = 0, kept_items = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint32_t r = d->skey[i];
        const uint64_t b = m->cnt[r], e = m->cnt[r + 1];
        int64_t s_final = -1, e_final = -1;
        uint64_t before = 0;
        if (d->event[i] >= 0) {
            uint64_t k = inv[d->event[i]];
            uint64_t seg = segment_of(m, k);
            s_final = m->seg_sess[seg];
            if (s_final < 0) continue; /* its session was dropped */
            e_final = m->k_event[k];
            before =
                e_final >= 0 ? (uint64_t)e_final - m->sess_off[s_final] : kept_before(m, seg, k);
        } else if (b < e) {
            /* first sorted position of the session's events after the display */
            const int64_t t = d->time[i];
            uint64_t lo = b, hi = e;
            while (lo < hi) {
                uint64_t mid = lo + (hi - lo) / 2;
                int64_t tm = m->raw_time[m->perm[mid]];
                if (tm < t || (tm == t && m->perm[mid] < d->pos[i]))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            uint64_t seg = segment_of(m, lo > b ? lo - 1 : b);
            s_final = m->seg_sess[seg];
            if (s_final < 0) continue;
            before = kept_before(m, seg, lo > m->seg_off[seg] ? lo : m->seg_off[seg]);
        }
        dkey key = {s_final >= 0 ? (uint64_t)s_final : m->n_sessions, s_final >= 0 ? 0 : first[r],
                    s_final >= 0 ? 0 : r, d->time[i], i};
        keys[kept] = key;
        sess[i] = s_final;
        ev[i] = e_final;
        pos[i] = before;
        kept++;
        kept_items += d->off[i + 1] - d->off[i];
    }
    qsort(keys, (size_t)kept, sizeof *keys, cmp_dkey);
    if (orl_displays_reserve(out, kept, kept_items) != ORL_OK) goto nomem;
    out->session = orl_malloc((size_t)kept * sizeof *out->session + 1);
    out->dsess = orl_malloc((size_t)kept * sizeof *out->dsess + 1);
    if (!out->session || !out->dsess) goto nomem;
    uint64_t g = 0;
    for (uint64_t j = 0; j < kept; j++) {
        const uint64_t i = keys[j].idx;
        const uint64_t o = d->off[i], k = d->off[i + 1] - o;
        float reward = d->reward[i];
        if (isnan(reward)) {
            reward = 0;
            int64_t re = d->event[i];
            if (re >= 0) {
                reward = m->raw_reward ? m->raw_reward[re] : NAN;
                if (isnan(reward)) reward = m->types->types[m->raw_code[re]].reward;
            }
        }
        uint32_t items[ORL_MAX_SHOWN];
        for (uint64_t a = 0; a < k; a++) {
            int32_t raw = d->item[o + a];
            items[a] = (uint32_t)(raw >= 0 ? m->item_new[raw] : -1);
        }
        if (j > 0 && (keys[j].major != keys[j - 1].major || keys[j].key != keys[j - 1].key ||
                      keys[j].first != keys[j - 1].first))
            g++;
        orl_displays_push(out, d->skey[i], d->time[i], ev[i], pos[i], d->slot[i], reward,
                          d->slate[i], items, d->beta + o, d->incl + o, (uint32_t)k);
        out->session[j] = sess[i];
        out->dsess[j] = g;
    }
    out->n_dsess = kept ? g + 1 : 0;
    orl_free(inv);
    orl_free(first);
    orl_free(keys);
    orl_free(sess);
    orl_free(ev);
    orl_free(pos);
    return ORL_OK;
nomem:
    orl_free(inv);
    orl_free(first);
    orl_free(keys);
    orl_free(sess);
    orl_free(ev);
    orl_free(pos);
    orl_displays_free(out);
    return orl_fail(ORL_E_NOMEM, "out of memory finalizing %llu displays", (unsigned long long)n);
}

/* -------------------------------------------------------------- subsets */

int orl_displays_subset(const orl_displays *d, const int64_t *sess_map, const uint64_t *old_off,
                        const uint64_t *new_off, const uint8_t *take_dsess, orl_displays *out)
{
    memset(out, 0, sizeof *out);
    uint64_t n = 0, m = 0;
    for (uint64_t i = 0; i < d->n; i++) {
        int take = d->session[i] >= 0 ? sess_map[d->session[i]] >= 0
                                      : take_dsess != NULL && take_dsess[d->dsess[i]];
        if (!take) continue;
        n++;
        m += d->off[i + 1] - d->off[i];
    }
    if (n == 0) return ORL_OK;
    if (orl_displays_reserve(out, n, m) != ORL_OK) goto nomem;
    out->session = orl_malloc((size_t)n * sizeof *out->session);
    out->dsess = orl_malloc((size_t)n * sizeof *out->dsess);
    if (!out->session || !out->dsess) goto nomem;
    uint64_t g = 0, last = UINT64_MAX;
    for (uint64_t i = 0; i < d->n; i++) {
        const int64_t s = d->session[i];
        int take = s >= 0 ? sess_map[s] >= 0 : take_dsess != NULL && take_dsess[d->dsess[i]];
        if (!take) continue;
        int64_t ns = s >= 0 ? sess_map[s] : -1, ev = d->event[i];
        if (ev >= 0) ev = ev - (int64_t)old_off[s] + (int64_t)new_off[ns];
        const uint64_t o = d->off[i], k = d->off[i + 1] - o, j = out->n;
        if (last != UINT64_MAX && d->dsess[i] != last) g++;
        last = d->dsess[i];
        orl_displays_push(out, d->skey[i], d->time[i], ev, d->pos[i], d->slot[i], d->reward[i],
                          d->slate[i], (const uint32_t *)(d->item + o), d->beta + o, d->incl + o,
                          (uint32_t)k);
        out->session[j] = ns;
        out->dsess[j] = g;
    }
    out->n_dsess = g + 1;
    return ORL_OK;
nomem:
    orl_displays_free(out);
    return orl_fail(ORL_E_NOMEM, "out of memory splitting the displays");
}

/* -------------------------------------------------------- display states */

int orl_dataset_fill_display_states(const orl_dataset *ds, const uint64_t *ids, size_t n,
                                    uint32_t window, int32_t *states, int32_t *state_len)
{
    if (!ds || (n && (!ids || !states || !state_len)))
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_dataset_fill_display_states: NULL argument");
    if (!ds->finalized)
        return orl_fail(ORL_E_STATE, "orl_dataset_fill_display_states: not finalized");
    if (window < 1 || window > 1024)
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_dataset_fill_display_states: window %u", window);
    const orl_displays *d = &ds->disp;
    for (size_t b = 0; b < n; b++)
        if (ids[b] >= d->n)
            return orl_fail(ORL_E_OUT_OF_RANGE, "display id %llu >= count %llu",
                            (unsigned long long)ids[b], (unsigned long long)d->n);
    const int32_t pad = (int32_t)ds->n_items;
    for (size_t b = 0; b < n; b++) {
        const uint64_t i = ids[b];
        int32_t *st = states + b * window;
        uint64_t k = 0;
        if (d->session[i] >= 0) {
            uint64_t p = d->pos[i];
            k = p < window ? p : window;
            memcpy(st, ds->ev_item + ds->sess_off[d->session[i]] + p - k, (size_t)k * sizeof *st);
        }
        for (uint64_t j = k; j < window; j++) st[j] = pad;
        state_len[b] = k ? (int32_t)k : 1;
    }
    return ORL_OK;
}

/* ------------------------------------------------------------- the file */

/* Blob: n, n_shown, n_dsess (u64), then the arrays in this order, each
 * padded to 8 bytes: off[n+1] u64, time i64, event i64, session i64, dsess
 * u64, pos u64, slate f64, skey u32, reward f32, slot i16, item i32[m],
 * beta f32[m], incl f32[m]. */
static uint64_t pad8(uint64_t x)
{
    return (x + 7) & ~(uint64_t)7;
}

uint64_t orl_displays_blob_len(const orl_displays *d)
{
    const uint64_t n = d->n, m = d->n_shown;
    return 24 + (n + 1) * 8 + n * 8 * 6 + pad8(n * 4) * 2 + pad8(n * 2) + pad8(m * 4) * 3;
}

void orl_displays_blob_write(const orl_displays *d, void (*put)(void *ctx, const void *p, size_t n),
                             void *ctx)
{
    static const uint8_t zeros[8] = {0};
    const uint64_t n = d->n, m = d->n_shown;
    const uint64_t head[3] = {n, m, d->n_dsess};
    put(ctx, head, sizeof head);
    const uint64_t zero = 0;
    put(ctx, d->off ? (const void *)d->off : (const void *)&zero, 8 * (size_t)(n + 1));
    const struct {
        const void *p;
        uint64_t len;
    } a[] = {{d->time, n * 8}, {d->event, n * 8}, {d->session, n * 8}, {d->dsess, n * 8},
             {d->pos, n * 8},  {d->slate, n * 8}, {d->skey, n * 4},    {d->reward, n * 4},
             {d->slot, n * 2}, {d->item, m * 4},  {d->beta, m * 4},    {d->incl, m * 4}};
    for (size_t k = 0; k < sizeof a / sizeof a[0]; k++) {
        if (a[k].len) put(ctx, a[k].p, (size_t)a[k].len);
        if (pad8(a[k].len) != a[k].len) put(ctx, zeros, (size_t)(pad8(a[k].len) - a[k].len));
    }
}

static int bad_blob(const char *path, const char *what)
{
    return orl_fail(ORL_E_FORMAT, "%s: not a valid dataset file: displays: %s", path, what);
}

int orl_displays_blob_read(const char *path, const uint8_t *p, uint64_t len, const orl_dataset *ds,
                           orl_displays *out)
{
    memset(out, 0, sizeof *out);
    if (len < 32) return bad_blob(path, "too short");
    uint64_t head[3];
    memcpy(head, p, sizeof head);
    const uint64_t n = head[0], m = head[1], G = head[2];
    if (n > len / 8 || m > len / 4 || G > n) return bad_blob(path, "counts");
    orl_displays t;
    memset(&t, 0, sizeof t);
    t.n = n;
    t.n_shown = m;
    t.n_dsess = G;
    if (orl_displays_blob_len(&t) != len) return bad_blob(path, "size");
    if (n == 0) return ORL_OK;
    if (orl_displays_reserve(out, n, m) != ORL_OK) goto nomem;
    out->session = orl_malloc((size_t)n * sizeof *out->session);
    out->dsess = orl_malloc((size_t)n * sizeof *out->dsess);
    if (!out->session || !out->dsess) goto nomem;
    uint64_t o = 24;
    void *dst[] = {out->off,  out->time,  out->event, out->session, out->dsess,
                   out->pos,  out->slate, out->skey,  out->reward,  out->slot,
                   out->item, out->beta,  out->incl};
    const uint64_t lens[] = {(n + 1) * 8, n * 8, n * 8, n * 8, n * 8, n * 8, n * 8,
                             n * 4,       n * 4, n * 2, m * 4, m * 4, m * 4};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        memcpy(dst[k], p + o, (size_t)lens[k]);
        o += pad8(lens[k]);
    }
    out->n = n;
    out->n_shown = m;
    out->n_dsess = G;
    /* Everything a reader relies on. */
    if (out->off[0] != 0 || out->off[n] != m) goto bad;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = out->off[i + 1] - out->off[i];
        if (out->off[i + 1] <= out->off[i] || k > ORL_MAX_SHOWN) goto bad;
        int64_t s = out->session[i], e = out->event[i];
        if (s < -1 || s >= (int64_t)ds->n_sessions) goto bad;
        if (out->skey[i] >= ds->sessions.count) goto bad;
        if (out->dsess[i] >= G || (i > 0 && out->dsess[i] < out->dsess[i - 1]) ||
            (i == 0 && out->dsess[0] != 0) || (i > 0 && out->dsess[i] > out->dsess[i - 1] + 1))
            goto bad;
        if (s < 0 && (e != -1 || out->pos[i] != 0)) goto bad;
        if (s >= 0) {
            uint64_t len_s = ds->sess_off[s + 1] - ds->sess_off[s];
            if (out->pos[i] > len_s) goto bad;
            if (e != -1 && (e < (int64_t)ds->sess_off[s] || e >= (int64_t)ds->sess_off[s + 1] ||
                            (uint64_t)e - ds->sess_off[s] != out->pos[i]))
                goto bad;
        }
        int sl = out->slot[i];
        if (sl < -1 || sl >= (int)k) goto bad;
        if (e >= 0 && sl >= 0 && out->item[out->off[i] + sl] >= 0 &&
            out->item[out->off[i] + sl] != ds->ev_item[e])
            goto bad;
        if (!isfinite(out->reward[i])) goto bad;
        double sp = out->slate[i];
        if (!isnan(sp) && !(sp > 0 && sp <= 1)) goto bad;
    }
    for (uint64_t j = 0; j < m; j++) {
        if (out->item[j] < -1 || out->item[j] >= (int32_t)ds->n_items) goto bad;
        float b = out->beta[j], c = out->incl[j];
        if ((!isnan(b) && !(b > 0 && b <= 1)) || (!isnan(c) && !(c > 0 && c <= 1))) goto bad;
    }
    return ORL_OK;
bad:
    orl_displays_free(out);
    return bad_blob(path, "a display out of range");
nomem:
    orl_displays_free(out);
    return orl_fail(ORL_E_NOMEM, "%s: out of memory reading displays", path);
}

/* ------------------------------------------------------------- appends */

int orl_dataset_add_displays_int(orl_dataset *ds, uint64_t first_event, size_t n, uint32_t k,
                                 const int64_t *session_keys, const int64_t *times,
                                 const int64_t *event_rel, const int16_t *slots,
                                 const float *rewards, const double *slate_probs,
                                 const uint32_t *item_keys, const float *beta, const float *incl)
{
    if (ds->finalized)
        return orl_fail(ORL_E_STATE, "the dataset is finalized: no more displays can be added");
    if (k < 1 || k > ORL_MAX_SHOWN)
        return orl_fail(ORL_E_OUT_OF_RANGE, "displays of %u items (1 .. %d)", k, ORL_MAX_SHOWN);
    const uint64_t n_new_events = ds->n - first_event;
    for (size_t i = 0; i < n; i++) {
        if (event_rel[i] < -1 || event_rel[i] >= (int64_t)n_new_events || slots[i] < -1 ||
            slots[i] >= (int)k || (event_rel[i] >= 0) != (slots[i] >= 0) || !isfinite(rewards[i]))
            return orl_fail(ORL_E_INVALID_ARGUMENT, "display %zu: bad event, slot or reward", i);
        double sp = slate_probs[i];
        if (!isnan(sp) && !(sp > 0 && sp <= 1))
            return orl_fail(ORL_E_OUT_OF_RANGE, "display %zu: slate probability %g", i, sp);
        for (uint32_t a = 0; a < k; a++) {
            float b = beta[i * k + a], c = incl[i * k + a];
            if ((!isnan(b) && !(b > 0 && b <= 1)) || (!isnan(c) && !(c > 0 && c <= 1)))
                return orl_fail(ORL_E_OUT_OF_RANGE, "display %zu: a propensity outside (0, 1]", i);
        }
    }
    orl_ds_mark m = orl_ds_mark_now(ds);
    int st = orl_displays_reserve(&ds->disp, n, (uint64_t)n * k);
    if (st != ORL_OK) return st;
    uint32_t ids[ORL_MAX_SHOWN];
    uint64_t seen = first_event;
    for (size_t i = 0; i < n; i++) {
        uint32_t s;
        st = orl_keymap_put_int(&ds->sessions, session_keys[i], &s);
        for (uint32_t a = 0; a < k && st == ORL_OK; a++)
            st = orl_keymap_put_int(&ds->items, (int64_t)item_keys[(size_t)i * k + a], &ids[a]);
        if (st != ORL_OK) {
            orl_ds_rollback(ds, m);
            return orl_fail(st, "display %zu: out of memory (or too many keys) adding keys", i);
        }
        int64_t raw = event_rel[i] >= 0 ? (int64_t)first_event + event_rel[i] : -1;
        if (raw >= 0) seen = (uint64_t)raw + 1;
        orl_displays_push(&ds->disp, s, times[i], raw, raw >= 0 ? (uint64_t)raw : seen, slots[i],
                          rewards[i], slate_probs[i], ids, beta + (size_t)i * k,
                          incl + (size_t)i * k, k);
    }
    return ORL_OK;
}
