/* The conformance suite: the same task bodies, run on one engine through
 * the harness's own repetition path (shared task memory, open, spawn, run,
 * verify). Every engine must pass every test its capabilities promise.
 *
 *   test_conformance --engine=NAME [--quick]
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engines/sb_engine.h"
#include "../harness/run.h"
#include "../workloads/sb_workload.h"

#if defined(SB_HAVE_VALGRIND)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

unsigned sb_test_call_keeping_regs(int (*op)(void *), void *arg, uint64_t seed);

#define LOG_MAX 4096

/* Shared by every test: an append-only log of task indexes. */
struct log {
    uint32_t n;
    uint32_t v[LOG_MAX];
};

static void log_put(struct log *l, uint32_t v)
{
    uint32_t at = __atomic_fetch_add(&l->n, 1, __ATOMIC_SEQ_CST);
    if (at < LOG_MAX) l->v[at] = v;
}

/* ---- yield interleaving: 3 tasks, each logs then yields, 5 rounds ---- */

enum { Y_TASKS = 3, Y_ROUNDS = 5 };

struct y_state {
    struct log log;
    bool cooperative;
    struct y_task {
        struct sb_task t;
        struct y_state *st;
        int round;
    } tasks[Y_TASKS];
};

static int y_body(struct sb_task *t)
{
    struct y_task *me = (struct y_task *)t;
    SB_BEGIN(t);
    for (me->round = 0; me->round < Y_ROUNDS; me->round++) {
        log_put(&me->st->log, t->index);
        SB_AWAIT(t, sb_yield(t));
    }
    SB_END(t);
}

static int y_setup(struct sb_run *run, const long long *p, uint64_t n, void **state, struct sb_err *err)
{
    (void)p;
    (void)n;
    struct y_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    st->cooperative = sb_run_engine_has(run, SB_CAP_COOPERATIVE);
    for (int i = 0; i < Y_TASKS; i++) {
        st->tasks[i].st = st;
        if (sb_run_spawn(run, &st->tasks[i].t, y_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int y_verify(void *state, struct sb_err *err)
{
    struct y_state *st = state;
    if (st->log.n != Y_TASKS * Y_ROUNDS) {
        sb_err_set(err, "%u log entries, expected %d", st->log.n, Y_TASKS * Y_ROUNDS);
        return -1;
    }
    int count[Y_TASKS] = {0};
    for (uint32_t i = 0; i < st->log.n; i++) {
        uint32_t v = st->log.v[i];
        if (v >= Y_TASKS) {
            sb_err_set(err, "entry %u names task %u", i, v);
            return -1;
        }
        count[v]++;
        /* One scheduler: strict round robin, 0 1 2 0 1 2 ... */
        if (st->cooperative && v != i % Y_TASKS) {
            sb_err_set(err, "entry %u is task %u, round robin wants task %u", i, v, i % Y_TASKS);
            return -1;
        }
    }
    for (int i = 0; i < Y_TASKS; i++)
        if (count[i] != Y_ROUNDS) {
            sb_err_set(err, "task %d logged %d times, expected %d", i, count[i], Y_ROUNDS);
            return -1;
        }
    return 0;
}

/* ---- hand-off ring: 4 tasks pass control in order; deterministic everywhere ---- */

enum { H_TASKS = 4, H_STEPS = 40 };

struct h_state {
    struct log log;
    uint32_t step, done;
    struct h_task {
        struct sb_task t;
        struct h_state *st;
        struct h_task *next;
    } tasks[H_TASKS];
};

static int h_body(struct sb_task *t)
{
    struct h_task *me = (struct h_task *)t;
    struct h_state *st = me->st;
    SB_BEGIN(t);
    if (t->index != 0) SB_AWAIT(t, sb_handoff(t, NULL));
    for (;;) {
        if (st->done) {
            sb_wake(t, &me->next->t);
            break;
        }
        log_put(&st->log, t->index);
        if (++st->step == H_STEPS) {
            st->done = 1;
            sb_wake(t, &me->next->t);
            break;
        }
        SB_AWAIT(t, sb_handoff(t, &me->next->t));
    }
    SB_END(t);
}

static int h_setup(struct sb_run *run, const long long *p, uint64_t n, void **state, struct sb_err *err)
{
    (void)p;
    (void)n;
    struct h_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    for (int i = 0; i < H_TASKS; i++) {
        st->tasks[i].st = st;
        st->tasks[i].next = &st->tasks[(i + 1) % H_TASKS];
    }
    for (int i = 0; i < H_TASKS; i++)
        if (sb_run_spawn(run, &st->tasks[i].t, h_body, err) != 0) return -1;
    *state = st;
    return 0;
}

static int h_verify(void *state, struct sb_err *err)
{
    struct h_state *st = state;
    if (st->log.n != H_STEPS) {
        sb_err_set(err, "%u steps logged, expected %d", st->log.n, H_STEPS);
        return -1;
    }
    for (uint32_t i = 0; i < st->log.n; i++)
        if (st->log.v[i] != i % H_TASKS) {
            sb_err_set(err, "step %u ran task %u, expected %u", i, st->log.v[i], i % H_TASKS);
            return -1;
        }
    return 0;
}

/* ---- channel FIFO: 2 producers, 1 consumer, capacity 4 ---- */

enum { F_PER_PRODUCER = 500 };

struct f_state {
    struct sb_chan *ch;
    uint64_t got[2], bad, total;
    struct f_task {
        struct sb_task t;
        struct f_state *st;
        uint64_t i, v;
        int producer; /* -1: the consumer */
    } tasks[3];
};

static int f_body(struct sb_task *t)
{
    struct f_task *me = (struct f_task *)t;
    struct f_state *st = me->st;
    SB_BEGIN(t);
    if (me->producer >= 0) {
        for (me->i = 0; me->i < F_PER_PRODUCER; me->i++)
            SB_AWAIT(t, sb_send(t, st->ch, ((uint64_t)me->producer << 32) | me->i));
    } else {
        for (me->i = 0; me->i < 2 * F_PER_PRODUCER; me->i++) {
            SB_AWAIT(t, sb_recv(t, st->ch, &me->v));
            uint64_t p = me->v >> 32, seq = me->v & 0xffffffffu;
            if (p > 1 || seq != st->got[p]) st->bad++;
            else st->got[p]++;
            st->total++;
        }
    }
    SB_END(t);
}

static int f_setup(struct sb_run *run, const long long *p, uint64_t n, void **state, struct sb_err *err)
{
    (void)p;
    (void)n;
    struct f_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    if (sb_run_chan(run, 4, &st->ch, err) != 0) return -1;
    for (int i = 0; i < 3; i++) {
        st->tasks[i].st = st;
        st->tasks[i].producer = i < 2 ? i : -1;
        if (sb_run_spawn(run, &st->tasks[i].t, f_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int f_verify(void *state, struct sb_err *err)
{
    struct f_state *st = state;
    if (st->bad || st->total != 2 * F_PER_PRODUCER || st->got[0] != F_PER_PRODUCER || st->got[1] != F_PER_PRODUCER) {
        sb_err_set(err, "received %llu values, %llu out of FIFO order (per producer: %llu, %llu)",
                   (unsigned long long)st->total, (unsigned long long)st->bad, (unsigned long long)st->got[0],
                   (unsigned long long)st->got[1]);
        return -1;
    }
    return 0;
}

/* ---- a task that ends early while others keep working ---- */

enum { E_ROUNDS = 200 };

struct e_state {
    struct sb_chan *a, *b;
    uint64_t early_ran, rounds_a, rounds_b;
    struct e_task {
        struct sb_task t;
        struct e_state *st;
        uint64_t i, v;
        int role;
    } tasks[3];
};

static int e_body(struct sb_task *t)
{
    struct e_task *me = (struct e_task *)t;
    struct e_state *st = me->st;
    SB_BEGIN(t);
    if (me->role == 0) {
        st->early_ran = 1; /* and ends at once */
    } else if (me->role == 1) {
        for (me->i = 0; me->i < E_ROUNDS; me->i++) {
            SB_AWAIT(t, sb_send(t, st->a, me->i));
            SB_AWAIT(t, sb_recv(t, st->b, &me->v));
            if (me->v == me->i) st->rounds_a++;
        }
    } else {
        for (me->i = 0; me->i < E_ROUNDS; me->i++) {
            SB_AWAIT(t, sb_recv(t, st->a, &me->v));
            SB_AWAIT(t, sb_yield(t));
            SB_AWAIT(t, sb_send(t, st->b, me->v));
            st->rounds_b++;
        }
    }
    SB_END(t);
}

static int e_setup(struct sb_run *run, const long long *p, uint64_t n, void **state, struct sb_err *err)
{
    (void)p;
    (void)n;
    struct e_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    if (sb_run_chan(run, 1, &st->a, err) != 0 || sb_run_chan(run, 1, &st->b, err) != 0) return -1;
    for (int i = 0; i < 3; i++) {
        st->tasks[i].st = st;
        st->tasks[i].role = i;
        if (sb_run_spawn(run, &st->tasks[i].t, e_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int e_verify(void *state, struct sb_err *err)
{
    struct e_state *st = state;
    if (st->early_ran != 1 || st->rounds_a != E_ROUNDS || st->rounds_b != E_ROUNDS) {
        sb_err_set(err, "early task ran %llu times; %llu/%llu rounds completed of %d", (unsigned long long)st->early_ran,
                   (unsigned long long)st->rounds_a, (unsigned long long)st->rounds_b, E_ROUNDS);
        return -1;
    }
    return 0;
}

/* ---- many tasks at once: each counts in, yields, counts again ---- */

struct m_state {
    uint64_t n, in, out;
    struct m_task {
        struct sb_task t;
        struct m_state *st;
    } tasks[];
};

static int m_body(struct sb_task *t)
{
    struct m_task *me = (struct m_task *)t;
    SB_BEGIN(t);
    __atomic_fetch_add(&me->st->in, 1, __ATOMIC_RELAXED);
    SB_AWAIT(t, sb_yield(t));
    __atomic_fetch_add(&me->st->out, 1, __ATOMIC_RELAXED);
    SB_END(t);
}

static int m_setup(struct sb_run *run, const long long *p, uint64_t n, void **state, struct sb_err *err)
{
    (void)n;
    uint64_t count = (uint64_t)p[0];
    struct m_state *st = sb_run_alloc(run, sizeof *st + count * sizeof st->tasks[0], err);
    if (!st) return -1;
    st->n = count;
    for (uint64_t i = 0; i < count; i++) {
        st->tasks[i].st = st;
        if (sb_run_spawn(run, &st->tasks[i].t, m_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int m_verify(void *state, struct sb_err *err)
{
    struct m_state *st = state;
    if (st->in != st->n || st->out != st->n) {
        sb_err_set(err, "%llu tasks: %llu started, %llu finished", (unsigned long long)st->n,
                   (unsigned long long)st->in, (unsigned long long)st->out);
        return -1;
    }
    return 0;
}

/* ---- callee-saved registers and FPU control words across switches ---- */

enum { R_TASKS = 2, R_ROUNDS = 50 };

struct r_state {
    bool check_fpu;
    uint64_t reg_failures, fpu_failures, rounds;
    struct r_task {
        struct sb_task t;
        struct r_state *st;
        int i;
    } tasks[R_TASKS];
};

static int r_yield_op(void *t) { return sb_yield(t); }

static uint32_t get_mxcsr(void) { return (uint32_t)__builtin_ia32_stmxcsr(); }
static void set_mxcsr(uint32_t v) { __builtin_ia32_ldmxcsr(v); }
static uint16_t get_x87cw(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}
static void set_x87cw(uint16_t cw) { __asm__ volatile("fldcw %0" : : "m"(cw)); }

static int r_body(struct sb_task *t)
{
    struct r_task *me = (struct r_task *)t;
    struct r_state *st = me->st;
    /* Task 0 rounds toward zero, task 1 upward, in both SSE and x87. */
    uint32_t mx = 0x1f80u | (me == &st->tasks[0] ? 0x6000u : 0x4000u);
    uint16_t cw = (uint16_t)(0x037fu | (me == &st->tasks[0] ? 0x0c00u : 0x0800u));
    uint32_t mx0 = get_mxcsr();
    uint16_t cw0 = get_x87cw();
    for (me->i = 0; me->i < R_ROUNDS; me->i++) {
        if (st->check_fpu) {
            set_mxcsr(mx);
            set_x87cw(cw);
        }
        uint64_t seed = 0x1000 * (t->index + 1) + (uint64_t)me->i * 16;
        if (sb_test_call_keeping_regs(r_yield_op, t, seed) != 0) __atomic_fetch_add(&st->reg_failures, 1, __ATOMIC_RELAXED);
        if (st->check_fpu && (get_mxcsr() != mx || get_x87cw() != cw))
            __atomic_fetch_add(&st->fpu_failures, 1, __ATOMIC_RELAXED);
        __atomic_fetch_add(&st->rounds, 1, __ATOMIC_RELAXED);
    }
    set_mxcsr(mx0);
    set_x87cw(cw0);
    return SB_DONE;
}

static int r_setup(struct sb_run *run, const long long *p, uint64_t n, void **state, struct sb_err *err)
{
    (void)p;
    (void)n;
    struct r_state *st = sb_run_alloc(run, sizeof *st, err);
    if (!st) return -1;
    /* Valgrind does not emulate non-default rounding modes. */
    st->check_fpu = sb_run_engine_has(run, SB_CAP_PER_TASK_FPU) && !RUNNING_ON_VALGRIND;
    for (int i = 0; i < R_TASKS; i++) {
        st->tasks[i].st = st;
        if (sb_run_spawn(run, &st->tasks[i].t, r_body, err) != 0) return -1;
    }
    *state = st;
    return 0;
}

static int r_verify(void *state, struct sb_err *err)
{
    struct r_state *st = state;
    if (st->rounds != R_TASKS * R_ROUNDS || st->reg_failures || st->fpu_failures) {
        sb_err_set(err, "%llu rounds; callee-saved registers lost in %llu, MXCSR/x87 CW lost in %llu",
                   (unsigned long long)st->rounds, (unsigned long long)st->reg_failures,
                   (unsigned long long)st->fpu_failures);
        return -1;
    }
    return 0;
}

/* ---- the driver ---- */

struct test {
    const char *name;
    struct sb_workload w;
    unsigned needs; /* capabilities the engine must have for this test to apply */
    long long param;
};

static int run_test(const struct sb_engine_ops *e, const struct test *t)
{
    struct sb_run_spec spec = {.engine = e, .workload = &t->w, .params = &t->param,
                               .cfg = {.stack_size = 64 * 1024, .pin = NULL, .pin_ctx = NULL}};
    struct sb_sample s;
    struct sb_err err = {{0}};
    if (sb_run_repetition(&spec, 1, &s, &err) != 0) {
        printf("FAIL %s/%s: %s\n", t->name, e->name, err.msg);
        return -1;
    }
    printf("ok   %s/%s\n", t->name, e->name);
    return 0;
}

static struct sb_workload WL(const char *name,
                              int (*setup)(struct sb_run *, const long long *, uint64_t, void **, struct sb_err *),
                              int (*verify)(void *, struct sb_err *))
{
    return (struct sb_workload){.name = name, .unit = "test", .rate_counter = "x", .setup = setup, .verify = verify};
}

int main(int argc, char **argv)
{
    const char *name = NULL;
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--engine=", 9) == 0) name = argv[i] + 9;
    const struct sb_engine_ops *e = name ? sb_engine_find(name) : NULL;
    if (!e) {
        fprintf(stderr, "usage: test_conformance --engine=NAME\n");
        return 2;
    }
    /* How many tasks each kind of engine must hold at once. */
    long long many = (e->caps & SB_CAP_SEPARATE_MEMORY) ? 200 : (e->caps & SB_CAP_PARALLEL) ? 1000 : 10000;
    struct test tests[] = {
        {"yield_order", WL("yield_order", y_setup, y_verify), 0, 0},
        {"handoff_ring_order", WL("handoff_ring_order", h_setup, h_verify), 0, 0},
        {"chan_fifo_2p1c", WL("chan_fifo_2p1c", f_setup, f_verify), 0, 0},
        {"early_exit", WL("early_exit", e_setup, e_verify), 0, 0},
        {"many_tasks", WL("many_tasks", m_setup, m_verify), 0, many},
        {"callee_saved_and_fpu", WL("callee_saved_and_fpu", r_setup, r_verify), SB_CAP_STACKFUL, 0},
    };
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if ((e->caps & tests[i].needs) != tests[i].needs) {
            printf("skip %s/%s: the engine has no per-task stack or registers\n", tests[i].name, e->name);
            skipped++;
            continue;
        }
        if (run_test(e, &tests[i]) == 0) passed++;
        else failed++;
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
