/* Version and build information. */
#include <pthread.h>
#include <stdio.h>

#include "core/blas.h"
#include "core/pool.h"
#include "offlinerl/common.h"

#define ORL_STR2(x) #x
#define ORL_STR(x)  ORL_STR2(x)

#ifndef ORL_BUILD_TYPE
#define ORL_BUILD_TYPE "unknown"
#endif
#ifndef ORL_SANITIZERS
#define ORL_SANITIZERS "none"
#endif

#if defined(__clang__)
#define ORL_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define ORL_COMPILER "gcc " __VERSION__
#else
#define ORL_COMPILER "unknown"
#endif

ORL_API uint32_t orl_version_number(void)
{
    return ORL_VERSION_NUMBER;
}

ORL_API const char *orl_version_string(void)
{
    return ORL_STR(ORL_VERSION_MAJOR) "." ORL_STR(ORL_VERSION_MINOR) "." ORL_STR(ORL_VERSION_PATCH);
}

static char build_info[512];
static pthread_once_t build_info_once = PTHREAD_ONCE_INIT;

static void make_build_info(void)
{
    snprintf(build_info, sizeof build_info,
             "{\"version\":\"%s\",\"blas\":\"%s\",\"blas_core\":\"%s\",\"threads\":%d,"
             "\"compiler\":\"%s\","
             "\"build_type\":\"%s\",\"zlib\":%s,\"sanitizers\":\"%s\"}",
             orl_version_string(), orl_blas_name(), orl_blas_core(), orl_cpu_count(), ORL_COMPILER,
             ORL_BUILD_TYPE,
#ifdef ORL_HAVE_ZLIB
             "true",
#else
             "false",
#endif
             ORL_SANITIZERS);
}

ORL_API const char *orl_build_info(void)
{
    pthread_once(&build_info_once, make_build_info);
    return build_info;
}
