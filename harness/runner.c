#include "runner.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crash.h"
#include "repetition.h"

#define SB_MAX_ITERATIONS 1000000000ULL

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void sb_runner_label(const struct sb_runner_config *rc, const struct sb_instance *in,
                     const char *cpus_used, json_t *counters, char *buf, size_t len)
{
    char extra[160] = "";
    if (in->workers > 1) snprintf(extra, sizeof extra, "; %u workers", in->workers);
    size_t at = strlen(extra);
    json_t *g = json_object_get(counters, "stacks_guarded"),
           *u = json_object_get(counters, "stacks_unguarded");
    if (g && u) {
        double guarded = json_number_value(g), unguarded = json_number_value(u);
        if (unguarded == 0)
            snprintf(extra + at, sizeof extra - at, "; stack guard page");
        else if (guarded == 0)
            snprintf(extra + at, sizeof extra - at, "; no stack guard");
        else
            snprintf(extra + at, sizeof extra - at,
                     "; stack guard page on %.0f of %.0f stacks (vm.max_map_count)", guarded,
                     guarded + unguarded);
    } else if ((in->engine->caps & SB_CAP_OWN_STACKS) && rc->guard == SB_GUARD_NONE) {
        snprintf(extra + at, sizeof extra - at, "; no stack guard");
    }
    snprintf(buf, len, "%s; %s%s; %s on cpu %s", in->engine->mechanism, in->engine->fpu, extra,
             in->placement == SB_SPREAD ? "spread" : "pack", cpus_used);
}

/* ---- child side ---- */

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

static uint64_t round_up(uint64_t v, uint64_t m) { return m > 1 ? (v + m - 1) / m * m : v; }

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
    child_send(fd, json_pack("{s:i, s:I, s:f, s:f, s:s, s:o}", "rep", rep, "iterations",
                             (json_int_t)s->iterations, "real_ns", s->real_ns, "cpu_ns", s->cpu_ns,
                             "cpus_used", cpus, "counters", counters));
}

static void child_main(int fd, const struct sb_runner_config *rc, const struct sb_instance *in,
                       int first_rep, int n_reps, uint64_t iterations)
{
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
    struct sb_sample s;
    struct sb_err err = {{0}};
    int rep = first_rep;

    if (iterations == 0 && rc->fixed_iterations) iterations = round_up(rc->fixed_iterations, mult);
    if (iterations == 0) {
        uint64_t n = w->min_iterations ? w->min_iterations(in->params) : 1;
        n = round_up(n ? n : 1, mult);
        for (;;) {
            sb_pin_reset_applied(rc->pin);
            if (sb_run_repetition(&spec, n, &s, &err) != 0) {
                child_send(fd, json_pack("{s:i, s:s}", "rep", rep, "error", err.msg));
                _exit(0);
            }
            double secs = s.real_ns / 1e9;
            if (secs >= rc->min_time || n >= SB_MAX_ITERATIONS) break;
            /* As Google Benchmark: aim 40% past min_time, at most 10x per step
             * while a run is under a tenth of it. */
            double mul = rc->min_time * 1.4 / (secs > 1e-9 ? secs : 1e-9);
            if (secs / rc->min_time <= 0.1 && mul > 10) mul = 10;
            double next = (double)n * mul;
            uint64_t nn = next >= (double)SB_MAX_ITERATIONS ? SB_MAX_ITERATIONS : (uint64_t)next;
            if (nn <= n) nn = n + 1;
            n = round_up(nn, mult);
        }
        child_send_sample(fd, rc, rep, &s);
        rep++;
        n_reps--;
        iterations = s.iterations;
    }
    for (int i = 0; i < n_reps; i++, rep++) {
        sb_pin_reset_applied(rc->pin);
        if (sb_run_repetition(&spec, iterations, &s, &err) != 0) {
            child_send(fd, json_pack("{s:i, s:s}", "rep", rep, "error", err.msg));
            _exit(0);
        }
        child_send_sample(fd, rc, rep, &s);
    }
    _exit(0);
}

/* ---- parent side ---- */

static json_t *record_base(const struct sb_runner_config *rc, const struct sb_instance *in, int rep)
{
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:i}", "name", in->name, "family_index",
                     in->family_index, "per_family_instance_index", in->per_family_instance_index,
                     "run_name", in->name, "run_type", "iteration", "repetitions", rc->repetitions,
                     "repetition_index", rep, "threads", 1);
}

/* A record with no measurement: an error, or (as Google Benchmark 1.8's
 * SkipWithMessage) a benchmark this machine's limits cannot hold. */
static void add_unmeasured_record(json_t *rows, const struct sb_runner_config *rc,
                                  const struct sb_instance *in, int rep, const char *msg,
                                  bool skipped)
{
    json_t *r = record_base(rc, in, rep);
    char label[512];
    sb_runner_label(rc, in, "-", NULL, label, sizeof label);
    json_object_set_new(r, skipped ? "skipped" : "error_occurred", json_true());
    json_object_set_new(r, skipped ? "skip_message" : "error_message", json_string(msg));
    json_object_set_new(r, "iterations", json_integer(0));
    json_object_set_new(r, "real_time", json_real(0));
    json_object_set_new(r, "cpu_time", json_real(0));
    json_object_set_new(r, "time_unit", json_string("ns"));
    json_object_set_new(r, "label", json_string(label));
    json_object_set_new(r, "placement",
                        json_string(in->placement == SB_SPREAD ? "spread" : "pack"));
    json_array_append_new(rows, r);
}

static void add_error_record(json_t *rows, const struct sb_runner_config *rc,
                             const struct sb_instance *in, int rep, const char *msg)
{
    add_unmeasured_record(rows, rc, in, rep, msg, false);
}

static void add_sample_record(json_t *rows, const struct sb_runner_config *rc,
                              const struct sb_instance *in, json_t *line)
{
    int rep = (int)json_integer_value(json_object_get(line, "rep"));
    uint64_t iters = (uint64_t)json_integer_value(json_object_get(line, "iterations"));
    double real_ns = json_number_value(json_object_get(line, "real_ns"));
    double cpu_ns = json_number_value(json_object_get(line, "cpu_ns"));
    const char *cpus = json_string_value(json_object_get(line, "cpus_used"));
    if (iters == 0 || !(real_ns > 0) || !isfinite(real_ns) || !isfinite(cpu_ns)) {
        add_error_record(rows, rc, in, rep,
                         "the benchmark reported an empty or non-finite measurement");
        return;
    }
    json_t *r = record_base(rc, in, rep);
    char label[512];
    sb_runner_label(rc, in, cpus ? cpus : "?", json_object_get(line, "counters"), label,
                    sizeof label);
    json_object_set_new(r, "iterations", json_integer((json_int_t)iters));
    json_object_set_new(r, "real_time", json_real(real_ns / (double)iters));
    json_object_set_new(r, "cpu_time", json_real(cpu_ns / (double)iters));
    json_object_set_new(r, "time_unit", json_string("ns"));
    json_object_set_new(r, in->workload->rate_counter, json_real((double)iters / (real_ns / 1e9)));
    const char *ck;
    json_t *cv;
    json_object_foreach(json_object_get(line, "counters"), ck, cv) json_object_set(r, ck, cv);
    json_object_set_new(r, "label", json_string(label));
    json_object_set_new(r, "placement",
                        json_string(in->placement == SB_SPREAD ? "spread" : "pack"));
    json_object_set_new(r, "cpus_used", json_string(cpus ? cpus : "?"));
    json_array_append_new(rows, r);
}

/* Every process of the benchmark's group, and any orphan of it that the
 * kernel handed to us as child subreaper, is killed and reaped. */
static void kill_and_reap_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    double give_up = now_s() + 2;
    for (;;) {
        pid_t r = waitpid(-1, NULL, WNOHANG);
        if (r > 0) continue;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 || now_s() > give_up) break; /* ECHILD: no child left */
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
}

/* The benchmark process has closed its end: it is exiting. Wait for it
 * with a deadline all the same (a process stuck in exit, a task that kept
 * the pipe open), then kill it. */
static void reap_with_deadline(pid_t pid, int *status, double seconds)
{
    double give_up = now_s() + seconds;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) return;
        if (now_s() > give_up) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
            return;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

/* Lines the benchmark process sent: samples or errors, one JSON object
 * each. Consumes whole lines from buf. */
static void take_lines(const struct sb_runner_config *rc, const struct sb_instance *in,
                       int first_rep, char *buf, size_t *len, int *reps_seen, int *errors_seen,
                       uint64_t *iterations, json_t *rows)
{
    char *nl;
    while ((nl = memchr(buf, '\n', *len))) {
        *nl = '\0';
        json_t *line = json_loads(buf, 0, NULL);
        if (line) {
            const char *e = json_string_value(json_object_get(line, "error"));
            json_t *repj = json_object_get(line, "rep");
            int rep = repj ? (int)json_integer_value(repj) : first_rep + *reps_seen;
            if (e) {
                add_error_record(rows, rc, in, rep, e);
                (*errors_seen)++;
            } else {
                add_sample_record(rows, rc, in, line);
                if (first_rep == rep && *iterations == 0)
                    *iterations = (uint64_t)json_integer_value(json_object_get(line, "iterations"));
            }
            (*reps_seen)++;
            json_decref(line);
        }
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, nl + 1, *len - used);
        *len -= used;
    }
}

int sb_runner_job(const struct sb_runner_config *rc, const struct sb_instance *in, int first_rep,
                  int n_reps, uint64_t *iterations, json_t *rows)
{
    if (in->unfit[0]) {
        char msg[320];
        snprintf(msg, sizeof msg, "%s%s", in->unfit,
                 in->unfit_is_error ? "" : " (a default size; give --param to ask for it anyway)");
        add_unmeasured_record(rows, rc, in, first_rep, msg, !in->unfit_is_error);
        return 0;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        add_error_record(rows, rc, in, first_rep, "cannot create a pipe to the benchmark process");
        return 0;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        add_error_record(rows, rc, in, first_rep, "cannot fork the benchmark process");
        return 0;
    }
    if (pid == 0) {
        /* Never outlive switchbench, whatever ends it (SIGKILL included):
         * task processes and helpers die with us in turn. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);
        /* Its own process group, so a timeout or Ctrl-C reaches every task
         * process it forks, and the terminal's Ctrl-C reaches only us. */
        setpgid(0, 0);
        const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        close(fds[0]);
        child_main(fds[1], rc, in, first_rep, n_reps, *iterations);
    }
    setpgid(pid, pid);
    close(fds[1]);

    /* The timeout counts the time this process was awake to watch: while
     * it is stopped (Ctrl-Z) the clock jumps, and a jump longer than a
     * poll counts as one poll. Before declaring a timeout, whatever the
     * child has already sent is read: it may have finished meanwhile. */
    double used = 0, last = now_s();
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int reps_seen = 0, errors_seen = 0;
    bool timed_out = false, interrupted = false, broken = false;
    for (;;) {
        if (*rc->interrupted) {
            interrupted = true;
            break;
        }
        double t = now_s();
        used += t - last > 1.0 ? 0.1 : t - last;
        last = t;
        double left = rc->timeout - used;
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int pr = poll(&pfd, 1, left <= 0 ? 0 : left > 0.1 ? 100 : (int)(left * 1000) + 1);
        if (pr < 0 && errno != EINTR) {
            broken = true;
            break;
        }
        if (pr <= 0) {
            if (left <= 0 && pr == 0) {
                timed_out = true;
                break;
            }
            continue;
        }
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) {
                broken = true;
                break;
            }
            buf = nb;
        }
        ssize_t n = read(fds[0], buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* EOF: the child is done or dead */
        len += (size_t)n;
        take_lines(rc, in, first_rep, buf, &len, &reps_seen, &errors_seen, iterations, rows);
    }
    free(buf);
    close(fds[0]);
    int status = 0;
    if (timed_out || interrupted || broken) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    } else {
        reap_with_deadline(pid, &status, 5);
    }
    kill_and_reap_group(pid);
    if (interrupted) return -1;
    int rep = first_rep + reps_seen;
    if (timed_out) {
        char msg[128];
        snprintf(msg, sizeof msg, "timed out after %g s (--timeout)", rc->timeout);
        add_error_record(rows, rc, in, rep, msg);
    } else if (errors_seen == 0 && reps_seen < n_reps) {
        char msg[160];
        if (WIFSIGNALED(status))
            snprintf(msg, sizeof msg, "crashed: killed by signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
        else
            snprintf(msg, sizeof msg,
                     "the benchmark process exited with status %d before reporting",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        add_error_record(rows, rc, in, rep, msg);
    }
    return 0;
}
