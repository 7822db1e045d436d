/* late_hist.h: log-spaced bins, counted with atomic adds. */
#include "late_hist.h"

#include <math.h>

static const double LATE_HIST_FLOOR_NS = 1000.0, LATE_HIST_STEP = 1.01;

void late_hist_add(struct late_hist *h, uint64_t ns)
{
    unsigned bin = 0;
    if ((double)ns > LATE_HIST_FLOOR_NS) {
        double b = ceil(log((double)ns / LATE_HIST_FLOOR_NS) / log(LATE_HIST_STEP));
        bin = b >= LATE_HIST_BINS - 1 ? LATE_HIST_BINS - 1 : (unsigned)b;
    }
    __atomic_add_fetch(&h->count[bin], 1, __ATOMIC_RELAXED);
}

double late_hist_quantile_ns(const struct late_hist *h, double q, uint64_t max_ns)
{
    uint64_t n = 0;
    for (unsigned b = 0; b < LATE_HIST_BINS; b++)
        n += __atomic_load_n(&h->count[b], __ATOMIC_RELAXED);
    if (n == 0) return NAN;
    /* The rank of the q-quantile, 1-based: the smallest value with at
     * least q of the values at or below it. */
    double rank = ceil(q * (double)n);
    uint64_t seen = 0;
    for (unsigned b = 0; b < LATE_HIST_BINS; b++) {
        seen += __atomic_load_n(&h->count[b], __ATOMIC_RELAXED);
        if ((double)seen >= rank) {
            double edge = LATE_HIST_FLOOR_NS * pow(LATE_HIST_STEP, b);
            return edge < (double)max_ns ? edge : (double)max_ns;
        }
    }
    return (double)max_ns;
}
