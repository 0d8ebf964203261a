/* The estimators by name, in the order results list them. */
#include <string.h>

#include "eval/ope.h"

static const orl_ope_estimator ESTIMATORS[] = {
    {"ips", 0, 0, orl_ope_ips, orl_ope_diag_steps},
    {"clipped_ips", 0, 0, orl_ope_clipped_ips, orl_ope_diag_clipped},
    {"snips", 0, 0, orl_ope_snips, orl_ope_diag_steps},
    {"dm", 0, ORL_OPE_NEEDS_Q, orl_ope_dm, orl_ope_diag_none_steps},
    {"dr", 0, ORL_OPE_NEEDS_Q, orl_ope_dr, orl_ope_diag_steps},
    {"sndr", 0, ORL_OPE_NEEDS_Q, orl_ope_sndr, orl_ope_diag_steps},
    {"switch_dr", 0, ORL_OPE_NEEDS_Q, orl_ope_switch_dr, orl_ope_diag_switch},
    {"pdis", 1, 0, orl_ope_pdis, orl_ope_diag_sessions},
    {"wpdis", 1, 0, orl_ope_wpdis, orl_ope_diag_sessions},
    {"seq_dr", 1, ORL_OPE_NEEDS_QSEQ, orl_ope_seq_dr, orl_ope_diag_sessions},
    {"fqe", 1, ORL_OPE_NEEDS_QSEQ, orl_ope_fqe, orl_ope_diag_none_sessions},
    /* Slates (display logs with several items shown): on orl_ope_slates, not steps. */
    {"iips", 0, ORL_OPE_SLATE, NULL, NULL},
    {"pseudo_inverse", 0, ORL_OPE_SLATE, NULL, NULL},
};

size_t orl_ope_estimator_count(void)
{
    return sizeof ESTIMATORS / sizeof ESTIMATORS[0];
}

const orl_ope_estimator *orl_ope_estimator_at(size_t i)
{
    return i < orl_ope_estimator_count() ? &ESTIMATORS[i] : NULL;
}

const orl_ope_estimator *orl_ope_estimator_find(const char *name, size_t len)
{
    for (size_t i = 0; i < orl_ope_estimator_count(); i++)
        if (strlen(ESTIMATORS[i].name) == len && memcmp(ESTIMATORS[i].name, name, len) == 0)
            return &ESTIMATORS[i];
    return NULL;
}
