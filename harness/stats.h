/* Aggregates over repetitions, as Google Benchmark computes and names them. */
#ifndef SB_STATS_H
#define SB_STATS_H

#include <jansson.h>
#include <stddef.h>

/* `rows`: the iteration records of one instance. Appends mean, median,
 * stddev and cv records to `out` when at least two repetitions succeeded. */
void sb_stats_aggregate(json_t *rows, json_t *out);

/* The run's records: per instance (per_instance[i], in the order its jobs
 * ran) the iteration records by repetition_index, then its aggregates.
 * 0, or -1 when out of memory. */
int sb_stats_collect(json_t *const *per_instance, size_t n, json_t *rows);

/* Whether a record key is a user counter (a number that is not one of
 * Google Benchmark's own fields). */
int sb_stats_is_counter(const char *key, json_t *value);

#endif
