/* Shared by the fuzz targets: each target defines LLVMFuzzerTestOneInput, and is
 * linked either with libFuzzer (ORL_FUZZ=ON) or with replay_main.c, which runs
 * it over every file of a corpus as an ordinary test. */
#ifndef ORL_FUZZ_COMMON_H
#define ORL_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write the bytes to this process's scratch file and return its path (stable
 * for the process); NULL when the file cannot be written. */
const char *orl_fuzz_write_scratch(const void *data, size_t size);

/* Silence the library's logging, once. */
void orl_fuzz_quiet(void);

/* A copy of a container image with its XXH64 trailer recomputed, so mutations
 * reach the checks behind the checksum. Returns 0 when too short to have one. */
int orl_fuzz_fix_trailer(uint8_t *image, size_t size);

#endif
