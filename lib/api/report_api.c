/* orl_trainer_write_report: the last fit's history, an optional test result and the
 * configuration as one self-contained HTML file, written atomically. */
#include <string.h>
#include <time.h>

#include "api/handle.h"
#include "api/report_html.h"
#include "api/trainer_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "io/file_atomic.h"
#include "offlinerl/trainer.h"

ORL_API int orl_trainer_write_report(const orl_trainer *trainer, const orl_eval_result *final_test,
                                     const char *path)
{
    ORL_CHECK_HANDLE(trainer, ORL_TAG_TRAINER);
    ORL_CHECK_NOT_NULL(path);
    if (path[0] == '\0')
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_trainer_write_report: path is empty");
    if (final_test && final_test->struct_size < sizeof *final_test)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_trainer_write_report: final_test->struct_size is %zu, expected %zu",
                        final_test->struct_size, sizeof *final_test);
    const orl_epoch_record *epochs = NULL;
    uint32_t n_epochs = 0;
    ORL_TRY(orl_trainer_history(trainer, &epochs, &n_epochs));
    if (n_epochs == 0)
        return orl_fail(ORL_E_STATE, "orl_trainer_write_report: no completed epoch to report "
                                     "(call orl_trainer_fit first)");
    size_t config_len = 0;
    orl_trainer_config_json(trainer, NULL, 0, &config_len);
    char *config = orl_malloc(config_len);
    if (!config) return orl_fail(ORL_E_NOMEM, "orl_trainer_write_report: out of memory");
    int s = orl_trainer_config_json(trainer, config, config_len, &config_len);
    if (s != ORL_OK) {
        orl_free(config);
        return s;
    }

    char when[64] = "unknown time";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    orl_report_input in = {epochs,           n_epochs, final_test, config, orl_version_string(),
                           orl_build_info(), when};
    orl_html html = {0};
    orl_report_html(&html, &in);
    orl_free(config);
    if (html.oom)
        s = orl_fail(ORL_E_NOMEM, "orl_trainer_write_report: out of memory");
    else if ((s = orl_write_file_atomic(path, html.buf, html.len)) != ORL_OK)
        orl_fail_context("orl_trainer_write_report");
    orl_html_free(&html);
    return s;
}
