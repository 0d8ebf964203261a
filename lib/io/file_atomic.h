/* Write a whole file atomically: a temporary file beside the target, fsync,
 * rename over the target. Readers see the old content or the new, never a part. */
#ifndef ORL_IO_FILE_ATOMIC_H
#define ORL_IO_FILE_ATOMIC_H

#include <stddef.h>

/* ORL_OK; ORL_E_IO (with the system's reason; the temporary file is removed);
 * ORL_E_INVALID_ARGUMENT (NULL or empty path); ORL_E_NOMEM. */
int orl_write_file_atomic(const char *path, const void *data, size_t len);

#endif
