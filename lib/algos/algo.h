/* One interface for every training algorithm: the trainer's loop feeds
 * batches of transitions to an algorithm instance and exports the policy's
 * weights from it. One file per algorithm implements an orl_algo_class. */
#ifndef ORL_ALGOS_ALGO_H
#define ORL_ALGOS_ALGO_H

#include <stddef.h>
#include <stdint.h>

#include "data/transitions.h"
#include "models/spec.h"
#include "nn/params.h"

/* A numeric setting: name, default, inclusive range, integer or not. */
typedef struct orl_setting_def {
    const char *key;
    double def, min, max;
    int is_integer;
    const char *help;
} orl_setting_def;

/* What an algorithm instance is created with. */
typedef struct orl_algo_context {
    const orl_encoder_spec *encoder;
    uint32_t n_items;   /* catalogue size; padding id = n_items */
    uint32_t max_batch; /* largest batch step() receives */
    uint64_t seed;
    int threads;
    const double *settings;       /* this class's settings, in its table's order */
    const float *item_popularity; /* n_items training frequencies (sum 1), for IPS-style terms */
    uint64_t total_steps;         /* steps the whole fit will take */
    /* A fixed generative model of the logged actions (BCQ's G) the host
     * trained before: an sl_net-layout store (its encoder's tensors and the CE
     * head) with its own encoder spec, or NULL (the algorithm trains its own).
     * Read-only; outlives the instance. */
    const orl_params *generative;
    const orl_encoder_spec *generative_encoder;
} orl_algo_context;

/* Figures an algorithm reports per epoch beside its loss (reinforce: the
 * importance weights' effective sample size, the share clipped, ...): what a
 * user tunes. Keys are static strings. */
enum { ORL_ALGO_STATS_MAX = 8 };
typedef struct orl_algo_stats {
    int n;
    const char *keys[ORL_ALGO_STATS_MAX];
    double values[ORL_ALGO_STATS_MAX];
} orl_algo_stats;

/* Losses of one step (NaN where an algorithm has no such term). */
typedef struct orl_step_losses {
    float loss;    /* what the algorithm minimised */
    float ce_loss; /* supervised cross-entropy term */
    float q_loss;  /* temporal-difference term */
} orl_step_losses;

typedef struct orl_algo_class {
    const char *name;
    const char *summary;
    const orl_setting_def *settings;
    int n_settings;
    int (*create)(const orl_algo_context *ctx, void **out);
    void (*destroy)(void *self);
    /* One optimisation step on a batch; no allocation. ORL_E_NUMERIC when the
     * loss is not finite. */
    int (*step)(void *self, const orl_batch *batch, float learning_rate, orl_step_losses *out);
    /* The deployable policy's weights: an sl_net-layout store (the encoder's
     * tensors, then the CE head, ORL_CE_HEAD_* names; Q head too when the
     * algorithm has one). */
    const orl_params *(*policy_params)(const void *self);
    /* ORL_ALGO_* flags (0 for most). */
    unsigned flags;
    /* Optional (NULL for most): called once by the trainer after create and
     * before the first step, with the training dataset the batches come
     * from (their transition_ids index it): per-dataset work such as the
     * returns to the end of each session. */
    int (*prepare)(void *self, const orl_dataset *train);
    /* Optional: the figures accumulated since the last call (then reset);
     * the trainer calls it at the end of every epoch. */
    void (*epoch_stats)(void *self, orl_algo_stats *out);
} orl_algo_class;

/* The algorithm trains no supervised head (cql, rem): its model keeps the Q
 * head only, and scores with it. */
#define ORL_ALGO_Q_ONLY 1u
/* The algorithm trains a generative head G beside Q (bcq): its model scores by
 * the constrained rule with the class's "threshold" setting, and G may be a
 * model the host trained before (orl_algo_context.generative). */
#define ORL_ALGO_CONSTRAINED 2u

/* The class called `name`, or NULL. */
const orl_algo_class *orl_algo_find(const char *name);
/* Comma-separated names of every algorithm (for messages). */
const char *orl_algo_names(void);

#endif
