/* BCQ's G trained by the host (orl_trainer_set_generative_model): which
 * models may be G, the trainer's own copy of G, and the check at fit time
 * that G's catalogue is the one the trainer trains on. */
#include <string.h>

#include "api/model_impl.h"
#include "api/trainer_impl.h"
#include "core/error.h"
#include "data/dataset.h"

int orl_trainer_generative_copy(const orl_algo_class *algo, uint32_t window, const orl_model *model,
                                orl_model **out)
{
    static const char fn[] = "orl_trainer_set_generative_model";
    if (!(algo->flags & ORL_ALGO_CONSTRAINED))
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: the trainer's algorithm is '%s'; only \"bcq\" takes a generative "
                        "model",
                        fn, algo->name);
    if (model->baseline)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: the model is a %s baseline, with no network to serve as G", fn,
                        model->algorithm);
    /* G is the model's supervised head (its own encoder and CE head). */
    orl_model *g = NULL;
    int s = orl_model_with_head(model, ORL_HEAD_SUPERVISED, &g);
    if (s == ORL_E_NOT_FOUND)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: the model (trained with '%s') has no supervised head to serve as G; "
                        "train one with \"sl\"",
                        fn, model->algorithm);
    ORL_TRY(s);
    if (g->encoder.window != window) {
        uint32_t w = g->encoder.window;
        orl_model_free(g);
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: the model's window is %u but the trainer's encoder's is %u", fn, w,
                        window);
    }
    *out = g;
    return ORL_OK;
}

int orl_trainer_generative_check(const orl_model *g, const orl_dataset *train)
{
    static const char fn[] = "orl_trainer_fit";
    const orl_keymap *items = &train->items;
    if (items->count != g->n_items)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "%s: the generative model knows %u items but the training dataset has %u "
                        "(G must be trained on the same catalogue)",
                        fn, g->n_items, items->count);
    char key[ORL_KEY_MAX_LEN + 32];
    for (uint32_t i = 0; i < g->n_items; i++) {
        orl_keymap_text(items, i, key, sizeof key);
        if (orl_keymap_is_str(items, i) != orl_keymap_is_str(&g->items, i) ||
            strcmp(key, g->item_text[i]) != 0)
            return orl_fail(ORL_E_INVALID_ARGUMENT,
                            "%s: item %u of the training dataset is '%s' but the generative "
                            "model's item %u is '%s' (G must be trained on the same catalogue, "
                            "in the same order)",
                            fn, i, key, i, g->item_text[i]);
    }
    return ORL_OK;
}
