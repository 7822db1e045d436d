#include "external.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper.h"

void sb__external_args_add(struct sb__external_args *a, const char *fmt, ...)
{
    if (a->n == SB_EXTERNAL_MAX_ARGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->text[a->n], sizeof a->text[0], fmt, ap);
    va_end(ap);
    a->argv[a->n] = a->text[a->n];
    a->argv[++a->n] = NULL;
}

void sb__external_args_init(struct sb__external_args *a, const struct sb_engine_ops *e,
                            const struct sb_workload *w, const long long *params, unsigned workers)
{
    a->n = 0;
    a->engine = e->name;
    for (const char *const *p = e->exec_argv; *p && a->n < SB_EXTERNAL_MAX_ARGS - 24; p++)
        sb__external_args_add(a, "%s", *p);
    sb__external_args_add(a, "--workload=%s", w->name);
    for (size_t p = 0; p < w->n_params && p < SB_MAX_PARAMS; p++)
        sb__external_args_add(a, "--param=%s=%lld", w->params[p].name, params[p]);
    sb__external_args_add(a, "--workers=%u", workers ? workers : 1);
}

/* CPU time of another process, every thread of it, to the nanosecond. */
static double process_cpu_ns(pid_t pid)
{
    clockid_t id;
    struct timespec t;
    if (clock_getcpuclockid(pid, &id) != 0 || clock_gettime(id, &t) != 0) return 0;
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One line from the program's fd 3 (blocking: the run's timeout ends a
 * program that never answers). 0, or -1 at the end of the stream. */
static int read_line(int fd, char *buf, size_t len)
{
    size_t at = 0;
    while (at + 1 < len) {
        ssize_t n = read(fd, buf + at, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (buf[at] == '\n') {
            buf[at] = '\0';
            return 0;
        }
        at++;
    }
    buf[at] = '\0';
    return at ? 0 : -1;
}

/* Reap it; say how it ended when that was not a clean exit. */
static int reap(struct sb__external_server *s, const char *engine, struct sb_err *err)
{
    int status = 0;
    struct rusage ru;
    pid_t r;
    while ((r = wait4(s->pid, &status, 0, &ru)) < 0 && errno == EINTR) {}
    s->pid = 0;
    if (r < 0) return 0;
    s->total_ns = (double)ru.ru_utime.tv_sec * 1e9 + (double)ru.ru_utime.tv_usec * 1e3 +
                  (double)ru.ru_stime.tv_sec * 1e9 + (double)ru.ru_stime.tv_usec * 1e3;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    char how[96];
    sb__describe_status(status, how, sizeof how);
    if (err && !err->msg[0])
        sb_err_set(err, "%s%s: %s", engine, s->serving ? " (serving)" : "", how);
    return -1;
}

static void close_fds(struct sb__external_server *s)
{
    if (s->to_fd >= 0) close(s->to_fd);
    if (s->from_fd >= 0) close(s->from_fd);
    s->to_fd = s->from_fd = -1;
}

/* The program did not give what was asked: close its pipes, kill it if it
 * still runs, reap it. Unless err already says what went wrong (what the
 * program said, or what its line lacked), the message is how it ended:
 * its exit status, or "ended before it <what>" after a clean exit. */
static void give_up(struct sb__external_server *s, bool ended, const char *what, struct sb_err *err)
{
    close_fds(s);
    if (!ended) kill(s->pid, SIGKILL);
    struct sb_err how = {{0}};
    bool clean = reap(s, s->engine, &how) == 0;
    if (err->msg[0]) return;
    if (clean)
        sb_err_set(err, "%s%s: ended before it %s", s->engine, s->serving ? " (serving)" : "",
                   what);
    else
        *err = how;
}

/* Fork and exec `a`: its standard input our request pipe, fd 3 its
 * answers, its standard output our standard error (results stay ours). It
 * dies with us (this process may be killed by a timeout). */
static int start_program(struct sb__external_server *s, struct sb__external_args *a,
                         struct sb__pin *pin, unsigned workers, struct sb_err *err)
{
    if (access(a->argv[0], X_OK) != 0) {
        sb_err_set(err, "%s: cannot run %s: %s", a->engine, a->argv[0], strerror(errno));
        return -1;
    }
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) {
        sb_err_set(err, "%s: pipe: %s", a->engine, strerror(errno));
        return -1;
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
        sb_err_set(err, "%s: pipe: %s", a->engine, strerror(errno));
        close(in[0]), close(in[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGPIPE, SIG_DFL);
        sb__pin_apply_slots(pin, workers);
        if (dup2(in[0], STDIN_FILENO) >= 0 && dup2(out[1], 3) >= 0 &&
            dup2(STDERR_FILENO, STDOUT_FILENO) >= 0)
            execv(a->argv[0], a->argv);
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", a->argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (pid < 0) {
        sb_err_set(err, "%s: fork: %s", a->engine, strerror(errno));
        close(in[1]), close(out[0]);
        return -1;
    }
    /* A program that died makes our next request fail with EPIPE, which
     * is then reported with how it ended; never a SIGPIPE of our own. */
    signal(SIGPIPE, SIG_IGN);
    s->pid = pid;
    s->to_fd = in[1];
    s->from_fd = out[0];
    return 0;
}

int sb__external_serve(struct sb__external_server *s, struct sb__external_args *a,
                       struct sb__pin *pin, unsigned workers, uint16_t *port, struct sb_err *err)
{
    *s = (struct sb__external_server){
        .engine = a->engine, .to_fd = -1, .from_fd = -1, .serving = true};
    sb__external_args_add(a, "--serve");
    if (start_program(s, a, pin, workers, err) != 0) return -1;
    pid_t pid = s->pid;
    char line[512];
    bool ended = read_line(s->from_fd, line, sizeof line) != 0;
    json_t *j = ended ? NULL : json_loads(line, 0, NULL);
    json_int_t p = 0;
    if (j && json_unpack(j, "{s:I}", "port", &p) == 0 && p > 0 && p < 65536) {
        json_decref(j);
        *port = (uint16_t)p;
        s->cpu0_ns = process_cpu_ns(pid);
        return 0;
    }
    /* It ended (its exit status says how), said why, or said nonsense. */
    const char *said = j ? json_string_value(json_object_get(j, "error")) : NULL;
    if (said)
        sb_err_set(err, "%s", said);
    else if (!ended)
        sb_err_set(err, "%s (serving): said no port to listen on: %.200s", a->engine, line);
    json_decref(j);
    give_up(s, ended, "said its port", err);
    return -1;
}

int sb__external_stop(struct sb__external_server *s, const char *const *names, double *values,
                      size_t n, struct sb_err *err)
{
    s->cpu_ns = process_cpu_ns(s->pid) - s->cpu0_ns;
    close(s->to_fd);
    s->to_fd = -1;
    char line[1024];
    json_t *j = read_line(s->from_fd, line, sizeof line) == 0 ? json_loads(line, 0, NULL) : NULL;
    close_fds(s);
    int rc = reap(s, s->engine, err);
    const char *said = j ? json_string_value(json_object_get(j, "error")) : NULL;
    if (said) {
        sb_err_set(err, "%s", said);
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *v = j ? json_object_get(j, names[i]) : NULL;
        if (!json_is_number(v)) {
            sb_err_set(err, "%s (serving): reported no '%s' when it stopped", s->engine, names[i]);
            rc = -1;
        } else {
            values[i] = json_number_value(v);
        }
    }
    json_decref(j);
    return rc;
}

void sb__external_kill(struct sb__external_server *s)
{
    close_fds(s);
    if (!s->pid) return;
    kill(s->pid, SIGKILL);
    (void)reap(s, "", NULL);
}

int sb__external_start(struct sb__external_server *s, struct sb__external_args *a,
                       struct sb__pin *pin, unsigned workers, struct sb_err *err)
{
    *s = (struct sb__external_server){.engine = a->engine, .to_fd = -1, .from_fd = -1};
    return start_program(s, a, pin, workers, err);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The answer's counters into the sample: each a number, by a name that
 * fits; the registry check comes later (record.c). */
static int take_counters(const char *engine, json_t *counters, struct sb__sample *out,
                         struct sb_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(counters, key, v)
    {
        if (!json_is_number(v) || strlen(key) >= sizeof out->counters[0].name ||
            out->ncounters == SB_MAX_COUNTERS) {
            sb_err_set(err, "%s: reported counter '%.40s', which is not a number or one too many",
                       engine, key);
            return -1;
        }
        snprintf(out->counters[out->ncounters].name, sizeof out->counters[0].name, "%s", key);
        out->counters[out->ncounters++].value = json_number_value(v);
    }
    return 0;
}

/* One answer line into the sample: 0, or -1 with err naming what it lacks. */
static int take_answer(const char *engine, json_t *j, struct sb__sample *out, struct sb_err *err)
{
    json_t *it = json_object_get(j, "iterations"), *real = json_object_get(j, "real_ns"),
           *cpu = json_object_get(j, "cpu_ns");
    if (!json_is_integer(it) || json_integer_value(it) <= 0 || !json_is_number(real) ||
        !json_is_number(cpu)) {
        sb_err_set(err, "%s: answered without iterations, real_ns and cpu_ns", engine);
        return -1;
    }
    *out = (struct sb__sample){.iterations = (uint64_t)json_integer_value(it),
                               .real_ns = json_number_value(real),
                               .cpu_ns = json_number_value(cpu)};
    const char *system = json_string_value(json_object_get(j, "system")),
               *cpus = json_string_value(json_object_get(j, "cpus_used"));
    snprintf(out->system, sizeof out->system, "%s", system ? system : "");
    snprintf(out->cpus_used, sizeof out->cpus_used, "%s", cpus ? cpus : "");
    return take_counters(engine, json_object_get(j, "counters"), out, err);
}

int sb__external_measure(struct sb__external_server *s, uint64_t n, struct sb__sample *out,
                         struct sb_err *err)
{
    char req[32];
    int len = snprintf(req, sizeof req, "%llu\n", (unsigned long long)n);
    char line[4096];
    bool ended =
        write_all(s->to_fd, req, (size_t)len) != 0 || read_line(s->from_fd, line, sizeof line) != 0;
    json_t *j = ended ? NULL : json_loads(line, 0, NULL);
    const char *said = j ? json_string_value(json_object_get(j, "error")) : NULL;
    int rc = -1;
    if (said)
        sb_err_set(err, "%s", said);
    else if (j)
        rc = take_answer(s->engine, j, out, err);
    else if (!ended)
        sb_err_set(err, "%s: answered what is not a JSON line: %.200s", s->engine, line);
    json_decref(j);
    if (rc == 0) return 0;
    give_up(s, ended, "answered", err);
    return -1;
}

int sb__external_finish(struct sb__external_server *s, struct sb_err *err)
{
    close_fds(s);
    return reap(s, s->engine, err);
}
