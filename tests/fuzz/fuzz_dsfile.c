/* Fuzz target: the binary dataset file (lib/data/dsfile.h), loaded from a path
 * (mapped). Each input is tried as is and, when long enough, with its CRC-32
 * trailer recomputed so that mutations reach the checks behind the checksum. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "offlinerl/offlinerl.h"

static void load_and_use(const uint8_t *data, size_t size)
{
    const char *path = orl_fuzz_write_scratch(data, size);
    if (!path) return;
    orl_dataset *ds = NULL;
    if (orl_dataset_load(path, &ds) != ORL_OK) return;
    orl_dataset_stats st = {.struct_size = sizeof st};
    orl_dataset_get_stats(ds, &st);
    size_t need = 0;
    orl_dataset_stats_json(ds, NULL, 0, &need);
    uint64_t hist[8];
    orl_dataset_session_length_histogram(ds, hist, 8);
    char key[64];
    size_t len = 0;
    for (uint32_t i = 0; i < st.n_items && i < 4; i++)
        orl_dataset_item_key(ds, (int32_t)i, key, sizeof key, &len);
    uint64_t nd = 0;
    orl_dataset_display_count(ds, &nd);
    for (uint64_t i = 0; i < nd; i++) { /* every field a reader would touch */
        orl_display_view v = {.struct_size = sizeof v};
        if (orl_dataset_display_get(ds, i, &v) != ORL_OK) continue;
        volatile int64_t sink = v.session + (int64_t)v.events_before + v.clicked_slot;
        for (size_t a = 0; a < v.n_shown; a++)
            sink +=
                v.item_ids[a] + (int64_t)(v.propensities[a] > 0) + (int64_t)(v.inclusion[a] > 0);
        (void)sink;
    }
    orl_dataset *parts[3] = {NULL, NULL, NULL};
    if (orl_dataset_split(ds, NULL, &parts[0], &parts[1], &parts[2]) == ORL_OK)
        for (int i = 0; i < 3; i++) orl_dataset_free(parts[i]);
    orl_dataset_free(ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    orl_fuzz_quiet();
    load_and_use(data, size);
    uint8_t *fixed = malloc(size ? size : 1);
    if (!fixed) return 0;
    memcpy(fixed, data, size);
    if (size > 4) { /* the trailer: CRC-32 of every byte before it, little-endian */
        uLong crc = crc32(0, fixed, (uInt)(size - 4));
        for (int i = 0; i < 4; i++) fixed[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
        load_and_use(fixed, size);
    }
    free(fixed);
    return 0;
}
