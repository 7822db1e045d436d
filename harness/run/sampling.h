/* Repetitions beyond the plan, decided from the records so far: a
 * disturbed repetition is redone (at most as many again as were planned),
 * and a benchmark whose median's 95 % interval is wider than the target
 * gets one more repetition per round. The rule stops on the interval's
 * width, never on what a verdict would say: stopping when a test first
 * "passes" inflates its error rate. */
#ifndef SB_SAMPLING_H
#define SB_SAMPLING_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"
#include "schedule.h"

/* Per instance, what the extra rounds have done so far. */
struct sb__sampling {
    int next_rep; /* the next repetition index to run */
    int redone;   /* disturbed repetitions already redone */
    int added;    /* repetitions --precision added */
    double width; /* the last half-width judged (a fraction), INFINITY when none */
    double job_s; /* the mean wall time of its jobs so far, for the budget */
    int jobs;     /* how many of them */
};

/* Jobs redoing disturbed repetitions, one per repetition, at most
 * `planned` per instance in all; appended to `out` (room for n). */
size_t sb__sampling_redo(const struct sb__records *per_instance, size_t n, int planned,
                         struct sb__sampling *st, struct sb__job *out);

/* One job for each instance whose undisturbed repetitions give a median
 * interval wider than `target` (a fraction), each instance's width
 * stored in st. Instances that stopped (an error or skip) get none. */
size_t sb__sampling_precision(const struct sb__records *per_instance, size_t n, double target,
                              struct sb__sampling *st, struct sb__job *out);

/* Whether an instance's last record is an error or a skip. */
bool sb__sampling_stopped(const struct sb__records *records);

#endif
