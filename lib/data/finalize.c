/* orl_dataset_finalize: events in append order -> sessions sorted by time,
 * filtered, with dense item ids. Everything new is built aside first, so a
 * failure leaves the dataset as it was. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "data/dataset.h"

/* Stable sort of event indices by time (insertion sort for short runs,
 * bottom-up merge sort otherwise). */
static void sort_by_time(uint64_t *a, uint64_t *tmp, uint64_t n, const int64_t *t)
{
    if (n < 2) return;
    int sorted = 1;
    for (uint64_t i = 1; i < n && sorted; i++) sorted = t[a[i - 1]] <= t[a[i]];
    if (sorted) return;
    if (n <= 24) {
        for (uint64_t i = 1; i < n; i++) {
            uint64_t v = a[i];
            uint64_t j = i;
            while (j > 0 && t[a[j - 1]] > t[v]) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    uint64_t *src = a, *dst = tmp;
    for (uint64_t w = 1; w < n; w *= 2) {
        for (uint64_t lo = 0; lo < n; lo += 2 * w) {
            uint64_t mid = lo + w < n ? lo + w : n;
            uint64_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint64_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) dst[k++] = t[src[j]] < t[src[i]] ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        uint64_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != a) memcpy(a, src, (size_t)n * sizeof *a);
}

typedef struct ikey {
    int64_t v;
    uint32_t id;
} ikey;
typedef struct skey {
    const char *s;
    uint32_t id;
} skey;
typedef struct sstart {
    int64_t t;
    uint64_t seg;
} sstart;

static int cmp_ikey(const void *a, const void *b)
{
    int64_t x = ((const ikey *)a)->v, y = ((const ikey *)b)->v;
    return (x > y) - (x < y);
}
static int cmp_skey(const void *a, const void *b)
{
    return strcmp(((const skey *)a)->s, ((const skey *)b)->s);
}
static int cmp_sstart(const void *a, const void *b)
{
    const sstart *x = a, *y = b;
    if (x->t != y->t) return (x->t > y->t) - (x->t < y->t);
    return (x->seg > y->seg) - (x->seg < y->seg);
}

typedef struct work {
    uint64_t *perm, *tmp, *seg_off, *cnt;
    uint32_t *seg_key;
    uint8_t *keep;
    uint64_t *item_cnt;
    int32_t *item_new;
    ikey *ik;
    skey *sk;
    sstart *ss;
    /* results */
    int32_t *items;
    int64_t *time;
    uint16_t *code;
    float *reward, *prop;
    uint64_t *sess_off;
    uint16_t *pos;
    uint32_t *sess_key;
    orl_keymap km;
    int64_t *seg_sess, *k_event; /* for the displays */
    orl_displays disp;
} work;

static void work_free(work *w)
{
    orl_free(w->perm);
    orl_free(w->tmp);
    orl_free(w->seg_off);
    orl_free(w->cnt);
    orl_free(w->seg_key);
    orl_free(w->keep);
    orl_free(w->item_cnt);
    orl_free(w->item_new);
    orl_free(w->ik);
    orl_free(w->sk);
    orl_free(w->ss);
    orl_free(w->seg_sess);
    orl_free(w->k_event);
}

static void results_free(work *w)
{
    orl_free(w->items);
    orl_free(w->time);
    orl_free(w->code);
    orl_free(w->reward);
    orl_free(w->prop);
    orl_free(w->sess_off);
    orl_free(w->pos);
    orl_free(w->sess_key);
    orl_keymap_free(&w->km);
    orl_displays_free(&w->disp);
}

/* Drop rare items and short segments; returns 1 when anything was dropped. */
static int filter_pass(const orl_dataset *ds, work *w, uint64_t nseg, uint32_t n_raw_items)
{
    const orl_dataset_params *p = &ds->params;
    int dropped = 0;
    if (p->min_item_count > 1) {
        memset(w->item_cnt, 0, (size_t)n_raw_items * sizeof *w->item_cnt);
        for (uint64_t k = 0; k < ds->n; k++)
            if (w->keep[k]) w->item_cnt[ds->ev_item[w->perm[k]]]++;
        for (uint64_t k = 0; k < ds->n; k++)
            if (w->keep[k] && w->item_cnt[ds->ev_item[w->perm[k]]] < p->min_item_count) {
                w->keep[k] = 0;
                dropped = 1;
            }
    }
    if (p->min_session_len > 1) {
        for (uint64_t s = 0; s < nseg; s++) {
            uint64_t c = 0;
            for (uint64_t k = w->seg_off[s]; k < w->seg_off[s + 1]; k++) c += w->keep[k];
            if (c > 0 && c < p->min_session_len) {
                for (uint64_t k = w->seg_off[s]; k < w->seg_off[s + 1]; k++) w->keep[k] = 0;
                dropped = 1;
            }
        }
    }
    return dropped;
}

#define ALLOC(ptr, count)                                                                          \
    do {                                                                                           \
        (ptr) = orl_malloc((size_t)(count) * sizeof *(ptr) + 1);                                   \
        if (!(ptr)) goto nomem;                                                                    \
    } while (0)

int orl_dataset_finalize_impl(orl_dataset *ds)
{
    if (ds->finalized) return orl_fail(ORL_E_STATE, "the dataset is already finalized");
    work w;
    memset(&w, 0, sizeof w);
    orl_keymap_init(&w.km);
    const uint64_t n = ds->n;
    const uint32_t R = ds->sessions.count, I = ds->items.count;
    const int64_t gap = ds->params.session_gap;

    /* 1. group events by raw session (stable counting sort) */
    ALLOC(w.perm, n);
    /* tmp is the sort's scratch (n) and first one slot per raw session (R):
     * a session may be registered with no events, so R can exceed n. */
    ALLOC(w.tmp, n > R ? n : R);
    w.cnt = orl_calloc((size_t)R + 1, sizeof *w.cnt);
    if (!w.cnt) goto nomem;
    for (uint64_t i = 0; i < n; i++) w.cnt[ds->ev_session[i] + 1]++;
    for (uint32_t r = 0; r < R; r++) w.cnt[r + 1] += w.cnt[r];
    {
        uint64_t *pos = w.tmp; /* next slot per session */
        memcpy(pos, w.cnt, (size_t)R * sizeof *pos);
        for (uint64_t i = 0; i < n; i++) w.perm[pos[ds->ev_session[i]]++] = i;
    }
    /* 2. sort each session by time, stably */
    for (uint32_t r = 0; r < R; r++)
        sort_by_time(w.perm + w.cnt[r], w.tmp, w.cnt[r + 1] - w.cnt[r], ds->ev_time);

    /* 3. segments: sessions split at gaps */
    uint64_t nseg = 0;
    for (uint32_t r = 0; r < R; r++) {
        if (w.cnt[r + 1] == w.cnt[r]) continue;
        nseg++;
        if (gap > 0)
            for (uint64_t k = w.cnt[r] + 1; k < w.cnt[r + 1]; k++)
                if (ds->ev_time[w.perm[k]] - ds->ev_time[w.perm[k - 1]] > gap) nseg++;
    }
    ALLOC(w.seg_off, nseg + 1);
    ALLOC(w.seg_key, nseg);
    {
        uint64_t s = 0;
        for (uint32_t r = 0; r < R; r++) {
            if (w.cnt[r + 1] == w.cnt[r]) continue;
            w.seg_off[s] = w.cnt[r];
            w.seg_key[s++] = r;
            if (gap > 0)
                for (uint64_t k = w.cnt[r] + 1; k < w.cnt[r + 1]; k++)
                    if (ds->ev_time[w.perm[k]] - ds->ev_time[w.perm[k - 1]] > gap) {
                        w.seg_off[s] = k;
                        w.seg_key[s++] = r;
                    }
        }
        w.seg_off[nseg] = n;
    }

    /* 4. filters */
    ALLOC(w.keep, n);
    memset(w.keep, 1, (size_t)n);
    ALLOC(w.item_cnt, I);
    while (filter_pass(ds, &w, nseg, I) && ds->params.iterate_filters) {
    }

    /* 5. dense item ids */
    ALLOC(w.item_new, I);
    for (uint32_t i = 0; i < I; i++) w.item_new[i] = -1;
    uint32_t n_items = 0;
    if (ds->params.item_order == ORL_ITEM_ORDER_SORTED) {
        for (uint64_t k = 0; k < n; k++)
            if (w.keep[k]) w.item_new[ds->ev_item[w.perm[k]]] = 0;
        uint32_t ni = 0, ns = 0;
        for (uint32_t i = 0; i < I; i++)
            if (w.item_new[i] == 0) {
                if (orl_keymap_is_str(&ds->items, i))
                    ns++;
                else
                    ni++;
            }
        ALLOC(w.ik, ni);
        ALLOC(w.sk, ns);
        ni = ns = 0;
        for (uint32_t i = 0; i < I; i++)
            if (w.item_new[i] == 0) {
                if (orl_keymap_is_str(&ds->items, i))
                    w.sk[ns++] = (skey){orl_keymap_str(&ds->items, i), i};
                else
                    w.ik[ni++] = (ikey){orl_keymap_int(&ds->items, i), i};
            }
        qsort(w.ik, ni, sizeof *w.ik, cmp_ikey);
        qsort(w.sk, ns, sizeof *w.sk, cmp_skey);
        if (orl_keymap_reserve(&w.km, ni + ns) != ORL_OK) goto nomem;
        for (uint32_t j = 0; j < ni; j++) w.item_new[w.ik[j].id] = (int32_t)n_items++;
        for (uint32_t j = 0; j < ns; j++) w.item_new[w.sk[j].id] = (int32_t)n_items++;
        for (uint32_t j = 0; j < ni; j++)
            if (orl_keymap_append_from(&w.km, &ds->items, w.ik[j].id)) goto nomem;
        for (uint32_t j = 0; j < ns; j++)
            if (orl_keymap_append_from(&w.km, &ds->items, w.sk[j].id)) goto nomem;
    }

    /* 6. sessions with events left, ordered by first timestamp */
    uint64_t S = 0, m = 0;
    for (uint64_t s = 0; s < nseg; s++) {
        uint64_t c = 0;
        for (uint64_t k = w.seg_off[s]; k < w.seg_off[s + 1]; k++) c += w.keep[k];
        if (c) S++;
        m += c;
    }
    ALLOC(w.ss, S);
    {
        uint64_t j = 0;
        for (uint64_t s = 0; s < nseg; s++)
            for (uint64_t k = w.seg_off[s]; k < w.seg_off[s + 1]; k++)
                if (w.keep[k]) {
                    w.ss[j++] = (sstart){ds->ev_time[w.perm[k]], s};
                    break;
                }
    }
    qsort(w.ss, S, sizeof *w.ss, cmp_sstart);

    /* 7. the new arrays */
    ALLOC(w.items, m);
    ALLOC(w.time, m);
    ALLOC(w.code, m);
    if (ds->ev_reward) ALLOC(w.reward, m);
    if (ds->ev_prop) ALLOC(w.prop, m);
    ALLOC(w.sess_off, S + 1);
    ALLOC(w.sess_key, S);
    ALLOC(w.pos, m);
    const int displays = ds->disp.n > 0;
    if (displays) {
        ALLOC(w.seg_sess, nseg);
        ALLOC(w.k_event, n);
        for (uint64_t s = 0; s < nseg; s++) w.seg_sess[s] = -1;
        for (uint64_t k = 0; k < n; k++) w.k_event[k] = -1;
    }
    {
        uint64_t e = 0;
        for (uint64_t j = 0; j < S; j++) {
            uint64_t s = w.ss[j].seg;
            if (displays) w.seg_sess[s] = (int64_t)j;
            w.sess_off[j] = e;
            w.sess_key[j] = w.seg_key[s];
            for (uint64_t k = w.seg_off[s]; k < w.seg_off[s + 1]; k++) {
                if (!w.keep[k]) continue;
                uint64_t i = w.perm[k];
                uint32_t raw = (uint32_t)ds->ev_item[i];
                if (w.item_new[raw] < 0) { /* first seen order */
                    if (orl_keymap_append_from(&w.km, &ds->items, raw)) goto nomem;
                    w.item_new[raw] = (int32_t)n_items++;
                }
                uint64_t p = e - w.sess_off[j];
                if (displays) w.k_event[k] = (int64_t)e;
                w.pos[e] = (uint16_t)(p < 65535 ? p : 65535);
                w.items[e] = w.item_new[raw];
                w.time[e] = ds->ev_time[i];
                w.code[e] = ds->ev_code[i];
                if (w.reward) w.reward[e] = ds->ev_reward[i];
                if (w.prop) w.prop[e] = ds->ev_prop[i];
                e++;
            }
        }
        w.sess_off[S] = e;
    }

    /* 8. the displays, remapped to the new sessions, events and items */
    if (displays) {
        orl_disp_remap rm = {n,           w.perm,     w.cnt,      w.seg_off,   nseg,
                             w.seg_sess,  w.k_event,  w.item_new, ds->ev_time, ds->ev_reward,
                             ds->ev_code, &ds->types, w.sess_off, S,           R};
        int st = orl_displays_finalize(&ds->disp, &rm, &w.disp);
        if (st != ORL_OK) {
            work_free(&w);
            results_free(&w);
            return st;
        }
    }

    /* 9. swap in (nothing can fail from here) */
    orl_free(ds->ev_session);
    orl_free(ds->ev_item);
    orl_free(ds->ev_time);
    orl_free(ds->ev_code);
    orl_free(ds->ev_reward);
    orl_free(ds->ev_prop);
    orl_keymap_free(&ds->items);
    ds->ev_session = NULL;
    ds->ev_item = w.items;
    ds->ev_time = w.time;
    ds->ev_code = w.code;
    ds->ev_reward = w.reward;
    ds->ev_prop = w.prop;
    ds->items = w.km;
    ds->sess_off = w.sess_off;
    ds->sess_key = w.sess_key;
    ds->ev_pos = w.pos;
    if (displays) {
        orl_displays_free(&ds->disp);
        ds->disp = w.disp;
        memset(&w.disp, 0, sizeof w.disp);
    }
    ds->n = m;
    ds->cap = m;
    ds->n_sessions = S;
    ds->n_items = n_items;
    ds->finalized = 1;
    work_free(&w);
    return ORL_OK;

nomem:
    work_free(&w);
    results_free(&w);
    return orl_fail(ORL_E_NOMEM, "out of memory finalizing the dataset (%llu events)",
                    (unsigned long long)n);
}
