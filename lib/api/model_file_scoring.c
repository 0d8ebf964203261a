/* How a model scores beyond one head, in its file: BCQ's threshold, the
 * ensemble of Q heads and the score rule. Written only when a model has
 * them, so files of other models are as before; each value is checked on
 * load (a file is untrusted input). */
#include <math.h>

#include "api/model_impl.h"
#include "core/error.h"
#include "models/q_head.h"

int orl_model_put_scoring(orl_container_writer *w, const orl_model *m)
{
    int s = ORL_OK;
    if (m->bcq_threshold >= 0.0f)
        s = orl_container_put_f64(w, "bcq_threshold", (double)m->bcq_threshold);
    if (s == ORL_OK && m->n_ensemble) {
        s = orl_container_put_u32(w, "ensemble_heads", m->n_ensemble);
        if (s == ORL_OK)
            s = orl_container_add_blob_view(w, "ensemble", ORL_DTYPE_F32, m->ensemble,
                                            orl_model_ensemble_floats(m, m->n_ensemble));
        if (s == ORL_OK) s = orl_container_put_u32(w, "score_rule", m->score_rule);
        if (s == ORL_OK) s = orl_container_put_f64(w, "kappa", (double)m->kappa);
    }
    return s;
}

int orl_model_get_scoring(const orl_container_reader *r, orl_model *m)
{
    if (orl_container_has(r, "bcq_threshold")) {
        double t;
        ORL_TRY(orl_container_get_f64(r, "bcq_threshold", &t));
        if (!(t >= 0.0 && t < 1.0))
            return orl_fail(ORL_E_FORMAT, "model file: bcq_threshold %g is outside [0, 1)", t);
        m->bcq_threshold = (float)t;
    }
    if (m->head == ORL_HEAD_CONSTRAINED && !(m->bcq_threshold >= 0.0f))
        return orl_fail(ORL_E_FORMAT, "model file: the constrained rule without bcq_threshold");
    if (!orl_container_has(r, "ensemble_heads")) return ORL_OK;
    uint32_t heads, rule;
    double kappa;
    ORL_TRY(orl_container_get_u32(r, "ensemble_heads", &heads));
    ORL_TRY(orl_container_get_u32(r, "score_rule", &rule));
    ORL_TRY(orl_container_get_f64(r, "kappa", &kappa));
    if (rule > ORL_SCORE_UCB) return orl_fail(ORL_E_FORMAT, "model file: bad score_rule %u", rule);
    if (!(kappa >= 0.0 && kappa <= 1e6))
        return orl_fail(ORL_E_FORMAT, "model file: kappa %g is outside [0, 1e6]", kappa);
    if (heads < 2 || heads > ORL_Q_ENSEMBLE_MAX)
        return orl_fail(ORL_E_FORMAT, "model file: %u ensemble heads (2..32 expected)", heads);
    orl_blob_view blob;
    ORL_TRY(orl_container_get_blob_typed(r, "ensemble", ORL_DTYPE_F32,
                                         orl_model_ensemble_floats(m, heads), &blob));
    ORL_TRY(orl_container_check_finite(r, "ensemble"));
    ORL_TRY(orl_model_set_ensemble(m, heads, blob.data, (size_t)blob.count));
    m->score_rule = rule;
    m->kappa = (float)kappa;
    return ORL_OK;
}
