/* Placeholder while the nextitnet encoder is being written: refuses to resolve. */
#include "core/error.h"
#include "models/encoder.h"

static int resolve(orl_encoder_spec *s)
{
    (void)s;
    return orl_fail(ORL_E_UNSUPPORTED, "encoder 'nextitnet' is not built yet");
}

const orl_encoder_class orl_encoder_nextitnet = {.name = "nextitnet", .resolve = resolve};
