/* Aggregates over repetitions, as Google Benchmark computes and names them. */
#ifndef SB_STATS_H
#define SB_STATS_H

#include <stddef.h>

#include "record.h"

/* `reps`: the iteration records of one instance. Appends mean, median,
 * stddev and cv records to `out` when at least two repetitions were
 * measured. 0, or -1 when out of memory. */
int sb_stats_aggregate(const struct sb_records *reps, struct sb_records *out);

/* The run's records: per instance (per_instance[i], in the order its jobs
 * ran) the iteration records by repetition_index, then its aggregates.
 * 0, or -1 when out of memory. */
int sb_stats_collect(const struct sb_records *per_instance, size_t n, struct sb_records *rows);

#endif
