/* What else the machine did while a repetition ran: the busy time of the
 * run's CPUs (everyone's), the hypervisor's steal time, how many tasks
 * were runnable, and this benchmark's own process tree's CPU time and
 * migrations. The difference busy - own is other processes' CPU time.
 *
 * Sources, best first, and their resolution (each reading may lag the
 * truth by up to one unit per CPU, which the judge allows for):
 * - busy: cgroup v1 cpuacct.usage_percpu of the root group (ns, charged at
 *   every scheduler tick: 4 ms here, HZ=250, read from the coarse clock's
 *   resolution), else /proc/stat's user+nice+system+irq+softirq (1/USER_HZ:
 *   10 ms);
 * - steal: /proc/stat (10 ms);
 * - own: perf_event_open software events task-clock and cpu-migrations of
 *   this process with inherit, which count every thread and process it
 *   starts afterwards (ns), or getrusage of itself and its reaped children
 *   read once they are reaped, whichever is more. perf alone missed part
 *   of the processes engine's (sleep/processes, 100 tasks: 26 ms by perf,
 *   69 ms by rusage, 62 ms busy in all); rusage may hold a child's time
 *   from before the repetition, which only ever hides a disturbance.
 * - the kernel's own threads (kworkers, ksoftirqd, RCU): their run time,
 *   /proc/PID/schedstat (ns, exact), taken off the others' share: they do
 *   much of their work for the benchmark itself (a process engine's exit
 *   is freed through RCU: spawn/processes showed 18 % "other" CPU time on
 *   a quiet machine before this, 0 after; loopback TCP runs in ksoftirqd);
 * - the main thread's run delay, /proc/self/schedstat (ns, exact): time it
 *   was runnable and waiting for a CPU, which is other processes' doing
 *   when it runs every task itself. */
#ifndef SB_DISTURB_H
#define SB_DISTURB_H

#include <sched.h>
#include <stdbool.h>

/* The kernel's threads alive at a reading. */
#define SB_MAX_KTHREADS 4096
struct sb__kthreads {
    int pid[SB_MAX_KTHREADS];
    int n;
};

struct sb__machine_time {
    double busy_ns;       /* every process's CPU time on the run's CPUs */
    double kthreads_ns;   /* the kernel threads' run time, any CPU */
    double busy_unit_ns;  /* how much a reading may lag, per CPU */
    double steal_ns;      /* the hypervisor's, on those CPUs */
    double steal_unit_ns; /* likewise */
    int ncpus;            /* the run's CPUs counted */
    int runnable;         /* /proc/stat procs_running, -1 unknown */
    bool busy_from_cpuacct;
};

/* The benchmark process tree's own time: perf counters opened before it
 * starts its tasks, read around the timed part. */
struct sb__own_meter {
    int clock_fd, migrations_fd; /* -1 when perf_event_open is refused */
};

struct sb__own_time {
    double cpu_ns;       /* the tree's CPU time (perf), else rusage_ns */
    double rusage_ns;    /* getrusage of itself and its reaped children */
    double migrations;   /* -1 when not counted */
    double nivcsw;       /* involuntary context switches (getrusage, self and reaped children) */
    double run_delay_ns; /* the main thread's, -1 when /proc/self/schedstat is absent */
};

/* The kernel's threads now (/proc, PF_KTHREAD). */
void sb__kthreads_find(struct sb__kthreads *k);
/* The run time of the kernel threads in `now` that `before` lacks: a
 * kworker started during a repetition ran all its time inside it. */
double sb__kthreads_new_ns(const struct sb__kthreads *before, const struct sb__kthreads *now);

/* The machine's reading over `cpus` (NULL: every CPU), with the run time
 * of the kernel threads in k. 0, or -1 when no source can be read. */
int sb__machine_time_read(const cpu_set_t *cpus, const struct sb__kthreads *k,
                          struct sb__machine_time *t);

/* Parsers, apart for tests: /proc/stat text over `cpus` (NULL: all), and
 * cpuacct.usage_percpu text. 0, or -1 when the text is not what they read. */
int sb__procstat_parse(const char *text, const cpu_set_t *cpus, double tick_ns,
                       struct sb__machine_time *t);
int sb__cpuacct_parse(const char *text, const cpu_set_t *cpus, double *busy_ns, int *ncpus);

void sb__own_meter_open(struct sb__own_meter *m);
void sb__own_time_read(const struct sb__own_meter *m, struct sb__own_time *t);
void sb__own_meter_close(struct sb__own_meter *m);

#endif
