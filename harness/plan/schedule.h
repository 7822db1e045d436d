/* The order jobs run in. Without --interleave, one job (one benchmark
 * process) runs all repetitions of an instance, instance after instance;
 * with it, every repetition is a job of its own, shuffled with --seed, so
 * drift over a run is spread over every instance rather than landing on
 * whichever ran last. */
#ifndef SB_SCHEDULE_H
#define SB_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>

struct sb__job {
    size_t instance;
    int first_rep, n_reps;
};

/* The jobs for `instances` instances of `reps` repetitions each, in the
 * order they run; *njobs receives their number. Interleaved, repetition
 * indexes follow the order each instance's jobs run in, so the first job
 * of an instance (the one that searches the iteration count) is
 * repetition 0. NULL when out of memory. Free with free(). */
struct sb__job *sb__schedule(size_t instances, int reps, bool interleave, unsigned seed,
                             size_t *njobs);

/* Shuffles jobs in place, reproducibly from seed (Fisher-Yates). */
void sb__schedule_shuffle(struct sb__job *jobs, size_t n, unsigned seed);

#endif
