/* One repetition of one benchmark instance, inside the runner's child:
 * engine open, workload setup (untimed), the timed run, verification. */
#ifndef SB_REPETITION_H
#define SB_REPETITION_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_engine.h"
#include "sb_workload.h"

#include "sample.h" /* what a repetition measured: records/ makes it a record */

struct sb__run_spec {
    const struct sb_engine_ops *engine;
    const struct sb_workload *workload;
    const long long *params;
    struct sb_engine_config cfg;
    const struct sb_loadgen *loadgen; /* NULL: the load is made on this host */
    /* Read what else the machine did (--disturbance): off, a repetition
     * reads no /proc file and opens no counter, so that a count of its
     * instructions under callgrind does not move with the machine's
     * process table (regress --metric=instructions). */
    bool watch_machine;
};

/* 0 and a sample, or -1 with err set. */
int sb__run_repetition(const struct sb__run_spec *spec, uint64_t iterations, struct sb__sample *out,
                       struct sb_err *err);

#endif
