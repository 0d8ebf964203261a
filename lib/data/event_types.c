#include "data/event_types.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

void orl_event_table_init(orl_event_table *t)
{
    memset(t, 0, sizeof *t);
}

void orl_event_table_free(orl_event_table *t)
{
    for (uint32_t i = 0; i < t->count; i++) orl_free(t->types[i].name);
    orl_free(t->types);
    orl_event_table_init(t);
}

void orl_event_table_truncate(orl_event_table *t, uint32_t n)
{
    while (t->count > n) orl_free(t->types[--t->count].name);
}

int32_t orl_event_table_find(const orl_event_table *t, const char *name, size_t len)
{
    for (uint32_t i = 0; i < t->count; i++)
        if (strncmp(t->types[i].name, name, len) == 0 && t->types[i].name[len] == '\0')
            return (int32_t)i;
    return -1;
}

static int name_is(const char *name, size_t len, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == len && memcmp(*list, name, len) == 0) return 1;
    return 0;
}

void orl_event_default(const char *name, size_t len, float *out_reward, uint8_t *out_purchase)
{
    static const char *const clicks[] = {"click", "clicks", "view", "views", NULL};
    /* Carts count as purchases, as the SQN paper does for RetailRocket's add-to-cart
     * and the reference preprocessing does for REES46. */
    static const char *const buys[] = {"purchase",    "purchases", "buy",         "buys",
                                       "transaction", "order",     "orders",      "cart",
                                       "carts",       "addtocart", "add_to_cart", NULL};
    *out_reward = 0.0f;
    *out_purchase = 0;
    if (name_is(name, len, clicks)) {
        *out_reward = 0.2f;
    } else if (name_is(name, len, buys)) {
        *out_reward = 1.0f;
        *out_purchase = 1;
    }
}

int orl_event_table_get(orl_event_table *t, const char *name, size_t len, int32_t *out_code)
{
    int32_t c = orl_event_table_find(t, name, len);
    if (c >= 0) {
        *out_code = c;
        return ORL_OK;
    }
    if (len == 0 || len > ORL_EVENT_NAME_MAX)
        return orl_fail(ORL_E_OUT_OF_RANGE, "event type name must have 1..%u bytes, got %zu",
                        ORL_EVENT_NAME_MAX, len);
    if (memchr(name, '\0', len))
        return orl_fail(ORL_E_INVALID_ARGUMENT, "event type name contains a NUL byte");
    if (t->count >= ORL_MAX_EVENT_TYPES)
        return orl_fail(ORL_E_OUT_OF_RANGE, "more than %u event types", ORL_MAX_EVENT_TYPES);
    if (t->count == t->cap) {
        uint32_t c2 = t->cap ? t->cap * 2 : 8;
        orl_event_type *n = orl_realloc_array(t->types, c2, sizeof *n);
        if (!n) return orl_fail(ORL_E_NOMEM, "out of memory registering an event type");
        t->types = n;
        t->cap = c2;
    }
    char *copy = orl_strndup(name, len);
    if (!copy) return orl_fail(ORL_E_NOMEM, "out of memory registering an event type");
    orl_event_type *e = &t->types[t->count];
    e->name = copy;
    orl_event_default(name, len, &e->reward, &e->is_purchase);
    *out_code = (int32_t)t->count++;
    return ORL_OK;
}

int orl_event_table_copy(orl_event_table *dst, const orl_event_table *src)
{
    orl_event_table t;
    orl_event_table_init(&t);
    for (uint32_t i = 0; i < src->count; i++) {
        int32_t code;
        int s = orl_event_table_get(&t, src->types[i].name, strlen(src->types[i].name), &code);
        if (s != ORL_OK) {
            orl_event_table_free(&t);
            return s;
        }
        t.types[i].reward = src->types[i].reward;
        t.types[i].is_purchase = src->types[i].is_purchase;
    }
    *dst = t;
    return ORL_OK;
}
