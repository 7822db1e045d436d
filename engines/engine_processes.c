/* The processes engine: one forked process per task. Task structs live in
 * the shared mapping the harness allocates them from, so a hand-off is a
 * process-shared futex on the task's own word; channels are pipes, the
 * natural process primitive. Processes are forked at spawn time and wait at
 * a gate, so fork stays outside the timed run. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel_tasks.h"

struct proc_chan {
    int rd, wr;
    struct proc_chan *next_owned;
};

struct proc_engine {
    struct sb_engine base;
    struct sb_engine_config cfg;
    pid_t *pids;
    size_t n, cap;
    uint32_t *gate; /* in a shared page, with next_index */
    uint32_t *next_index;
    struct proc_chan *chans;
};

extern const struct sb_engine_ops sb_engine_processes;

/* A task process cannot report through the harness; it says why on stderr
 * and exits with a status the parent turns into an error record. */
static void proc_fatal(const char *what, int err)
{
    fprintf(stderr, "switchbench: processes: task process %ld: %s: %s\n", (long)getpid(), what,
            strerror(err));
    _exit(70);
}

static int proc_open(const struct sb_engine_config *cfg, struct sb_engine **out, struct sb_err *err)
{
    struct proc_engine *e = calloc(1, sizeof *e);
    void *gate = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!e || gate == MAP_FAILED) {
        free(e);
        if (gate != MAP_FAILED) munmap(gate, 4096);
        sb_err_set(err, "processes: out of memory");
        return -1;
    }
    e->base.ops = &sb_engine_processes;
    e->cfg = *cfg;
    e->gate = gate;
    e->next_index = (uint32_t *)gate + 1;
    *out = &e->base;
    return 0;
}

/* Index of our task process `pid` in e->pids, through an open-addressing
 * table built for one reap (pids are not in order once they wrap). */
struct pid_index {
    size_t mask;
    size_t *slot; /* index + 1; 0 is empty */
};

static size_t pid_hash(pid_t p, size_t mask) { return ((size_t)p * 2654435761u) & mask; }

static int pid_index_build(struct pid_index *x, const pid_t *pids, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    x->mask = cap - 1;
    x->slot = calloc(cap, sizeof *x->slot);
    if (!x->slot) return -1;
    for (size_t i = 0; i < n; i++) {
        size_t h = pid_hash(pids[i], x->mask);
        while (x->slot[h]) h = (h + 1) & x->mask;
        x->slot[h] = i + 1;
    }
    return 0;
}

static long pid_index_find(const struct pid_index *x, const pid_t *pids, pid_t p)
{
    for (size_t h = pid_hash(p, x->mask); x->slot[h]; h = (h + 1) & x->mask)
        if (pids[x->slot[h] - 1] == p) return (long)(x->slot[h] - 1);
    return -1;
}

/* Reap every task process in the order they end. The first that dies of a
 * signal or fails ends the rest at once: its peers would otherwise wait
 * forever on a pipe every process holds open, and the run would end only
 * at its timeout with the wrong cause. */
static void proc_reap_all(struct proc_engine *e, struct sb_err *err)
{
    struct pid_index x;
    size_t left = e->n;
    bool ended = false;
    if (pid_index_build(&x, e->pids, e->n) != 0) x.slot = NULL;
    for (unsigned spins = 0; left;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        /* WNOWAIT: look first; a child that is not a task (a helper of the
         * harness, reaped by its own watcher) is left alone. */
        if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) != 0) {
            if (errno == EINTR) continue;
            break; /* ECHILD */
        }
        long i = x.slot ? pid_index_find(&x, e->pids, si.si_pid) : -1;
        if (i < 0) {
            if (++spins % 1024 == 0) {
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
            } else {
                sched_yield();
            }
            if (!x.slot && spins > 100000) break;
            continue;
        }
        int status;
        while (waitpid(si.si_pid, &status, 0) < 0 && errno == EINTR) {}
        left--;
        bool failed = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0);
        if (!failed || ended) continue;
        ended = true;
        if (err && !err->msg[0]) {
            if (WIFSIGNALED(status))
                sb_err_set(err, "processes: task %ld (pid %ld) killed by signal %d (%s)", i,
                           (long)si.si_pid, WTERMSIG(status), strsignal(WTERMSIG(status)));
            else
                sb_err_set(err, "processes: task %ld (pid %ld) exited with status %d", i,
                           (long)si.si_pid, WEXITSTATUS(status));
        }
        for (size_t k = 0; k < e->n; k++) kill(e->pids[k], SIGKILL);
    }
    /* Without the index (no memory), or past ECHILD: reap in order. */
    if (left)
        for (size_t k = 0; k < e->n; k++)
            while (waitpid(e->pids[k], NULL, 0) < 0 && errno == EINTR) {}
    free(x.slot);
    e->n = 0;
}

static void proc_close(struct sb_engine *eng)
{
    struct proc_engine *e = (struct proc_engine *)eng;
    if (e->n) {
        sb_gate_open(e->gate, KERNEL_GATE_ABORT, true);
        proc_reap_all(e, NULL);
    }
    for (struct proc_chan *c = e->chans, *next; c; c = next) {
        next = c->next_owned;
        close(c->rd);
        close(c->wr);
        free(c);
    }
    munmap(e->gate, 4096);
    free(e->pids);
    free(e);
}

static int proc_chan_open(struct sb_engine *eng, unsigned capacity, struct sb_chan **out,
                          struct sb_err *err)
{
    struct proc_engine *e = (struct proc_engine *)eng;
    if (capacity == 0) {
        sb_err_set(err, "processes: channel capacity must be at least 1");
        return -1;
    }
    struct proc_chan *c = calloc(1, sizeof *c);
    int fds[2];
    if (!c || pipe2(fds, O_CLOEXEC) != 0) {
        int en = errno;
        free(c);
        sb_err_set(err, "processes: cannot create a pipe: %s%s", strerror(en),
                   en == EMFILE || en == ENFILE
                       ? " (RLIMIT_NOFILE or fs.file-max: two descriptors per channel)"
                       : "");
        return -1;
    }
    /* A pipe holds at least a page; the smallest size keeps the buffering
     * as close to the requested capacity as pipes allow. */
    (void)fcntl(fds[1], F_SETPIPE_SZ, 4096);
    c->rd = fds[0];
    c->wr = fds[1];
    c->next_owned = e->chans;
    e->chans = c;
    *out = (struct sb_chan *)c;
    return 0;
}

/* In a task process: run the body, then wait for the processes it forked
 * (they are its children, not the harness's), and exit with their verdict. */
static void proc_task_main(struct proc_engine *e, struct sb_task *t, sb_body_fn body, pid_t parent)
{
    /* Never outlive the process that forked us, whatever kills it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    e->n = 0; /* our own children from here on */
    if (e->cfg.pin) e->cfg.pin(e->cfg.pin_ctx, t->index);
    if (sb_gate_wait(e->gate, true) == KERNEL_GATE_RUN) (void)body(t);
    struct sb_err err = {{0}};
    proc_reap_all(e, &err);
    if (err.msg[0]) {
        fprintf(stderr, "switchbench: %s\n", err.msg);
        _exit(71);
    }
    _exit(0);
}

/* 0, or an errno value. */
static int proc_start(struct proc_engine *e, struct sb_task *t, sb_body_fn body)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        pid_t *p = realloc(e->pids, cap * sizeof *p);
        if (!p) return ENOMEM;
        e->pids = p;
        e->cap = cap;
    }
    *t = (struct sb_task){0};
    t->ops = e->base.ops->task_ops;
    t->body = body;
    t->sb_engine = e;
    t->index = __atomic_fetch_add(e->next_index, 1, __ATOMIC_RELAXED);
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) proc_task_main(e, t, body, parent);
    e->pids[e->n++] = pid;
    return 0;
}

static int proc_spawn(struct sb_engine *eng, struct sb_task *t, sb_body_fn body, struct sb_err *err)
{
    struct proc_engine *e = (struct proc_engine *)eng;
    int rc = proc_start(e, t, body);
    if (rc != 0) {
        sb_err_set(err, "processes: cannot fork task %zu: %s%s", e->n, strerror(rc),
                   rc == EAGAIN ? " (RLIMIT_NPROC or kernel.pid_max/threads-max)" : "");
        return -1;
    }
    return 0;
}

static sb_ret proc_spawn_child(struct sb_task *t, struct sb_task *child, sb_body_fn body)
{
    t->sb_result = -proc_start(t->sb_engine, child, body);
    return SB_OK;
}

static int proc_run(struct sb_engine *eng, struct sb_err *err)
{
    struct proc_engine *e = (struct proc_engine *)eng;
    err->msg[0] = '\0';
    sb_gate_open(e->gate, KERNEL_GATE_RUN, true);
    proc_reap_all(e, err);
    return err->msg[0] ? -1 : 0;
}

static sb_ret proc_send(struct sb_task *t, struct sb_chan *chan, uint64_t v)
{
    (void)t;
    struct proc_chan *c = (struct proc_chan *)chan;
    ssize_t n;
    while ((n = write(c->wr, &v, sizeof v)) < 0 && errno == EINTR) {}
    /* sizeof v <= PIPE_BUF: the write is atomic, never partial. */
    if (n != (ssize_t)sizeof v) proc_fatal("write to a channel pipe", n < 0 ? errno : EIO);
    return SB_OK;
}

static sb_ret proc_recv(struct sb_task *t, struct sb_chan *chan, uint64_t *v)
{
    (void)t;
    struct proc_chan *c = (struct proc_chan *)chan;
    size_t got = 0;
    while (got < sizeof *v) {
        ssize_t n = read(c->rd, (char *)v + got, sizeof *v - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) proc_fatal("read from a channel pipe", n < 0 ? errno : EPIPE);
        got += (size_t)n;
    }
    return SB_OK;
}

/* The bare loop: two processes bounce a futex hand-off in a shared page. */
struct proc_bare {
    uint32_t go[2];
    uint64_t ball; /* kernel_bare_side */
};

static int proc_bare(struct sb_engine *eng, uint64_t switches, uint64_t *ball, struct sb_err *err)
{
    struct proc_engine *e = (struct proc_engine *)eng;
    struct proc_bare *b =
        mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) {
        sb_err_set(err, "processes: out of memory");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        munmap(b, sizeof *b);
        sb_err_set(err, "processes: cannot fork the bare-loop partner: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (e->cfg.pin) e->cfg.pin(e->cfg.pin_ctx, 1);
        kernel_bare_side(b->go, &b->ball, 1, switches / 2, true);
        _exit(0);
    }
    if (e->cfg.pin) e->cfg.pin(e->cfg.pin_ctx, 0);
    kernel_bare_side(b->go, &b->ball, 0, switches / 2, true);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    *ball = b->ball;
    munmap(b, sizeof *b);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        sb_err_set(err, "processes: the bare-loop partner failed");
        return -1;
    }
    return 0;
}

KERNEL_TASK_OPS(proc_task_ops, proc, true);

const struct sb_engine_ops sb_engine_processes = {
    .name = "processes",
    .summary =
        "one forked process per task; channels are pipes, hand-off is a futex in shared memory",
    .mechanism = "futex in shared memory",
    .fpu = "per-process (kernel)",
    .caps = SB_CAP_STACKFUL | SB_CAP_PARALLEL | SB_CAP_SEPARATE_MEMORY | SB_CAP_PER_TASK_FPU |
            SB_CAP_BARE_LOOP,
    .costs = {.kernel_tasks_per_task = 1, .fds_per_channel = 2}, /* a pipe per channel */
    .task_ops = &proc_task_ops,
    .open = proc_open,
    .close = proc_close,
    .chan_open = proc_chan_open,
    .spawn = proc_spawn,
    .run = proc_run,
    .bare_loop = proc_bare,
};
