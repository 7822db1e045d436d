/* The engine interface: what the harness may ask of an engine.
 *
 * An engine instance lives for one repetition: open, create channels and
 * spawn tasks (untimed), run until every task is done (timed), close.
 * Engines never know which workload runs on them.
 */
#ifndef SB_ENGINE_H
#define SB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../workloads/sb_task.h"

enum sb_engine_caps {
    SB_CAP_STACKFUL = 1u << 0,        /* a task has its own stack */
    SB_CAP_PARALLEL = 1u << 1,        /* tasks may run at the same time on several cores */
    SB_CAP_SEPARATE_MEMORY = 1u << 2, /* tasks live in separate address spaces */
    SB_CAP_COOPERATIVE = 1u << 3,     /* one scheduler, switches only at operations */
    SB_CAP_PER_TASK_FPU = 1u << 4,    /* MXCSR and x87 control word are per task */
};

/* Called by an engine in every thread or process that will run tasks,
 * before it runs any: `slot` is the task index (or 0 for a scheduler). The
 * harness decides the core from its placement policy. */
typedef void (*sb_pin_fn)(void *pin_ctx, unsigned slot);

struct sb_engine_config {
    size_t stack_size; /* usable bytes per coroutine or thread stack */
    sb_pin_fn pin;
    void *pin_ctx;
};

struct sb_engine_ops;

/* Every engine instance starts with this. */
struct sb_engine {
    const struct sb_engine_ops *ops;
};

struct sb_engine_ops {
    const char *name;
    const char *summary;   /* one line for --help */
    const char *mechanism; /* how a switch happens, for the results' label */
    const char *fpu;       /* FPU contract, for the label and context */
    unsigned caps;
    const struct sb_task_ops *task_ops;

    int (*open)(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err);
    void (*close)(struct sb_engine *e);
    int (*chan_open)(struct sb_engine *e, unsigned capacity, struct sb_chan **out, struct sb_err *err);
    int (*spawn)(struct sb_engine *e, struct sb_task *t, sb_body_fn body, struct sb_err *err);
    /* Run every spawned task to completion. Returns 0, or -1 with err set
     * (a deadlock, a task that died). */
    int (*run)(struct sb_engine *e, struct sb_err *err);
    /* Async-signal-safe: is `addr` inside the guard page of the stack of
     * the task running now? Used to turn SIGSEGV into an error record. */
    int (*stack_fault)(struct sb_engine *e, const void *addr);
    /* The engine's switch primitive in a tight loop, without tasks,
     * scheduler or channels: `switches` one-way switches. The floor that
     * the `switch` workload is compared to. */
    int (*bare_loop)(struct sb_engine *e, uint64_t switches, struct sb_err *err);
};

/* The registry: every engine, in the order --help and `all` list them. */
extern const struct sb_engine_ops *const sb_engines[];
extern const size_t sb_engine_count;

const struct sb_engine_ops *sb_engine_find(const char *name);

#endif
