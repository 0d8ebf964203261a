/* A short tour of the API as it stands: version, build, errors, logging. */
#include <stdio.h>

#include <offlinerl/offlinerl.h>

static void print_log(int32_t level, const char *message, void *user_data)
{
    (void)user_data;
    fprintf(stderr, "[orl log %d] %s\n", (int)level, message);
}

int main(void)
{
    if (orl_version_number() / 10000 != ORL_VERSION_MAJOR) {
        fprintf(stderr, "header and library majors differ\n");
        return 1;
    }
    printf("libofflinerl %s\n", orl_version_string());
    printf("build: %s\n", orl_build_info());

    /* Errors: a status code plus a thread-local message. */
    int status = orl_set_log_callback(print_log, 99, NULL);
    printf("orl_set_log_callback with level 99 -> %d (%s): %s\n", status, orl_status_string(status),
           orl_last_error());
    status = orl_set_log_callback(print_log, ORL_LOG_INFO, NULL);
    printf("orl_set_log_callback with ORL_LOG_INFO -> %d (%s)\n", status,
           orl_status_string(status));
    orl_set_log_callback(NULL, ORL_LOG_WARN, NULL);
    return status == ORL_OK ? 0 : 1;
}
