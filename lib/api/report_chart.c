/* Inline SVG line charts: per-epoch loss and ranking metrics. */
#include <math.h>
#include <string.h>

#include "api/report_chart.h"

enum { W = 600, H = 330, LEFT = 70, RIGHT = W - 20, TOP = 44, BOTTOM = H - 56 };

typedef struct axis {
    double lo, hi, step;
    int decimals;
} axis;

/* Round tick spacing (1, 2 or 5 times a power of ten) giving about four intervals. */
static axis make_axis(double lo, double hi, int from_zero)
{
    if (from_zero && lo > 0) lo = 0;
    if (!(hi - lo > 1e-12 * (fabs(lo) + fabs(hi)) && hi - lo > 1e-300)) {
        double pad = lo != 0 ? fabs(lo) * 0.05 : 0.5;
        hi += pad;
        if (!from_zero) lo -= pad;
    }
    double raw = (hi - lo) / 4.0;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    axis a;
    a.step = nice * mag;
    a.lo = floor(lo / a.step) * a.step;
    a.hi = ceil(hi / a.step) * a.step;
    if (a.hi <= a.lo) a.hi = a.lo + a.step;
    int d = (int)ceil(-log10(a.step) - 1e-9);
    a.decimals = d < 0 ? 0 : d > 6 ? 6 : d;
    return a;
}

static double px_y(const axis *a, double v)
{
    return BOTTOM - (v - a->lo) / (a->hi - a->lo) * (BOTTOM - TOP);
}

static double px_x(const orl_chart *c, double xmin, double xmax, double x)
{
    if (!(xmax > xmin)) return (LEFT + RIGHT) / 2.0;
    return LEFT + 14 + (x - xmin) / (xmax - xmin) * (RIGHT - LEFT - 28);
}

static void coord(orl_html *h, double v)
{
    orl_html_fixed(h, v, 1);
}

static void legend(orl_html *h, const orl_chart *c)
{
    double width = 0;
    for (int s = 0; s < c->n_series; s++) width += 34 + 7.0 * (double)strlen(c->series[s].label);
    double x = RIGHT - width;
    for (int s = 0; s < c->n_series; s++) {
        const orl_chart_series *se = &c->series[s];
        orl_html_raw(h, "<line x1=\"");
        coord(h, x);
        orl_html_raw(h, "\" y1=\"19\" x2=\"");
        coord(h, x + 20);
        orl_html_printf(h, "\" y2=\"19\" stroke=\"%s\" stroke-width=\"3\"/>", se->color);
        orl_html_raw(h, "<text class=\"legend\" x=\"");
        coord(h, x + 25);
        orl_html_raw(h, "\" y=\"23\">");
        orl_html_cstr(h, se->label);
        orl_html_raw(h, "</text>");
        x += 34 + 7.0 * (double)strlen(se->label);
    }
}

static void y_axis(orl_html *h, const orl_chart *c, const axis *a)
{
    for (int k = 0; k <= 40; k++) {
        double v = a->lo + k * a->step;
        if (v > a->hi + a->step * 1e-6) break;
        double y = px_y(a, v);
        orl_html_printf(h, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"", LEFT, RIGHT);
        coord(h, y);
        orl_html_raw(h, "\" y2=\"");
        coord(h, y);
        orl_html_printf(h, "\"/><text class=\"tick\" x=\"%d\" y=\"", LEFT - 8);
        coord(h, y + 4);
        orl_html_raw(h, "\" text-anchor=\"end\">");
        orl_html_fixed(h, v, a->decimals);
        orl_html_raw(h, "</text>");
    }
    orl_html_printf(h,
                    "<text class=\"axis-label\" transform=\"rotate(-90)\" x=\"%d\" y=\"18\" "
                    "text-anchor=\"middle\">",
                    -(TOP + BOTTOM) / 2);
    orl_html_cstr(h, c->y_label);
    orl_html_raw(h, "</text>");
}

static void x_axis(orl_html *h, const orl_chart *c, double xmin, double xmax)
{
    uint32_t every = c->n_points > 10 ? (c->n_points + 9) / 10 : 1;
    for (uint32_t i = 0; i < c->n_points; i++) {
        /* every `every`-th epoch, and the last one when it is not too close to a label */
        int last = i + 1 == c->n_points;
        if (i % every != 0 && !(last && i % every >= (every + 1) / 2)) continue;
        double x = px_x(c, xmin, xmax, c->x[i]);
        orl_html_raw(h, "<text class=\"tick\" x=\"");
        coord(h, x);
        orl_html_printf(h, "\" y=\"%d\" text-anchor=\"middle\">", BOTTOM + 18);
        orl_html_fixed(h, c->x[i], 0);
        orl_html_raw(h, "</text>");
    }
    orl_html_printf(h,
                    "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                    "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                    "<text class=\"axis-label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">epoch"
                    "</text>",
                    LEFT, RIGHT, BOTTOM, BOTTOM, LEFT, LEFT, TOP, BOTTOM, (LEFT + RIGHT) / 2,
                    BOTTOM + 40);
}

static void series(orl_html *h, const orl_chart *c, const orl_chart_series *se, const axis *a,
                   double xmin, double xmax)
{
    orl_html_printf(h,
                    "<polyline class=\"series\" data-series=\"%s\" fill=\"none\" stroke=\"%s\" "
                    "stroke-width=\"2.5\" stroke-linejoin=\"round\" points=\"",
                    se->key, se->color);
    int first = 1;
    for (uint32_t i = 0; i < c->n_points; i++) {
        if (!isfinite(se->y[i])) continue;
        if (!first) orl_html_raw(h, " ");
        first = 0;
        coord(h, px_x(c, xmin, xmax, c->x[i]));
        orl_html_raw(h, ",");
        coord(h, px_y(a, se->y[i]));
    }
    orl_html_raw(h, "\"/>");
    for (uint32_t i = 0; i < c->n_points; i++) {
        if (!isfinite(se->y[i])) continue;
        orl_html_raw(h, "<circle cx=\"");
        coord(h, px_x(c, xmin, xmax, c->x[i]));
        orl_html_raw(h, "\" cy=\"");
        coord(h, px_y(a, se->y[i]));
        orl_html_printf(h, "\" r=\"3.5\" fill=\"%s\"><title>", se->color);
        orl_html_cstr(h, se->label);
        orl_html_raw(h, ", epoch ");
        orl_html_fixed(h, c->x[i], 0);
        orl_html_raw(h, ": ");
        orl_html_fixed(h, se->y[i], 4);
        orl_html_raw(h, "</title></circle>");
    }
}

void orl_report_chart(orl_html *h, const orl_chart *c)
{
    double lo = INFINITY, hi = -INFINITY, xmin = INFINITY, xmax = -INFINITY;
    for (uint32_t i = 0; i < c->n_points; i++) {
        if (c->x[i] < xmin) xmin = c->x[i];
        if (c->x[i] > xmax) xmax = c->x[i];
        for (int s = 0; s < c->n_series; s++) {
            double v = c->series[s].y[i];
            if (!isfinite(v)) continue;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
    }
    if (!(lo <= hi)) lo = 0, hi = 1;
    axis a = make_axis(lo, hi, c->y_from_zero);
    orl_html_printf(h,
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"%s\" "
                    "viewBox=\"0 0 %d %d\" role=\"img\"><title>",
                    c->id, W, H);
    orl_html_cstr(h, c->title);
    orl_html_printf(h, "</title><text class=\"chart-title\" x=\"%d\" y=\"23\">", LEFT);
    orl_html_cstr(h, c->title);
    orl_html_raw(h, "</text>");
    legend(h, c);
    y_axis(h, c, &a);
    x_axis(h, c, xmin, xmax);
    for (int s = 0; s < c->n_series; s++) series(h, c, &c->series[s], &a, xmin, xmax);
    orl_html_raw(h, "</svg>\n");
}
