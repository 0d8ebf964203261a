/* Shared by the encoder tests (header-only: each test is its own program). */
#ifndef ORL_ENCODER_TEST_UTIL_H
#define ORL_ENCODER_TEST_UTIL_H

#include <string.h>

#include "models/spec.h"
#include "test_support.h"

/* `s` does not resolve: ORL_E_OUT_OF_RANGE with a message naming `field`. */
static inline void expect_spec_refused(orl_encoder_spec s, const char *field)
{
    assert_int_equal(orl_encoder_spec_resolve(&s), ORL_E_OUT_OF_RANGE);
    if (!strstr(orl_last_error(), field))
        fail_msg("'%s' does not name %s", orl_last_error(), field);
}

#endif
