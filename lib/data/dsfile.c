/* Binary dataset files (placeholder for the mapping release; the format follows). */
#include <sys/mman.h>

#include "data/dataset.h"

void orl_dsfile_unmap(void *base, size_t len)
{
    if (base) munmap(base, len);
}
