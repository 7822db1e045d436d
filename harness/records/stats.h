/* Aggregates over repetitions, as Google Benchmark computes and names them. */
#ifndef SB_STATS_H
#define SB_STATS_H

#include <stddef.h>

#include "record.h"

/* `reps`: the iteration records of one instance. Appends mean, median,
 * stddev and cv records to `out` when at least two repetitions were
 * measured. 0, or -1 when out of memory. */
int sb__stats_aggregate(const struct sb__records *reps, struct sb__records *out);

/* The run's records: per instance (per_instance[i], in the order its jobs
 * ran) the iteration records by repetition_index, then its aggregates.
 * 0, or -1 when out of memory. */
int sb__stats_collect(const struct sb__records *per_instance, size_t n, struct sb__records *rows);

/* The half-width of the 95 % interval of the median of v[0..n) (order
 * statistics, as the report computes it), over the median: 0.03 for
 * +-3 %. INFINITY when n is too small to give one (under 6). Sorts v. */
double sb__stats_median_halfwidth(double *v, size_t n);

#endif
