#include "crash.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

/* A signal handler can reach its context only through static storage:
 * this, and main.c's interrupt flag, are the process-wide state outside
 * the registries, each written by a handler. */
static struct {
    int fd;
    char line[2][512]; /* by enum sb_stack_fault, less one */
    size_t len[2];
    struct sb_engine *volatile engine;
} sb_crash;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    const void *sp = NULL;
#if defined(__x86_64__)
    sp = (const void *)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    sp = (const void *)((ucontext_t *)uc)->uc_mcontext.sp;
#else
    (void)uc;
#endif
    struct sb_engine *e = sb_crash.engine;
    int hit = e && e->ops->stack_fault ? e->ops->stack_fault(e, si->si_addr, sp) : SB_FAULT_NONE;
    if (hit == SB_FAULT_GUARD || hit == SB_FAULT_CANARY) {
        ssize_t w = write(sb_crash.fd, sb_crash.line[hit - 1], sb_crash.len[hit - 1]);
        (void)w;
        _exit(3);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void crash_keep_line(int which, const char *line)
{
    size_t n = strlen(line);
    if (n >= sizeof sb_crash.line[which]) n = sizeof sb_crash.line[which] - 1;
    memcpy(sb_crash.line[which], line, n);
    sb_crash.len[which] = n;
}

int sb__crash_install(int fd, const char *guard_line, const char *canary_line)
{
    sb_crash.fd = fd;
    crash_keep_line(SB_FAULT_GUARD - 1, guard_line);
    crash_keep_line(SB_FAULT_CANARY - 1, canary_line);

    stack_t ss;
    ss.ss_size = 64 * 1024;
    ss.ss_sp = malloc(ss.ss_size);
    ss.ss_flags = 0;
    if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGBUS, &sa, NULL) != 0) return -1;
    return 0;
}

void sb__crash_set_engine(struct sb_engine *e) { sb_crash.engine = e; }
