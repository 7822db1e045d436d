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
    char line[512];
    size_t len;
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
    if (e && e->ops->stack_fault && e->ops->stack_fault(e, si->si_addr, sp)) {
        ssize_t w = write(sb_crash.fd, sb_crash.line, sb_crash.len);
        (void)w;
        _exit(3);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

int sb__crash_install(int fd, const char *overflow_line)
{
    sb_crash.fd = fd;
    size_t n = strlen(overflow_line);
    if (n >= sizeof sb_crash.line) n = sizeof sb_crash.line - 1;
    memcpy(sb_crash.line, overflow_line, n);
    sb_crash.len = n;

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
