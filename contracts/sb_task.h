/* The task API: the one header workloads and engines share.
 *
 * A task body is written once, between SB_BEGIN and SB_END, and every
 * engine runs it:
 *   - a stackful engine (asm, ucontext, threads, processes) runs the body
 *     straight through; an operation that must wait switches away inside
 *     the call and returns SB_OK when it is done;
 *   - the stackless engine may get SB_PARKED (or a hand-off request, see
 *     sb_task_ops.handoff) from an operation; SB_AWAIT then returns from
 *     the body, and the scheduler re-enters it, right after the operation,
 *     once the operation is complete (a parked receiver is handed its
 *     value, a parked sender's value is taken).
 *
 * Because a stackless body is re-entered, a value that must survive an
 * SB_AWAIT lives in the task's own struct (which embeds struct sb_task),
 * never in a local variable. Stackful engines pay the same memory traffic,
 * so the comparison between engines is fair. SB_AWAIT must not be used
 * inside a nested switch statement: in the portable variant below the
 * resume points are case labels.
 */
#ifndef SB_TASK_H
#define SB_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "sb_err.h"

/* What an operation and a body return: SB_OK, SB_PARKED, or (stackless
 * only) a hand-off request: the peer's address tagged with
 * SB_HANDOFF_REQUEST (see sb_handoff). A body returns SB_DONE at its end
 * and passes any other result up, so the request reaches the scheduler in
 * a register rather than through memory. */
typedef intptr_t sb_ret;

/* Task structs hold pointers, so their addresses have three low bits
 * clear; this one tags a hand-off request. */
#define SB_HANDOFF_REQUEST ((sb_ret)4)

enum sb_op_result {
    SB_OK = 0,       /* the operation completed */
    SB_PARKED = 1,   /* stackless only: return to the scheduler; re-entered when done */
    SB_TIMEDOUT = 2, /* sb_wait_fd: the timeout passed first (read it from sb_result) */
};

/* sb_wait_fd events. */
enum { SB_READABLE = 1, SB_WRITABLE = 2 };
#define SB_NO_TIMEOUT UINT64_MAX

enum sb_body_result {
    SB_DONE = 0,
};

struct sb_task;
struct sb_chan; /* opaque: each engine has its own channel representation */

typedef sb_ret (*sb_body_fn)(struct sb_task *t);

/* The blocking operations. One table per engine; every task carries a
 * pointer to it so an operation costs one indirect call. */
struct sb_task_ops {
    sb_ret (*yield)(struct sb_task *t);
    /* Wake `peer` (may be NULL) and wait until another task hands control
     * back to `t`. A wake-up that arrives before the wait is remembered
     * (a binary semaphore per task), so no hand-off is ever lost.
     * NULL: the engine's scheduler performs the hand-off itself once the
     * body has returned the request (a stackless engine, whose body
     * returns to the scheduler anyway: protothreads' PT_YIELD), which
     * saves the call and return of an operation on every switch. */
    sb_ret (*handoff)(struct sb_task *t, struct sb_task *peer);
    /* Wake `peer` without waiting: the last move of a hand-off chain. */
    sb_ret (*wake)(struct sb_task *t, struct sb_task *peer);
    sb_ret (*send)(struct sb_task *t, struct sb_chan *ch, uint64_t value);
    sb_ret (*recv)(struct sb_task *t, struct sb_chan *ch, uint64_t *value);
    /* Park for at least `ns` nanoseconds (never less). */
    sb_ret (*sleep)(struct sb_task *t, uint64_t ns);
    /* Park until `fd` is readable/writable or `timeout_ns` passed; the
     * outcome is left in t->sb_result (SB_OK, SB_TIMEDOUT or -errno). */
    sb_ret (*wait_fd)(struct sb_task *t, int fd, unsigned events, uint64_t timeout_ns);
    /* Close an fd this task waited on (the engine may watch it). */
    sb_ret (*close_fd)(struct sb_task *t, int fd);
    /* Start `child` (memory from sb_run_alloc) running `body`, next to t:
     * same scheduler, or a new thread or process. 0, or -errno in
     * t->sb_result and the return value SB_OK (the failure is the
     * workload's to report). */
    sb_ret (*spawn)(struct sb_task *t, struct sb_task *child, sb_body_fn body);
};

/* Fields prefixed sb_ belong to the engine that runs the task, which also
 * sets ops, body and index at spawn; a workload sets none of them and may
 * read `index`. The struct must live in memory from
 * sb_run_alloc(), which is shared across processes for the processes engine. */
struct sb_task {
    const struct sb_task_ops *ops;
    sb_body_fn body;
    void *sb_pc;             /* resume point: NULL = start (set by SB_AWAIT and SB_END) */
    uint32_t sb_posted;      /* hand-off semaphore word (a futex on threads/processes) */
    uint32_t sb_state;       /* engine-defined */
    uint64_t sb_val;         /* a parked sender's value */
    uint64_t *sb_dest;       /* where a parked receiver's value goes */
    void *sb_io;             /* engine-private timer/poll state */
    int sb_result;           /* outcome of the last wait_fd/spawn: SB_OK, SB_TIMEDOUT, -errno */
    uint32_t sb_worker;      /* which scheduler runs the task (M:N) */
    struct sb_task *sb_next; /* engine wait/ready queue link */
    void *sb_engine;         /* the engine instance that owns the task */
    void *sb_ctx;            /* engine-private per-task context */
    void *sb_stack;          /* engine-private stack record */
    uint32_t index;          /* spawn order, from 0 */
    uint32_t sb_pad;
};

_Static_assert(_Alignof(struct sb_task) > (size_t)SB_HANDOFF_REQUEST,
               "task addresses must leave the request bit clear");

/* For a workload's rare branches (a hot loop's start-up case). */
#if defined(__GNUC__)
#define SB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define SB_UNLIKELY(x) (x)
#endif

#if defined(__GNUC__)
#define SB_FALLTHROUGH __attribute__((fallthrough))
#else
#define SB_FALLTHROUGH
#endif

#define SB_CAT_(a, b) a##b
#define SB_CAT(a, b)  SB_CAT_(a, b)

#if defined(__GNUC__) && !defined(SB_PORTABLE_RESUME)
/* GCC and Clang: the resume point is the address of the label after the
 * operation (labels as values), so re-entering a body is one indirect
 * jump instead of a compare chain over case labels. */
/* GCC's -Wdangling-pointer takes a label's address for a local's when
 * the body returns right after storing it; an empty asm hides where the
 * pointer came from, at no cost. */
#define SB_LAUNDER(p) __asm__("" : "+r"(p))

#define SB_BEGIN(t)                       \
    do {                                  \
        if ((t)->sb_pc) goto *(t)->sb_pc; \
    } while (0)

#define SB_AWAIT(t, op)                                \
    do {                                               \
        void *sb_pc_ = &&SB_CAT(sb_resume_, __LINE__); \
        SB_LAUNDER(sb_pc_);                            \
        (t)->sb_pc = sb_pc_;                           \
        sb_ret sb_r_ = (op);                           \
        if (sb_r_ != SB_OK) return sb_r_;              \
        SB_CAT(sb_resume_, __LINE__) :;                \
    } while (0)

/* An engine never re-enters a body that returned SB_DONE, so the end
 * needs no resume point under GCC, and a body with a single SB_AWAIT has a
 * single label: GCC then resumes it with a direct jump, not an indirect
 * one, which saves about a cycle per stackless switch (switch/stackless
 * 2.50 -> 2.33 ns). Clang rejects an indirect goto in a function that
 * takes no label's address (a body without SB_AWAIT), so it gets one. */
#if defined(__clang__)
#define SB_END(t)                      \
    sb_finished_:                      \
    do {                               \
        void *sb_pc_ = &&sb_finished_; \
        SB_LAUNDER(sb_pc_);            \
        (t)->sb_pc = sb_pc_;           \
    } while (0);                       \
    return SB_DONE
#else
#define SB_END(t) return SB_DONE
#endif
#else
/* Portable C11: the resume point is a case label of a switch over the
 * line number, stored in the pointer-sized slot. */
#define SB_BEGIN(t)                 \
    switch ((intptr_t)(t)->sb_pc) { \
    case 0:

#define SB_AWAIT(t, op)                          \
    do {                                         \
        (t)->sb_pc = (void *)(intptr_t)__LINE__; \
        sb_ret sb_r_ = (op);                     \
        if (sb_r_ != SB_OK) return sb_r_;        \
        SB_FALLTHROUGH;                          \
    case __LINE__:;                              \
    } while (0)

#define SB_END(t)                          \
    SB_FALLTHROUGH;                        \
    default:                               \
        break;                             \
        }                                  \
        (t)->sb_pc = (void *)(intptr_t)-1; \
        return SB_DONE
#endif

static inline sb_ret sb_yield(struct sb_task *t) { return t->ops->yield(t); }
static inline sb_ret sb_handoff(struct sb_task *t, struct sb_task *peer)
{
    sb_ret (*op)(struct sb_task *, struct sb_task *) = t->ops->handoff;
    if (!op) return (sb_ret)((uintptr_t)peer | (uintptr_t)SB_HANDOFF_REQUEST);
    return op(t, peer);
}
static inline sb_ret sb_wake(struct sb_task *t, struct sb_task *peer)
{
    return t->ops->wake(t, peer);
}
static inline sb_ret sb_sleep(struct sb_task *t, uint64_t ns) { return t->ops->sleep(t, ns); }
static inline sb_ret sb_wait_fd(struct sb_task *t, int fd, unsigned events, uint64_t timeout_ns)
{
    return t->ops->wait_fd(t, fd, events, timeout_ns);
}
static inline sb_ret sb_close_fd(struct sb_task *t, int fd) { return t->ops->close_fd(t, fd); }
static inline sb_ret sb_spawn(struct sb_task *t, struct sb_task *child, sb_body_fn body)
{
    return t->ops->spawn(t, child, body);
}
static inline sb_ret sb_send(struct sb_task *t, struct sb_chan *ch, uint64_t v)
{
    return t->ops->send(t, ch, v);
}
static inline sb_ret sb_recv(struct sb_task *t, struct sb_chan *ch, uint64_t *v)
{
    return t->ops->recv(t, ch, v);
}

/* What kind of engine runs the tasks (sb_run_engine_has). */
enum sb_engine_caps {
    SB_CAP_STACKFUL = 1u << 0,        /* a task has its own stack */
    SB_CAP_PARALLEL = 1u << 1,        /* tasks may run at the same time on several cores */
    SB_CAP_SEPARATE_MEMORY = 1u << 2, /* tasks live in separate address spaces */
    SB_CAP_COOPERATIVE = 1u << 3,     /* one scheduler, switches only at operations */
    SB_CAP_PER_TASK_FPU = 1u << 4,    /* FPU control (MXCSR, x87 CW; FPCR) is per task */
    SB_CAP_WORKERS = 1u << 5,         /* can run N schedulers on N threads (--workers) */
    SB_CAP_BASELINE = 1u << 6,        /* not an engine: a workload's own plain program runs */
    SB_CAP_BARE_LOOP = 1u << 7,       /* has bare_loop: its switch with no workload around it */
    SB_CAP_OWN_STACKS = 1u << 8,      /* maps its tasks' stacks itself, guarded per --stack-guard */
    SB_CAP_REFERENCE = 1u << 9,       /* someone else's system, measured beside ours (ref-...) */
};

#endif
