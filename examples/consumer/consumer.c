/* Built by CI against the installed library: checks that headers, library and
 * version agree, and that the error path works through the installed ABI. */
#include <stdio.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

int main(void)
{
    if (orl_version_number() != ORL_VERSION_NUMBER) {
        fprintf(stderr, "consumer: header %d but library %u\n", ORL_VERSION_NUMBER,
                (unsigned)orl_version_number());
        return 1;
    }
    int s = orl_set_log_callback(NULL, 42, NULL);
    if (s != ORL_E_OUT_OF_RANGE || strstr(orl_last_error(), "42") == NULL) {
        fprintf(stderr, "consumer: expected an out-of-range error, got %d: %s\n", s,
                orl_last_error());
        return 1;
    }
    printf("consumer: libofflinerl %s ok\n", orl_version_string());
    return 0;
}
