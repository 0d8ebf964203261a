/* An inline SVG line chart of per-epoch values for the HTML report. */
#ifndef ORL_API_REPORT_CHART_H
#define ORL_API_REPORT_CHART_H

#include <stdint.h>

#include "api/html_buf.h"

typedef struct orl_chart_series {
    const char *key;   /* data-series attribute, [a-z_]+ */
    const char *label; /* legend text (escaped) */
    const char *color; /* CSS colour, trusted */
    const double *y;   /* one value per point; non-finite values are left out */
} orl_chart_series;

typedef struct orl_chart {
    const char *id;      /* element id, trusted */
    const char *title;   /* escaped */
    const char *y_label; /* escaped */
    int y_from_zero;     /* metrics: the axis starts at 0 */
    uint32_t n_points;
    const double *x; /* epochs */
    const orl_chart_series *series;
    int n_series;
} orl_chart;

/* Append `<svg ...>...</svg>`: one polyline (class "series", one point per finite value)
 * and one circle per point for each series, axes with ticks, grid and legend. */
void orl_report_chart(orl_html *h, const orl_chart *c);

#endif
