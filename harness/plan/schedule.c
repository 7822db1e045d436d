#include "schedule.h"

#include <stdlib.h>

/* Fisher-Yates with a small xorshift: reproducible from --seed. */
void sb__schedule_shuffle(struct sb__job *jobs, size_t n, unsigned seed)
{
    unsigned long long x = seed * 2654435761ULL + 1;
    for (size_t i = n; i > 1; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % i);
        struct sb__job t = jobs[i - 1];
        jobs[i - 1] = jobs[j];
        jobs[j] = t;
    }
}

struct sb__job *sb__schedule(size_t instances, int reps, bool interleave, unsigned seed,
                             size_t *njobs)
{
    size_t n = interleave ? instances * (size_t)reps : instances;
    struct sb__job *jobs = calloc(n ? n : 1, sizeof *jobs);
    if (!jobs) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < instances; i++) {
        if (!interleave) {
            jobs[k++] = (struct sb__job){i, 0, reps};
            continue;
        }
        for (int r = 0; r < reps; r++) jobs[k++] = (struct sb__job){i, r, 1};
    }
    if (interleave) {
        sb__schedule_shuffle(jobs, n, seed);
        int *next = calloc(instances ? instances : 1, sizeof *next);
        if (!next) {
            free(jobs);
            return NULL;
        }
        for (k = 0; k < n; k++) jobs[k].first_rep = next[jobs[k].instance]++;
        free(next);
    }
    *njobs = n;
    return jobs;
}
