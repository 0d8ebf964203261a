#include "data/timeparse.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int orl_parse_i64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (len && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == len || len - i > 19) return 0;
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) return 0;
        v = v * 10 + d;
    }
    if (v > (uint64_t)INT64_MAX) return 0;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 1;
}

int orl_parse_f64(const char *s, size_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp) return 0;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (end != tmp + len || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) return 0;
        v = v * 10 + (int)d;
    }
    *out = v;
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int orl_parse_datetime_ms(const char *s, size_t len, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    int64_t ms = 0;
    if (len < 10 || s[4] != '-' || s[7] != '-') return 0;
    if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d)) return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return 0;
    size_t i = 10;
    int64_t offset_min = 0;
    if (i < len && (s[i] == ' ' || s[i] == 'T') && i + 6 <= len && s[i + 3] == ':') {
        if (!digits(s + i + 1, 2, &h) || !digits(s + i + 4, 2, &mi)) return 0;
        i += 6;
        if (i + 3 <= len && s[i] == ':') {
            if (!digits(s + i + 1, 2, &se)) return 0;
            i += 3;
            if (i < len && s[i] == '.') {
                i++;
                int nd = 0;
                int64_t frac = 0;
                while (i < len && s[i] >= '0' && s[i] <= '9') {
                    if (nd < 3) frac = frac * 10 + (s[i] - '0');
                    nd++;
                    i++;
                }
                if (nd == 0) return 0;
                for (; nd < 3; nd++) frac *= 10;
                ms = frac;
            }
        }
        if (h > 23 || mi > 59 || se > 60) return 0;
    }
    if (i < len) {
        if (len - i == 4 && memcmp(s + i, " UTC", 4) == 0) {
            i = len;
        } else if (len - i == 1 && s[i] == 'Z') {
            i = len;
        } else if (len - i == 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
            int oh, om;
            if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om)) return 0;
            offset_min = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
            i = len;
        } else {
            return 0;
        }
    }
    int64_t days = days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
    *out = secs * 1000 + ms;
    return 1;
}
