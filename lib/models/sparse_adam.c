#include "models/sparse_adam.h"

#include <string.h>

void orl_adam_step_sparse(orl_pool *pool, orl_params *p, const orl_adam_step_consts *k,
                          const orl_sparse_rows *sparse, int n_sparse)
{
    for (int i = 0; i < p->n_views; i++) {
        const orl_param_view *v = &p->views[i];
        const size_t n = v->rows * v->cols;
        int j = 0;
        while (j < n_sparse && strcmp(v->name, sparse[j].name) != 0) j++;
        if (j < n_sparse) {
            const size_t len = sparse[j].row_len ? sparse[j].row_len : v->cols;
            orl_adam_update_rows(pool, p, k, v->offset, n / len, len, sparse[j].touched);
        } else {
            orl_adam_update_range(pool, p, k, v->offset, v->offset + n, 1);
        }
    }
}
