/* Adam on a store whose gathered tensors (the item embedding, a Q head's rows
 * at the logged actions) have a gradient in a few rows only: those tensors
 * take the row-sparse form (rows without a gradient get the exact
 * zero-gradient update without reading it), every other tensor the dense one.
 * The result equals the dense update bit for bit; gradients are cleared. */
#ifndef ORL_MODELS_SPARSE_ADAM_H
#define ORL_MODELS_SPARSE_ADAM_H

#include <stddef.h>

#include "core/pool.h"
#include "nn/adam.h"
#include "nn/params.h"

/* One tensor updated by rows: its name, the floats per row (0 = the view's
 * cols; 1 for a bias, one float per row) and the rows' flags. */
typedef struct orl_sparse_rows {
    const char *name;
    size_t row_len;
    const unsigned char *touched;
} orl_sparse_rows;

/* One Adam step with the constants k over every tensor of p. */
void orl_adam_step_sparse(orl_pool *pool, orl_params *p, const orl_adam_step_consts *k,
                          const orl_sparse_rows *sparse, int n_sparse);

#endif
