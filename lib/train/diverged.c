#include "train/diverged.h"

#include <math.h>

#include "core/error.h"

int orl_fit_check_weights(const orl_params *p, const char *when)
{
    size_t bad = orl_params_first_nonfinite(p);
    if (bad == p->count) return ORL_OK;
    return orl_fail(ORL_E_NUMERIC,
                    "%s: weight %zu is %s: training diverged (lower the learning rate or scale "
                    "the rewards down)",
                    when, bad, isnan(p->value[bad]) ? "NaN" : "infinite");
}
