#include "helper.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../engines/futex.h"

int sb_helper_start(struct sb_helper *h, uint32_t *gate, struct sb_pin *pin, int (*fn)(void *), void *arg,
                    struct sb_err *err)
{
    h->gate = gate;
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
        if (pin && pin->ncpus > 1) sb_pin_cpu(pin, pin->cpus[pin->ncpus - 1]);
        sb_gate_wait(gate, true);
        _exit(fn(arg) == 0 ? 0 : 1);
    }
    h->pid = pid;
    return 0;
}

void sb_helper_go(struct sb_helper *h) { sb_gate_open(h->gate, 1, true); }

int sb_helper_wait(struct sb_helper *h, const char *what, struct sb_err *err)
{
    int st = 0;
    while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR) {
    }
    h->pid = 0;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    if (WIFSIGNALED(st))
        sb_err_set(err, "the %s died: signal %d (%s)", what, WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        sb_err_set(err, "the %s failed (status %d)", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return -1;
}

void sb_helper_kill(struct sb_helper *h)
{
    if (h->pid <= 0) return;
    kill(h->pid, SIGKILL);
    while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    h->pid = 0;
}
