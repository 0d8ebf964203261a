/* The list of encoders: adding one is its file plus one line here. */
#include "models/encoder.h"

#include <string.h>

#include "core/error.h"

static const orl_encoder_class *const classes[] = {&orl_encoder_gru4rec, &orl_encoder_sasrec,
                                                   &orl_encoder_caser, &orl_encoder_nextitnet};
enum { N_CLASSES = sizeof classes / sizeof classes[0] };

const orl_encoder_class *orl_encoder_class_find(const char *name)
{
    if (!name) return NULL;
    for (int i = 0; i < N_CLASSES; i++)
        if (strncmp(classes[i]->name, name, ORL_ARCH_NAME_MAX) == 0) return classes[i];
    return NULL;
}

const char *orl_encoder_class_names(void)
{
    return "gru4rec, sasrec, caser, nextitnet";
}

int orl_enc_init(orl_enc *e, const orl_encoder_spec *spec, int n_items)
{
    orl_encoder_spec s = *spec;
    ORL_TRY(orl_encoder_spec_resolve(&s));
    if (n_items < 1 || n_items > (1 << 28))
        return orl_fail(ORL_E_OUT_OF_RANGE, "encoder: n_items %d is outside [1, 2^28]", n_items);
    e->cls = orl_encoder_class_find(s.architecture);
    e->spec = s;
    e->n_items = n_items;
    e->state_dim = e->cls->state_dim(&s);
    return ORL_OK;
}

int orl_enc_n_params(const orl_enc *e)
{
    return e->cls->n_params(&e->spec);
}
