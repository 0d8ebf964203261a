#include "train/history.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

void orl_fit_history_init(orl_fit_history *h)
{
    memset(h, 0, sizeof *h);
}

void orl_fit_history_free(orl_fit_history *h)
{
    orl_free(h->records);
    orl_fit_history_init(h);
}

int orl_fit_history_reset(orl_fit_history *h, uint32_t epochs)
{
    orl_fit_history_free(h);
    h->records = orl_calloc(epochs, sizeof *h->records);
    if (!h->records) return ORL_E_NOMEM;
    h->cap = epochs;
    return ORL_OK;
}

orl_epoch_record *orl_fit_history_push(orl_fit_history *h)
{
    if (h->len >= h->cap) return NULL;
    return &h->records[h->len++];
}
