/* harness/machine/proctree.c with realloc failing on demand: a process list that
 * cannot be read whole gives no figure (NaN), never a smaller one from a
 * truncated tree. The tree has more than 64 processes, so that every
 * realloc the listing makes (the /proc scan and the tree itself) fails in
 * one of the runs. Exit 0 pass, 1 fail. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static long realloc_calls, realloc_fail_at;

static void *failing_realloc(void *p, size_t n)
{
    return ++realloc_calls == realloc_fail_at ? NULL : realloc(p, n);
}

#define realloc failing_realloc
#include "../harness/machine/proctree.c" // NOLINT(bugprone-suspicious-include): built with the realloc above
#undef realloc

#define KIDS 80

int main(void)
{
    pid_t kids[KIDS];
    int failures = 0;
    for (int i = 0; i < KIDS; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            for (;;) pause();
        }
        if (kids[i] < 0) {
            perror("fork");
            return 1;
        }
    }
    double rss = 0;
    double whole = sb__proc_tree_memory_bytes(getpid(), NULL, 0, true, &rss);
    long calls = realloc_calls;
    if (!(whole > 0) || !(rss > 0) || calls < 3) {
        printf("FAIL whole tree: %g bytes, rss %g, %ld reallocs (want > 0, > 0, >= 3)\n", whole,
               rss, calls);
        failures++;
    }
    for (long k = 1; k <= calls; k++) {
        realloc_calls = 0;
        realloc_fail_at = k;
        rss = 0;
        double v = sb__proc_tree_memory_bytes(getpid(), NULL, 0, true, &rss);
        if (!isnan(v) || !isnan(rss)) {
            printf("FAIL realloc %ld of %ld failing: %g bytes, rss %g (want NaN)\n", k, calls, v,
                   rss);
            failures++;
        }
    }
    for (int i = 0; i < KIDS; i++) kill(kids[i], SIGKILL);
    for (int i = 0; i < KIDS; i++) waitpid(kids[i], NULL, 0);
    if (!failures) printf("ok   %ld reallocs, each failing in turn: NaN every time\n", calls);
    return failures ? 1 : 0;
}
