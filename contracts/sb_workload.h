/* The workload interface: what a workload family declares, and the run
 * services the harness gives it. Workloads never know which engine runs
 * them: they allocate, open channels and spawn only through sb_run_*. */
#ifndef SB_WORKLOAD_H
#define SB_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "sb_task.h"

#define SB_MAX_PARAMS 4

struct sb_run; /* one repetition of one benchmark instance (harness/run/repetition.c) */

struct sb_param_def {
    const char *name;
    const char *help;
    long long min, max;
    const long long *sweep; /* values run when --param does not set it */
    size_t n_sweep;
    const long long *quick_sweep; /* the same for --quick and the default run */
    size_t n_quick;
};

/* The number of elements of an array. */
#define SB_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* One sb_param_def, its sweeps given as arrays (their sizes counted). */
#define SB_PARAM(name_, help_, min_, max_, sweep_, quick_sweep_)                           \
    {                                                                                      \
        .name = (name_), .help = (help_), .min = (min_), .max = (max_), .sweep = (sweep_), \
        .n_sweep = SB_COUNT(sweep_), .quick_sweep = (quick_sweep_),                        \
        .n_quick = SB_COUNT(quick_sweep_)                                                  \
    }

enum sb_workload_flags {
    SB_WL_HIDDEN = 1u << 0,    /* self-tests: run only when named, never in `all` or --list */
    SB_WL_SHARDABLE = 1u << 1, /* tasks never talk across schedulers: runs under --workers */
    SB_WL_SPREAD = 1u << 2, /* independent tasks: spread over the cores unless --placement says */
    /* The quick default run adds what the report's claims need (C4, C10,
     * C13 in scripts/sbreport/claims/) on a machine with two cores: */
    SB_WL_QUICK_WORKERS = 1u << 3,    /* also --workers=<cores> on engines that have workers */
    SB_WL_QUICK_CROSS_CORE = 1u << 4, /* also placement spread on kernel-scheduled engines */
    /* Its question is one core against all (C4: cpu): every run without
     * --workers has --workers=1,<cores> on engines that have workers. */
    SB_WL_CORES = 1u << 5,
};

/* What an instance asks of the kernel's limited resources, so the harness
 * can tell before running it whether this machine's limits hold it. */
struct sb_demand {
    uint64_t tasks;    /* alive at once */
    uint64_t channels; /* open at once */
    uint64_t fds;      /* descriptors the workload opens itself, per process */
};

struct sb_workload {
    const char *name;
    const char *summary;
    const char *unit;         /* what one iteration is: "switch", "message", "hop" */
    const char *rate_counter; /* user counter = iterations per second of wall time */
    unsigned flags;
    unsigned requires_caps; /* engine capabilities the workload needs */
    const struct sb_param_def *params;
    size_t n_params;
    uint64_t iter_multiple; /* iteration counts are rounded up to a multiple of this */
    uint64_t (*min_iterations)(const long long *params);
    /* Optional: what one instance needs at once (see sb_demand). */
    void (*demand)(const long long *params, struct sb_demand *d);
    /* Untimed: allocate state and tasks, open channels, spawn. */
    int (*setup)(struct sb_run *run, const long long *params, uint64_t iterations, void **state,
                 struct sb_err *err);
    /* Optional: timed instead of running the spawned tasks. */
    int (*timed)(struct sb_run *run, void *state, uint64_t iterations, struct sb_err *err);
    /* Optional: the same work as a plain program without tasks, run (and
     * timed) under the `libuv` baseline after setup. */
    int (*baseline)(struct sb_run *run, void *state, uint64_t iterations, struct sb_err *err);
    /* Optional: under an external reference engine (ref-gevent's
     * StreamServer, Go's net), setup starts the engine's program as the
     * server (sb_run_serve_external) and drives it as it drives its own
     * tasks; this, timed, waits for the work to end and stops the server
     * (sb_run_stop_external). Without it, such an engine runs the whole
     * workload in its own program. */
    int (*external)(struct sb_run *run, void *state, uint64_t iterations, struct sb_err *err);
    /* Untimed: check that the work was really done. 0, or -1 with err set. */
    int (*verify)(void *state, struct sb_err *err);
    /* Optional, untimed: when the run or a helper failed, the workload's own
     * account of what went wrong on its side first (a task it could not
     * create): -1 with err set, which becomes the record's message; 0 when
     * it has none. */
    int (*explain)(void *state, struct sb_err *err);
    /* Optional, untimed, after verify: extra counters (sb_run_counter). */
    void (*report)(void *state, struct sb_run *run);
};

/* Zeroed memory for task structs and workload state: shared between
 * processes for the processes engine, ordinary memory otherwise. Lives until
 * the repetition ends. */
void *sb_run_alloc(struct sb_run *run, size_t size, struct sb_err *err);
int sb_run_open_chan(struct sb_run *run, unsigned capacity, struct sb_chan **out,
                     struct sb_err *err);
int sb_run_spawn(struct sb_run *run, struct sb_task *t, sb_body_fn body, struct sb_err *err);
/* The engine's bare switch loop (for the `bare` workload; *ball as
 * sb_engine_ops.bare_loop leaves it). */
int sb_run_bare_loop(struct sb_run *run, uint64_t switches, uint64_t *ball, struct sb_err *err);
/* Non-zero when the engine has every capability in `caps`. */
int sb_run_engine_has(const struct sb_run *run, unsigned caps);
/* Why a task's sb_spawn failed, in the engine's words (the call, its
 * errno, the limit and its value): 0 with err set, -1 when the engine
 * cannot say. Call it from verify, not from a task. */
int sb_run_spawn_failure(const struct sb_run *run, struct sb_err *err);
/* Non-zero when the engine is an external reference's program (see
 * sb_workload.external). */
int sb_run_engine_external(const struct sb_run *run);
/* How many schedulers run the tasks (--workers; 1 for threads and
 * processes, which need no workers to use every core). Tasks spawned from
 * setup go to them round robin. */
unsigned sb_run_workers(const struct sb_run *run);
/* A user counter for this repetition's record (at most 16). */
void sb_run_counter(struct sb_run *run, const char *name, double value);
/* Memory of the whole run right now, in bytes, callable from tasks and
 * helpers: where the tasks (or the served program) are processes, the
 * proportional set size (PSS) summed over the benchmark process and all of
 * them, so pages shared between forked processes count once, at every
 * reading of the run (its baseline too); else the resident set. Helpers never count. rss_bytes
 * (NULL: not wanted) receives the plain resident sets summed. In the benchmark process the reading
 * is made on a thread of the harness (harness/run/run_meter.c), so a task with a small stack can
 * ask.
 */
double sb_run_memory_bytes(const struct sb_run *run, double *rss_bytes);
/* Memory the kernel holds for the run right now, in bytes (kernel stacks,
 * page tables, unreclaimable slab: harness/machine/kmem.h), or NAN when it cannot
 * be measured. The first call, which must come from setup, moves the
 * benchmark process into a cgroup of its own where one can be made; later
 * calls may come from tasks. Measure it before sb_run_memory_bytes: reading
 * /proc for PSS grows the kernel's caches. The method joins the record's
 * label. */
double sb_run_kernel_memory_bytes(struct sb_run *run);
/* Memory per task is reported from this many tasks up: below, a page or
 * two of the benchmark process's own fluctuation between two readings
 * (4 kB was seen at one task) outweighs what a task holds, and the figure
 * could come out below zero. */
#define SB_MEMORY_MIN_TASKS 100
/* Both, measured by a helper process on another core `delay_ns` after the
 * timed run starts, so the measurement costs the tasks no CPU time: the
 * user figure (sb_run_memory_bytes's) and the kernel's (NAN where it is
 * not measured; call sb_run_kernel_memory_bytes from setup first, as for
 * any kernel figure). user_bytes is negative until then, and if it never
 * ran. */
struct sb_memory_probe {
    double user_bytes, kernel_bytes;
    uint64_t
        at_ns; /* when it read them (sb_now_ns's clock): did the tasks it meant to see live then? */
};
int sb_run_memory_probe(struct sb_run *run, uint64_t delay_ns, const struct sb_memory_probe **out,
                        struct sb_err *err);

/* Manual timing, as Google Benchmark's UseManualTime and PauseTiming: a
 * workload whose tasks have a start-up or shutdown phase (N threads or
 * processes each running for the first time; N processes exiting and being
 * reaped; a memory probe) gets a clock from setup. Tasks start and stop it;
 * the repetition's time is the sum of the started-to-stopped spans. A stop
 * with no start before it counts from the beginning of the run. The clock
 * lives in memory shared with task processes. cpu_time still covers the
 * whole run. */
struct sb_clock;
struct sb_clock *sb_run_manual_clock(struct sb_run *run);
void sb_clock_start(struct sb_clock *c);
void sb_clock_stop(struct sb_clock *c);
uint64_t sb_now_ns(void); /* CLOCK_MONOTONIC */

/* A helper process of the repetition (the echo workload's load generator,
 * the memory probe): forked now, untimed; pinned to another core than the
 * benchmark's when there is one; started when the timed run starts; and
 * reaped after it, when its exit status becomes part of the record ("load
 * generator died: killed by signal 9"). `main(arg)` runs in the helper,
 * on the copy of memory it was forked with; its return value is the exit
 * status (0 success). Share results through sb_run_alloc memory. */
struct sb_helper_spec {
    const char *name; /* for error records: "load generator" */
    int (*main)(void *arg);
    void *arg;
    /* Optional, after the helper was reaped, whether it succeeded or not:
     * its own account of a failure (-1 with err set), which says more than
     * its exit status. */
    int (*check)(void *arg, struct sb_err *err);
    /* Optional, from another thread, the moment the helper dies of
     * anything but exit(0): tell the workload's tasks to stop waiting for
     * it, so the run ends now rather than at its timeout. */
    void (*on_death)(void *arg);
};

int sb_run_helper(struct sb_run *run, const struct sb_helper_spec *spec, struct sb_err *err);

/* External reference engines (sb_workload.external): start the engine's
 * program as this repetition's server, bound to the benchmark's cores, and
 * learn the 127.0.0.1 port it listens on. From then on the run's memory
 * (sb_run_memory_bytes) is the server's, and its CPU time from now until
 * it is stopped is the record's. Call before starting helpers. */
int sb_run_serve_external(struct sb_run *run, uint16_t *port, struct sb_err *err);
/* Ask it to stop (its standard input closes), read the counts it reports
 * (values[i] for names[i]; a missing one is an error) and reap it. */
int sb_run_stop_external(struct sb_run *run, const char *const *names, double *values, size_t n,
                         struct sb_err *err);

/* The registry. */
/* At most SB_MAX_WORKLOADS (a selection is a mask of that size; the
 * registry asserts it when it compiles). */
#define SB_MAX_WORKLOADS 64
extern const struct sb_workload *const sb_workloads[];
/* Each workload's id in workload_list.h, in the same order: its name with
 * '_' for '-' (selftest_hang is selftest-hang). */
extern const char *const sb_workload_ids[];
extern const size_t sb_workload_count;
const struct sb_workload *sb_workload_find(const char *name);

#endif
