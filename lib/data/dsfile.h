/* Binary dataset files: "ORLDSET\0", version, a header with counts and a
 * section table, 64-byte aligned little-endian arrays that are used in place
 * from a read-only mapping, and a CRC-32 trailer over everything before it.
 * Layout (version 1):
 *   [0, 256)   header: magic[8], u32 version, u32 header_size, u64 file_size,
 *              u64 n_events, u64 n_sessions, u32 n_items, u32 n_types, u32 flags,
 *              params (window, min_session_len, min_item_count, iterate, item_order,
 *              session_gap), then DSF_NSEC x {u64 offset, u64 length}
 *   sections   items i32[n] | time i64[n] | code u16[n] | reward f32[n] | prop f32[n] |
 *              sess_off u64[S+1] | sess_key u32[S] | event types | item keys | session keys
 *   trailer    u32 CRC-32 of bytes [0, file_size - 4). */
#ifndef ORL_DATA_DSFILE_H
#define ORL_DATA_DSFILE_H

#include "offlinerl/dataset.h"

int orl_dsfile_save(const orl_dataset *ds, const char *path);
int orl_dsfile_load(const char *path, orl_dataset **out);

#endif
