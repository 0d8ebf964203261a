/* orl_trainer: settings by key, checks of a fit's arguments, the public
 * progress and history, and export of the trained policy as an orl_model.
 * The loop itself is train/fit.c. */
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algos/algo.h"
#include "api/handles.h"
#include "api/model_impl.h"
#include "api/trainer_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/numtext.h"
#include "data/dataset.h"
#include "data/transitions.h"
#include "offlinerl/dataset.h"
#include "offlinerl/trainer.h"
#include "train/diverged.h"
#include "train/fit.h"

enum { S_EPOCHS, S_BATCH, S_LR, S_SEED, S_THREADS, S_DROPOUT, N_COMMON, MAX_ALGO_SETTINGS = 48 };

static const orl_setting_def common_settings[N_COMMON] = {
    {"epochs", 10, 1, 1e6, 1, "passes over the training transitions"},
    {"batch_size", 256, 1, 65536, 1, "transitions per step"},
    {"learning_rate", 0.01, 1e-9, 10, 0, "Adam step size"},
    {"seed", 0, 0, 9007199254740992.0, 1, "seeds initialisation, shuffling and dropout"},
    {"threads", 0, 0, 256, 1, "worker threads, 0 = all cores"},
    {"dropout", 0, 0, 0.999, 0,
     "the encoder's dropout while training (its default: the encoder's)"},
};

struct orl_trainer {
    orl_handle_tag tag;
    const orl_algo_class *algo;
    orl_encoder_spec encoder;
    orl_genmodel_spec genmodel;
    double common[N_COMMON];
    double algo_values[MAX_ALGO_SETTINGS];
    orl_progress_fn progress;
    void *progress_user_data;
    atomic_int interrupt;
    int fitting;
    orl_fit_state fit;     /* the policy, catalogue and history of the last fit */
    orl_model *generative; /* BCQ's G given by the host (our copy) for the next fit, or NULL */
    /* The G the fit's instance reads (it must outlive it, and export pairs Q with it): the
     * same as `generative` unless G changed since that fit. */
    orl_model *fit_generative;
};

struct orl_params *orl_trainer_policy_params(orl_trainer *t)
{
    if (!t || t->tag.tag != ORL_TAG_TRAINER) return NULL;
    return (orl_params *)orl_fit_policy(&t->fit);
}

void *orl_trainer_algo_instance(orl_trainer *t)
{
    if (!t || t->tag.tag != ORL_TAG_TRAINER) return NULL;
    return t->fit.instance;
}

int orl_trainer_history(const orl_trainer *t, const orl_epoch_record **out, uint32_t *out_len)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    *out = t->fit.history.records;
    *out_len = t->fit.history.len;
    return ORL_OK;
}

ORL_API void orl_trainer_params_init(orl_trainer_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->struct_size = sizeof *params;
    params->algorithm = NULL; /* required: no silent default (issue 20) */
    params->epochs = 10;
    params->batch_size = 256;
    params->learning_rate = 0.01f;
    params->seed = 0;
    params->threads = 0;
}

/* Find a setting: *is_common and *index say where it lives. */
static int find_setting(const orl_trainer *t, const char *key, const orl_setting_def **def,
                        double **slot)
{
    for (int i = 0; i < N_COMMON; i++)
        if (strcmp(common_settings[i].key, key) == 0) {
            *def = &common_settings[i];
            *slot = (double *)&t->common[i];
            return ORL_OK;
        }
    for (int i = 0; i < t->algo->n_settings; i++)
        if (strcmp(t->algo->settings[i].key, key) == 0) {
            *def = &t->algo->settings[i];
            *slot = (double *)&t->algo_values[i];
            return ORL_OK;
        }
    return orl_fail(ORL_E_UNKNOWN_KEY, "trainer setting '%s' does not exist for algorithm '%s'",
                    key, t->algo->name);
}

static int check_value(const orl_setting_def *def, double value)
{
    if (!(value >= def->min && value <= def->max))
        return orl_fail(ORL_E_OUT_OF_RANGE, "setting '%s' = %g is outside [%g, %g]", def->key,
                        value, def->min, def->max);
    if (def->is_integer && value != floor(value))
        return orl_fail(ORL_E_OUT_OF_RANGE, "setting '%s' must be a whole number, got %g", def->key,
                        value);
    return ORL_OK;
}

ORL_API int orl_trainer_create(const orl_trainer_params *params, const orl_encoder *encoder,
                               const orl_genmodel *genmodel, const orl_qnet *qnet,
                               orl_trainer **out)
{
    ORL_CHECK_HANDLE(encoder, ORL_TAG_ENCODER);
    if (genmodel) ORL_CHECK_HANDLE(genmodel, ORL_TAG_GENMODEL);
    if (qnet) ORL_CHECK_HANDLE(qnet, ORL_TAG_QNET);
    ORL_CHECK_NOT_NULL(out);
    if (!params)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_trainer_create: 'params' must not be NULL: params->algorithm is "
                        "required (available: %s)",
                        orl_algo_names());
    if (params->struct_size < sizeof *params)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_trainer_create: params->struct_size is %zu, expected %zu (call "
                        "orl_trainer_params_init)",
                        params->struct_size, sizeof *params);
    if (!params->algorithm)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_trainer_create: params->algorithm is NULL; it is required "
                        "(available: %s)",
                        orl_algo_names());
    orl_trainer_params p = *params;
    const orl_algo_class *algo = orl_algo_find(p.algorithm);
    if (!algo)
        return orl_fail(ORL_E_UNSUPPORTED, "algorithm '%s' is not available (available: %s)",
                        p.algorithm, orl_algo_names());
    if (algo->n_settings > MAX_ALGO_SETTINGS)
        return orl_fail(ORL_E_INTERNAL, "algorithm '%s' has too many settings", algo->name);
    double values[N_COMMON] = {p.epochs,       p.batch_size, p.learning_rate,
                               (double)p.seed, p.threads,    encoder->spec.dropout};
    for (int i = 0; i < N_COMMON; i++) ORL_TRY(check_value(&common_settings[i], values[i]));
    orl_trainer *t = orl_calloc(1, sizeof *t);
    if (!t) return orl_fail(ORL_E_NOMEM, "orl_trainer_create: out of memory");
    t->tag.tag = ORL_TAG_TRAINER;
    t->algo = algo;
    t->encoder = encoder->spec;
    if (genmodel)
        t->genmodel = genmodel->spec;
    else
        orl_genmodel_spec_default(&t->genmodel);
    memcpy(t->common, values, sizeof values);
    for (int i = 0; i < algo->n_settings; i++) {
        t->algo_values[i] = algo->settings[i].def;
        /* The Q head's discount is the algorithm's "gamma" setting. */
        if (qnet && strcmp(algo->settings[i].key, "gamma") == 0)
            t->algo_values[i] = qnet->spec.gamma;
    }
    atomic_init(&t->interrupt, 0);
    orl_fit_state_init(&t->fit);
    *out = t;
    return ORL_OK;
}

ORL_API void orl_trainer_free(orl_trainer *t)
{
    if (!t || t->tag.tag != ORL_TAG_TRAINER) return;
    orl_fit_state_free(&t->fit);
    if (t->fit_generative != t->generative) orl_model_free(t->fit_generative);
    orl_model_free(t->generative);
    t->tag.tag = ORL_TAG_FREED;
    orl_free(t);
}

ORL_API int orl_trainer_set_float(orl_trainer *t, const char *key, double value)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    ORL_CHECK_NOT_NULL(key);
    if (t->fitting) return orl_fail(ORL_E_STATE, "orl_trainer_set_float: a fit is running");
    const orl_setting_def *def = NULL;
    double *slot = NULL;
    ORL_TRY(find_setting(t, key, &def, &slot));
    ORL_TRY(check_value(def, value));
    *slot = value;
    return ORL_OK;
}

ORL_API int orl_trainer_get_float(const orl_trainer *t, const char *key, double *out_value)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    ORL_CHECK_NOT_NULL(key);
    ORL_CHECK_NOT_NULL(out_value);
    const orl_setting_def *def = NULL;
    double *slot = NULL;
    ORL_TRY(find_setting(t, key, &def, &slot));
    *out_value = *slot;
    return ORL_OK;
}

/* Appends printf output to a growing string; on overflow only counts. */
typedef struct strbuf {
    char *buf;
    size_t cap, len;
} strbuf;

static void sb_printf(strbuf *sb, const char *fmt, ...) ORL_PRINTF(2, 3);
static void sb_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = sb->len < sb->cap ? sb->cap - sb->len : 0;
    int n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0) sb->len += (size_t)n;
}

/* external_g: whether G is the host's (the next fit's, or for an export the last fit's). */
static void write_config(const orl_trainer *t, int external_g, strbuf *sb)
{
    /* The encoder as the next fit trains it: every setting of its architecture, with the
     * trainer's current "dropout" (fit() copies it into the spec). */
    orl_encoder_spec enc = t->encoder;
    enc.dropout = (float)t->common[S_DROPOUT];
    char enc_json[1024];
    size_t enc_len = 0;
    if (orl_encoder_spec_json(&enc, enc_json, sizeof enc_json, &enc_len) != ORL_OK)
        strcpy(enc_json, "null"); /* cannot happen: the JSON of a spec fits in 1 KiB */
    sb_printf(sb, "{\"algorithm\":\"%s\",\"encoder\":%s,\"genmodel\":{\"kind\":\"%s\"},",
              t->algo->name, enc_json, t->genmodel.kind);
    /* G trained by the host: it is kept fixed, not trained here. */
    if (external_g) sb_printf(sb, "\"generative\":\"external\",");
    /* Each value as a person would write it: 0.1, not 0.10000000000000001; a setting given
     * as a float (learning_rate in orl_trainer_params) as the float's shortest text. */
    char num[ORL_NUMTEXT_MAX];
    sb_printf(sb, "\"settings\":{");
    for (int i = 0; i < N_COMMON; i++) {
        orl_setting_text(num, sizeof num, t->common[i]);
        sb_printf(sb, "%s\"%s\":%s", i ? "," : "", common_settings[i].key, num);
    }
    for (int i = 0; i < t->algo->n_settings; i++) {
        orl_setting_text(num, sizeof num, t->algo_values[i]);
        sb_printf(sb, ",\"%s\":%s", t->algo->settings[i].key, num);
    }
    sb_printf(sb, "}}");
}

ORL_API int orl_trainer_config_json(const orl_trainer *t, char *buf, size_t buf_len,
                                    size_t *out_len)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_trainer_config_json: buf is NULL");
    strbuf probe = {NULL, 0, 0};
    write_config(t, t->generative != NULL, &probe);
    *out_len = probe.len + 1;
    ORL_OUT_BUFFER(buf, buf_len, probe.len + 1);
    strbuf sb = {buf, buf_len, 0};
    write_config(t, t->generative != NULL, &sb);
    return ORL_OK;
}

ORL_API int orl_trainer_history_json(const orl_trainer *t, char *buf, size_t buf_len,
                                     size_t *out_len)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_trainer_history_json: buf is NULL");
    strbuf sb = {NULL, 0, 0};
    for (int pass = 0; pass < 2; pass++) {
        sb_printf(&sb, "[");
        for (uint32_t i = 0; i < t->fit.history.len; i++) {
            const orl_epoch_record *r = &t->fit.history.records[i];
            sb_printf(&sb,
                      "%s{\"epoch\":%u,\"loss\":%.6g,\"transitions_per_s\":%.1f,"
                      "\"elapsed_s\":%.3f,\"validation\":",
                      i ? "," : "", r->epoch, r->loss, r->transitions_per_s, r->elapsed_s);
            if (r->has_validation) {
                char v[1024];
                size_t vlen;
                orl_eval_result_json(&r->validation, v, sizeof v, &vlen);
                sb_printf(&sb, "%s", v);
            } else {
                sb_printf(&sb, "null");
            }
            /* The algorithm's own figures (reinforce: its importance weights). */
            if (r->algo_stats.n) {
                sb_printf(&sb, ",\"algorithm_stats\":{");
                for (int k = 0; k < r->algo_stats.n; k++)
                    sb_printf(&sb, "%s\"%s\":%.6g", k ? "," : "", r->algo_stats.keys[k],
                              isfinite(r->algo_stats.values[k]) ? r->algo_stats.values[k] : 0.0);
                sb_printf(&sb, "}");
            }
            sb_printf(&sb, "}");
        }
        sb_printf(&sb, "]");
        if (pass == 0) {
            *out_len = sb.len + 1;
            ORL_OUT_BUFFER(buf, buf_len, sb.len + 1);
            sb = (strbuf){buf, buf_len, 0};
        }
    }
    return ORL_OK;
}

static char *config_string(const orl_trainer *t)
{
    strbuf probe = {NULL, 0, 0};
    write_config(t, t->fit_generative != NULL, &probe);
    char *s = orl_malloc(probe.len + 1);
    if (!s) return NULL;
    strbuf sb = {s, probe.len + 1, 0};
    write_config(t, t->fit_generative != NULL, &sb);
    return s;
}

ORL_API int orl_trainer_set_progress_callback(orl_trainer *t, orl_progress_fn fn, void *user_data)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    if (t->fitting) return orl_fail(ORL_E_STATE, "orl_trainer_set_progress_callback: fit running");
    t->progress = fn;
    t->progress_user_data = fn ? user_data : NULL;
    return ORL_OK;
}

ORL_API int orl_trainer_interrupt(orl_trainer *t)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    atomic_store(&t->interrupt, 1);
    return ORL_OK;
}

/* A model from the instance's current weights and the training catalogue. */
static int export_model(const orl_trainer *t, orl_model **out)
{
    const orl_params *p = orl_fit_policy(&t->fit);
    ORL_TRY(orl_fit_check_weights(p, "orl_trainer_export_model"));
    char *config = config_string(t);
    if (!config) return orl_fail(ORL_E_NOMEM, "exporting model: out of memory");
    /* The spec keeps the dropout it trained with (recorded in the file); the
     * model's network scores without dropout whatever it says. */
    orl_encoder_spec enc = t->encoder;
    /* RL algorithms train a Q head too; "score_head" picks the one the model scores with. */
    double head = 0;
    orl_trainer_get_float(t, "score_head", &head); /* absent for "sl": stays 0 */
    orl_clear_error();
    orl_model *m = NULL, *q = NULL;
    int s =
        orl_model_build(&enc, t->fit.n_items, t->algo->name, config, &t->fit.items, p, NULL, 0, &m);
    if (s == ORL_OK && t->fit_generative) {
        /* The policy is the Q network alone: G travels beside it. */
        const orl_params *g = orl_sl_net_params_const(t->fit_generative->net);
        s = orl_model_set_generative(m, &t->fit_generative->encoder, g->value, g->count);
        if (s != ORL_OK) orl_model_free(m);
    }
    /* BCQ scores by its constrained rule, with the threshold it trained with. */
    double threshold = -1;
    if (t->algo->flags & ORL_ALGO_CONSTRAINED) {
        orl_trainer_get_float(t, "threshold", &threshold);
        orl_clear_error();
    }
    if (s == ORL_OK && threshold >= 0) {
        m->bcq_threshold = (float)threshold;
        s = orl_model_with_head(m, ORL_HEAD_CONSTRAINED, &q);
        orl_model_free(m);
        m = q;
    } else if (s == ORL_OK && (head > 0 || (t->algo->flags & ORL_ALGO_Q_ONLY))) {
        s = orl_model_with_head(m, ORL_HEAD_Q, &q);
        orl_model_free(m);
        m = q;
    }
    if (s == ORL_OK && (t->algo->flags & ORL_ALGO_Q_ONLY) && m->other_head) {
        /* The supervised head of a Q-only algorithm was never trained: drop it. */
        orl_free(m->other_head);
        m->other_head = NULL;
        m->other_head_count = 0;
    }
    if (s == ORL_OK) *out = m;
    orl_free(config);
    return s;
}

ORL_API int orl_trainer_export_model(const orl_trainer *t, orl_model **out)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    ORL_CHECK_NOT_NULL(out);
    if (!t->fit.fitted || !t->fit.instance)
        return orl_fail(ORL_E_STATE, "orl_trainer_export_model: the trainer has not been fitted");
    return export_model(t, out);
}

static int check_dataset(const orl_dataset *ds, const char *what, uint32_t window)
{
    if (!ds->finalized)
        return orl_fail(ORL_E_STATE, "orl_trainer_fit: the %s dataset is not finalized", what);
    if (orl_dataset_transition_count(ds) == 0)
        return orl_fail(ORL_E_STATE, "orl_trainer_fit: the %s dataset has no events", what);
    if (orl_dataset_window(ds) != window)
        return orl_fail(ORL_E_INVALID_ARGUMENT,
                        "orl_trainer_fit: the %s dataset's window is %u but the encoder's is %u "
                        "(set orl_dataset_params.window)",
                        what, orl_dataset_window(ds), window);
    return ORL_OK;
}

/* The loop's validation hook: the current policy as a model, evaluated as a host would. */
typedef struct fit_validation {
    const orl_trainer *t;
    const orl_dataset *valid;
} fit_validation;

static int validate_epoch(void *user, orl_eval_result *out)
{
    const fit_validation *v = user;
    orl_model *m = NULL;
    ORL_TRY(export_model(v->t, &m));
    out->struct_size = sizeof *out;
    int s = orl_model_evaluate(m, v->valid, (int32_t)v->t->common[S_THREADS], out);
    orl_model_free(m);
    return s;
}

/* The loop's progress hook: its report as the public struct, to the host's callback. */
static int report_progress(const orl_fit_progress *p, void *user)
{
    const orl_trainer *t = user;
    orl_progress pr;
    memset(&pr, 0, sizeof pr);
    pr.struct_size = sizeof pr;
    pr.epoch = p->epoch;
    pr.epochs = p->epochs;
    pr.step = p->step;
    pr.total_steps = p->total_steps;
    pr.loss = p->loss;
    pr.epoch_loss = p->epoch_loss;
    pr.transitions_per_s = p->transitions_per_s;
    pr.elapsed_s = p->elapsed_s;
    pr.end_of_epoch = p->end_of_epoch;
    pr.validation = p->validation;
    return t->progress(&pr, t->progress_user_data);
}

static int fit(orl_trainer *t, const orl_dataset *train, const orl_dataset *valid)
{
    t->encoder.dropout = (float)t->common[S_DROPOUT];
    const orl_fit_config cfg = {
        .algo = t->algo,
        .encoder = &t->encoder,
        .algo_settings = t->algo_values,
        .epochs = (uint32_t)t->common[S_EPOCHS],
        .batch_size = (uint32_t)t->common[S_BATCH],
        .learning_rate = (float)t->common[S_LR],
        .seed = (uint64_t)t->common[S_SEED],
        .threads = (int)t->common[S_THREADS],
        .generative = t->generative ? orl_sl_net_params_const(t->generative->net) : NULL,
        .generative_encoder = t->generative ? &t->generative->encoder : NULL};
    fit_validation v = {t, valid};
    /* orl_fit drops the old instance before anything else, so the G it read can go after. */
    orl_model *prev = t->fit_generative;
    t->fit_generative = t->generative;
    const orl_fit_hooks hooks = {.progress = t->progress ? report_progress : NULL,
                                 .progress_user = t,
                                 .validate = valid ? validate_epoch : NULL,
                                 .validate_user = &v,
                                 .interrupt = &t->interrupt};
    int s = orl_fit(&t->fit, &cfg, train, &hooks);
    if (prev != t->fit_generative && prev != t->generative) orl_model_free(prev);
    return s;
}

ORL_API int orl_trainer_fit(orl_trainer *t, const orl_dataset *train, const orl_dataset *valid)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    ORL_CHECK_HANDLE(train, ORL_TAG_DATASET);
    if (valid) ORL_CHECK_HANDLE(valid, ORL_TAG_DATASET);
    if (t->fitting) return orl_fail(ORL_E_STATE, "orl_trainer_fit: a fit is already running");
    ORL_TRY(check_dataset(train, "training", t->encoder.window));
    if (valid) ORL_TRY(check_dataset(valid, "validation", t->encoder.window));
    if (t->generative) ORL_TRY(orl_trainer_generative_check(t->generative, train));
    t->fitting = 1;
    int s = fit(t, train, valid);
    t->fitting = 0;
    atomic_store(&t->interrupt, 0);
    return s;
}

ORL_API int orl_trainer_set_generative_model(orl_trainer *t, const orl_model *model)
{
    ORL_CHECK_HANDLE(t, ORL_TAG_TRAINER);
    if (model) ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    if (t->fitting)
        return orl_fail(ORL_E_STATE, "orl_trainer_set_generative_model: a fit is running");
    orl_model *g = NULL;
    if (model) ORL_TRY(orl_trainer_generative_copy(t->algo, t->encoder.window, model, &g));
    /* The G of the last fit stays while its instance reads it (fit_generative). */
    if (t->generative != t->fit_generative) orl_model_free(t->generative);
    t->generative = g;
    return ORL_OK;
}
