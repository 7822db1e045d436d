/* What every job of a run shares: the measurement settings the parent
 * (runner.c) and the benchmark process (child.c) both read. Its own
 * header, below both, so that child.h need not include runner.h. */
#ifndef SB_JOB_CONFIG_H
#define SB_JOB_CONFIG_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "pin.h"
#include "plan.h"
#include "sb_loadgen.h"

struct sb__runner_config {
    double min_time;
    uint64_t fixed_iterations; /* 0: grow until min_time */
    double timeout;
    int repetitions;
    size_t stack_size;
    enum sb_stack_guard guard;
    struct sb__pin *pin;
    volatile sig_atomic_t *interrupted;
    bool layout_fixed;                /* every repetition at stack offset 0 */
    uint64_t layout_seed;             /* else offsets from this (layout.h) */
    const struct sb_loadgen *loadgen; /* --loadgen, NULL: load made here */
    double disturbance;               /* the bound a repetition is disturbed past; 0: none */
};

#endif
