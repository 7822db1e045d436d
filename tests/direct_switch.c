/* direct_switch: the `switch` workload's two hand-off tasks (its own body,
 * from wl_switch.h) run on an engine with no harness around them: no forked child, no plan, no
 * records, just open, spawn, time run(). Its figure beside `./bench
 * --workload=switch` is the harness's own overhead. Not a test (it times);
 * run it by hand:  build/tests/direct_switch ENGINE [SWITCHES] [REPETITIONS]
 */

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "sb_engine.h"
#include "../workloads/wl_switch.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const struct sb_engine_ops *ops = argc > 1 ? sb_engine_find(argv[1]) : NULL;
    if (!ops || (ops->caps & SB_CAP_BASELINE)) {
        fprintf(stderr, "usage: direct_switch ENGINE [SWITCHES] [REPETITIONS]\n");
        return 2;
    }
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000;
    int reps = argc > 3 ? atoi(argv[3]) : 10;
    if (n < 2 || reps < 1 || reps > 1000) {
        fprintf(stderr, "direct_switch: SWITCHES >= 2, REPETITIONS 1..1000\n");
        return 2;
    }
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one); /* as ./bench packs: every task on the first core */
    double ns[1000];
    struct sb_engine_config cfg = {.stack_size = 64 * 1024};
    for (int r = 0; r < reps; r++) {
        /* Shared memory: the processes engine's tasks must see one state. */
        struct sw_state *st =
            mmap(NULL, sizeof *st, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        struct sb_engine *e;
        struct sb_err err = {{0}};
        if (st == MAP_FAILED || ops->open(&cfg, &e, &err) != 0) {
            fprintf(stderr, "direct_switch: %s\n", err.msg[0] ? err.msg : "out of memory");
            return 1;
        }
        sw_state_init(st, n);
        for (int i = 0; i < 2; i++)
            if (ops->spawn(e, &st->side[i].t, sw_body, &err) != 0) {
                fprintf(stderr, "direct_switch: %s\n", err.msg);
                return 1;
            }
        double t0 = now_ns();
        int rc = ops->run(e, &err);
        double t1 = now_ns();
        if (rc != 0 || st->switches != n) {
            fprintf(stderr, "direct_switch: %s (%llu of %llu switches)\n", err.msg,
                    (unsigned long long)st->switches, (unsigned long long)n);
            return 1;
        }
        ns[r] = (t1 - t0) / (double)n;
        ops->close(e);
        munmap(st, sizeof *st);
    }
    qsort(ns, (size_t)reps, sizeof *ns, cmp_double);
    printf("direct_switch/%s: median %.3f ns per switch (min %.3f, max %.3f, %d repetitions of "
           "%llu)\n",
           ops->name, ns[reps / 2], ns[0], ns[reps - 1], reps, (unsigned long long)n);
    return 0;
}
