/* orl_model_estimate_value's parts: the result handle (ope_result.c), the
 * params (ope_params.c) and the per-step inputs the estimators read, gathered
 * from a model and a dataset by batch scoring (ope_collect.c). */
#ifndef ORL_API_OPE_IMPL_H
#define ORL_API_OPE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "api/handle.h"
#include "data/transitions.h"
#include "eval/ope.h"
#include "models/policy_rule.h"
#include "offlinerl/dataset.h"
#include "offlinerl/model.h"
#include "offlinerl/ope.h"

/* Seconds per phase (wall time of the calling thread's share). */
typedef struct ope_timing {
    double scoring, policy, reward_model, behaviour, fqe_fit, estimators, intervals, total;
} ope_timing;

struct orl_ope_result {
    orl_handle_tag tag;
    orl_ope_estimate *est;
    size_t n_est, cap_est;
    char **warnings;
    size_t n_warnings;
    char policy[64];
    int32_t interval;
    uint32_t samples;
    double confidence;
    char behaviour[16];
    char reward_model[16];
    uint64_t n_steps, n_sessions;
    ope_timing timing;
};

int ope_result_new(orl_ope_result **out);
/* Append a copy; ORL_E_NOMEM. */
int ope_result_add(orl_ope_result *r, const orl_ope_estimate *e);
int ope_result_warn(orl_ope_result *r, const char *fmt, ...) ORL_PRINTF(2, 3);

/* params checked field by field (ORL_E_INVALID_ARGUMENT / ORL_E_OUT_OF_RANGE
 * naming the field); rule receives the policy (greedy when NULL). */
int ope_params_check(const orl_ope_params *p, orl_policy_rule *rule, const char *fn);
/* want[i] = 1 for estimator i of the registry that the list names (NULL
 * list: all, explicit 0). ORL_E_INVALID_ARGUMENT for an unknown name. */
int ope_params_select(const char *list, uint8_t *want, int *explicit_list, const char *fn);
/* "greedy", "softmax:T", "epsilon:E" or "epsilon:E:K". */
void ope_policy_text(const orl_policy_rule *r, char *buf, size_t len);

/* What ope_collect computes per logged step (arrays of the dataset's event count). */
typedef struct ope_arrays {
    uint64_t n;
    double *reward, *beta, *pi, *q, *v, *q_seq, *v_seq;
} ope_arrays;

/* A reward model by state for the states of a batch of transitions: q in the
 * dataset's item order into ds_scratch [b->size x dataset items], and, when
 * out_q is not NULL, in the target model's order into out_q [b->size x model
 * items] (items the dataset lacks: the row's mean). Called from several
 * threads at once. */
typedef int (*ope_q_rows_fn)(void *ctx, const orl_batch *b, float *ds_scratch, float *out_q);

/* Rows scored together (the most the net takes in one pass). */
enum { OPE_BLOCK = 64 };

/* pi(.|s) of a model under a rule for up to OPE_BLOCK rows (ope_target.c). */
typedef struct ope_scorer {
    const orl_model *m;
    const int32_t *to_model; /* dataset id -> the model's id, or -1 */
    uint32_t ds_items;
    orl_policy_rule rule;
    uint32_t top; /* > 0: greedy / epsilon from the model's top items alone */
    int32_t *states, *lens;
    float *scores, *probs; /* full rows (top 0) */
    int32_t *top_ids;      /* [OPE_BLOCK x top] */
    float *top_scores;
    void *scratch;
    size_t scratch_bytes;
    /* Softmax without probability rows (ope_scorer_fuse): per row the max
     * score, the sums of exp(z / T - max / T) and of those times fuse_q, and
     * the state, from which pi(a) takes z_a. A block with a row the sums do
     * not define (an infinite or NaN score) goes through the rows instead. */
    int fused, rows_block;
    const float *fuse_q;
    float *hidden;   /* [OPE_BLOCK x state dim] */
    float *fuse_max; /* [OPE_BLOCK] the row's max score */
    double *fuse_sum, *fuse_sumq;
} ope_scorer;

/* The top items a greedy / epsilon rule needs (0: full rows, for softmax). */
uint32_t ope_sparse_top(const orl_policy_rule *r, uint32_t n_items);
int ope_scorer_init(ope_scorer *s, const orl_model *m, const int32_t *to_model, uint32_t ds_items,
                    const orl_policy_rule *rule, uint32_t top);
void ope_scorer_free(ope_scorer *s);
/* Softmax rules on a plainly scoring net: from now on, run folds each score
 * row into its softmax sums instead of writing probability rows (about 5e-6
 * relative to them, from the float sums of exp terms); ope_scorer_value then
 * takes q == fuse_q only (NULL: pi alone). A no-op for other rules and
 * models. ORL_E_NOMEM. */
int ope_scorer_fuse(ope_scorer *s, const float *fuse_q);
/* Score rows [r0, r0 + nb) of b (nb <= OPE_BLOCK; next states with use_next);
 * adds seconds to *t_scoring and *t_policy. */
int ope_scorer_run(ope_scorer *s, const orl_batch *b, size_t r0, size_t nb, int use_next,
                   double *t_scoring, double *t_policy);
/* pi(a | row r) (a the model's id, -1: 0). */
double ope_scorer_pi(const ope_scorer *s, size_t r, int32_t a);
/* sum_a pi(a | row r) q[a] over the model's items; mean_q the mean of q (NaN:
 * computed when needed). */
double ope_scorer_value(const ope_scorer *s, size_t r, const float *q, double mean_q);
/* sum_i p[i] q[i], vectorised. */
double ope_dot(const float *p, const float *q, size_t n);

typedef struct ope_collect_spec {
    const orl_model *model;
    const int32_t *to_model; /* dataset id -> model id (every logged item is known) */
    orl_policy_rule rule;
    const orl_model *behaviour; /* scores with its supervised head; NULL: logged beta */
    const int32_t *to_behaviour;
    const float *item_q;  /* [model items] a context-free reward model, or NULL */
    ope_q_rows_fn q_rows; /* a reward model by state (FQE, gamma 0), or NULL */
    void *q_ctx;
    ope_q_rows_fn qs_rows; /* FQE under gamma (sequential), or NULL */
    void *qs_ctx;
    int threads;
    int full_rows;        /* 1 (tests): score every item even for greedy / epsilon rules, and
                           * softmax rules through probability rows (ope_scorer_fuse off) */
    const int32_t *to_ds; /* the model's id -> dataset id or -1 (with q_rows / qs_rows) */
    /* Slates: 1 when the behaviour model is an impression model (ope_fit_impressions):
     * its softmax estimates inclusion / K, so pos_beta = min(1, K p); 0: a
     * single-draw model, pos_beta = the PL inclusion under its softmax. */
    int impression_rate;
} ope_collect_spec;

/* Fill out (allocated here; ope_arrays_free) from ds and spec. ORL_E_NOMEM,
 * or a scoring failure. */
int ope_collect(const orl_dataset *ds, const ope_collect_spec *spec, ope_arrays *out,
                ope_timing *timing);
void ope_arrays_free(ope_arrays *a);

/* map[dataset id] = the model's id of the same key, or -1 (allocated; orl_free). */
int ope_item_map(const orl_model *m, const orl_dataset *ds, int32_t **out);

/* Logged steps from the display table (ope_displays.c). */
typedef struct ope_disp_arrays {
    uint64_t n, n_sessions;                             /* displays, display sessions */
    uint32_t k;                                         /* items per display */
    uint64_t *sess_off;                                 /* [n_sessions + 1] */
    double *reward, *beta, *pi, *q, *v, *q_seq, *v_seq; /* per display (k == 1) */
    uint64_t *slot_off;                                 /* k > 1: [n + 1] */
    double *pos_pi, *pos_beta, *pos_reward;             /* k > 1: per shown item */
    uint64_t unknown_shown; /* k > 1, behaviour model: shown items it does not know */
} ope_disp_arrays;
/* Items per display: 0 without displays, UINT32_MAX when they differ. */
uint32_t ope_display_k(const orl_dataset *ds);
int ope_collect_displays(const orl_dataset *ds, const ope_collect_spec *s, ope_disp_arrays *out,
                         ope_timing *timing);
void ope_disp_arrays_free(ope_disp_arrays *a);
int ope_check_display_props(const orl_dataset *ds, uint32_t k, const char *fn);
void ope_display_item_means(const orl_dataset *ds, const int32_t *to_model, uint32_t n_model,
                            double *sum, double *cnt, float *q);

/* FQE of the target policy (ope_fqe.c). */
typedef struct ope_fqe ope_fqe;
/* Fit with p's FQE settings and gamma (0: a reward model, no policy needed);
 * to_ds maps the model's ids to the dataset's (-1: not in it). *lost_share:
 * the share of policy rows with probability on items the dataset lacks. */
int ope_fqe_fit(const orl_dataset *ds, const orl_ope_params *p, double gamma,
                const ope_collect_spec *spec, const int32_t *to_ds, ope_fqe **out,
                double *lost_share);
void ope_fqe_free(ope_fqe *f);
/* An ope_q_rows_fn over an ope_fqe. */
int ope_fqe_q_rows(void *ctx, const orl_batch *b, float *ds_scratch, float *out_q);

/* Slates (K > 1) without logged inclusion probabilities or with a stochastic
 * target (ope_slate_incl.c, ope_impression.c). */
typedef struct ope_slate_work {
    uint32_t n;
    double *p, *big;
    uint8_t *mark;
} ope_slate_work;
/* Scratch for catalogues of up to n items. ORL_E_NOMEM. */
int ope_slate_work_init(ope_slate_work *w, uint32_t n);
void ope_slate_work_free(ope_slate_work *w);
/* out[l] = P(shown[l] is in the policy's slate of K <= ORL_PL_MAX_K items)
 * (shown: ids among the n items, -1: never shown, 0): a Plackett-Luce draw
 * from probs, then the best-scoring items once the positive mass runs out,
 * as orl_sim_pick_policy rolls it out. scores may be NULL when at least K
 * probabilities are positive. */
void ope_slate_inclusion(ope_slate_work *w, const float *probs, const float *scores, uint32_t n,
                         const int32_t *shown, uint32_t K, double *out);
/* The impression model of the displays (see ope_impression.c): the supervised
 * network fitted with p's seed, threads, fqe_epochs and fqe_encoder on every
 * shown item; *out_examples the shown items it saw. */
int ope_fit_impressions(const orl_dataset *ds, const orl_ope_params *p, uint64_t *out_examples,
                        orl_model **out);
/* The largest number of items a display shows (0 without displays). */
uint32_t ope_display_kmax(const orl_dataset *ds);

/* Monotonic seconds. */
double ope_now(void);

#endif
