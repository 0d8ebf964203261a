/* The training report page: one self-contained HTML document (inline CSS and SVG). */
#ifndef ORL_API_REPORT_HTML_H
#define ORL_API_REPORT_HTML_H

#include <stdint.h>

#include "api/html_buf.h"
#include "api/trainer_impl.h"

typedef struct orl_report_input {
    const orl_epoch_record *epochs; /* the fit's history, n_epochs >= 1 */
    uint32_t n_epochs;
    const orl_eval_result *test; /* final test metrics, or NULL */
    const char *config_json;     /* orl_trainer_config_json() */
    const char *version;         /* library version */
    const char *build_info;      /* orl_build_info() */
    const char *generated;       /* time stamp text */
} orl_report_input;

/* Append the whole document to `h` (check h->oom afterwards). Every string taken from the
 * input is escaped. Metric cells carry ids "test-{click,purchase}-{hr,ndcg}-{5,10,20}" and
 * "test-{click,purchase}-count"; charts are svg elements "chart-loss", "chart-hr10",
 * "chart-ndcg10". */
void orl_report_html(orl_html *h, const orl_report_input *in);

#endif
