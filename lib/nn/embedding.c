#include "nn/embedding.h"

#include <string.h>

#include "nn/vmath.h"

void orl_embedding_forward(float *out, const int32_t *ids, size_t n, const float *table, size_t dim)
{
    for (size_t i = 0; i < n; i++)
        memcpy(out + i * dim, table + (size_t)ids[i] * dim, dim * sizeof(float));
}

void orl_embedding_backward(float *d_table, const float *d_out, const int32_t *ids, size_t n,
                            size_t dim)
{
    for (size_t i = 0; i < n; i++)
        orl_vec_add(d_table + (size_t)ids[i] * dim, d_out + i * dim, dim);
}
