/* Helper processes of a repetition (the load generator, the memory
 * probe): forked at setup, pinned away from the benchmark when there is a
 * core to spare, released when the timed run starts, reaped after it. */
#ifndef SB_HELPER_H
#define SB_HELPER_H

#include <stdint.h>
#include <sys/types.h>

#include "../workloads/sb_task.h"
#include "pin.h"

struct sb_helper {
    pid_t pid;
    uint32_t *gate; /* in memory shared with the helper */
};

/* The helper runs fn(arg) once the gate opens, then exits with its result
 * (0 success). `root` is the benchmark process (the helper's parent). */
int sb_helper_start(struct sb_helper *h, uint32_t *gate, struct sb_pin *pin, int (*fn)(void *), void *arg,
                    struct sb_err *err);
void sb_helper_go(struct sb_helper *h);
/* Reap it: 0 when it exited with 0, else -1 with err describing how it ended. */
int sb_helper_wait(struct sb_helper *h, const char *what, struct sb_err *err);
void sb_helper_kill(struct sb_helper *h);

#endif
