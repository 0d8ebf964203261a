/* Embedding lookup: rows of a table gathered by id, and the gradient
 * scattered back (added) into the table's gradient. */
#ifndef ORL_NN_EMBEDDING_H
#define ORL_NN_EMBEDDING_H

#include <stddef.h>
#include <stdint.h>

/* out[i] = table[ids[i]] for i < n; rows of `dim` floats. Ids are trusted. */
void orl_embedding_forward(float *out, const int32_t *ids, size_t n, const float *table,
                           size_t dim);
/* d_table[ids[i]] += d_out[i]: repeated ids accumulate, in order of i. */
void orl_embedding_backward(float *d_table, const float *d_out, const int32_t *ids, size_t n,
                            size_t dim);

#endif
