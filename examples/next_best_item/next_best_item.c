/* "Next best item" for a shop or game engine: each turn the host knows which items are
 * available right now (the shelf, the loot table, the items in stock) and asks the model to
 * rank exactly those for the player's history. The model never proposes anything else.
 *
 *   orl_next_best_item MODEL.orl [--turns N] [--shelf S] [--seed X]
 *
 * Items the model has never seen (new stock) get -infinity: they are counted, and when no
 * candidate is known (turn 7: a whole shelf of new stock) the host falls back to its own order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <offlinerl/offlinerl.h>

enum { MAX_SHELF = 64, MAX_HISTORY = 20 };

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return rng_state;
}

/* The host's side: what is available this turn. Here a random shelf from the catalogue,
 * and on some turns one brand-new item the model was not trained on. */
static size_t stock_shelf(const int64_t *catalogue, uint64_t n_items, size_t shelf_size, int turn,
                          int64_t *shelf)
{
    size_t n = 0;
    while (n < shelf_size) {
        int64_t key = catalogue[next_random() % n_items];
        int dup = 0;
        for (size_t j = 0; j < n; j++) dup |= shelf[j] == key;
        if (!dup) shelf[n++] = key;
    }
    if (turn % 3 == 0) shelf[n - 1] = 900000000 + turn; /* new stock: unknown to the model */
    if (turn % 7 == 0)                                  /* a whole shelf of new stock */
        for (size_t j = 0; j < n; j++) shelf[j] = 900000000 + 100 * turn + (int64_t)j;
    return n;
}

int main(int argc, char **argv)
{
    const char *model_path = NULL;
    long turns = 8, shelf_size = 6, seed = 1;
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--turns") == 0)
            turns = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--shelf") == 0)
            shelf_size = strtol(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
            seed = strtol(argv[++i], NULL, 10);
        else if (argv[i][0] != '-' && !model_path)
            model_path = argv[i];
        else {
            model_path = NULL;
            break;
        }
    }
    if (!model_path || turns < 1 || shelf_size < 2 || shelf_size > MAX_SHELF || seed < 0) {
        fprintf(stderr, "usage: %s MODEL.orl [--turns N] [--shelf S (2..%d)] [--seed X]\n", argv[0],
                MAX_SHELF);
        return 2;
    }
    rng_state += (uint64_t)seed * 0x2545f4914f6cdd1dull;

    orl_model *model = NULL;
    if (orl_model_load(model_path, &model) != ORL_OK) {
        fprintf(stderr, "loading %s: %s\n", model_path, orl_last_error());
        return 1;
    }
    uint64_t n_items = 0;
    orl_model_item_count(model, &n_items);
    if ((uint64_t)shelf_size > n_items) {
        fprintf(stderr, "the shelf (%ld) is larger than the catalogue (%llu)\n", shelf_size,
                (unsigned long long)n_items);
        orl_model_free(model);
        return 2;
    }
    /* Only to stock the simulated shelves: the catalogue's keys, from a top-K over everything.
     * A real host has its own inventory. */
    int64_t *catalogue = malloc(n_items * sizeof *catalogue);
    int rc = 1;
    if (!catalogue ||
        orl_model_recommend(model, NULL, 0, (uint32_t)n_items, catalogue, NULL, NULL) != ORL_OK)
        goto done;

    int64_t history[MAX_HISTORY];
    size_t history_len = 0, total_unknown = 0;
    for (long turn = 1; turn <= turns; turn++) {
        int64_t shelf[MAX_SHELF];
        float scores[MAX_SHELF];
        size_t n = stock_shelf(catalogue, n_items, (size_t)shelf_size, (int)turn, shelf);
        size_t unknown = 0;
        if (orl_model_score_candidates(model, history, history_len, shelf, n, scores, NULL,
                                       &unknown) != ORL_OK) {
            fprintf(stderr, "turn %ld: %s\n", turn, orl_last_error());
            goto done;
        }
        total_unknown += unknown;
        /* The best known candidate; unknown ones score -infinity and never win. */
        size_t best = n;
        for (size_t j = 0; j < n; j++)
            if (isfinite(scores[j]) && (best == n || scores[j] > scores[best])) best = j;
        const char *why = "model";
        if (best == n) { /* nothing known on the shelf: the host's own order decides */
            best = 0;
            why = "host fallback";
        }
        printf("turn %2ld  shelf:", turn);
        for (size_t j = 0; j < n; j++) {
            if (isfinite(scores[j]))
                printf(" %lld(%.2f)", (long long)shelf[j], (double)scores[j]);
            else
                printf(" %lld(new)", (long long)shelf[j]);
        }
        printf("  ->  pick %lld [%s]\n", (long long)shelf[best], why);
        /* The player takes it: it becomes part of the history the next turn is scored on. */
        if (history_len == MAX_HISTORY) {
            memmove(history, history + 1, (MAX_HISTORY - 1) * sizeof history[0]);
            history_len--;
        }
        history[history_len++] = shelf[best];
    }
    printf("%ld turns, %zu candidates unknown to the model (picked only by the host fallback)\n",
           turns, total_unknown);
    rc = 0;
done:
    free(catalogue);
    orl_model_free(model);
    return rc;
}
