/* The column mappings the CSV fuzz targets exercise, chosen by one selector byte. */
#ifndef ORL_FUZZ_CSV_MAPS_H
#define ORL_FUZZ_CSV_MAPS_H

#include <stdint.h>

enum { ORL_FUZZ_CSV_MAPS = 16 };

/* Load the file at path into a fresh dataset with mapping `selector` (mod
 * ORL_FUZZ_CSV_MAPS); on success finalize it and read its statistics. Returns
 * the status of the load (the fuzz targets only need it not to crash). */
int orl_fuzz_load_csv(const char *path, unsigned selector);

/* Name of a mapping, for the seed generator's file names. */
const char *orl_fuzz_csv_map_name(unsigned selector);

#endif
