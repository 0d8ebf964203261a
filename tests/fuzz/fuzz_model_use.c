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
        /* The target policy's probabilities over the whole catalogue (issue 15). */
        float *probs = n <= (1u << 20) ? malloc(sizeof(float) * n) : NULL;
        orl_policy_rule rule;
        orl_policy_rule_init(&rule);
        rule.kind = ORL_POLICY_EPSILON;
        rule.top_k = k;
        if (probs) orl_model_policy_probs(m, &rule, hist, 3, probs, n);
        free(probs);
        /* The scoring rules a loaded file may carry or allow: BCQ's constrained head, an
         * ensemble's bounds with the heads' std. */
        orl_model *d = NULL;
        if (orl_model_with_head(m, ORL_HEAD_CONSTRAINED, &d) == ORL_OK) {
            orl_model_recommend(d, hist, 3, k, items, scores, &skipped);
            orl_model_free(d);
        }
        if (orl_model_with_score_rule(m, ORL_SCORE_LCB, 1.0f, &d) == ORL_OK) {
            float sd[5];
            orl_model_recommend_with_std(d, hist, 3, k, items, scores, sd, &skipped);
            orl_model_score_candidates_with_std(d, hist, 2, hist, 3, cs, sd, &skipped, &unknown);
            orl_model_free(d);
        }
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
