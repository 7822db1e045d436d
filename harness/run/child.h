/* The benchmark process's side of a job (see runner.h). */
#ifndef SB_CHILD_H
#define SB_CHILD_H

#include <stdint.h>
#include <sys/types.h>

#include "job_config.h"
#include "plan.h"

/* In the forked child of `parent`: repetitions [first_rep, first_rep +
 * n_reps) of `in`, with `iterations` per repetition (0: search it in the
 * first). Samples and errors go to `fd` as JSON lines. Never returns. */
_Noreturn void sb__child_main(int fd, pid_t parent, const struct sb__runner_config *rc,
                              const struct sb__instance *in, int first_rep, int n_reps,
                              uint64_t iterations);

#endif
