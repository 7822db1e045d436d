/* One load, in a child of the agent: the echo load generator (every
 * echoed byte checked) with hooks that tell the controller, over its own
 * connection, when the timed loop starts and what it measured.
 *
 * The agent's limits hold in the child by themselves, not only while the
 * agent watches: it dies with the agent (PR_SET_PDEATHSIG, checked after
 * setting it, since the agent may already be gone), it ends itself at
 * --max-seconds on a monotonic timer, and it holds no descriptor of the
 * agent's (the listening socket, other controllers, the event loop's), so
 * a killed agent leaves nothing behind and its port can be listened on
 * again at once. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* The controller's connection, once the child has closed everything else. */
enum { LOAD_FD = 3 };

static void send_error(int fd, const char *why)
{
    (void)sb_line_send(fd, json_pack("{s:s}", "error", why));
}

static void hook_started(void *ctx)
{
    (void)sb_line_send(*(int *)ctx, json_pack("{s:s}", "event", "started"));
}

static void hook_ended(void *ctx) { (void)ctx; }

/* The figures, then the controller's "close" once it has measured the
 * server with every connection still open. The deadline is the child's
 * own timer: a controller that never asks is ended with the load. */
static int hook_loaded(void *ctx, struct echo_client_result *res)
{
    int fd = *(int *)ctx;
    char line[SB_LOADGEN_LINE];
    if (sb_line_send(
            fd, json_pack("{s:s, s:o}", "event", "loaded", "result", echo_result_json(res))) != 0 ||
        sb_line_read(fd, line, sizeof line, -1) < 0 || !strstr(line, "\"close\"")) {
        snprintf(res->error, sizeof res->error, "the controller did not ask to close");
        return -1;
    }
    return 0;
}

/* The child's own limits; false when the agent is gone already. */
static bool load_limits(pid_t agent, int fd, long long max_ns)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != agent) return false;
    /* The agent's handlers (its event loop's) mean nothing here. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGCHLD, &dfl, NULL);
    sigaction(SIGALRM, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (fd != LOAD_FD && dup2(fd, LOAD_FD) != LOAD_FD) return false;
    if (close_range(LOAD_FD + 1, ~0U, 0) != 0) return false;
    /* The hooks' lines are written blocking; the agent's copy of the
     * connection is non-blocking (the flag is the shared description's). */
    int fl = fcntl(LOAD_FD, F_GETFL);
    if (fl < 0 || fcntl(LOAD_FD, F_SETFL, fl & ~O_NONBLOCK) != 0) return false;
    /* SIGALRM's default action ends the process: the deadline holds even
     * if the agent is stopped or cannot act. */
    timer_t t;
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
    struct itimerspec at = {.it_value = {.tv_sec = (time_t)(max_ns / 1000000000LL),
                                         .tv_nsec = (long)(max_ns % 1000000000LL)}};
    return timer_create(CLOCK_MONOTONIC, &ev, &t) == 0 && timer_settime(t, 0, &at, NULL) == 0;
}

/* The controller's error line, and the operator's: the agent logs only
 * how the process ended. */
static _Noreturn void load_fail(int fd, const char *peer, const char *why)
{
    send_error(fd, why);
    agent_log(peer, "the load failed: %s", why);
    _exit(1);
}

static _Noreturn void load_child(pid_t agent, int fd, long long max_ns,
                                 const struct echo_client_spec *spec, const char *peer)
{
    if (!load_limits(agent, fd, max_ns))
        load_fail(fd, peer, "the agent could not limit its load process");
    int conn = LOAD_FD;
    struct echo_client_result res;
    memset(&res, 0, sizeof res);
    struct echo_client_hooks hooks = {
        .started = hook_started, .ended = hook_ended, .loaded = hook_loaded, .ctx = &conn};
    if (echo_client_run(spec, &res, &hooks) != 0)
        load_fail(conn, peer, res.error[0] ? res.error : "the load generator failed");
    _exit(0); /* the agent says "closed" once it has reaped this process */
}

pid_t agent_load_fork(const struct agent_config *cfg, int fd, const struct echo_client_spec *spec,
                      const char *peer)
{
    pid_t agent = getpid();
    pid_t pid = fork();
    if (pid == 0) load_child(agent, fd, cfg->max_ns, spec, peer);
    return pid;
}
