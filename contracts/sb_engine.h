/* The engine interface: what the harness may ask of an engine.
 *
 * An engine instance lives for one repetition: open, create channels and
 * spawn tasks (untimed), run until every task is done (timed), close.
 * Engines never know which workload runs on them.
 */
#ifndef SB_ENGINE_H
#define SB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_task.h"

/* Called by an engine in every thread or process that will run tasks,
 * before it runs any: `slot` is the task index (or 0 for a scheduler). The
 * harness decides the core from its placement policy. */
typedef void (*sb_pin_fn)(void *pin_ctx, unsigned slot);

/* AUTO: a guard page below each stack while the stacks alive at once fit
 * vm.max_map_count with room to spare (a guarded stack is two mappings),
 * plain stacks past that; struct sb_engine counts which each task got. */
enum sb_stack_guard { SB_GUARD_PAGE = 0, SB_GUARD_NONE = 1, SB_GUARD_AUTO = 2 };
/* What an engine's stack_fault found (sb_engine_ops.stack_fault). */
enum sb_stack_fault {
    SB_FAULT_NONE = 0,
    SB_FAULT_GUARD = 1,        /* a stack's own guard page */
    SB_FAULT_CANARY = 2,       /* a broken canary below a stack under a page */
    SB_FAULT_PACKED_GUARD = 2, /* the guard page below a chunk of such stacks: the same line */
};

struct sb_engine_config {
    size_t stack_size;         /* usable bytes per coroutine or thread stack */
    enum sb_stack_guard guard; /* coroutine stacks: a PROT_NONE page below, or none */
    unsigned workers;          /* coroutine engines: schedulers on as many threads (M:N) */
    sb_pin_fn pin;
    void *pin_ctx;
};

struct sb_engine_ops;

/* What one task and one channel cost in the kernel's limited resources,
 * so the harness can tell before a run whether this machine's limits
 * (threads-max, pid_max, vm.max_map_count, RLIMIT_NOFILE) hold it. */
struct sb_engine_costs {
    unsigned kernel_tasks_per_task;  /* a thread or a process */
    unsigned maps_per_task;          /* memory mappings, whatever the guard policy */
    unsigned maps_per_guarded_stack; /* mappings of a stack with a guard page */
    unsigned fds_per_channel;
};

/* Every engine instance starts with this. */
struct sb_engine {
    const struct sb_engine_ops *ops;
    /* Engines that map task stacks: how many got a guard page and how
     * many did not (the policy that really ran, for the record). */
    uint64_t stacks_guarded, stacks_unguarded;
};

struct sb_engine_ops {
    const char *name;
    const char *summary;   /* one line for --help */
    const char *mechanism; /* how a switch happens, for the results' label */
    const char *fpu;       /* FPU contract, for the label and context */
    const char *contract;  /* what a switch keeps and what not, for the context (NULL: the
                              kernel's or a library's own, see the summary) */
    unsigned caps;
    /* A reference engine (SB_CAP_REFERENCE): the Debian package it needs,
     * which ./bench installs when the engine is named (as root), and the
     * test command always. `in_default_run`: ./bench installs it for a run
     * that names no engine too (a small package: the default report then
     * sets our engines beside the tutorials' own systems). */
    const char *package;
    bool in_default_run;
    /* NULL when the engine can run here; else why not, in one phrase
     * ("needs the Debian package ..."): the run leaves it out with one
     * line. NULL pointer: always available. */
    const char *(*unavailable)(void);
    /* An external reference: not tasks in this process but a program (an
     * interpreter and its script, or a binary) that implements the
     * workloads in `workloads` (a comma list) its users' way. The benchmark
     * process starts `exec_argv` plus the job (--workload=, --param=K=V,
     * --workers=) bound to its cores, asks it for each repetition (an
     * iteration count on its standard input, the harness searching the
     * count) and reads each answer, a sample or an error, as a JSON line
     * from its fd 3 (references/README.md, harness/run/external.c). Such an
     * engine has no task operations. */
    const char *const *exec_argv;
    const char *workloads;
    struct sb_engine_costs costs;
    const struct sb_task_ops *task_ops;

    int (*open)(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err);
    void (*close)(struct sb_engine *e);
    int (*chan_open)(struct sb_engine *e, unsigned capacity, struct sb_chan **out,
                     struct sb_err *err);
    int (*spawn)(struct sb_engine *e, struct sb_task *t, sb_body_fn body, struct sb_err *err);
    /* Why a task's own spawn failed (sb_spawn gave it -errno), in words:
     * the call, its errno, the limit and its value; 0 with err set, or -1
     * when the engine cannot say. A task's spawn only records a failure,
     * since the task's stack may be too small to format one. NULL: -1. */
    int (*spawn_failure)(struct sb_engine *e, struct sb_err *err);
    /* Run every spawned task to completion. Returns 0, or -1 with err set
     * (a deadlock, a task that died). */
    int (*run)(struct sb_engine *e, struct sb_err *err);
    /* Async-signal-safe: was a fault at `addr`, with the stack pointer at
     * `sp` (NULL when unknown), a stack overflow? SB_FAULT_GUARD: it hit
     * the guard page below the stack of the task running now;
     * SB_FAULT_CANARY (= SB_FAULT_PACKED_GUARD): a stack under a page ran
     * past its bottom (a broken canary, or the guard below its chunk);
     * 0: neither. Used to turn SIGSEGV into an error record that names the
     * overflow. NULL: the engine's tasks have no stacks of its making. */
    int (*stack_fault)(struct sb_engine *e, const void *addr, const void *sp);
    /* The engine's switch primitive in a tight loop, without tasks,
     * scheduler or channels: the floor that the `switch` workload is
     * compared to. Two sides pass control back and forth `switches` times
     * in all, side 1 first, and hand a ball along: each side calls
     * sb_bare_catch on it each time it is resumed. *ball receives it at
     * the end; the bare workload checks it equals `switches`. */
    int (*bare_loop)(struct sb_engine *e, uint64_t switches, uint64_t *ball, struct sb_err *err);
};

/* The bare loop's proof of work, one add per resume: side 1 must find the
 * ball even (side 0 ran last, or nobody yet), side 0 odd. A side resumed
 * out of turn adds 2^32 instead of 1, so the final ball equals the number
 * of switches only when every one of them alternated. */
#define SB_BARE_MISSED (UINT64_C(1) << 32)
static inline void sb_bare_catch(uint64_t *ball, unsigned side)
{
    *ball += ((*ball & 1) != side) ? 1 : SB_BARE_MISSED;
}

/* The registry: every engine, in the order --help and `all` list them.
 * At most SB_MAX_ENGINES (a selection is a mask of that size; the
 * registry asserts it when it compiles). */
#define SB_MAX_ENGINES 64
extern const struct sb_engine_ops *const sb_engines[];
extern const size_t sb_engine_count;
/* Each engine's id in engine_list.h, in the same order: its name with '_'
 * for '-' (asm_sharedfpu is asm-sharedfpu), the one spelling rule, which
 * units/registry_names_follow_ids checks. */
extern const char *const sb_engine_ids[];

const struct sb_engine_ops *sb_engine_find(const char *name);
/* NULL when the engine can run here, else why not (its `unavailable`, or
 * SB_HIDE_ENGINES naming it). */
const char *sb_engine_unavailable(const struct sb_engine_ops *e);
/* What an engine is, from its capability flags: "coroutine" (cooperative,
 * one scheduler a worker), "kernel" (threads or processes the kernel
 * schedules), "baseline" (a workload's own plain program). */
const char *sb_engine_kind(const struct sb_engine_ops *e);

#endif
