#include "fuzz_model_use.h"

#include <stdlib.h>

void orl_fuzz_use_model(orl_model *m)
{
    uint64_t n = 0;
    if (orl_model_item_count(m, &n) == ORL_OK && n > 0) {
        uint32_t k = n < 5 ? (uint32_t)n : 5;
        int64_t hist[3] = {0, 1, 2};
        int64_t items[5];
        float scores[5];
        size_t skipped = 0;
        orl_model_recommend(m, hist, 3, k, items, scores, &skipped);
        const char *shist[2] = {"0", "a"};
        const char *sitems[5];
        orl_model_recommend_str(m, shist, 2, k, sitems, scores, &skipped);
        float cs[3];
        size_t unknown = 0;
        orl_model_score_candidates(m, hist, 2, hist, 3, cs, &skipped, &unknown);
    }
    size_t need = 0;
    orl_model_info_json(m, NULL, 0, &need);
    if (orl_model_save_buffer(m, NULL, 0, &need) == ORL_OK) {
        void *buf = malloc(need);
        if (buf) orl_model_save_buffer(m, buf, need, &need);
        free(buf);
    }
    orl_model_free(m);
}
