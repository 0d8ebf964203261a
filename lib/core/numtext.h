/* Numbers a person reads: the shortest decimal text that reads back as the same value. */
#ifndef ORL_CORE_NUMTEXT_H
#define ORL_CORE_NUMTEXT_H

#include <stddef.h>

/* Longest text either function writes, with its NUL ("-1.2345678901234567e-308"). */
#define ORL_NUMTEXT_MAX 32

/* The shortest of %.15g, %.16g and %.17g that strtod reads back as v (0.1, not
 * 0.10000000000000001); a whole number below 1e15 as an integer (10, not 1e+01). Infinities and NaN
 * print as printf prints them. */
void orl_double_text(char *dst, size_t cap, double v);

/* The shortest %.Ng (N = 1..9) that strtof reads back as v (0.01, not 0.00999999978); a
 * whole number below 1e15 as an integer. */
void orl_float_text(char *dst, size_t cap, float v);

/* A whole number up to 2^53 prints as an integer (10, 1000000); a value that is exactly a
 * float (a setting stored or given as a float) prints as the
 * float's shortest text; any other double as the double's. */
void orl_setting_text(char *dst, size_t cap, double v);

#endif
