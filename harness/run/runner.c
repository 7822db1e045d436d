/* The parent's side of a job: fork the benchmark process (child.c), read
 * its lines while watching the timeout and the interrupt flag, turn them
 * into records (record.c), and leave no process of it behind. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "kmem.h"
#include "record.h"
#include "sample_wire.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Appends r; a record that finds no memory is lost, and says so. */
static void keep(struct sb__records *rows, const struct sb__record *r)
{
    if (sb__records_push(rows, r) != 0)
        fprintf(stderr, "bench: %s: out of memory: a record is lost\n", r->in->name);
}

static void add_error_record(struct sb__records *rows, const struct sb__runner_config *rc,
                             const struct sb__instance *in, int rep, const char *msg)
{
    struct sb__record r;
    sb__record_unmeasured(&r, in, rc->repetitions, rc->guard, rep, msg, false);
    keep(rows, &r);
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

/* How long a benchmark process that closed its end may take to exit. */
#define SB_EXIT_GRACE_S 5

/* The benchmark process has closed its end: it is exiting. Wait for it
 * with a deadline all the same (a process stuck in exit, one that closed
 * the pipe and went on), then kill it. Returns true when it had to. */
static bool reap_with_deadline(pid_t pid, int *status, double seconds)
{
    double give_up = now_s() + seconds;
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) return false;
        if (now_s() > give_up) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {}
            return true;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

/* A repetition during which the benchmark process was stopped and
 * continued (SIGSTOP/SIGCONT, Ctrl-Z, a debugger): its wall time holds the
 * pause. The runner sees the stop (waitid WSTOPPED) and marks the record
 * the child sends next, which the report leaves out of its figures. */
struct disturbance {
    int rep;          /* the repetition it falls in, -1 when none */
    double stopped_s; /* how long it stood still */
    double since;     /* when the open stop began, 0 when none is open */
};

/* Stops and continues of the child since the last look; never reaps it. */
static void watch_stops(pid_t pid, int rep, struct disturbance *d)
{
    siginfo_t info;
    for (;;) {
        memset(&info, 0, sizeof info);
        if (waitid(P_PID, (id_t)pid, &info, WSTOPPED | WCONTINUED | WNOHANG) != 0 ||
            info.si_pid == 0)
            return;
        double t = now_s();
        if (info.si_code == CLD_STOPPED && !d->since) {
            d->since = t;
            if (d->rep < 0) d->rep = rep;
        } else if (info.si_code == CLD_CONTINUED && d->since) {
            d->stopped_s += t - d->since;
            d->since = 0;
        }
    }
}

/* One line the benchmark process sent: a sample (a record, marked when
 * a stop fell in its repetition) or the error that ended it. */
static void take_line(const struct sb__runner_config *rc, const struct sb__instance *in,
                      int first_rep, json_t *line, int *reps_seen, int *errors_seen,
                      uint64_t *iterations, struct sb__records *rows, struct disturbance *d)
{
    const char *e = json_string_value(json_object_get(line, "error"));
    json_t *repj = json_object_get(line, "rep");
    int rep = json_is_integer(repj) ? (int)json_integer_value(repj) : first_rep + *reps_seen;
    struct sb__sample s;
    (*reps_seen)++;
    if (e || sb__sample_from_json(line, &rep, &s) != 0) {
        add_error_record(rows, rc, in, rep,
                         e ? e : "the benchmark process sent a line that is not a sample");
        (*errors_seen)++;
        return;
    }
    struct sb__record r;
    sb__record_measured(&r, in, rc->repetitions, rc->guard, rep, &s);
    sb__record_judge_machine(&r, rc->disturbance);
    if (r.status == SB_RECORD_MEASURED && d->rep >= 0 && d->rep <= rep &&
        (d->stopped_s > 0 || d->since)) {
        if (d->since) d->stopped_s += now_s() - d->since;
        sb__record_disturbed(&r, d->stopped_s);
        *d = (struct disturbance){.rep = -1};
    }
    keep(rows, &r);
    if (first_rep == rep && *iterations == 0) *iterations = s.iterations;
}

/* Every whole line in buf, consumed. */
static void take_lines(const struct sb__runner_config *rc, const struct sb__instance *in,
                       int first_rep, char *buf, size_t *len, int *reps_seen, int *errors_seen,
                       uint64_t *iterations, struct sb__records *rows, struct disturbance *d)
{
    char *nl;
    while ((nl = memchr(buf, '\n', *len))) {
        *nl = '\0';
        json_t *line = json_loads(buf, 0, NULL);
        if (line) {
            take_line(rc, in, first_rep, line, reps_seen, errors_seen, iterations, rows, d);
            json_decref(line);
        }
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, nl + 1, *len - used);
        *len -= used;
    }
}

/* A benchmark process that ended before reporting every repetition, and
 * with no error line of its own: why, as its exit status tells. */
static void add_early_end_record(struct sb__records *rows, const struct sb__runner_config *rc,
                                 const struct sb__instance *in, int rep, bool lingered, int status)
{
    char msg[160];
    if (lingered)
        snprintf(msg, sizeof msg,
                 "the benchmark process closed its pipe before reporting and had not "
                 "exited %d s later: killed",
                 SB_EXIT_GRACE_S);
    else if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "crashed: killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(msg, sizeof msg, "the benchmark process exited with status %d before reporting",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    add_error_record(rows, rc, in, rep, msg);
}

/* An instance this machine's limits cannot hold: skipped at a default
 * size, an error at a size the user asked for. */
static void add_unfit_record(struct sb__records *rows, const struct sb__runner_config *rc,
                             const struct sb__instance *in, int rep)
{
    struct sb_err msg = in->unfit;
    if (!in->unfit_is_error)
        sb_err_add(&msg, " (a default size; give --param to ask for it anyway)");
    struct sb__record r;
    sb__record_unmeasured(&r, in, rc->repetitions, rc->guard, rep, msg.msg, !in->unfit_is_error);
    keep(rows, &r);
}

int sb__runner_job(const struct sb__runner_config *rc, const struct sb__instance *in, int first_rep,
                   int n_reps, uint64_t *iterations, struct sb__records *rows)
{
    if (in->unfit.msg[0]) {
        add_unfit_record(rows, rc, in, first_rep);
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
        close(fds[0]);
        sb__child_main(fds[1], parent, rc, in, first_rep, n_reps, *iterations);
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
    bool timed_out = false, interrupted = false, broken = false, lingered = false;
    struct disturbance dist = {.rep = -1};
    for (;;) {
        if (*rc->interrupted) {
            interrupted = true;
            break;
        }
        watch_stops(pid, first_rep + reps_seen, &dist);
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
        take_lines(rc, in, first_rep, buf, &len, &reps_seen, &errors_seen, iterations, rows, &dist);
    }
    free(buf);
    close(fds[0]);
    int status = 0;
    if (timed_out || interrupted || broken) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    } else {
        lingered = reap_with_deadline(pid, &status, SB_EXIT_GRACE_S);
    }
    kill_and_reap_group(pid);
    sb__kmem_remove_for(pid); /* a cgroup the killed process could not remove */
    if (interrupted) return -1;
    if (timed_out) {
        char msg[128];
        snprintf(msg, sizeof msg, "timed out after %g s (--timeout)", rc->timeout);
        add_error_record(rows, rc, in, first_rep + reps_seen, msg);
    } else if (errors_seen == 0 && reps_seen < n_reps) {
        add_early_end_record(rows, rc, in, first_rep + reps_seen, lingered, status);
    }
    return 0;
}
