/* The ucontext engine: coroutines switched by glibc's swapcontext, which
 * also saves and restores the signal mask with a system call on every
 * switch. That system call is the price this engine exists to show. */
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>

#include "coro_sched.h"

struct uc_rec {
    struct coro_stack stack; /* first: the scheduler frees records through it */
    ucontext_t uc;
};

/* Each worker's main context lives beside the engine. */
struct uc_engine {
    struct coro_engine c;
    ucontext_t *main_uc; /* one per worker */
};

static inline sb_ret uc_sw(struct coro_sched *s, struct sb_task *self, struct sb_task *next)
{
#if defined(SB_ASAN)
    coro_asan_start(self->sb_stack, next->sb_stack, 0);
#endif
    (void)swapcontext(self->sb_ctx, next->sb_ctx);
#if defined(SB_ASAN)
    coro_asan_finish(self->sb_stack, &s->main_stack);
#else
    (void)s;
#endif
    return SB_OK;
}

/* makecontext passes int arguments only, so the pointer travels in halves. */
static void *uc_join(unsigned hi, unsigned lo)
{
    return (void *)(((uintptr_t)hi << 32) | (uintptr_t)lo);
}

static void uc_entry(unsigned hi, unsigned lo)
{
    struct sb_task *t = uc_join(hi, lo);
    struct coro_sched *s = coro_of(t);
    coro_asan_finish(NULL, &s->main_stack);
    (void)t->body(t);
    coro_stackful_exit(s, t);
#if defined(SB_ASAN)
    coro_asan_start(t->sb_stack, &s->main_stack, 1);
#endif
    setcontext(s->main_task.sb_ctx);
    abort(); /* setcontext returns only on failure */
}

static int uc_prepare_ctx(ucontext_t *uc, struct coro_stack *stack, void (*fn)(unsigned, unsigned),
                          void *arg)
{
    if (getcontext(uc) != 0) return -1;
    uc->uc_stack.ss_sp = stack->lo;
    uc->uc_stack.ss_size = stack->size;
    uc->uc_link = NULL;
    uintptr_t p = (uintptr_t)arg;
    makecontext(uc, (void (*)(void))fn, 2, (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
    return 0;
}

static void uc_prepare(struct coro_sched *s, struct sb_task *t, struct coro_stack *rec)
{
    (void)s;
    struct uc_rec *r = (struct uc_rec *)rec;
    if (uc_prepare_ctx(&r->uc, rec, uc_entry, t) != 0)
        abort(); /* getcontext cannot fail on Linux */
    t->sb_ctx = &r->uc;
}

static inline void uc_dispatch(struct coro_sched *s, struct sb_task *t)
{
    (void)uc_sw(s, &s->main_task, t);
    if (s->zombies) coro_sched_reap(s);
}
static int uc_run_worker(struct coro_sched *s) { return coro_run_loop(s, uc_dispatch); }

static const struct coro_kind uc_kind = {
    .rec_size = sizeof(struct uc_rec), .prepare = uc_prepare, .run_worker = uc_run_worker};

extern const struct sb_engine_ops sb_engine_ucontext;

static int uc_open(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err)
{
    if (coro_engine_open(&sb_engine_ucontext, &uc_kind, sizeof(struct uc_engine), cfg, out, err) !=
        0)
        return -1;
    struct uc_engine *e = (struct uc_engine *)*out;
    e->main_uc = calloc(e->c.nworkers, sizeof *e->main_uc);
    if (!e->main_uc) {
        coro_engine_close(*out);
        sb_err_set(err, "ucontext: out of memory");
        return -1;
    }
    for (unsigned i = 0; i < e->c.nworkers; i++) e->c.w[i].main_task.sb_ctx = &e->main_uc[i];
    return 0;
}

static void uc_close(struct sb_engine *eng)
{
    struct uc_engine *e = (struct uc_engine *)eng;
    free(e->main_uc);
    coro_engine_close(eng);
}

CORO_TASK_OPS(uc_task_ops, uc, uc_sw);

/* The bare loop: swapcontext between two contexts, nothing else. */
struct uc_bare {
    ucontext_t main_uc, co_uc;
    struct coro_stack *main_stack, *co_stack;
    uint64_t ball; /* sb_bare_catch */
};

static void uc_bare_co(unsigned hi, unsigned lo)
{
    struct uc_bare *b = uc_join(hi, lo);
    coro_asan_finish(NULL, b->main_stack);
    for (;;) {
        sb_bare_catch(&b->ball, 1);
#if defined(SB_ASAN)
        coro_asan_start(b->co_stack, b->main_stack, 0);
#endif
        swapcontext(&b->co_uc, &b->main_uc);
#if defined(SB_ASAN)
        coro_asan_finish(b->co_stack, b->main_stack);
#endif
    }
}

static int uc_bare(struct sb_engine *eng, uint64_t switches, uint64_t *ball, struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    struct coro_stack stack;
    if (coro_stack_alloc(&stack, e->cfg.stack_size, e->cfg.guard != SB_GUARD_NONE, err,
                         "ucontext") != 0)
        return -1;
    struct uc_bare *b = calloc(1, sizeof *b);
    if (!b || uc_prepare_ctx(&b->co_uc, &stack, uc_bare_co, b) != 0) {
        free(b);
        coro_stack_free(&stack);
        sb_err_set(err, "ucontext: cannot prepare the bare-loop context");
        return -1;
    }
    b->main_stack = &e->w[0].main_stack;
    b->co_stack = &stack;
    for (uint64_t i = 0; i < switches / 2; i++) {
#if defined(SB_ASAN)
        coro_asan_start(b->main_stack, &stack, 0);
#endif
        swapcontext(&b->main_uc, &b->co_uc);
#if defined(SB_ASAN)
        coro_asan_finish(b->main_stack, b->main_stack);
#endif
        sb_bare_catch(&b->ball, 0);
    }
    *ball = b->ball;
    free(b);
    coro_stack_free(&stack);
    return 0;
}

const struct sb_engine_ops sb_engine_ucontext = {
    .name = "ucontext",
    .summary =
        "coroutines, glibc makecontext/swapcontext (saves the signal mask: a syscall per switch)",
    .mechanism = "swapcontext",
    .fpu = "per-task MXCSR/x87 env (glibc)",
    .contract = "glibc swapcontext: keeps rsp rbx rbp r12-r15, MXCSR, x87 environment and the "
                "signal mask (one rt_sigprocmask call per switch); CET: glibc's own",
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | SB_CAP_PER_TASK_FPU | SB_CAP_WORKERS |
            SB_CAP_OWN_STACKS | SB_CAP_BARE_LOOP,
    .costs = {.maps_per_guarded_stack = 2},
    .task_ops = &uc_task_ops,
    .open = uc_open,
    .close = uc_close,
    .chan_open = coro_chan_open,
    .spawn = coro_engine_spawn,
    .spawn_failure = coro_engine_spawn_failure,
    .run = coro_engine_run,
    .stack_fault = coro_stack_fault,
    .bare_loop = uc_bare,
};
