#include "sampling.h"

#include <math.h>
#include <stdlib.h>

#include "stats.h"

bool sb__sampling_stopped(const struct sb__records *records)
{
    return records->n > 0 && records->v[records->n - 1].status != SB_RECORD_MEASURED;
}

size_t sb__sampling_redo(const struct sb__records *per_instance, size_t n, int planned,
                         struct sb__sampling *st, struct sb__job *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sb__records *rs = &per_instance[i];
        if (sb__sampling_stopped(rs)) continue;
        int disturbed = 0;
        for (size_t j = 0; j < rs->n; j++)
            disturbed += rs->v[j].status == SB_RECORD_MEASURED && rs->v[j].disturbed[0];
        int want = (disturbed < planned ? disturbed : planned) - st[i].redone;
        for (; want > 0; want--, st[i].redone++)
            out[k++] = (struct sb__job){i, st[i].next_rep++, 1};
    }
    return k;
}

size_t sb__sampling_precision(const struct sb__records *per_instance, size_t n, double target,
                              struct sb__sampling *st, struct sb__job *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sb__records *rs = &per_instance[i];
        double *v = malloc((rs->n ? rs->n : 1) * sizeof *v);
        size_t m = 0;
        for (size_t j = 0; v && j < rs->n; j++)
            if (rs->v[j].status == SB_RECORD_MEASURED && !rs->v[j].disturbed[0])
                v[m++] = rs->v[j].real_ns;
        st[i].width = v ? sb__stats_median_halfwidth(v, m) : INFINITY;
        free(v);
        if (!sb__sampling_stopped(rs) && rs->n > 0 && st[i].width > target)
            out[k++] = (struct sb__job){i, st[i].next_rep++, 1};
    }
    return k;
}
