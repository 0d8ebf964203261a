/* Event types: name -> code (0, 1, ... in registration order), reward and
 * whether the type counts as a purchase for evaluation. */
#ifndef ORL_DATA_EVENT_TYPES_H
#define ORL_DATA_EVENT_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* Codes are stored per event in 16 bits. */
#define ORL_MAX_EVENT_TYPES 65535u
#define ORL_EVENT_NAME_MAX  256u

typedef struct orl_event_type {
    char *name;
    float reward;
    uint8_t is_purchase;
} orl_event_type;

typedef struct orl_event_table {
    orl_event_type *types;
    uint32_t count, cap;
} orl_event_table;

void orl_event_table_init(orl_event_table *t);
void orl_event_table_free(orl_event_table *t);
/* Code of a name, or -1. */
int32_t orl_event_table_find(const orl_event_table *t, const char *name, size_t len);
/* Find or register (with the default reward / purchase flag of a known name).
 * ORL_OK, ORL_E_NOMEM, ORL_E_OUT_OF_RANGE (too many types or name too long). */
int orl_event_table_get(orl_event_table *t, const char *name, size_t len, int32_t *out_code);
/* Forget codes >= n (rollback). */
void orl_event_table_truncate(orl_event_table *t, uint32_t n);
/* Default for a name: the papers' conventions (see dataset.h). */
void orl_event_default(const char *name, size_t len, float *out_reward, uint8_t *out_purchase);
int orl_event_table_copy(orl_event_table *dst, const orl_event_table *src);

#endif
