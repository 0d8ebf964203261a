#include "core/numtext.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void orl_double_text(char *dst, size_t cap, double v)
{
    if (v == floor(v) && fabs(v) < 1e15) { /* whole numbers: 10, not 1e+01 */
        snprintf(dst, cap, "%.0f", v);
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(dst, cap, "%.*g", digits, v);
        if (!isfinite(v) || strtod(dst, NULL) == v) return;
    }
}

void orl_float_text(char *dst, size_t cap, float v)
{
    if (v == floorf(v) && fabsf(v) < 1e15f) {
        snprintf(dst, cap, "%.0f", (double)v);
        return;
    }
    for (int digits = 1; digits <= 9; digits++) {
        snprintf(dst, cap, "%.*g", digits, (double)v);
        if (!isfinite(v) || strtof(dst, NULL) == v) return;
    }
}

void orl_setting_text(char *dst, size_t cap, double v)
{
    if (v == floor(v) && fabs(v) <= 9007199254740992.0)
        snprintf(dst, cap, "%.0f", v);
    else if (isfinite(v) && fabs(v) <= 3.4e38 && (double)(float)v == v)
        orl_float_text(dst, cap, (float)v);
    else
        orl_double_text(dst, cap, v);
}
