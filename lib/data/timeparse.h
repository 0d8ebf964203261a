/* Field parsers for loaders: integers, floats, date-times (UTC, epoch ms). */
#ifndef ORL_DATA_TIMEPARSE_H
#define ORL_DATA_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* Decimal integer with optional sign; 1 on success. */
int orl_parse_i64(const char *s, size_t len, int64_t *out);
/* A finite decimal number (strtod syntax, whole field); 1 on success. */
int orl_parse_f64(const char *s, size_t len, double *out);
/* "YYYY-MM-DD", optionally followed by [ T]HH:MM[:SS[.fff]] and " UTC", "Z" or
 * "+HH:MM"/"-HH:MM"; epoch milliseconds. 1 on success. */
int orl_parse_datetime_ms(const char *s, size_t len, int64_t *out);

#endif
