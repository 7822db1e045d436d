/* A lateness histogram that tasks on any engine add to at once (threads,
 * forked processes: it lives in the run's shared memory, sb_run_alloc,
 * and every add is atomic), read as percentiles after the run. Bins are
 * log-spaced, each 1 % wider than the one below, from 1 us up: a
 * percentile is its bin's upper edge, at most 1 % above the truth, and
 * never above the largest value (which the caller already keeps). Below
 * 1 us is one bin. Not GSL's histogram, which echo's load generator
 * uses: its increment is a plain add, and here task processes of the
 * processes engine add to one shared histogram at once. One atomic add a
 * wake, on the sleepers' path: nothing it can derive is kept. */
#ifndef SB_LATE_HIST_H
#define SB_LATE_HIST_H

#include <stdint.h>

enum { LATE_HIST_BINS = 2200 }; /* 1 us x 1.01^2200: past 10^9 s */

struct late_hist {
    uint64_t count[LATE_HIST_BINS];
};

/* Any thread or process of the run; async-signal-unsafe nothing. */
void late_hist_add(struct late_hist *h, uint64_t ns);
/* The q-quantile (0 < q <= 1) in ns, at most max_ns (the largest value
 * added); NAN when nothing was added. */
double late_hist_quantile_ns(const struct late_hist *h, double q, uint64_t max_ns);

#endif
