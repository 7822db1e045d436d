/* The task API: the one header workloads and engines share.
 *
 * A task body is written once, between SB_BEGIN and SB_END, and every
 * engine runs it:
 *   - a stackful engine (asm, ucontext, threads, processes) runs the body
 *     straight through; an operation that must wait switches away inside
 *     the call and returns SB_OK when it is done;
 *   - the stackless engine may get SB_PARKED from an operation; SB_AWAIT
 *     then returns from the body, and the scheduler re-enters it, right
 *     after the operation, once the operation is complete (a parked
 *     receiver is handed its value, a parked sender's value is taken).
 *
 * Because a stackless body is re-entered, a value that must survive an
 * SB_AWAIT lives in the task's own struct (which embeds struct sb_task),
 * never in a local variable. Stackful engines pay the same memory traffic,
 * so the comparison between engines is fair. SB_AWAIT must not be used
 * inside a nested switch statement (the resume points are case labels).
 */
#ifndef SB_TASK_H
#define SB_TASK_H

#include <stddef.h>
#include <stdint.h>

/* What an operation and a body return: SB_OK, SB_PARKED, or (stackless
 * only) the address of the task that should run next, which is how a
 * hand-off reaches the scheduler in a register rather than through memory.
 * A body returns SB_DONE at its end and passes any other result up. */
typedef intptr_t sb_ret;

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
     * (a binary semaphore per task), so no hand-off is ever lost. */
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

/* Fields prefixed sb_ belong to the engine that runs the task; a workload
 * only sets nothing and reads `index`. The struct must live in memory from
 * sb_run_alloc(), which is shared across processes for the processes engine. */
struct sb_task {
    const struct sb_task_ops *ops;
    sb_body_fn body;
    int sb_pc;          /* resume point: 0 = start, -1 = finished */
    uint32_t sb_go;     /* hand-off semaphore word (a futex on threads/processes) */
    uint32_t sb_state;  /* engine-defined */
    uint32_t sb_pad0;
    uint64_t sb_val;    /* a parked sender's value */
    uint64_t *sb_dest;  /* where a parked receiver's value goes */
    void *sb_io;        /* engine-private timer/poll state */
    int sb_result;      /* outcome of the last wait_fd/spawn: SB_OK, SB_TIMEDOUT, -errno */
    uint32_t sb_worker; /* which scheduler runs the task (M:N) */
    struct sb_task *sb_next; /* engine wait/ready queue link */
    void *sb_engine;    /* the engine instance that owns the task */
    void *sb_ctx;       /* engine-private per-task context */
    void *sb_stack;     /* engine-private stack record */
    uint32_t index;     /* spawn order, from 0 */
    uint32_t sb_pad;
};

#if defined(__GNUC__)
#define SB_FALLTHROUGH __attribute__((fallthrough))
#else
#define SB_FALLTHROUGH
#endif

#define SB_BEGIN(t) switch ((t)->sb_pc) { case 0:

/* The resume point is the case label after the operation: a stackless
 * task is re-entered only once its operation is complete. A stackful
 * engine always returns SB_OK and falls through. */
#define SB_AWAIT(t, op)                                  \
    do {                                                 \
        (t)->sb_pc = __LINE__;                           \
        sb_ret sb_r_ = (op);                             \
        if (sb_r_ != SB_OK) return sb_r_;                \
        SB_FALLTHROUGH;                                  \
    case __LINE__:;                                      \
    } while (0)

#define SB_END(t)          \
    SB_FALLTHROUGH;        \
    default: break;        \
    }                      \
    (t)->sb_pc = -1;       \
    return SB_DONE

static inline sb_ret sb_yield(struct sb_task *t) { return t->ops->yield(t); }
static inline sb_ret sb_handoff(struct sb_task *t, struct sb_task *peer) { return t->ops->handoff(t, peer); }
static inline sb_ret sb_wake(struct sb_task *t, struct sb_task *peer) { return t->ops->wake(t, peer); }
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
static inline sb_ret sb_send(struct sb_task *t, struct sb_chan *ch, uint64_t v) { return t->ops->send(t, ch, v); }
static inline sb_ret sb_recv(struct sb_task *t, struct sb_chan *ch, uint64_t *v) { return t->ops->recv(t, ch, v); }

/* What kind of engine runs the tasks (sb_run_engine_has). */
enum sb_engine_caps {
    SB_CAP_STACKFUL = 1u << 0,        /* a task has its own stack */
    SB_CAP_PARALLEL = 1u << 1,        /* tasks may run at the same time on several cores */
    SB_CAP_SEPARATE_MEMORY = 1u << 2, /* tasks live in separate address spaces */
    SB_CAP_COOPERATIVE = 1u << 3,     /* one scheduler, switches only at operations */
    SB_CAP_PER_TASK_FPU = 1u << 4,    /* MXCSR and x87 control word are per task */
    SB_CAP_WORKERS = 1u << 5,         /* can run N schedulers on N threads (--workers) */
    SB_CAP_BASELINE = 1u << 6,        /* not an engine: a workload's own plain program runs */
};

/* Error text carried from engines and workloads to the harness. */
#define SB_ERR_LEN 256
struct sb_err {
    char msg[SB_ERR_LEN];
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void sb_err_set(struct sb_err *err, const char *fmt, ...);

#endif
