/* Whether a repetition was disturbed: judged from what the machine did
 * while it ran (run/repetition.c measures it, machine/disturb.c reads
 * it), on lower bounds, so that a reading's resolution never marks a
 * repetition by itself. Pure: the tests feed it synthetic deltas. */
#ifndef SB_DISTURBANCE_H
#define SB_DISTURBANCE_H

#include <stdbool.h>

/* One repetition's deltas, as the sample carries them. */
struct sb__machine_delta {
    bool measured;        /* false: nothing was read (a reading failed) */
    double wall_ns;       /* the repetition's wall time */
    int ncpus;            /* the CPUs the run may use, over which busy and steal are summed */
    double busy_ns;       /* every process's CPU time on them */
    double busy_unit_ns;  /* a reading's lag per CPU */
    double own_ns;        /* the benchmark's process tree's CPU time */
    double kthreads_ns;   /* the kernel's threads' (much of it the benchmark's work) */
    double steal_ns;      /* the hypervisor's */
    double steal_unit_ns; /* a reading's lag per CPU */
    double run_delay_ns;  /* the main thread's wait for a CPU; < 0: not judged (it shares the
                           * CPU with tasks of its own: threads, processes, helpers) */
    double migrations;    /* < 0: not counted */
    double nivcsw;        /* involuntary context switches */
    int runnable;         /* the most runnable tasks seen at its ends; -1 unknown */
    bool one_cpu;         /* a lone thread that may run on one CPU only */
};

struct sb__disturbance {
    bool disturbed;
    double foreign;   /* other processes' CPU time, at least, over wall x CPUs */
    double steal;     /* steal time, at least, over wall x CPUs */
    double run_delay; /* the main thread's wait over wall; < 0 not judged */
    char why[200];    /* "" when not disturbed */
};

/* Judges d against `bound` (a fraction of the wall time, 0.02 for 2 %). */
void sb__disturbance_judge(const struct sb__machine_delta *d, double bound,
                           struct sb__disturbance *out);

#endif
