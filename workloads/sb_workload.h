/* The workload interface: what a workload family declares, and the run
 * services the harness gives it. Workloads never know which engine runs
 * them: they allocate, open channels and spawn only through sb_run_*. */
#ifndef SB_WORKLOAD_H
#define SB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "sb_task.h"

#define SB_MAX_PARAMS 4

struct sb_run; /* one repetition of one benchmark instance (harness/run.c) */

struct sb_param_def {
    const char *name;
    const char *help;
    long long min, max;
    const long long *sweep;       /* values run when --param does not set it */
    size_t n_sweep;
    const long long *quick_sweep; /* the same for --quick and the default run */
    size_t n_quick;
};

enum sb_workload_flags {
    SB_WL_HIDDEN = 1u << 0, /* self-tests: run only when named, never in `all` or --list */
};

struct sb_workload {
    const char *name;
    const char *summary;
    const char *unit;         /* what one iteration is: "switch", "message", "hop" */
    const char *rate_counter; /* user counter = iterations per second of wall time */
    unsigned flags;
    unsigned requires_caps;   /* engine capabilities the workload needs */
    const struct sb_param_def *params;
    size_t n_params;
    uint64_t iter_multiple;   /* iteration counts are rounded up to a multiple of this */
    uint64_t (*min_iterations)(const long long *params);
    /* Untimed: allocate state and tasks, open channels, spawn. */
    int (*setup)(struct sb_run *run, const long long *params, uint64_t iterations, void **state,
                 struct sb_err *err);
    /* Optional: timed instead of running the spawned tasks. */
    int (*timed)(struct sb_run *run, uint64_t iterations, struct sb_err *err);
    /* Untimed: check that the work was really done. 0, or -1 with err set. */
    int (*verify)(void *state, struct sb_err *err);
};

/* Zeroed memory for task structs and workload state: shared between
 * processes for the processes engine, ordinary memory otherwise. Lives until
 * the repetition ends. */
void *sb_run_alloc(struct sb_run *run, size_t size, struct sb_err *err);
int sb_run_chan(struct sb_run *run, unsigned capacity, struct sb_chan **out, struct sb_err *err);
int sb_run_spawn(struct sb_run *run, struct sb_task *t, sb_body_fn body, struct sb_err *err);
/* The engine's bare switch loop (for the `bare` workload). */
int sb_run_bare_loop(struct sb_run *run, uint64_t switches, struct sb_err *err);
/* Non-zero when the engine has every capability in `caps`. */
int sb_run_engine_has(const struct sb_run *run, unsigned caps);

/* Manual timing, as Google Benchmark's UseManualTime: a workload whose
 * tasks have a start-up and a shutdown phase (N threads or processes each
 * running for the first time; N processes exiting and being reaped) gets a
 * clock from setup, starts it from a task when the measured work begins and
 * stops it when the work is done. The clock lives in memory shared with
 * task processes. cpu_time still covers the whole run. */
struct sb_clock;
struct sb_clock *sb_run_clock(struct sb_run *run);
void sb_clock_start(struct sb_clock *c);
void sb_clock_stop(struct sb_clock *c);

/* The registry. */
extern const struct sb_workload *const sb_workloads[];
extern const size_t sb_workload_count;
const struct sb_workload *sb_workload_find(const char *name);

#endif
