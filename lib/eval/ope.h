/* Off-policy estimators as pure functions on arrays of logged steps.
 *
 * The logged steps are grouped by session: session i owns the steps
 * [sess_off[i], sess_off[i+1]) in their order within it (step t of the
 * session is sess_off[i] + t). Per step: the reward, the logging propensity
 * beta(a|s) of the logged action, the target's pi(a|s) of it, and from a
 * reward model q(s,a) of the logged action and V(s) = sum_a pi(a|s) q(s,a);
 * from FQE (a Q of the target under gamma) q_seq and v_seq likewise.
 *
 * Every estimator is one function value(steps, config, session_weights):
 * the estimate when session i counts sw[i] times (sw NULL: once each), which
 * is what a bootstrap over sessions needs, and optionally the per-session
 * pseudo-values (mean = the estimate; their standard deviation / sqrt(n) is
 * the delta-method standard error, clustered by session) for the normal
 * interval. Bandit forms give a value per logged step (sums over sessions of
 * session sums, divided by the steps or the weights), sequential forms a
 * value per session (the discounted return of a session).
 *
 * Definitions follow Open Bandit Pipeline (per-step forms) and SCOPE-RL
 * (sequential forms); where a session ends before others the sequential
 * forms treat it as absorbed (reward 0, every policy agrees, so its
 * cumulative weight stays as it was). */
#ifndef ORL_EVAL_OPE_H
#define ORL_EVAL_OPE_H

#include <stddef.h>
#include <stdint.h>

typedef struct orl_ope_steps {
    uint64_t n_sessions;
    const uint64_t *sess_off; /* n_sessions + 1 offsets into the step arrays */
    const double *reward;
    const double *beta;  /* logging propensity of the logged action, > 0 */
    const double *pi;    /* target probability of the logged action, >= 0 */
    const double *q;     /* reward model q(s, a) of the logged action; NULL: none */
    const double *v;     /* sum_a pi(a|s) q(s, a); NULL with q */
    const double *q_seq; /* FQE Q(s, a) of the logged action under gamma; NULL: none */
    const double *v_seq; /* FQE V(s) = sum_a pi(a|s) Q(s, a); NULL with q_seq */
} orl_ope_steps;

typedef struct orl_ope_config {
    double clip;       /* clipped IPS: weights above it count as clip (> 0) */
    double switch_tau; /* Switch-DR: steps with weight > tau use the model alone (> 0) */
    double gamma;      /* sequential forms: discount in [0, 1] */
} orl_ope_config;

/* What an estimator reads beyond rewards and propensities. */
enum { ORL_OPE_NEEDS_Q = 1, ORL_OPE_NEEDS_QSEQ = 2, ORL_OPE_SLATE = 4 };

/* The estimate when session i counts sw[i] times (NULL: once each) into
 * *out; with pseudo not NULL (and sw NULL) the per-session pseudo-values
 * [n_sessions]. Returns ORL_OK, ORL_E_NOMEM. A value the data cannot give
 * (no weight at all) is NaN. */
typedef int (*orl_ope_value_fn)(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                                double *out, double *pseudo);

/* Diagnostics of the weights an estimator uses: effective sample size
 * (sum w)^2 / sum w^2 and the share of weights clipped or switched. */
typedef struct orl_ope_diag {
    double ess;
    double clipped_share;
} orl_ope_diag;
typedef void (*orl_ope_diag_fn)(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out);

typedef struct orl_ope_estimator {
    const char *name;
    int per_session;        /* 1: a value per session; 0: per logged step */
    int needs;              /* ORL_OPE_NEEDS_* */
    orl_ope_value_fn value; /* NULL for the slate estimators (ORL_OPE_SLATE) */
    orl_ope_diag_fn diag;
} orl_ope_estimator;

/* ---- the estimators (ope_ips.c, ope_dr.c, ope_pdis.c, ope_seq_dr.c) ---- */
int orl_ope_ips(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                double *pseudo);
int orl_ope_clipped_ips(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                        double *out, double *pseudo);
int orl_ope_snips(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                  double *pseudo);
int orl_ope_dm(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
               double *pseudo);
int orl_ope_dr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
               double *pseudo);
int orl_ope_sndr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                 double *pseudo);
int orl_ope_switch_dr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                      double *out, double *pseudo);
int orl_ope_pdis(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                 double *pseudo);
int orl_ope_wpdis(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                  double *pseudo);
int orl_ope_seq_dr(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                   double *pseudo);
int orl_ope_fqe(const orl_ope_steps *d, const orl_ope_config *c, const double *sw, double *out,
                double *pseudo);

/* Diagnostics: per-step weights pi/beta; the clipped or switched share. */
void orl_ope_diag_steps(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out);
void orl_ope_diag_clipped(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out);
void orl_ope_diag_switch(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out);
/* Unweighted (the model-only estimators): ESS = steps or sessions. */
void orl_ope_diag_none_steps(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out);
void orl_ope_diag_none_sessions(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out);
/* Sequential: the cumulative weights rho_t of every step. */
void orl_ope_diag_sessions(const orl_ope_steps *d, const orl_ope_config *c, orl_ope_diag *out);

/* ---- the registry (ope_registry.c) ---- */
size_t orl_ope_estimator_count(void);
const orl_ope_estimator *orl_ope_estimator_at(size_t i);
/* NULL when no estimator has that name. */
const orl_ope_estimator *orl_ope_estimator_find(const char *name, size_t len);

/* ---- helpers shared by the estimator files (ope_common.c) ---- */
/* sw[i] or 1. */
static inline double orl_ope_sw(const double *sw, uint64_t i)
{
    return sw ? sw[i] : 1.0;
}
/* a / b, NaN when b is 0. */
double orl_ope_ratio(double a, double b);
/* pseudo[i] = v + (a[i] - v b[i]) / mean(b): the linearised ratio sum a / sum b. */
void orl_ope_ratio_pseudo(uint64_t n, const double *a, const double *b, double v, double *pseudo);
/* A ratio estimator sum_i A_i / sum_i B_i over sessions, where A_i, B_i are
 * the session sums of a(d, c, step) and b(d, c, step). */
typedef double (*orl_ope_step_fn)(const orl_ope_steps *d, const orl_ope_config *c, uint64_t step);
int orl_ope_ratio_estimate(const orl_ope_steps *d, const orl_ope_config *c, const double *sw,
                           orl_ope_step_fn a, orl_ope_step_fn b, double *out, double *pseudo);
/* Per-step quantities the forms share. */
double orl_ope_step_one(const orl_ope_steps *d, const orl_ope_config *c, uint64_t step);
double orl_ope_step_weight(const orl_ope_steps *d, const orl_ope_config *c, uint64_t step);
static inline uint64_t orl_ope_n_steps(const orl_ope_steps *d)
{
    return d->sess_off[d->n_sessions] - d->sess_off[0];
}

/* ---- intervals (ope_interval.c) ---- */
/* The two-sided standard normal quantile for `confidence` in (0, 1): 1.96 for 0.95. */
double orl_ope_normal_quantile(double confidence);

typedef struct orl_ope_interval {
    double value, low, high, std_error;
} orl_ope_interval;

/* Any estimate over sessions: its value when session i counts sw[i] times
 * (NULL: once), and with pseudo not NULL (sw NULL) the pseudo-values. */
typedef int (*orl_ope_sessions_fn)(const void *ctx, const double *sw, double *out, double *pseudo);
/* The context of an orl_ope_value_fn as an orl_ope_sessions_fn (orl_ope_on_steps). */
typedef struct orl_ope_bound {
    const orl_ope_steps *d;
    const orl_ope_config *c;
    orl_ope_value_fn fn;
} orl_ope_bound;
int orl_ope_on_steps(const void *bound, const double *sw, double *out, double *pseudo);

/* Normal interval from the pseudo-values: value +- z se, se = sd / sqrt(n). */
int orl_ope_interval_normal(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions,
                            double confidence, orl_ope_interval *out);

/* Percentile bootstrap over sessions: `samples` resamples of n sessions
 * drawn with replacement, resample b seeded by (seed, b) whatever the
 * thread count; std_error = their standard deviation. The value is the
 * full-data estimate. threads >= 1 (fn is called concurrently). NaN
 * resamples (no weight at all) are left out; all NaN gives a NaN interval. */
int orl_ope_interval_bootstrap(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions,
                               uint32_t samples, double confidence, uint64_t seed, int threads,
                               orl_ope_interval *out);
/* The same resamples with the BCa ends (Efron 1987): the bias correction z0
 * from the share of resamples below the estimate, the acceleration from the
 * skew of the pseudo-values (fn's influence values, sw NULL). Same seeds,
 * so the same resamples as orl_ope_interval_bootstrap. */
int orl_ope_interval_bca(orl_ope_sessions_fn fn, const void *ctx, uint64_t n_sessions,
                         uint32_t samples, double confidence, uint64_t seed, int threads,
                         orl_ope_interval *out);

/* ---- slates (ope_slate.c) ----
 * Display steps grouped by session (sess_off over slates); slate j shows the
 * positions [slot_off[j], slot_off[j+1]). Per position: the reward of that
 * position (a click on it), the target's marginal probability pi_pos of the
 * shown item at that position and the logging policy's beta_pos (> 0). */
typedef struct orl_ope_slates {
    uint64_t n_sessions;
    const uint64_t *sess_off; /* n_sessions + 1 offsets into the slates */
    const uint64_t *slot_off; /* n_slates + 1 offsets into the positions */
    const double *reward;     /* per position */
    const double *pi_pos;
    const double *beta_pos;
} orl_ope_slates;

/* Independent IPS: per slate sum_l (pi_l / beta_l) r_l; value per display step. */
int orl_ope_slate_iips(const orl_ope_slates *d, const double *sw, double *out, double *pseudo);
/* Pseudo-inverse (Swaminathan et al. 2017), assuming the slate reward is
 * the sum of the positions' rewards and a logging policy whose positions
 * are drawn independently: per slate (sum_l pi_l / beta_l - (L - 1)) r with
 * r = sum_l r_l; value per display step. */
int orl_ope_slate_pi(const orl_ope_slates *d, const double *sw, double *out, double *pseudo);
/* Weights pi_pos / beta_pos of every position: their ESS. */
double orl_ope_slate_ess(const orl_ope_slates *d);
/* The two as orl_ope_sessions_fn (ctx = the orl_ope_slates). */
int orl_ope_slate_iips_fn(const void *ctx, const double *sw, double *out, double *pseudo);
int orl_ope_slate_pi_fn(const void *ctx, const double *sw, double *out, double *pseudo);

#endif
