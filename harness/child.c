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

static void child_send_sample(int fd, const struct sb_runner_config *rc, int rep,
                              const struct sb_sample *s)
{
    char cpus[256];
    sb_pin_applied_list(rc->pin, cpus, sizeof cpus);
    json_t *counters = json_object();
    for (int i = 0; i < s->ncounters; i++) {
        /* jansson refuses NaN and infinities; a counter that is not a
         * number is left out rather than written as a lie. */
        json_t *v = json_real(s->counters[i].value);
        if (v) json_object_set_new(counters, s->counters[i].name, v);
    }
    json_t *line = json_pack("{s:i, s:I, s:f, s:f, s:s, s:o}", "rep", rep, "iterations",
                             (json_int_t)s->iterations, "real_ns", s->real_ns, "cpu_ns", s->cpu_ns,
                             "cpus_used", cpus, "counters", counters);
    if (line && s->note[0]) json_object_set_new(line, "note", json_string(s->note));
    if (line) {
        json_object_set_new(line, "layout_offset", json_integer(s->layout_offset));
        json_object_set_new(line, "stack_page_offset", json_integer(s->stack_page_offset));
    }
    child_send(fd, line);
}

/* An external reference (sb_engine_ops.exec_argv): this process, pinned,
 * becomes the reference's program, which speaks the same JSON lines on fd
 * 3. Its stdout is our stderr: the results on stdout stay ours alone. */
_Noreturn static void exec_reference(int fd, const struct sb_runner_config *rc,
                                     const struct sb_instance *in, int first_rep, int n_reps,
                                     uint64_t iterations)
{
    static struct sb_external_args a;
    sb_external_args_init(&a, in->engine, in->workload, in->params, in->workers);
    sb_external_args_add(&a, "--repetitions=%d", n_reps);
    sb_external_args_add(&a, "--first-rep=%d", first_rep);
    uint64_t fixed = iterations ? iterations : rc->fixed_iterations;
    sb_external_args_add(&a, "--iterations=%llu", (unsigned long long)fixed);
    sb_external_args_add(&a, "--min-time=%.17g", rc->min_time);
    sb_pin_apply_slots(rc->pin, in->workers);
    /* On fd 3 without close-on-exec (dup2 clears it; fcntl where it is 3). */
    if (fd == 3 ? fcntl(3, F_SETFD, 0) != 0 : (dup2(fd, 3) < 0 || close(fd) != 0)) fd = -1;
    if (fd >= 0) {
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execv(a.argv[0], a.argv);
    }
    char msg[256];
    snprintf(msg, sizeof msg, "%s: cannot run %s: %s", in->engine->name, a.argv[0],
             strerror(errno));
    child_send(fd >= 0 ? 3 : fd, json_pack("{s:i, s:s}", "rep", first_rep, "error", msg));
    _exit(0);
}

/* One repetition on the stack shifted for it (layout.h). */
struct shifted_rep {
    const struct sb_run_spec *spec;
    uint64_t iterations;
    struct sb_sample *s;
    struct sb_err *err;
};

static int run_shifted(void *p)
{
    struct shifted_rep *r = p;
    return sb_run_repetition(r->spec, r->iterations, r->s, r->err);
}

static int repetition_at(const struct sb_runner_config *rc, const struct sb_instance *in, int rep,
                         const struct sb_run_spec *spec, uint64_t iterations, struct sb_sample *s,
                         struct sb_err *err)
{
    uint32_t off = rc->layout_fixed ? 0 : sb_layout_offset(rc->layout_seed, in->name, rep);
    /* The heap too: what the engine and workload allocate in this
     * repetition comes after a block of a size of its own, so their
     * structures' places within a page are sampled like the stack's. */
    uint32_t heap = rc->layout_fixed ? 0 : sb_layout_offset(~rc->layout_seed, in->name, rep);
    void *pad = heap ? malloc(heap) : NULL;
    struct shifted_rep r = {spec, iterations, s, err};
    int ret = sb_layout_call(off, run_shifted, &r);
    free(pad);
    s->layout_offset = off;
    return ret;
}

void sb_child_main(int fd, pid_t parent, const struct sb_runner_config *rc,
                   const struct sb_instance *in, int first_rep, int n_reps, uint64_t iterations)
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

    /* Formatted now: the signal handler may only write() it. */
    char msg[256], overflow[512];
    snprintf(msg, sizeof msg,
             "stack overflow: engine %s, stack size %zu bytes: the task ran into its guard page",
             in->engine->name, rc->stack_size);
    json_t *ov = json_pack("{s:s}", "error", msg);
    char *ovs = ov ? json_dumps(ov, JSON_COMPACT) : NULL;
    json_decref(ov);
    snprintf(overflow, sizeof overflow, "%s\n", ovs ? ovs : "{\"error\":\"stack overflow\"}");
    free(ovs);
    sb_crash_install(fd, overflow);

    /* Room for rings of processes and channels (each pipe is two
     * descriptors) and for echo connections: the soft limit goes up to the
     * hard one. The hard limit is the user's to set; it is never raised. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    rc->pin->placement = in->placement; /* this child's copy */
    /* A workload with an `external` hook is driven from here, its program
     * serving (external.h); the others run whole in the program. */
    if (in->engine->exec_argv && !in->workload->external)
        exec_reference(fd, rc, in, first_rep, n_reps, iterations);
    struct sb_run_spec spec = {
        .engine = in->engine,
        .workload = in->workload,
        .params = in->params,
        .cfg = {.stack_size = rc->stack_size,
                .guard = rc->guard,
                .workers = in->workers,
                .pin = sb_pin_apply,
                .pin_ctx = rc->pin},
    };
    const struct sb_workload *w = in->workload;
    uint64_t mult = w->iter_multiple ? w->iter_multiple : 1;
    struct sb_sample s = {0};
    struct sb_err err = {{0}};
    int rep = first_rep;

    if (iterations == 0 && rc->fixed_iterations)
        iterations = sb_iterations_round_up(rc->fixed_iterations, mult);
    if (iterations == 0) {
        uint64_t n = w->min_iterations ? w->min_iterations(in->params) : 1;
        n = sb_iterations_round_up(n ? n : 1, mult);
        for (;;) {
            sb_pin_reset_applied(rc->pin);
            if (repetition_at(rc, in, rep, &spec, n, &s, &err) != 0) {
                child_send(fd, json_pack("{s:i, s:s}", "rep", rep, "error", err.msg));
                _exit(0);
            }
            n = sb_iterations_next(n, s.real_ns / 1e9, rc->min_time, mult);
            if (n == 0) break;
        }
        child_send_sample(fd, rc, rep, &s);
        rep++;
        n_reps--;
        iterations = s.iterations;
    }
    for (int i = 0; i < n_reps; i++, rep++) {
        sb_pin_reset_applied(rc->pin);
        if (repetition_at(rc, in, rep, &spec, iterations, &s, &err) != 0) {
            child_send(fd, json_pack("{s:i, s:s}", "rep", rep, "error", err.msg));
            _exit(0);
        }
        child_send_sample(fd, rc, rep, &s);
    }
    _exit(0);
}
