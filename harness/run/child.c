/* The benchmark process, forked by the runner for one job: it runs the
 * repetitions (the first one searching the iteration count) and sends each
 * sample, or the error that ended it, to the parent as a JSON line. A stack
 * overflow is reported by the crash handler on the same pipe. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "crash.h"
#include "external.h"
#include "iterations.h"
#include "layout.h"
#include "repetition.h"
#include "sample_wire.h"

static void child_send(int fd, json_t *line)
{
    char *s = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    if (!s) return;
    size_t n = strlen(s);
    s[n] = '\n'; /* json_dumps leaves the terminator; replace it, write n+1 */
    const char *p = s;
    size_t left = n + 1;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    free(s);
}

/* A sample goes up as it is, with the cores the pinning applied when
 * the sample does not name its own (a reference's program does). */
static void child_send_sample(int fd, const struct sb__runner_config *rc, int rep,
                              const struct sb__sample *s)
{
    struct sb__sample line = *s;
    if (!line.cpus_used[0]) sb__pin_applied_list(rc->pin, line.cpus_used, sizeof line.cpus_used);
    child_send(fd, sb__sample_to_json(rep, &line));
}

/* One repetition on the stack shifted for it (layout.h). */
struct shifted_rep {
    const struct sb__run_spec *spec;
    uint64_t iterations;
    struct sb__sample *s;
    struct sb_err *err;
};

static int run_shifted(void *p)
{
    struct shifted_rep *r = p;
    return sb__run_repetition(r->spec, r->iterations, r->s, r->err);
}

static int repetition_at(const struct sb__runner_config *rc, const struct sb__instance *in, int rep,
                         const struct sb__run_spec *spec, uint64_t iterations, struct sb__sample *s,
                         struct sb_err *err)
{
    uint32_t off = rc->layout_fixed ? 0 : sb__layout_offset(rc->layout_seed, in->name, rep);
    /* The heap too: what the engine and workload allocate in this
     * repetition comes after a block of a size of its own, so their
     * structures' places within a page are sampled like the stack's. */
    uint32_t heap = rc->layout_fixed ? 0 : sb__layout_offset(~rc->layout_seed, in->name, rep);
    void *pad = heap ? malloc(heap) : NULL;
    struct shifted_rep r = {spec, iterations, s, err};
    int ret = sb__layout_call(off, run_shifted, &r);
    free(pad);
    s->layout_offset = off;
    s->laid_out = true;
    return ret;
}

/* What measures this job's repetitions: our engine in this process, or
 * the reference's program, started once and asked for each repetition. */
struct measurer {
    const struct sb__runner_config *rc;
    const struct sb__instance *in;
    struct sb__run_spec spec;
    struct sb__external_server *program; /* NULL for our engines */
};

static int measure(struct measurer *m, int rep, uint64_t n, struct sb__sample *s,
                   struct sb_err *err)
{
    if (m->program) return sb__external_measure(m->program, n, s, err);
    sb__pin_reset_applied(m->rc->pin);
    return repetition_at(m->rc, m->in, rep, &m->spec, n, s, err);
}

_Noreturn static void fail(int fd, struct measurer *m, int rep, const char *msg)
{
    child_send(fd, json_pack("{s:i, s:s}", "rep", rep, "error", msg));
    if (m->program) sb__external_kill(m->program);
    _exit(0);
}

/* The job's repetitions: the first searches the iteration count (one rule
 * for every engine, references' programs included: iterations.c), the rest
 * repeat the count it found. Each sample goes to the parent as it comes. */
_Noreturn static void run_repetitions(int fd, struct measurer *m, int first_rep, int n_reps,
                                      uint64_t iterations)
{
    const struct sb__runner_config *rc = m->rc;
    const struct sb_workload *w = m->in->workload;
    uint64_t mult = w->iter_multiple ? w->iter_multiple : 1;
    struct sb__sample s = {0};
    struct sb_err err = {{0}};
    int rep = first_rep;

    if (iterations == 0 && rc->fixed_iterations)
        iterations = sb__iterations_round_up(rc->fixed_iterations, mult);
    if (iterations == 0) {
        uint64_t n = w->min_iterations ? w->min_iterations(m->in->params) : 1;
        n = sb__iterations_round_up(n ? n : 1, mult);
        do {
            if (measure(m, rep, n, &s, &err) != 0) fail(fd, m, rep, err.msg);
            /* From the count done: a reference's program may do more than
             * asked where its unit of work is several. */
            n = sb__iterations_next(s.iterations, s.real_ns / 1e9, rc->min_time, mult);
        } while (n != 0);
        child_send_sample(fd, rc, rep, &s);
        rep++;
        n_reps--;
        iterations = s.iterations;
    }
    for (int i = 0; i < n_reps; i++, rep++) {
        if (measure(m, rep, iterations, &s, &err) != 0) fail(fd, m, rep, err.msg);
        child_send_sample(fd, rc, rep, &s);
    }
    if (m->program && sb__external_finish(m->program, &err) != 0) fail(fd, m, rep, err.msg);
    _exit(0);
}

/* This process's lot: it dies with switchbench, leads its own process
 * group, has the default signals, reports a stack overflow on `fd`, and
 * may open as many descriptors as the hard limit allows. */
/* One error line for the result pipe: a stack overflow, and how. */
static void overflow_line(char *out, size_t len, const char *engine, size_t stack_size,
                          const char *how)
{
    char msg[384];
    snprintf(msg, sizeof msg, "stack overflow: engine %s, stack size %zu bytes: %s", engine,
             stack_size, how);
    json_t *ov = json_pack("{s:s}", "error", msg);
    char *ovs = ov ? json_dumps(ov, JSON_COMPACT) : NULL;
    json_decref(ov);
    snprintf(out, len, "%s\n", ovs ? ovs : "{\"error\":\"stack overflow\"}");
    free(ovs);
}

static void become_benchmark_process(int fd, pid_t parent, const struct sb__runner_config *rc,
                                     const struct sb__instance *in)
{
    /* Never outlive switchbench, whatever ends it (SIGKILL included):
     * task processes and helpers die with us in turn. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    /* Its own process group, so a timeout or Ctrl-C reaches every task
     * process it forks, and the terminal's Ctrl-C reaches only us. */
    setpgid(0, 0);
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);

    /* Formatted now: the signal handler may only write() them. */
    char guard[512], canary[512];
    overflow_line(guard, sizeof guard, in->engine->name, rc->stack_size,
                  "the task ran into its guard page");
    overflow_line(canary, sizeof canary, in->engine->name, rc->stack_size,
                  "a task ran past the bottom of its stack (stacks under a page share "
                  "pages, a canary below each and a guard page below each 64): raise "
                  "--stack-size");
    sb__crash_install(fd, guard, canary);

    /* Room for rings of processes and channels (each pipe is two
     * descriptors) and for echo connections: the soft limit goes up to the
     * hard one. The hard limit is the user's to set; it is never raised. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void sb__child_main(int fd, pid_t parent, const struct sb__runner_config *rc,
                    const struct sb__instance *in, int first_rep, int n_reps, uint64_t iterations)
{
    become_benchmark_process(fd, parent, rc, in);
    rc->pin->placement = in->placement; /* this child's copy */
    struct measurer m = {
        .rc = rc,
        .in = in,
        .spec = {.engine = in->engine,
                 .workload = in->workload,
                 .params = in->params,
                 .cfg = {.stack_size = rc->stack_size,
                         .guard = rc->guard,
                         .workers = in->workers,
                         .pin = sb__pin_apply,
                         .pin_ctx = rc->pin},
                 .loadgen = rc->loadgen,
                 .watch_machine = rc->disturbance > 0},
    };
    /* A reference's program runs the workload itself, unless the workload
     * drives the program as its server (an `external` hook: external.h). */
    struct sb__external_server program;
    struct sb__external_args args;
    if (in->engine->exec_argv && !in->workload->external) {
        struct sb_err err = {{0}};
        sb__external_args_init(&args, in->engine, in->workload, in->params, in->workers);
        if (sb__external_start(&program, &args, rc->pin, in->workers, &err) != 0)
            fail(fd, &m, first_rep, err.msg);
        m.program = &program;
    }
    run_repetitions(fd, &m, first_rep, n_reps, iterations);
}
