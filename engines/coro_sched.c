/* The coroutine engines' scheduler: engine and worker setup, spawning,
 * finishing and reaping tasks, and running M:N workers. Its IO is
 * coro_io.c, its channels coro_chan.c, its stacks coro_stack.c. */
#include "coro_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int sched_init(struct coro_engine *e, struct coro_sched *s, unsigned worker,
                      struct sb_err *err)
{
    memset(s, 0, sizeof *s);
    s->eng = e;
    s->worker = worker;
    s->rq_cap = 64;
    s->rq = calloc(s->rq_cap, sizeof(struct sb_task *));
    if (!s->rq) {
        sb_err_set(err, "%s: out of memory for the ready queue", e->base.ops->name);
        return -1;
    }
    int rc = uv_loop_init(&s->loop);
    if (rc != 0) {
        sb_err_set(err, "%s: cannot start an event loop: %s", e->base.ops->name, uv_strerror(rc));
        return -1;
    }
    s->loop_open = true;
    s->main_task.sb_engine = s;
    s->main_task.sb_state = CORO_READY;
    s->main_task.sb_stack = &s->main_stack;
    coro_pool_init(&s->stacks, e->kind->rec_size, &e->base, &e->cfg, &e->guard_budget);
    return 0;
}

static void sched_destroy(struct coro_sched *s)
{
    coro_pool_free(&s->stacks);
    if (s->loop_open) {
        coro_io_close_loop(&s->loop);
        s->loop_open = false;
    }
    free(s->rq);
    s->rq = NULL;
}

int coro_engine_open(const struct sb_engine_ops *ops, const struct coro_kind *kind,
                     size_t engine_size, const struct sb_engine_config *cfg, struct sb_engine **out,
                     struct sb_err *err)
{
    struct coro_engine *e = calloc(1, engine_size);
    unsigned n = cfg->workers ? cfg->workers : 1;
    if (!e) {
        sb_err_set(err, "%s: out of memory", ops->name);
        return -1;
    }
    e->base.ops = ops;
    e->cfg = *cfg;
    e->kind = kind;
    e->nworkers = n;
    e->guard_budget = coro_guard_budget(cfg->guard);
    e->w = calloc(n, sizeof *e->w);
    if (!e->w) {
        free(e);
        sb_err_set(err, "%s: out of memory", ops->name);
        return -1;
    }
    for (unsigned i = 0; i < n; i++) {
        if (sched_init(e, &e->w[i], i, err) != 0) {
            for (unsigned j = 0; j <= i; j++) sched_destroy(&e->w[j]);
            free(e->w);
            free(e);
            return -1;
        }
    }
    /* One scheduler runs on this thread: pin it now. Further workers pin
     * themselves when their threads start. */
    if (cfg->pin) cfg->pin(cfg->pin_ctx, 0);
    *out = &e->base;
    return 0;
}

void coro_engine_close(struct sb_engine *eng)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    for (unsigned i = 0; i < e->nworkers; i++) sched_destroy(&e->w[i]);
    coro_chan_free_all(e->chans);
    free(e->w);
    free(e);
}

static int rq_grow(struct coro_sched *s)
{
    size_t cap = s->rq_cap * 2;
    struct sb_task **rq = malloc(cap * sizeof(struct sb_task *));
    if (!rq) return -1;
    for (size_t i = 0; i < s->rq_len; i++) rq[i] = s->rq[(s->rq_head + i) & (s->rq_cap - 1)];
    free(s->rq);
    s->rq = rq;
    s->rq_cap = cap;
    s->rq_head = 0;
    return 0;
}

int coro_sched_add(struct coro_sched *s, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    struct coro_engine *e = s->eng;
    const char *name = e->base.ops->name;
    /* Every live task can be in the ready queue at once; size it now so
     * the hot path never checks for room. */
    while (s->rq_cap < s->alive + 2) {
        if (rq_grow(s) != 0) {
            s->stacks.failed = (struct coro_stack_failure){"malloc of the ready queue", ENOMEM,
                                                           s->alive + 1, sizeof(struct sb_task *)};
            if (err) coro_stack_failure_say(&s->stacks.failed, name, err);
            return -1;
        }
    }
    *t = (struct sb_task){0};
    t->ops = e->base.ops->task_ops;
    t->body = body;
    t->sb_engine = s;
    t->sb_worker = s->worker;
    t->index = __atomic_fetch_add(&e->next_index, 1, __ATOMIC_RELAXED);
    if (e->kind->prepare) {
        struct coro_stack *rec = coro_pool_take(&s->stacks, err);
        if (!rec) return -1;
        t->sb_stack = rec;
        e->kind->prepare(s, t, rec);
    }
    s->alive++;
    coro_make_ready(s, t);
    return 0;
}

int coro_engine_spawn(struct sb_engine *eng, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    struct coro_sched *s = &e->w[e->next_worker];
    e->next_worker = (e->next_worker + 1) % e->nworkers;
    return coro_sched_add(s, t, body, err);
}

sb_ret coro_spawn_child(struct sb_task *t, struct sb_task *child, sb_body_fn body)
{
    /* The child stays on its parent's scheduler: no cross-thread queue.
     * A failure is only recorded (s->stacks.failed): this runs on the
     * parent's stack, which may be 1K, too small for printf's frames; the
     * words come later from coro_engine_spawn_failure. */
    struct coro_sched *s = coro_of(t);
    if (coro_sched_add(s, child, body, NULL) == 0)
        t->sb_result = SB_OK;
    else
        t->sb_result = s->stacks.failed.err ? -s->stacks.failed.err : -ENOMEM;
    return SB_OK;
}

int coro_engine_spawn_failure(struct sb_engine *eng, struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    for (unsigned i = 0; i < e->nworkers; i++)
        if (e->w[i].stacks.failed.call) {
            coro_stack_failure_say(&e->w[i].stacks.failed, eng->ops->name, err);
            return 0;
        }
    return -1;
}

void coro_task_finished(struct coro_sched *s, struct sb_task *t)
{
    coro_io_release(t);
    t->sb_state = CORO_DONE;
    s->alive--;
}

void coro_stackful_exit(struct coro_sched *s, struct sb_task *t)
{
    coro_task_finished(s, t);
    t->sb_next = s->zombies;
    s->zombies = t;
}

void coro_sched_reap(struct coro_sched *s)
{
    struct sb_task *t = s->zombies;
    s->zombies = NULL;
    while (t) {
        struct sb_task *next = t->sb_next;
        if (!coro_pool_give(&s->stacks, t->sb_stack) && !s->err.msg[0]) {
            /* The stacks below it may hold garbage now: stop the loop
             * (coro_run_loop fails on err) rather than resume them. */
            sb_err_set(&s->err,
                       "%s: stack overflow: task %u ran past the bottom of its %zu-byte stack "
                       "(the canary below it was overwritten; raise --stack-size)",
                       s->eng->base.ops->name, (unsigned)t->index, s->stacks.stack_size);
            s->alive = 0;
        }
        t->sb_stack = NULL;
        t = next;
    }
}

void coro_sched_deadlock(struct coro_sched *s)
{
    sb_err_set(&s->err, "%s: deadlock: %zu task(s) wait on channels or hand-offs and none is ready",
               s->eng->base.ops->name, s->alive);
}

/* No scheduler records which task runs: that store on every switch cost
 * 11% of switch/asm-sharedfpu. The fault names its stack instead: the
 * guard page it hit, and a stack pointer at most a push and the red zone
 * above the faulting address (a fault from code on another stack, or a
 * wild pointer from the scheduler's, is not an overflow); or, for packed
 * stacks, the guard page below their chunk, or a broken canary, whatever
 * faulted (the overflow may have wrecked a frame below it, and that task
 * crashed). The pools may be changing on
 * other workers: a missed record leaves the fault a plain SIGSEGV
 * (coro_pool_fault_hit). */
int coro_stack_fault(struct sb_engine *eng, const void *addr, const void *sp)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    const char *a = addr;
    bool near_sp = !sp || (const char *)sp <= a + 128 + 8;
    int hit = 0;
    for (unsigned i = 0; i < e->nworkers; i++) {
        int h = coro_pool_fault_hit(&e->w[i].stacks, addr, near_sp);
        if (h == SB_FAULT_GUARD) return SB_FAULT_GUARD;
        if (h == SB_FAULT_CANARY) hit = SB_FAULT_CANARY;
    }
    return hit;
}

static void *worker_main(void *arg)
{
    struct coro_sched *s = arg;
    struct coro_engine *e = s->eng;
    /* A task that overflows into its guard page faults on this thread: the
     * handler needs a stack of its own here too, or the fault is a plain
     * "killed by signal 11". */
    void *alt = coro_altstack_push();
    if (e->cfg.pin) e->cfg.pin(e->cfg.pin_ctx, s->worker);
    s->failed = e->kind->run_worker(s) != 0;
    coro_altstack_pop(alt);
    return NULL;
}

int coro_engine_run(struct sb_engine *eng, struct sb_err *err)
{
    struct coro_engine *e = (struct coro_engine *)eng;
    unsigned started = 1;
    for (unsigned i = 1; i < e->nworkers; i++, started++) {
        int rc = pthread_create(&e->w[i].thread, NULL, worker_main, &e->w[i]);
        if (rc != 0) {
            sb_err_set(err, "%s: cannot start worker thread %u: %s", eng->ops->name, i,
                       strerror(rc));
            /* Workers already running finish their tasks; ours run below. */
            break;
        }
    }
    int failed = started < e->nworkers;
    e->w[0].failed = e->kind->run_worker(&e->w[0]) != 0;
    for (unsigned i = 1; i < started; i++) pthread_join(e->w[i].thread, NULL);
    for (unsigned i = 0; i < e->nworkers; i++) {
        if (e->w[i].failed) {
            if (!failed) *err = e->w[i].err;
            failed = 1;
        }
    }
    return failed ? -1 : 0;
}
