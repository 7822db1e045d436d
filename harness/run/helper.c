#include "helper.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "futex.h"

void sb__describe_status(int status, char *buf, size_t len)
{
    if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(buf, len, "exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void *watch(void *arg)
{
    struct sb__helper *h = arg;
    int status = 0;
    while (waitpid(h->pid, &status, 0) < 0 && errno == EINTR) {}
    h->status = status;
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!clean && !__atomic_load_n(&h->killed, __ATOMIC_ACQUIRE) && h->on_death)
        h->on_death(h->ctx);
    return NULL;
}

int sb__helper_start(struct sb__helper *h, uint32_t *gate, struct sb__pin *pin, int (*fn)(void *),
                     void *arg, struct sb_err *err)
{
    h->gate = gate;
    h->watching = false;
    h->killed = 0;
    h->status = 0;
    *gate = 0;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        sb_err_set(err, "cannot fork a helper process: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);
        /* Another core than the benchmark's, when there is one. */
        if (pin && pin->ncpus > 1) sb__pin_cpu(pin, pin->cpus[pin->ncpus - 1]);
        sb_gate_wait(gate, true);
        _exit(fn(arg) == 0 ? 0 : 1);
    }
    h->pid = pid;
    int rc = pthread_create(&h->watcher, NULL, watch, h);
    if (rc != 0) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
        h->pid = 0;
        sb_err_set(err, "cannot start a thread to watch a helper process: %s", strerror(rc));
        return -1;
    }
    h->watching = true;
    return 0;
}

void sb__helper_go(struct sb__helper *h) { sb_gate_open(h->gate, 1, true); }

int sb__helper_wait(struct sb__helper *h, const char *what, struct sb_err *err)
{
    if (!h->watching) return 0;
    pthread_join(h->watcher, NULL);
    h->watching = false;
    h->pid = 0;
    int status = h->status;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    char how[96];
    sb__describe_status(status, how, sizeof how);
    sb_err_set(err, "%s %s: %s", what, WIFSIGNALED(status) ? "died" : "failed", how);
    return -1;
}

void sb__helper_kill(struct sb__helper *h)
{
    if (!h->watching) return;
    __atomic_store_n(&h->killed, 1, __ATOMIC_RELEASE);
    kill(h->pid, SIGKILL);
    pthread_join(h->watcher, NULL);
    h->watching = false;
    h->pid = 0;
}
