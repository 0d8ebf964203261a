/* What the model fuzz targets do with a model that loaded. */
#ifndef ORL_FUZZ_MODEL_USE_H
#define ORL_FUZZ_MODEL_USE_H

#include "offlinerl/offlinerl.h"

/* Score with it (top-K with integer or string keys, candidates), describe it,
 * save it to a buffer, then free it. */
void orl_fuzz_use_model(orl_model *m);

#endif
