/* The ucontext engine: coroutines switched by glibc's swapcontext, which
 * also saves and restores the signal mask with a system call on every
 * switch. That system call is the price this engine exists to show. */
#include <stdint.h>
#include <stdlib.h>
#include <ucontext.h>

#include "coro_stackful.h"

struct uc_rec {
    struct coro_stack st; /* first: coro_stackful frees records through it */
    ucontext_t uc;
};

struct uc_engine {
    struct coro_stackful c;
    ucontext_t main_uc;
};

static inline int uc_sw(struct coro_sched *s, struct sb_task *self, struct sb_task *next)
{
    s->current = next;
#if defined(SB_ASAN)
    coro_asan_start(self->sb_stack, next->sb_stack, 0);
#endif
    (void)swapcontext(self->sb_ctx, next->sb_ctx);
#if defined(SB_ASAN)
    coro_asan_finish(self->sb_stack, &((struct coro_stackful *)s)->main_stack);
#endif
    return SB_OK;
}

/* makecontext passes int arguments only, so the pointer travels in halves. */
static void *uc_join(unsigned hi, unsigned lo) { return (void *)(((uintptr_t)hi << 32) | (uintptr_t)lo); }

static void uc_entry(unsigned hi, unsigned lo)
{
    struct sb_task *t = uc_join(hi, lo);
    struct uc_engine *e = (struct uc_engine *)t->sb_engine;
    coro_asan_finish(NULL, &e->c.main_stack);
    (void)t->body(t);
    coro_stackful_task_done(&e->c, t);
#if defined(SB_ASAN)
    coro_asan_start(t->sb_stack, &e->c.main_stack, 1);
#endif
    setcontext(&e->main_uc);
    abort(); /* setcontext returns only on failure */
}

static int uc_prepare(ucontext_t *uc, struct coro_stack *st, void (*fn)(unsigned, unsigned), void *arg)
{
    if (getcontext(uc) != 0) return -1;
    uc->uc_stack.ss_sp = st->lo;
    uc->uc_stack.ss_size = st->size;
    uc->uc_link = NULL;
    uintptr_t p = (uintptr_t)arg;
    makecontext(uc, (void (*)(void))fn, 2, (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
    return 0;
}

extern const struct sb_engine_ops sb_engine_ucontext;

static int uc_open(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err)
{
    struct uc_engine *e = calloc(1, sizeof *e);
    if (!e) {
        sb_err_set(err, "ucontext: out of memory");
        return -1;
    }
    if (coro_stackful_init(&e->c, &sb_engine_ucontext, cfg, err) != 0) {
        free(e);
        return -1;
    }
    e->c.s.main_task.sb_ctx = &e->main_uc;
    *out = &e->c.s.base;
    return 0;
}

static void uc_close(struct sb_engine *eng)
{
    struct uc_engine *e = (struct uc_engine *)eng;
    coro_stackful_close(&e->c);
    free(e);
}

static int uc_spawn(struct sb_engine *eng, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    struct uc_engine *e = (struct uc_engine *)eng;
    struct uc_rec *rec = coro_stackful_new_rec(&e->c, sizeof *rec, err);
    if (!rec) return -1;
    if (uc_prepare(&rec->uc, &rec->st, uc_entry, t) != 0) {
        sb_err_set(err, "ucontext: getcontext failed");
        return -1;
    }
    t->sb_stack = &rec->st;
    t->sb_ctx = &rec->uc;
    return coro_sched_add(&e->c.s, t, body, err);
}

static int uc_run(struct sb_engine *e, struct sb_err *err)
{
    return coro_stackful_run((struct coro_stackful *)e, uc_sw, err);
}

static int uc_yield(struct sb_task *t) { return coro_yield(t, uc_sw); }
static int uc_handoff(struct sb_task *t, struct sb_task *p) { return coro_handoff(t, p, uc_sw); }
static int uc_send(struct sb_task *t, struct sb_chan *c, uint64_t v) { return coro_send(t, c, v, uc_sw); }
static int uc_recv(struct sb_task *t, struct sb_chan *c, uint64_t *v) { return coro_recv(t, c, v, uc_sw); }

/* The bare loop: swapcontext between two contexts, nothing else. */
struct uc_bare {
    ucontext_t main_uc, co_uc;
    struct coro_stack *main_stack, *co_stack;
};

static void uc_bare_co(unsigned hi, unsigned lo)
{
    struct uc_bare *b = uc_join(hi, lo);
    coro_asan_finish(NULL, b->main_stack);
    for (;;) {
#if defined(SB_ASAN)
        coro_asan_start(b->co_stack, b->main_stack, 0);
#endif
        swapcontext(&b->co_uc, &b->main_uc);
#if defined(SB_ASAN)
        coro_asan_finish(b->co_stack, b->main_stack);
#endif
    }
}

static int uc_bare(struct sb_engine *eng, uint64_t switches, struct sb_err *err)
{
    struct uc_engine *e = (struct uc_engine *)eng;
    struct coro_stack st;
    if (coro_stack_alloc(&st, e->c.s.cfg.stack_size, err, "ucontext") != 0) return -1;
    struct uc_bare *b = calloc(1, sizeof *b);
    if (!b || uc_prepare(&b->co_uc, &st, uc_bare_co, b) != 0) {
        free(b);
        coro_stack_free(&st);
        sb_err_set(err, "ucontext: cannot prepare the bare-loop context");
        return -1;
    }
    b->main_stack = &e->c.main_stack;
    b->co_stack = &st;
    for (uint64_t i = 0; i < switches / 2; i++) {
#if defined(SB_ASAN)
        coro_asan_start(b->main_stack, &st, 0);
#endif
        swapcontext(&b->main_uc, &b->co_uc);
#if defined(SB_ASAN)
        coro_asan_finish(b->main_stack, b->main_stack);
#endif
    }
    free(b);
    coro_stack_free(&st);
    return 0;
}

static const struct sb_task_ops uc_task_ops = {uc_yield, uc_handoff, coro_wake, uc_send, uc_recv};

const struct sb_engine_ops sb_engine_ucontext = {
    .name = "ucontext",
    .summary = "coroutines, glibc makecontext/swapcontext (saves the signal mask: a syscall per switch)",
    .mechanism = "swapcontext",
    .fpu = "per-task MXCSR/x87 env (glibc)",
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | SB_CAP_PER_TASK_FPU,
    .task_ops = &uc_task_ops,
    .open = uc_open,
    .close = uc_close,
    .chan_open = coro_chan_open,
    .spawn = uc_spawn,
    .run = uc_run,
    .stack_fault = coro_stackful_stack_fault,
    .bare_loop = uc_bare,
};
