/* The asm engines: coroutines switched by our own routine (engines/
 * switch_*, trampoline_* .S, x86-64 and aarch64). `asm` keeps the FPU
 * control state (MXCSR and the x87 control word; FPCR) per task;
 * `asm-sharedfpu` lets all tasks share it and saves that work per switch. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "asm_switch.h"
#include "coro_sched.h"

typedef sb_ret (*asm_raw_switch_fn)(void **save_sp, void *load_sp);

static inline sb_ret asm_switch_with(struct coro_sched *s, struct sb_task *self,
                                     struct sb_task *next, asm_raw_switch_fn raw)
{
#if defined(SB_ASAN)
    coro_asan_start(self->sb_stack, next->sb_stack, 0);
    raw(&self->sb_ctx, next->sb_ctx);
    coro_asan_finish(self->sb_stack, &s->main_stack);
    return SB_OK;
#else
    (void)s; /* the scheduler is not told who runs: see coro_stack_fault */
    return raw(&self->sb_ctx, next->sb_ctx); /* a tail call: see coro_sched.h */
#endif
}

static inline void asm_entry_with(struct sb_task *t, asm_raw_switch_fn raw)
{
    struct coro_sched *s = coro_of(t);
    coro_asan_finish(NULL, &s->main_stack);
    (void)t->body(t);
    s = coro_of(t);
    coro_stackful_exit(s, t);
#if defined(SB_ASAN)
    coro_asan_start(t->sb_stack, &s->main_stack, 1);
#endif
    (void)raw(&t->sb_ctx, s->main_task.sb_ctx);
    __builtin_unreachable();
}

/* The frame the switch expects of a context that has never run.
 *
 * `color` moves the top of the stack down by a multiple of 64 bytes. Stacks
 * are page-aligned mappings of one size, so without it every task's frames
 * sit at the same offsets modulo 4 KiB, and the pops of one context alias
 * the pushes of the other just before: the CPU then stalls the loads on
 * stores to other addresses (4K aliasing), and switch times changed by
 * half from one run to the next with where the stacks happened to land. */
static void *asm_initial_frame(struct coro_stack *stack, void *arg, void (*entry)(void *),
                               bool fpu_slot, unsigned color)
{
    uintptr_t top = (uintptr_t)coro_stack_top(stack, color);
    return asm_arch_frame(top, arg, entry, sb_asm_first_resume, fpu_slot);
}

/* The bare loop: two raw contexts bounce control, nothing else. Both live
 * on task stacks colored as the switch workload's two tasks are. With the
 * process's own stack on one side, where ASLR put it decided whether its
 * frames aliased the other's (4K aliasing): bare/asm-sharedfpu measured
 * 2.1 or 2.6 ns depending on the run. */
struct asm_bare {
    void *main_sp, *sp[2];
    asm_raw_switch_fn raw;
    uint64_t rounds;
    uint64_t ball; /* sb_bare_catch */
    struct coro_stack *main_stack, stacks[2];
};

static inline void asm_bare_switch(struct asm_bare *b, struct coro_stack *from,
                                   const struct coro_stack *to, void **save, void *load)
{
#if defined(SB_ASAN)
    coro_asan_start(from, to, 0);
#else
    (void)from;
    (void)to;
#endif
    (void)b->raw(save, load);
#if defined(SB_ASAN)
    coro_asan_finish(from, b->main_stack);
#endif
}

/* Side 0 counts the rounds, then returns to the caller for good. */
static void asm_bare_side0(void *arg)
{
    struct asm_bare *b = arg;
    coro_asan_finish(NULL, b->main_stack);
    for (uint64_t i = 0; i < b->rounds; i++) {
        asm_bare_switch(b, &b->stacks[0], &b->stacks[1], &b->sp[0], b->sp[1]);
        sb_bare_catch(&b->ball, 0);
    }
    asm_bare_switch(b, &b->stacks[0], b->main_stack, &b->sp[0], b->main_sp);
    __builtin_unreachable();
}

static void asm_bare_side1(void *arg)
{
    struct asm_bare *b = arg;
    coro_asan_finish(NULL, b->main_stack);
    for (;;) {
        sb_bare_catch(&b->ball, 1);
        asm_bare_switch(b, &b->stacks[1], &b->stacks[0], &b->sp[1], b->sp[0]);
    }
}

static int asm_bare_with(struct sb_engine *eng, uint64_t switches, uint64_t *ball, bool full,
                         struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    struct asm_bare *b = coro_bare_state(sizeof *b, err, eng->ops->name);
    if (!b) return -1;
    *b = (struct asm_bare){.raw = full ? sb_asm_switch : sb_asm_switch_sharedfpu,
                           .rounds = switches / 2,
                           .main_stack = &e->w[0].main_stack};
    if (coro_stack_alloc_pair(b->stacks, &e->cfg, err, eng->ops->name) != 0) {
        munmap(b, sizeof *b);
        return -1;
    }
    b->sp[0] = asm_initial_frame(&b->stacks[0], b, asm_bare_side0, full, 0);
    b->sp[1] = asm_initial_frame(&b->stacks[1], b, asm_bare_side1, full, 1);
    /* Into side 0; back here once it has counted every round. */
    asm_bare_switch(b, b->main_stack, &b->stacks[0], &b->main_sp, b->sp[0]);
    coro_stack_free_pair(b->stacks);
    *ball = b->ball;
    munmap(b, sizeof *b);
    return 0;
}

/* Everything an asm engine is made of but its name and contract, for the
 * routine `raw`; fpu_slot: whether its frames hold the control words. */
#define ASM_ENGINE_PARTS(prefix, raw, fpu_slot, ops_sym)                                          \
    static inline sb_ret prefix##_sw(struct coro_sched *s, struct sb_task *self,                  \
                                     struct sb_task *next)                                        \
    {                                                                                             \
        return asm_switch_with(s, self, next, raw);                                               \
    }                                                                                             \
    static void prefix##_entry(void *t) { asm_entry_with(t, raw); }                               \
    static void prefix##_prepare(struct coro_sched *s, struct sb_task *t, struct coro_stack *rec) \
    {                                                                                             \
        (void)s;                                                                                  \
        t->sb_ctx = asm_initial_frame(rec, t, prefix##_entry, fpu_slot, t->index);                \
    }                                                                                             \
    CORO_TASK_OPS(prefix##_task_ops, prefix, prefix##_sw);                                        \
    static inline void prefix##_dispatch(struct coro_sched *s, struct sb_task *t)                 \
    {                                                                                             \
        (void)prefix##_sw(s, &s->main_task, t);                                                   \
        if (s->zombies) coro_sched_reap(s);                                                       \
    }                                                                                             \
    static int prefix##_run_worker(struct coro_sched *s)                                          \
    {                                                                                             \
        return coro_run_loop(s, prefix##_dispatch);                                               \
    }                                                                                             \
    static const struct coro_kind prefix##_kind = {.rec_size = sizeof(struct coro_stack),         \
                                                   .prepare = prefix##_prepare,                   \
                                                   .run_worker = prefix##_run_worker};            \
    extern const struct sb_engine_ops ops_sym;                                                    \
    static int prefix##_open(const struct sb_engine_config *cfg, struct sb_engine **out,          \
                             struct sb_err *err)                                                  \
    {                                                                                             \
        return coro_engine_open(&(ops_sym), &prefix##_kind, sizeof(struct coro_engine), cfg, out, \
                                err);                                                             \
    }                                                                                             \
    static int prefix##_bare(struct sb_engine *e, uint64_t n, uint64_t *ball, struct sb_err *err) \
    {                                                                                             \
        return asm_bare_with(e, n, ball, fpu_slot, err);                                          \
    }

/* The operations both asm engines have, from ASM_ENGINE_PARTS(prefix). */
#define ASM_ENGINE_OPS(prefix)                                                                     \
    .costs = {.maps_per_guarded_stack = 2}, .task_ops = &prefix##_task_ops, .open = prefix##_open, \
    .close = coro_engine_close, .chan_open = coro_chan_open, .spawn = coro_engine_spawn,           \
    .spawn_failure = coro_engine_spawn_failure, .run = coro_engine_run,                            \
    .stack_fault = coro_stack_fault, .bare_loop = prefix##_bare

/* ---- asm: full contract ---- */

ASM_ENGINE_PARTS(asm_full, sb_asm_switch, true, sb_engine_asm)

const struct sb_engine_ops sb_engine_asm = {
    .name = "asm",
    .summary = ASM_SUMMARY_FULL,
    .mechanism = "asm switch",
    .fpu = ASM_FPU_FULL,
    .contract = ASM_CONTRACT_FULL,
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | SB_CAP_PER_TASK_FPU | SB_CAP_WORKERS |
            SB_CAP_OWN_STACKS | SB_CAP_BARE_LOOP,
    ASM_ENGINE_OPS(asm_full),
};

/* ---- asm-sharedfpu: tasks share MXCSR and the x87 control word ---- */

ASM_ENGINE_PARTS(asm_shared, sb_asm_switch_sharedfpu, false, sb_engine_asm_sharedfpu)

const struct sb_engine_ops sb_engine_asm_sharedfpu = {
    .name = "asm-sharedfpu",
    .summary = ASM_SUMMARY_SHARED,
    .mechanism = "asm switch",
    .fpu = ASM_FPU_SHARED,
    .contract = ASM_CONTRACT_SHARED,
    .caps = SB_CAP_STACKFUL | SB_CAP_COOPERATIVE | SB_CAP_WORKERS | SB_CAP_OWN_STACKS |
            SB_CAP_BARE_LOOP,
    ASM_ENGINE_OPS(asm_shared),
};
