/* Google Benchmark records, built in one place: the runner's iteration
 * records (measured, or an error or skip with no measurement) and the
 * aggregates of stats.c carry the same fields in Google Benchmark 1.8's
 * order, so its compare.py and our scripts read either. */
#ifndef SB_RECORD_H
#define SB_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "plan.h"

/* What names a benchmark's records. */
struct sb_record_id {
    const char *run_name; /* family/engine[/param:value] */
    int family_index, per_family_instance_index;
    int repetitions;
};

/* An iteration record of repetition `rep`, times not yet set. */
json_t *sb_record_iteration(const struct sb_record_id *id, int rep);
/* An aggregate record (`aggregate` is mean, median, stddev or cv). */
json_t *sb_record_aggregate(const struct sb_record_id *id, const char *aggregate);
/* The timing fields: iterations, and per-iteration real and CPU time in ns. */
void sb_record_set_times(json_t *r, uint64_t iterations, double real_ns, double cpu_ns);
/* A record's identity read back from a record (for the aggregates). */
struct sb_record_id sb_record_id_of(json_t *r);

/* The label of an instance's records: mechanism, FPU contract, workers,
 * the stack guard that ran (from the sample's counters; NULL when none),
 * placement. `guard` is the policy asked for. */
void sb_record_label(const struct sb_instance *in, enum sb_stack_guard guard, const char *cpus_used,
                     json_t *counters, char *buf, size_t len);

/* A record with no measurement: an error (error_occurred), or, as Google
 * Benchmark 1.8's SkipWithMessage, a benchmark that this machine's limits
 * cannot hold (skipped). */
json_t *sb_record_unmeasured(const struct sb_instance *in, int repetitions,
                             enum sb_stack_guard guard, int rep, const char *msg, bool skipped);

/* A measured record from a sample line of the benchmark process ({rep,
 * iterations, real_ns, cpu_ns, cpus_used, counters}); an error record
 * when the measurement is empty or not finite. */
json_t *sb_record_measured(const struct sb_instance *in, int repetitions, enum sb_stack_guard guard,
                           json_t *sample);

#endif
