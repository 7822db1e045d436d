/* Runs benchmark instances, each in a forked child with a wall-clock
 * timeout; the child sends its samples over a pipe as JSON lines and the
 * parent turns them into Google Benchmark records. A crash, timeout or
 * failed verification becomes a record with error_occurred; the run goes on. */
#ifndef SB_RUNNER_H
#define SB_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "job_config.h"
#include "plan.h"
#include "record.h"

/* One child: repetitions [first_rep, first_rep + n_reps) of one instance.
 * With *iterations == 0 the child first grows the iteration count until a
 * repetition lasts min_time (that repetition counts as the first), and
 * stores the count it chose in *iterations. Appends one record per
 * repetition (or one error record) to `rows`. Returns 0, or -1 when
 * interrupted. */
int sb__runner_job(const struct sb__runner_config *rc, const struct sb__instance *in, int first_rep,
                   int n_reps, uint64_t *iterations, struct sb__records *rows);

#endif
