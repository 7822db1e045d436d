/* A run's records, typed: what the runner makes of a benchmark process's
 * samples (measured, or an error or skip with no measurement), and the
 * aggregates of stats.c. Nothing reads a record back by string key; the
 * reporters serialise them at the edge (report_json.c, report_csv.c,
 * report_console.c) in Google Benchmark 1.8's fields and order, so its
 * compare.py and our scripts read either. */
#ifndef SB_RECORD_H
#define SB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "counters.h"
#include "plan.h"
#include "sample.h"

enum sb__record_kind { SB_RECORD_ITERATION, SB_RECORD_AGGREGATE };
enum sb__record_status { SB_RECORD_MEASURED, SB_RECORD_ERROR, SB_RECORD_SKIPPED };
enum sb__aggregate { SB_AGG_MEAN, SB_AGG_MEDIAN, SB_AGG_STDDEV, SB_AGG_CV };

struct sb__counter_value {
    const struct sb__counter_def *def; /* a line of the registry: name, unit, kind */
    double value;
};

struct sb__record {
    /* What ran: its name, indexes, engine, workload, parameters, workers
     * and placement. The plan outlives every record. */
    const struct sb__instance *in;
    enum sb__record_kind kind;
    enum sb__aggregate aggregate; /* SB_RECORD_AGGREGATE only */
    enum sb__record_status status;
    int repetitions, repetition_index;
    uint64_t iterations;
    double real_ns, cpu_ns;   /* per iteration; a fraction for the cv aggregate */
    char message[SB_ERR_LEN]; /* the error or skip message */
    char label[1024];
    char cpus_used[160]; /* measured iterations only */
    char disturbed[400]; /* why the repetition was disturbed (a pause, other processes); "" when not
                          */
    struct sb__machine_delta machine; /* what else the machine did meanwhile (measured only) */
    struct sb__disturbance dist;      /* judged from it */
    /* How its instance was sampled beyond the plan (run/sampling.h): the
     * precision asked (0: none), the half-width reached, repetitions added
     * for it and disturbed ones redone. */
    struct {
        double target, width;
        int added, redone;
    } sampling;
    bool has_layout; /* our engines' iterations: where the repetition ran */
    uint32_t layout_offset, stack_page_offset;
    /* The workload's rate counter first, then the sample's, in the order
     * it gave them; each registered counter at most once. */
    size_t n_counters;
    struct sb__counter_value counters[SB_N_COUNTERS];
};

/* A growing array of records. */
struct sb__records {
    struct sb__record *v;
    size_t n, cap;
};

/* A copy of *r at the end: 0, or -1 when out of memory. */
int sb__records_push(struct sb__records *rs, const struct sb__record *r);
void sb__records_free(struct sb__records *rs);

/* The value of a counter in r, or NULL when r has none by that line. */
const double *sb__record_counter(const struct sb__record *r, const struct sb__counter_def *def);
/* Sets a counter (replacing the value of one r has already). */
void sb__record_set_counter(struct sb__record *r, const struct sb__counter_def *def, double value);

/* A record with no measurement: an error, or, as Google Benchmark 1.8's
 * SkipWithMessage, a benchmark that this machine's limits cannot hold
 * (skipped). */
void sb__record_unmeasured(struct sb__record *r, const struct sb__instance *in, int repetitions,
                           enum sb_stack_guard guard, int rep, const char *msg, bool skipped);

/* A measured record from a benchmark process's sample of repetition
 * `rep`; an error record when the measurement is empty or not finite, or
 * names a counter the registry (counter_list.h) does not list. */
void sb__record_measured(struct sb__record *r, const struct sb__instance *in, int repetitions,
                         enum sb_stack_guard guard, int rep, const struct sb__sample *s);

/* Marks a measured record whose repetition held a pause of `stopped_s`
 * seconds (SIGSTOP, Ctrl-Z): the report leaves it out of its figures. */
void sb__record_disturbed(struct sb__record *r, double stopped_s);
/* Judges the machine's deltas against `bound` (0: marks nothing, still
 * reports the shares) and marks r when they pass it. */
void sb__record_judge_machine(struct sb__record *r, double bound);

/* The words Google Benchmark gives an aggregate ("mean") and its unit
 * ("time", or "percentage" for the cv). */
const char *sb__aggregate_name(enum sb__aggregate a);
const char *sb__aggregate_unit(enum sb__aggregate a);

/* The record's name: run_name, with "_mean" etc. for an aggregate. */
void sb__record_name(const struct sb__record *r, char *buf, size_t len);

#endif
