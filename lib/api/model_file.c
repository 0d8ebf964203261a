/* Model files (DESIGN.md §4): the io container of kind "ORLM", with the
 * architecture and catalogue as metadata and the weights as one f32 blob.
 * Loading verifies the container (magic, version, sizes, checksum), then every
 * field, then that the weights are finite, before building the model. */
#include <string.h>

#include "api/model_impl.h"
#include "core/alloc.h"
#include "core/error.h"
#include "io/container.h"

#define MODEL_KIND "ORLM"
enum { MODEL_FORMAT_VERSION = 1 };

int orl_model_write_catalogue(orl_container_writer *w, const orl_model *m)
{
    /* Keys as one NUL-separated text blob plus a per-item string flag; integer keys are
     * stored as their canonical decimal text and come back as integers. */
    size_t total = 0;
    for (uint32_t i = 0; i < m->n_items; i++) total += strlen(m->item_text[i]) + 1;
    uint8_t *is_str = orl_malloc(m->n_items ? m->n_items : 1);
    if (!is_str) return orl_fail(ORL_E_NOMEM, "saving model: out of memory");
    for (uint32_t i = 0; i < m->n_items; i++) is_str[i] = (uint8_t)orl_keymap_is_str(&m->items, i);
    int s = orl_container_add_blob(w, "items.is_str", ORL_DTYPE_U8, is_str, m->n_items);
    orl_free(is_str);
    if (s == ORL_OK)
        s = orl_container_add_blob_view(w, "items.text", ORL_DTYPE_U8, m->item_text_arena, total);
    return s;
}

/* A baseline: its kind, window, catalogue and counts (no weights). */
static int baseline_writer(const orl_model *m, orl_container_writer *w)
{
    int s = orl_container_put_string(w, "architecture", m->encoder.architecture);
    if (s == ORL_OK) s = orl_container_put_u32(w, "window", m->encoder.window);
    if (s == ORL_OK) s = orl_container_put_u32(w, "n_items", m->n_items);
    if (s == ORL_OK) s = orl_container_put_string(w, "algorithm", m->algorithm);
    if (s == ORL_OK) s = orl_container_put_string(w, "library_version", orl_version_string());
    if (s == ORL_OK && m->config_json)
        s = orl_container_put_string(w, "training_config", m->config_json);
    if (s == ORL_OK) s = orl_model_write_catalogue(w, m);
    if (s == ORL_OK) s = orl_model_put_baseline(w, m);
    return s;
}

static int make_writer(const orl_model *m, orl_container_writer **out)
{
    orl_container_writer *w = NULL;
    ORL_TRY(orl_container_writer_create(MODEL_KIND, MODEL_FORMAT_VERSION, &w));
    if (m->baseline) {
        int s = baseline_writer(m, w);
        if (s != ORL_OK) {
            orl_container_writer_free(w);
            return s;
        }
        *out = w;
        return ORL_OK;
    }
    const orl_params *p = orl_sl_net_params_const(m->net);
    size_t bad = orl_params_first_nonfinite(p);
    if (bad != p->count) {
        orl_container_writer_free(w);
        return orl_fail(ORL_E_NUMERIC,
                        "saving model: weight %zu is not finite; refusing to write "
                        "a model that cannot be loaded",
                        bad);
    }
    int s = orl_container_put_string(w, "architecture", m->encoder.architecture);
    if (s == ORL_OK) s = orl_container_put_u32(w, "embed_dim", m->encoder.embed_dim);
    if (s == ORL_OK) s = orl_container_put_u32(w, "hidden_dim", m->encoder.hidden_dim);
    if (s == ORL_OK) s = orl_container_put_u32(w, "window", m->encoder.window);
    if (s == ORL_OK) s = orl_model_put_encoder(w, &m->encoder);
    if (s == ORL_OK) s = orl_container_put_u32(w, "n_items", m->n_items);
    if (s == ORL_OK) s = orl_container_put_string(w, "algorithm", m->algorithm);
    if (s == ORL_OK) s = orl_container_put_string(w, "library_version", orl_version_string());
    if (s == ORL_OK && m->config_json)
        s = orl_container_put_string(w, "training_config", m->config_json);
    if (s == ORL_OK) s = orl_model_write_catalogue(w, m);
    if (s == ORL_OK)
        s = orl_container_add_blob_view(w, "weights", ORL_DTYPE_F32, p->value, p->count);
    /* Models trained with a Q head keep both heads; "head" says which one scores. */
    if (s == ORL_OK) s = orl_container_put_u32(w, "head", m->head);
    if (s == ORL_OK && m->other_head)
        s = orl_container_add_blob_view(w, "other_head", ORL_DTYPE_F32, m->other_head,
                                        m->other_head_count);
    if (s == ORL_OK) s = orl_model_put_scoring(w, m);
    if (s == ORL_OK) s = orl_model_put_generative(w, m);
    if (s != ORL_OK) {
        orl_container_writer_free(w);
        return s;
    }
    *out = w;
    return ORL_OK;
}

ORL_API int orl_model_save(const orl_model *model, const char *path)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(path);
    orl_container_writer *w = NULL;
    ORL_TRY(make_writer(model, &w));
    int s = orl_container_save_path(w, path);
    orl_container_writer_free(w);
    if (s != ORL_OK) orl_fail_context("saving model to %s", path);
    return s;
}

ORL_API int orl_model_save_buffer(const orl_model *model, void *buf, size_t buf_len,
                                  size_t *out_len)
{
    ORL_CHECK_HANDLE(model, ORL_TAG_MODEL);
    ORL_CHECK_NOT_NULL(out_len);
    if (!buf && buf_len)
        return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_model_save_buffer: buf is NULL");
    orl_container_writer *w = NULL;
    ORL_TRY(make_writer(model, &w));
    int s = ORL_OK;
    uint64_t size = orl_container_writer_size(w);
    if (size > SIZE_MAX) {
        s = orl_fail(ORL_E_OUT_OF_RANGE, "%s: the model is too large for memory", __func__);
    } else {
        *out_len = (size_t)size;
        s = orl_check_out_buffer(buf, buf_len, (size_t)size, __func__);
        if (s == ORL_OK) s = orl_container_save_buffer(w, buf, buf_len, NULL);
    }
    orl_container_writer_free(w);
    return s == ORL_SIZE_QUERY ? ORL_OK : s;
}

/* Rebuild the catalogue from the two blobs, checking every byte. */
int orl_model_read_catalogue(const orl_container_reader *r, uint32_t n_items, orl_keymap *items)
{
    orl_blob_view flags, text;
    ORL_TRY(orl_container_get_blob_typed(r, "items.is_str", ORL_DTYPE_U8, n_items, &flags));
    ORL_TRY(orl_container_get_blob_typed(r, "items.text", ORL_DTYPE_U8, UINT64_MAX, &text));
    const char *p = text.data, *end = p + text.count;
    const uint8_t *is_str = flags.data;
    ORL_TRY(orl_keymap_reserve(items, n_items));
    for (uint32_t i = 0; i < n_items; i++) {
        const char *nul = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        if (!nul) return orl_fail(ORL_E_FORMAT, "model file: item key %u is not terminated", i);
        size_t len = (size_t)(nul - p);
        uint32_t id;
        int64_t v;
        if (is_str[i] > 1) return orl_fail(ORL_E_FORMAT, "model file: bad key flag for item %u", i);
        if (!is_str[i]) {
            if (!orl_parse_canonical_i64(p, len, &v))
                return orl_fail(ORL_E_FORMAT, "model file: item %u has a malformed integer key", i);
            ORL_TRY(orl_keymap_put_int(items, v, &id));
        } else {
            if (len == 0 || len > ORL_KEY_MAX_LEN)
                return orl_fail(ORL_E_FORMAT, "model file: item %u has a bad string key", i);
            ORL_TRY(orl_keymap_put_str(items, p, len, &id));
        }
        if (id != i) return orl_fail(ORL_E_FORMAT, "model file: item key %u is a duplicate", i);
        p = nul + 1;
    }
    if (p != end) return orl_fail(ORL_E_FORMAT, "model file: trailing bytes after the item keys");
    return ORL_OK;
}

static int model_from_reader(const orl_container_reader *r, orl_model **out)
{
    if (orl_container_has(r, "baseline")) return orl_model_load_baseline(r, out);
    orl_encoder_spec enc;
    orl_encoder_spec_default(&enc);
    const char *arch = NULL, *algo = NULL, *config = NULL;
    size_t len = 0;
    uint32_t n_items = 0;
    ORL_TRY(orl_container_get_string(r, "architecture", &arch, &len));
    if (len >= sizeof enc.architecture)
        return orl_fail(ORL_E_FORMAT, "model file: architecture name too long");
    memcpy(enc.architecture, arch, len + 1);
    ORL_TRY(orl_container_get_u32(r, "embed_dim", &enc.embed_dim));
    ORL_TRY(orl_container_get_u32(r, "hidden_dim", &enc.hidden_dim));
    ORL_TRY(orl_container_get_u32(r, "window", &enc.window));
    ORL_TRY(orl_model_get_encoder(r, &enc));
    ORL_TRY(orl_container_get_u32(r, "n_items", &n_items));
    ORL_TRY(orl_container_get_string(r, "algorithm", &algo, &len));
    if (orl_container_has(r, "training_config"))
        ORL_TRY(orl_container_get_string(r, "training_config", &config, &len));
    int s = orl_encoder_spec_resolve(&enc);
    if (s != ORL_OK) return orl_fail(ORL_E_FORMAT, "model file: %s", orl_last_error());
    if (n_items < 1 || n_items > (1u << 30))
        return orl_fail(ORL_E_FORMAT, "model file: n_items %u is out of range", n_items);
    orl_blob_view weights;
    ORL_TRY(orl_container_get_blob_typed(r, "weights", ORL_DTYPE_F32, UINT64_MAX, &weights));
    ORL_TRY(orl_container_check_finite(r, "weights"));
    orl_keymap items;
    orl_keymap_init(&items);
    s = orl_model_read_catalogue(r, n_items, &items);
    orl_model *m = NULL;
    if (s == ORL_OK)
        s = orl_model_build(&enc, n_items, algo, config, &items, NULL, weights.data,
                            (size_t)weights.count, &m);
    orl_keymap_free(&items);
    /* A second head (models trained with a Q head); files without one have one head. */
    uint32_t head = ORL_HEAD_SUPERVISED;
    if (s == ORL_OK && orl_container_has(r, "head")) s = orl_container_get_u32(r, "head", &head);
    if (s == ORL_OK && head > ORL_HEAD_CONSTRAINED)
        s = orl_fail(ORL_E_FORMAT, "model file: bad head %u", head);
    /* BCQ with the host's G: G's network beside the Q network. */
    if (s == ORL_OK) s = orl_model_get_generative(r, m);
    orl_blob_view other;
    int has_other = s == ORL_OK && orl_container_get_blob(r, "other_head", &other) == ORL_OK;
    if (s == ORL_OK && m->g_net && (has_other || head == ORL_HEAD_SUPERVISED))
        s = orl_fail(ORL_E_FORMAT, "model file: a model with its own G has one head, Q or "
                                   "constrained");
    else if (has_other) {
        s = orl_container_get_blob_typed(r, "other_head", ORL_DTYPE_F32, UINT64_MAX, &other);
        if (s == ORL_OK) s = orl_container_check_finite(r, "other_head");
        if (s == ORL_OK) s = orl_model_set_other_head(m, head, other.data, (size_t)other.count);
    } else if (s == ORL_OK && head != ORL_HEAD_SUPERVISED) {
        /* One head that is a Q head (cql, rem: no supervised head). */
        if (head == ORL_HEAD_Q || m->g_net)
            m->head = head;
        else
            s = orl_fail(ORL_E_FORMAT, "model file: the constrained rule needs two heads");
    }
    if (s == ORL_OK) s = orl_model_get_scoring(r, m);
    if (s != ORL_OK) {
        orl_model_free(m);
        return s;
    }
    *out = m;
    return ORL_OK;
}

ORL_API int orl_model_load(const char *path, orl_model **out)
{
    ORL_CHECK_NOT_NULL(path);
    ORL_CHECK_NOT_NULL(out);
    orl_container_reader *r = NULL;
    int s = orl_container_open_path(path, MODEL_KIND, MODEL_FORMAT_VERSION, &r);
    if (s == ORL_OK) s = model_from_reader(r, out);
    orl_container_reader_free(r);
    if (s != ORL_OK) orl_fail_context("loading model %s", path);
    return s;
}

ORL_API int orl_model_load_buffer(const void *buf, size_t len, orl_model **out)
{
    ORL_CHECK_NOT_NULL(out);
    if (!buf && len) return orl_fail(ORL_E_INVALID_ARGUMENT, "orl_model_load_buffer: buf is NULL");
    orl_container_reader *r = NULL;
    int s = orl_container_open_buffer(buf ? buf : "", len, MODEL_KIND, MODEL_FORMAT_VERSION, &r);
    if (s == ORL_OK) s = model_from_reader(r, out);
    orl_container_reader_free(r);
    if (s != ORL_OK) orl_fail_context("loading model from memory");
    return s;
}
