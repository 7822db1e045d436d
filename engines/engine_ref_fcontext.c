/* ref-fcontext: a reference engine, Boost.Context's fcontext switch
 * (jump_fcontext/make_fcontext from Debian's libboost-context-dev) under
 * the same scheduler, task API and stacks as the asm engines, so that
 * switch/asm against switch/ref-fcontext compares the two switches alone.
 *
 * fcontext's contract differs from our switch's in one way that shows in
 * the code: a jump returns, to the side it resumes, the context of the
 * side that jumped (a transfer of {context, data}). The resumed side stores
 * it in the jumper's task, which is the `data` every jump carries: one
 * store after each switch, where our switch saves its own stack pointer
 * before leaving. That is Boost's design, and measuring it is the point.
 *
 * Built only where the library was found (SB_HAVE_BOOST_CONTEXT); without
 * it the engine stays in the registry, says what is missing, and the
 * harness leaves it out of runs with one line. */
#include <stdint.h>

#include "coro_sched.h"

#define REF_FCONTEXT_PACKAGE "libboost-context-dev"
#ifndef SB_BOOST_CONTEXT_VERSION
#define SB_BOOST_CONTEXT_VERSION "(not built)"
#endif

/* What Boost.Context's switch keeps depends on the architecture: its
 * x86-64 jump_fcontext saves MXCSR and the x87 control word; its arm64 one
 * saves x19-x30, sp and d8-d15 but not FPCR, so tasks share it there (the
 * conformance test callee_saved_and_fpu holds it to what is claimed). */
#if defined(__x86_64__)
#define FCTX_FPU_CAP SB_CAP_PER_TASK_FPU
#define FCTX_FPU     "per-task MXCSR/x87 CW"
#define FCTX_SUMMARY " jump_fcontext under our scheduler (saves MXCSR and x87 CW)"
#define FCTX_CONTRACT \
    "Boost.Context fcontext (x86_64 SysV): rbx rbp r12-r15 rsp, MXCSR and x87 CW; "
#elif defined(__aarch64__)
#define FCTX_FPU_CAP  0
#define FCTX_FPU      "shared FPCR"
#define FCTX_SUMMARY  " jump_fcontext under our scheduler (FPCR shared)"
#define FCTX_CONTRACT "Boost.Context fcontext (arm64 AAPCS): x19-x30 sp d8-d15, FPCR not kept; "
#else
#define FCTX_FPU_CAP  0
#define FCTX_FPU      "as Boost.Context's switch for this architecture"
#define FCTX_SUMMARY  " jump_fcontext under our scheduler"
#define FCTX_CONTRACT "Boost.Context fcontext: this architecture's callee-saved registers; "
#endif

#if defined(SB_HAVE_BOOST_CONTEXT)

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* Boost.Context's C interface (boost/context/detail/fcontext.hpp), declared
 * here: its header is C++. The transfer comes back as a struct of two
 * pointers does (rax:rdx on x86-64 System V, x0:x1 on AAPCS64). */
typedef void *fctx_t;
struct fctx_transfer {
    fctx_t fctx; /* the context that jumped to us, now suspended */
    void *data;  /* what it passed */
};
extern struct fctx_transfer jump_fcontext(fctx_t to, void *data);
extern fctx_t make_fcontext(void *sp, size_t size, void (*fn)(struct fctx_transfer));

/* The jump every task switch makes: `self` travels as the data, and the
 * side that resumes stores self's suspended context in it. Back here
 * (resumed by whichever task), the same store for the jumper. */
static inline sb_ret fctx_sw(struct coro_sched *s, struct sb_task *self, struct sb_task *next)
{
#if defined(SB_ASAN)
    coro_asan_start(self->sb_stack, next->sb_stack, 0);
    struct fctx_transfer r = jump_fcontext(next->sb_ctx, self);
    coro_asan_finish(self->sb_stack, &s->main_stack);
#else
    (void)s;
    struct fctx_transfer r = jump_fcontext(next->sb_ctx, self);
#endif
    ((struct sb_task *)r.data)->sb_ctx = r.fctx;
    return SB_OK;
}

/* The first entry is a priming round trip made by fctx_prepare (as
 * Boost's own callcc makes one): it tells the new context which task it
 * is, and comes straight back; the task then waits, suspended inside its
 * first jump, for its first real resume. */
struct fctx_prime {
    struct sb_task *t;
    struct coro_stack *creator; /* the stack prepare runs on: ASan learns its bounds */
};

static void fctx_entry(struct fctx_transfer r)
{
    const struct fctx_prime *p = r.data;
    struct sb_task *t = p->t;
    coro_asan_finish(NULL, p->creator);
    coro_asan_start(t->sb_stack, p->creator, 0);
    r = jump_fcontext(r.fctx, NULL);
    /* Resumed for real: by a task, or by the scheduler's main context. */
    struct coro_sched *s = coro_of(t);
    coro_asan_finish(t->sb_stack, &s->main_stack);
    ((struct sb_task *)r.data)->sb_ctx = r.fctx;
    (void)t->body(t);
    s = coro_of(t);
    coro_stackful_exit(s, t);
    coro_asan_start(t->sb_stack, &s->main_stack, 1);
    (void)jump_fcontext(s->main_task.sb_ctx, t);
    __builtin_unreachable();
}

/* A context that has never run, on `stack`, its top colored as the asm
 * engines' are (coro_stack_top). */
static fctx_t fctx_fresh(const struct coro_stack *stack, unsigned color,
                         void (*fn)(struct fctx_transfer))
{
    char *top = coro_stack_top(stack, color);
    return make_fcontext(top, (size_t)(top - stack->lo), fn);
}

static void fctx_prepare(struct coro_sched *s, struct sb_task *t, struct coro_stack *rec)
{
    (void)s;
    struct coro_stack creator = {0};
    struct fctx_prime p = {.t = t, .creator = &creator};
    fctx_t fresh = fctx_fresh(rec, t->index, fctx_entry);
    coro_asan_start(&creator, rec, 0);
    struct fctx_transfer r = jump_fcontext(fresh, &p);
    coro_asan_finish(&creator, NULL);
    t->sb_ctx = r.fctx;
}

CORO_TASK_OPS(fctx_task_ops, fctx, fctx_sw);

static void fctx_dispatch(struct coro_sched *s, struct sb_task *t)
{
    (void)fctx_sw(s, &s->main_task, t);
    if (s->zombies) coro_sched_reap(s);
}

static int fctx_run_worker(struct coro_sched *s) { return coro_run_loop(s, fctx_dispatch); }

static const struct coro_kind fctx_kind = {
    .rec_size = sizeof(struct coro_stack),
    .prepare = fctx_prepare,
    .run_worker = fctx_run_worker,
};

extern const struct sb_engine_ops sb_engine_ref_fcontext;

static int fctx_open(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err)
{
    return coro_engine_open(&sb_engine_ref_fcontext, &fctx_kind, sizeof(struct coro_engine), cfg,
                            out, err);
}

/* The bare loop, as Boost.Context's users write one: each side jumps to
 * the context its last jump returned (the other side), with nothing stored
 * anywhere. Side 0 counts the rounds and then jumps back to the caller. */
struct fctx_bare {
    fctx_t caller, side1;
    uint64_t rounds, ball;
    struct coro_stack *main_stack, stacks[2];
};

static struct fctx_transfer fctx_bare_jump(struct fctx_bare *b, struct coro_stack *from,
                                           const struct coro_stack *to, fctx_t ctx)
{
    coro_asan_start(from, to, 0);
    struct fctx_transfer r = jump_fcontext(ctx, b);
    coro_asan_finish(from, b->main_stack);
    return r;
}

static void fctx_bare_side0(struct fctx_transfer r)
{
    struct fctx_bare *b = r.data;
    coro_asan_finish(NULL, b->main_stack);
    b->caller = r.fctx;
    fctx_t other = b->side1;
    for (uint64_t i = 0; i < b->rounds; i++) {
        other = fctx_bare_jump(b, &b->stacks[0], &b->stacks[1], other).fctx;
        sb_bare_catch(&b->ball, 0);
    }
    (void)fctx_bare_jump(b, &b->stacks[0], b->main_stack, b->caller);
    __builtin_unreachable();
}

static void fctx_bare_side1(struct fctx_transfer r)
{
    struct fctx_bare *b = r.data;
    coro_asan_finish(NULL, b->main_stack);
    for (;;) {
        sb_bare_catch(&b->ball, 1);
        r = fctx_bare_jump(b, &b->stacks[1], &b->stacks[0], r.fctx);
    }
}

static int fctx_bare(struct sb_engine *eng, uint64_t switches, uint64_t *ball, struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    struct fctx_bare *b = coro_bare_state(sizeof *b, err, eng->ops->name);
    if (!b) return -1;
    *b = (struct fctx_bare){.rounds = switches / 2, .main_stack = &e->w[0].main_stack};
    if (coro_stack_alloc_pair(b->stacks, &e->cfg, err, eng->ops->name) != 0) {
        munmap(b, sizeof *b);
        return -1;
    }
    fctx_t side0 = fctx_fresh(&b->stacks[0], 0, fctx_bare_side0);
    b->side1 = fctx_fresh(&b->stacks[1], 1, fctx_bare_side1);
    /* Into side 0; back here once it has counted every round. */
    (void)fctx_bare_jump(b, b->main_stack, &b->stacks[0], side0);
    coro_stack_free_pair(b->stacks);
    *ball = b->ball;
    munmap(b, sizeof *b);
    return 0;
}

static const char *fctx_unavailable(void) { return NULL; }

#define FCTX_OPS                                                                           \
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | FCTX_FPU_CAP | SB_CAP_WORKERS |         \
            SB_CAP_OWN_STACKS | SB_CAP_BARE_LOOP | SB_CAP_REFERENCE,                       \
    .costs = {.maps_per_guarded_stack = 2}, .task_ops = &fctx_task_ops, .open = fctx_open, \
    .close = coro_engine_close, .chan_open = coro_chan_open, .spawn = coro_engine_spawn,   \
    .spawn_failure = coro_engine_spawn_failure, .run = coro_engine_run,                    \
    .stack_fault = coro_stack_fault, .bare_loop = fctx_bare, .unavailable = fctx_unavailable

#else /* no Boost.Context in this build */

static const char *fctx_unavailable(void)
{
    return "needs the Debian package " REF_FCONTEXT_PACKAGE
           " (not installed when switchbench was built)";
}

#define FCTX_OPS                                                                    \
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | FCTX_FPU_CAP | SB_CAP_REFERENCE, \
    .unavailable = fctx_unavailable

#endif

const struct sb_engine_ops sb_engine_ref_fcontext = {
    .name = "ref-fcontext",
    .summary = "reference: Boost.Context " SB_BOOST_CONTEXT_VERSION FCTX_SUMMARY,
    .mechanism = "Boost.Context " SB_BOOST_CONTEXT_VERSION " jump_fcontext",
    .fpu = FCTX_FPU,
    .contract = FCTX_CONTRACT "returns the suspended context to the resumed side",
    .package = REF_FCONTEXT_PACKAGE,
    .in_default_run = true,
    FCTX_OPS,
};
