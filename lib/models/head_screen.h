/* Exact one-history top-K over a large catalogue with a half-precision screen.
 *
 * The CE head's scores s_j = w_j . h + b_j cost one stream of the fp32 weights
 * [I x H] per call (6.4 MB at 25,000 x 64: bandwidth-bound). The screen keeps
 * an fp16 copy of W (half the bytes) with per-item error coefficients, so that
 * one pass over it gives, for every item, an approximate score and a rigorous
 * interval [lo_j, hi_j] that contains the score the fp32 path would compute.
 * L, the K-th largest lo_j, bounds the K-th best fp32 score from below, so
 * every item of the fp32 top-K has hi_j >= L. Those candidates (few) are then
 * rescored with the fp32 path's own arithmetic (orl_matvec, one row at a time)
 * and pushed in id order into the same heap: the ids AND scores returned are
 * bit-identical to a full fp32 pass, ties included. The error bound and its
 * proof are in head_screen.c.
 *
 * The screen is immutable once built; any number of threads may use it with
 * their own scratch. */
#ifndef ORL_MODELS_HEAD_SCREEN_H
#define ORL_MODELS_HEAD_SCREEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct orl_head_screen orl_head_screen;

/* Candidate buffer: more candidates than this (after compaction) and the
 * caller falls back to the fp32 pass. K above ORL_SCREEN_MAX_K never screens. */
enum { ORL_SCREEN_CAP = 4096, ORL_SCREEN_MAX_K = 1024 };

/* Builds the screen of W [n_items x hidden] (row-major) and b [n_items].
 * ORL_OK; ORL_E_NOMEM; ORL_E_OUT_OF_RANGE when a value is not finite or a
 * weight does not fit fp16 (|w| >= 65504): the caller then scores in fp32.
 * *out untouched on failure. */
int orl_head_screen_build(const float *w, const float *b, int n_items, int hidden,
                          orl_head_screen **out);
void orl_head_screen_free(orl_head_screen *s);

/* Bytes the screen holds (the model's extra memory for it). */
size_t orl_head_screen_bytes(const orl_head_screen *s);

/* Floats of scratch orl_head_screen_topk needs (independent of k). */
size_t orl_head_screen_scratch_floats(void);

typedef struct orl_screen_stats {
    size_t candidates; /* items rescored in fp32 (0 when it fell back) */
    int fell_back;     /* 1: too many candidates, k too large or h not finite */
} orl_screen_stats;

/* Top-k of the fp32 scores W h + b (w, b: the same arrays the screen was built
 * from), best first, ties by lower id, bit-identical to orl_matvec followed by
 * orl_topk. Returns 1 when out_ids / out_scores [k] are written; 0 when the
 * caller must run the fp32 pass (outputs untouched). scratch: 64-byte aligned,
 * orl_head_screen_scratch_floats() floats. stats may be NULL. */
int orl_head_screen_topk(const orl_head_screen *s, const float *w, const float *b, const float *h,
                         size_t k, float *scratch, int32_t *out_ids, float *out_scores,
                         orl_screen_stats *stats);

/* For tests: the interval of every item, lo [n_items] and hi [n_items]. */
void orl_head_screen_bounds(const orl_head_screen *s, const float *h, float *lo, float *hi);

/* 1 when the AVX-512 kernel runs on this CPU (the screen pays only then). */
int orl_head_screen_native(void);
/* Test hook (process-wide): nonzero runs the portable scalar kernel. */
void orl_head_screen_force_scalar(int on);

/* fp32 <-> fp16 (binary16), round to nearest even; the conversion the screen
 * uses, exposed for tests. f must be finite with |f| < 65520. */
uint16_t orl_float_to_half(float f);
float orl_half_to_float(uint16_t h);

#endif
