/* Building the simulator's world from its params: clusters, items, users and
 * the logging policy's lookup tables. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "sim/sim.h"

/* Separate RNG streams of the world, so that changing one part of the
 * generation does not shift the others. */
enum { STREAM_CLUSTERS = 1, STREAM_ITEMS, STREAM_USERS };

static int check_range(const char *name, double v, double lo, double hi)
{
    if (!(v >= lo && v <= hi)) /* also rejects NaN */
        return orl_fail(ORL_E_OUT_OF_RANGE, "orl_sim_params: %s = %g is outside [%g, %g]", name, v,
                        lo, hi);
    return ORL_OK;
}

int orl_sim_params_check(const orl_sim_params *p)
{
    const double big = 1e3;
    ORL_TRY(check_range("n_users", p->n_users, 1, 1e8));
    ORL_TRY(check_range("n_items", p->n_items, 2, 1e8));
    ORL_TRY(check_range("n_clusters", p->n_clusters, 1, p->n_items));
    ORL_TRY(check_range("taste_dim", p->taste_dim, 1, ORL_SIM_MAX_DIM));
    ORL_TRY(check_range("max_steps", p->max_steps, 1, 10000));
    ORL_TRY(check_range("min_steps", p->min_steps, 1, p->max_steps));
    ORL_TRY(check_range("popularity_zipf", p->popularity_zipf, 0, 5));
    if (!(p->leave_prob > 0 && p->leave_prob < 1))
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "orl_sim_params: leave_prob = %g must be strictly between 0 and 1",
                        (double)p->leave_prob);
    const struct {
        const char *name;
        float v;
    } coefs[] = {
        {"leave_skip", p->leave_skip},
        {"leave_satisfaction", p->leave_satisfaction},
        {"click_bias", p->click_bias},
        {"click_relevance", p->click_relevance},
        {"click_appeal", p->click_appeal},
        {"click_successor", p->click_successor},
        {"click_satisfaction", p->click_satisfaction},
        {"purchase_bias", p->purchase_bias},
        {"purchase_quality", p->purchase_quality},
        {"purchase_satisfaction", p->purchase_satisfaction},
        {"sat_quality", p->sat_quality},
        {"sat_variety", p->sat_variety},
        {"log_popularity_weight", p->log_popularity_weight},
        {"log_taste_weight", p->log_taste_weight},
        {"log_cluster_boost", p->log_cluster_boost},
        {"reward_click", p->reward_click},
        {"reward_purchase", p->reward_purchase},
    };
    for (size_t i = 0; i < sizeof coefs / sizeof coefs[0]; i++)
        ORL_TRY(check_range(coefs[i].name, coefs[i].v, -big, big));
    ORL_TRY(check_range("sat_decay", p->sat_decay, 0, 1));
    ORL_TRY(check_range("interest_drift", p->interest_drift, 0, 1));
    ORL_TRY(check_range("log_epsilon", p->log_epsilon, 0, 1));
    ORL_TRY(check_range("log_successor_prob", p->log_successor_prob, 0, 1));
    ORL_TRY(check_range("log_temperature", p->log_temperature, 1e-2, big));
    ORL_TRY(check_range("rollout_temperature", p->rollout_temperature, 0, big));
    if (p->rollout_temperature > 0 && p->rollout_temperature < 1e-3)
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "orl_sim_params: rollout_temperature = %g must be 0 (top item) or >= 1e-3",
                        (double)p->rollout_temperature);
    ORL_TRY(check_range("log_skips", p->log_skips, 0, 1));
    ORL_TRY(check_range("rollout_repeat", p->rollout_repeat, 0, 1));
    ORL_TRY(check_range("start_timestamp", (double)p->start_timestamp, 0, 4e18));
    ORL_TRY(check_range("slate_size", p->slate_size, 1,
                        p->n_items < ORL_SIM_MAX_SLATE ? p->n_items : ORL_SIM_MAX_SLATE));
    ORL_TRY(check_range("position_bias", p->position_bias, 0, 100));
    ORL_TRY(check_range("log_impressions", p->log_impressions, 0, 1));
    if (p->log_skips && (p->slate_size > 1 || p->log_impressions))
        return orl_fail(ORL_E_OUT_OF_RANGE,
                        "orl_sim_params: log_skips = 1 needs slate_size = 1 and log_impressions = "
                        "0 (display rows log every step, a no-click step as event \"none\")");
    return ORL_OK;
}

void orl_sim_world_free(orl_sim_world *w)
{
    if (!w) return;
    orl_free(w->item_cluster);
    orl_free(w->item_vec);
    orl_free(w->item_logpop);
    orl_free(w->item_appeal);
    orl_free(w->item_quality);
    orl_free(w->succ);
    orl_free(w->center);
    orl_free(w->user_taste);
    orl_free(w->cluster_items);
    orl_free(w->cluster_start);
    orl_free(w->cluster_cdf);
    orl_free(w->item_in_cluster);
    orl_free(w->cluster_z);
    orl_free(w->pop_order);
    orl_free(w);
}

static void gaussian_vec(orl_rng *rng, float *v, uint32_t dim, float scale)
{
    for (uint32_t k = 0; k < dim; k++) v[k] = scale * orl_rng_normal(rng);
}

/* Clusters of equal size over a random permutation; items get a vector near
 * their cluster's centre, a Zipf popularity over a random rank, and appeal and
 * quality that share a "bait" factor with opposite signs. */
static void build_items(orl_sim_world *w, uint32_t *perm)
{
    const orl_sim_params *p = &w->p;
    const uint32_t n = w->n_items, d = w->dim;
    const float unit = 1.0f / sqrtf((float)d);
    orl_rng rng;
    orl_rng_init(&rng, p->seed, STREAM_CLUSTERS);
    for (uint32_t c = 0; c < w->n_clusters; c++) gaussian_vec(&rng, w->center + c * d, d, unit);
    orl_rng_init(&rng, p->seed, STREAM_ITEMS);
    for (uint32_t i = 0; i < n; i++) perm[i] = i;
    orl_rng_shuffle_u32(&rng, perm, n);
    for (uint32_t k = 0; k < n; k++) w->item_cluster[perm[k]] = k % w->n_clusters;
    orl_rng_shuffle_u32(&rng, perm, n); /* now perm[i] is item i's popularity rank - 1 */
    double mean = 0, sq = 0;
    for (uint32_t i = 0; i < n; i++) {
        w->item_logpop[i] = -p->popularity_zipf * logf((float)perm[i] + 1.0f);
        mean += w->item_logpop[i];
        w->pop_order[perm[i]] = i;
    }
    mean /= n;
    for (uint32_t i = 0; i < n; i++) sq += (w->item_logpop[i] - mean) * (w->item_logpop[i] - mean);
    double sd = sqrt(sq / n);
    for (uint32_t i = 0; i < n; i++) {
        const float *cen = w->center + (size_t)w->item_cluster[i] * d;
        float *v = w->item_vec + (size_t)i * d;
        for (uint32_t k = 0; k < d; k++) v[k] = cen[k] + 0.5f * unit * orl_rng_normal(&rng);
        float pop_z = sd > 0 ? (float)((w->item_logpop[i] - mean) / sd) : 0.0f;
        float bait = orl_rng_normal(&rng);
        w->item_appeal[i] = 0.5f * pop_z + 0.8f * bait;
        w->item_quality[i] = 0.8f * orl_rng_normal(&rng) - 0.6f * bait;
    }
}

/* Items grouped by cluster (counting sort), each cluster's successors drawn
 * uniformly from it (not the item itself unless it is alone), and the
 * within-cluster softmax of the logging policy's popularity term. */
static void build_cluster_tables(orl_sim_world *w, orl_rng *rng)
{
    const orl_sim_params *p = &w->p;
    const uint32_t n = w->n_items, nc = w->n_clusters;
    memset(w->cluster_start, 0, (nc + 1) * sizeof *w->cluster_start);
    for (uint32_t i = 0; i < n; i++) w->cluster_start[w->item_cluster[i] + 1]++;
    for (uint32_t c = 0; c < nc; c++) w->cluster_start[c + 1] += w->cluster_start[c];
    /* The successor table (3 * n_items >= n_clusters slots, filled below)
     * serves as the per-cluster cursor of the counting sort. */
    uint32_t *cursor = w->succ;
    for (uint32_t c = 0; c < nc; c++) cursor[c] = w->cluster_start[c];
    for (uint32_t i = 0; i < n; i++) w->cluster_items[cursor[w->item_cluster[i]]++] = i;

    const double beta = (double)p->log_popularity_weight / p->log_temperature;
    for (uint32_t c = 0; c < nc; c++) {
        uint32_t b = w->cluster_start[c], e = w->cluster_start[c + 1];
        double mx = -INFINITY;
        for (uint32_t k = b; k < e; k++) mx = fmax(mx, beta * w->item_logpop[w->cluster_items[k]]);
        double z = 0;
        for (uint32_t k = b; k < e; k++) z += exp(beta * w->item_logpop[w->cluster_items[k]] - mx);
        double acc = 0;
        for (uint32_t k = b; k < e; k++) {
            uint32_t item = w->cluster_items[k];
            double pr = exp(beta * w->item_logpop[item] - mx) / z;
            w->item_in_cluster[item] = pr;
            acc += pr;
            w->cluster_cdf[k] = acc;
        }
        w->cluster_cdf[e - 1] = 1.0;
        w->cluster_z[c] = log(z) + mx; /* log of the cluster's partition sum */
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = w->item_cluster[i], b = w->cluster_start[c];
        uint32_t size = w->cluster_start[c + 1] - b;
        for (int k = 0; k < ORL_SIM_N_SUCC; k++) {
            uint32_t s = i;
            if (size > 1)
                while (s == i) s = w->cluster_items[b + orl_rng_below(rng, size)];
            w->succ[(size_t)i * ORL_SIM_N_SUCC + k] = s;
        }
    }
}

/* Each user likes a main and a second cluster, plus some personal noise. */
static void build_users(orl_sim_world *w)
{
    const uint32_t d = w->dim;
    const float unit = 1.0f / sqrtf((float)d);
    orl_rng rng;
    orl_rng_init(&rng, w->p.seed, STREAM_USERS);
    for (uint32_t u = 0; u < w->n_users; u++) {
        const float *a = w->center + (size_t)orl_rng_below(&rng, w->n_clusters) * d;
        const float *b = w->center + (size_t)orl_rng_below(&rng, w->n_clusters) * d;
        float *t = w->user_taste + (size_t)u * d;
        for (uint32_t k = 0; k < d; k++)
            t[k] = 0.8f * a[k] + 0.5f * b[k] + 0.3f * unit * orl_rng_normal(&rng);
    }
}

int orl_sim_world_create(const orl_sim_params *p, orl_sim_world **out)
{
    ORL_TRY(orl_sim_params_check(p));
    orl_sim_world *w = orl_calloc(1, sizeof *w);
    if (!w) return orl_fail(ORL_E_NOMEM, "orl_sim_create: out of memory");
    w->p = *p;
    w->n_items = p->n_items;
    w->n_clusters = p->n_clusters;
    w->dim = p->taste_dim;
    w->n_users = p->n_users;
    const size_t n = w->n_items, d = w->dim;
    uint32_t *perm = NULL;
    w->item_cluster = orl_calloc(n, sizeof(uint32_t));
    w->item_vec = orl_calloc(n * d, sizeof(float));
    w->item_logpop = orl_calloc(n, sizeof(float));
    w->item_appeal = orl_calloc(n, sizeof(float));
    w->item_quality = orl_calloc(n, sizeof(float));
    w->succ = orl_calloc(n * ORL_SIM_N_SUCC, sizeof(uint32_t));
    w->center = orl_calloc((size_t)w->n_clusters * d, sizeof(float));
    w->user_taste = orl_calloc((size_t)w->n_users * d, sizeof(float));
    w->cluster_items = orl_calloc(n, sizeof(uint32_t));
    w->cluster_start = orl_calloc((size_t)w->n_clusters + 1, sizeof(uint32_t));
    w->cluster_cdf = orl_calloc(n, sizeof(double));
    w->item_in_cluster = orl_calloc(n, sizeof(double));
    w->cluster_z = orl_calloc(w->n_clusters, sizeof(double));
    w->pop_order = orl_calloc(n, sizeof(uint32_t));
    perm = orl_calloc(n, sizeof(uint32_t));
    if (!w->item_cluster || !w->item_vec || !w->item_logpop || !w->item_appeal ||
        !w->item_quality || !w->succ || !w->center || !w->user_taste || !w->cluster_items ||
        !w->cluster_start || !w->cluster_cdf || !w->item_in_cluster || !w->cluster_z ||
        !w->pop_order || !perm) {
        orl_free(perm);
        orl_sim_world_free(w);
        return orl_fail(ORL_E_NOMEM, "orl_sim_create: out of memory for %zu items and %u users", n,
                        (unsigned)p->n_users);
    }
    build_items(w, perm);
    orl_free(perm);
    orl_rng rng;
    orl_rng_init(&rng, p->seed, STREAM_ITEMS + 100);
    build_cluster_tables(w, &rng);
    build_users(w);
    w->leave_logit = log((double)p->leave_prob / (1.0 - (double)p->leave_prob));
    w->cluster_boost_factor = (double)p->log_cluster_boost / p->log_temperature;
    *out = w;
    return ORL_OK;
}
