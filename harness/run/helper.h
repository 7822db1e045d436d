/* Helper processes of a repetition (sb_run_helper: the echo workload's
 * load generator, the memory probe): forked at setup, pinned away from the benchmark when there is
 * a core to spare, released when the timed run starts, reaped after it.
 *
 * A watcher thread waits for each helper from the moment it is forked, so
 * a helper that dies early (killed, crashed) is reaped at once and its
 * `on_death` hook can tell the workload to stop instead of waiting for
 * the run's timeout. */
#ifndef SB_HELPER_H
#define SB_HELPER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sb_task.h"
#include "pin.h"

struct sb__helper {
    pid_t pid;
    uint32_t *gate; /* in memory shared with the helper */
    pthread_t watcher;
    bool watching;
    int status;      /* as waitpid reports it, once reaped */
    uint32_t killed; /* set when we killed it: no death to report */
    /* Called from the watcher thread when the helper ends other than by
     * exiting with 0 (and not killed by us). */
    void (*on_death)(void *ctx);
    void *ctx;
};

/* The helper runs fn(arg) once the gate opens, then exits with its result
 * (0 success). Set h->on_death and h->ctx before the call, or zero them. */
int sb__helper_start(struct sb__helper *h, uint32_t *gate, struct sb__pin *pin, int (*fn)(void *),
                     void *arg, struct sb_err *err);
void sb__helper_go(struct sb__helper *h);
/* Wait for its end: 0 when it exited with 0, else -1 with err saying how
 * it ended ("load generator died: killed by signal 9 (Killed)"). */
int sb__helper_wait(struct sb__helper *h, const char *what, struct sb_err *err);
void sb__helper_kill(struct sb__helper *h);
/* "killed by signal 9 (Killed)" or "exited with status 1". */
void sb__describe_status(int status, char *buf, size_t len);

#endif
