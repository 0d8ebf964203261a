/* The simulator's world (items, clusters, users) and one session's dynamics.
 * The public handle (api/sim_handle.h) wraps an orl_sim_world; everything
 * here is read-only after orl_sim_world_create, so rollouts may share it. */
#ifndef ORL_SIM_SIM_H
#define ORL_SIM_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "offlinerl/sim.h"

#define ORL_SIM_MAX_DIM   64
#define ORL_SIM_N_SUCC    3
#define ORL_SIM_NO_ITEM   UINT32_MAX
#define ORL_SIM_MAX_SLATE 100

/* Logged event kinds, also the response of a user to a shown item. */
enum { ORL_SIM_SKIP = 0, ORL_SIM_CLICK = 1, ORL_SIM_PURCHASE = 2 };

typedef struct orl_sim_world {
    orl_sim_params p;
    uint32_t n_items, n_clusters, dim, n_users;
    uint32_t *item_cluster; /* [n_items] */
    float *item_vec;        /* [n_items * dim] */
    float *item_logpop;     /* [n_items] log popularity (max 0) */
    float *item_appeal;     /* [n_items] */
    float *item_quality;    /* [n_items] */
    uint32_t *succ;         /* [n_items * ORL_SIM_N_SUCC], same cluster */
    float *center;          /* [n_clusters * dim] */
    float *user_taste;      /* [n_users * dim] */
    /* Logging policy tables: items grouped by cluster, within-cluster
     * softmax of the popularity term as a CDF and as probabilities. */
    uint32_t *cluster_items; /* [n_items] */
    uint32_t *cluster_start; /* [n_clusters + 1] */
    double *cluster_cdf;     /* [n_items], by position in cluster_items */
    double *item_in_cluster; /* [n_items] P(item | its cluster) */
    double *cluster_z;       /* [n_clusters] sum of exp(popularity term) */
    uint32_t *pop_order;     /* [n_items] most popular first */
    /* Constants derived from the params. */
    double leave_logit, cluster_boost_factor;
} orl_sim_world;

/* Validates (ORL_E_OUT_OF_RANGE naming the field) and builds the world. */
int orl_sim_params_check(const orl_sim_params *p);
int orl_sim_world_create(const orl_sim_params *p, orl_sim_world **out);
void orl_sim_world_free(orl_sim_world *w);

/* The logging policy's view of a session: the user's cluster weights and the
 * last clicked item. */
typedef struct orl_sim_logctx {
    uint32_t user;
    uint32_t last_item;    /* ORL_SIM_NO_ITEM before the first click */
    uint32_t last_cluster; /* cluster of last_item, or ORL_SIM_NO_ITEM */
    double *base_lw;       /* [n_clusters] log partition sum + taste term */
    double *cluster_p;     /* [n_clusters] softmax component's cluster probabilities */
} orl_sim_logctx;

/* scratch must hold 2 * n_clusters doubles and outlive the context. */
void orl_sim_logctx_init(const orl_sim_world *w, orl_sim_logctx *ctx, uint32_t user,
                         double *scratch);
/* The session's last clicked item changed (O(n_clusters) when its cluster did). */
void orl_sim_logctx_set_last(const orl_sim_world *w, orl_sim_logctx *ctx, uint32_t item);
/* Exact probability that the logging policy shows `item`. */
double orl_sim_log_prob(const orl_sim_world *w, const orl_sim_logctx *ctx, uint32_t item);
/* Draw the shown item; *out_prob gets its exact propensity. */
uint32_t orl_sim_log_sample(const orl_sim_world *w, const orl_sim_logctx *ctx, orl_rng *rng,
                            double *out_prob);

/* One session's hidden user state. */
typedef struct orl_sim_session {
    uint32_t user;
    uint32_t steps;              /* items shown so far */
    uint32_t last_click;         /* ORL_SIM_NO_ITEM before the first click */
    uint32_t last_shown_cluster; /* ORL_SIM_NO_ITEM before the first step */
    float sat;
    float interest[ORL_SIM_MAX_DIM];
} orl_sim_session;

void orl_sim_session_start(const orl_sim_world *w, orl_sim_session *s, uint32_t user);

/* The click logit of `item` now (before the sigmoid of a single shown item). */
float orl_sim_click_logit(const orl_sim_world *w, const orl_sim_session *s, uint32_t item);

/* What the user would do, as probabilities, if shown `item` now. */
typedef struct orl_sim_response_probs {
    float relevance, p_click, p_purchase; /* p_purchase is given a click */
} orl_sim_response_probs;
void orl_sim_response_probs_of(const orl_sim_world *w, const orl_sim_session *s, uint32_t item,
                               orl_sim_response_probs *out);
/* Satisfaction after showing `item` with the given response. */
float orl_sim_next_sat(const orl_sim_world *w, const orl_sim_session *s, uint32_t item,
                       int response);

/* Show `item`: draws the response with three uniforms (always three, so that
 * policies compared under one seed share their random numbers), updates the
 * state and sets *out_leaves when the user ends the session. */
int orl_sim_step(const orl_sim_world *w, orl_sim_session *s, uint32_t item, orl_rng *rng,
                 int *out_leaves);
/* The state update of orl_sim_step after the response to `item` (the acted-on
 * item) was drawn; u_leave is the step's third uniform. */
void orl_sim_apply_response(const orl_sim_world *w, orl_sim_session *s, uint32_t item, int response,
                            float u_leave, int *out_leaves);

float orl_sim_reward_of(const orl_sim_world *w, int response);

#endif
