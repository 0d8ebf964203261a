/* The algorithms the trainer knows, by name. */
#include <string.h>

#include "algos/algo.h"

extern const orl_algo_class orl_algo_sl, orl_algo_sqn, orl_algo_sac, orl_algo_snqn, orl_algo_sa2c;
extern const orl_algo_class orl_algo_bcq, orl_algo_cql, orl_algo_sqn_cql, orl_algo_rem,
    orl_algo_sqn_rem, orl_algo_reinforce;

static const orl_algo_class *const classes[] = {
    &orl_algo_sl,   &orl_algo_sqn,     &orl_algo_sac,      &orl_algo_snqn,
    &orl_algo_sa2c, &orl_algo_bcq,     &orl_algo_cql,      &orl_algo_sqn_cql,
    &orl_algo_rem,  &orl_algo_sqn_rem, &orl_algo_reinforce};

const orl_algo_class *orl_algo_find(const char *name)
{
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (strcmp(classes[i]->name, name) == 0) return classes[i];
    return NULL;
}

const char *orl_algo_names(void)
{
    return "sl, sqn, sac, snqn, sa2c, bcq, cql, sqn_cql, rem, sqn_rem, reinforce";
}
