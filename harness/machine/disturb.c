/* Readings of the machine and of the benchmark's own tree (disturb.h). */
#include "disturb.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const CPUACCT_PATHS[] = {
    "/sys/fs/cgroup/cpuacct/cpuacct.usage_percpu",
    "/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage_percpu",
};

/* A small /proc or /sys file whole, NUL-terminated; -1 when unreadable. */
static int read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t n = 0;
    ssize_t got;
    while (n + 1 < len && (got = read(fd, buf + n, len - 1 - n)) != 0) {
        if (got < 0) {
            if (errno == EINTR) continue;
            close(fd);
            return -1;
        }
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    return 0;
}

static bool counted(const cpu_set_t *cpus, int cpu)
{
    return !cpus || (cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET((size_t)cpu, cpus));
}

int sb__procstat_parse(const char *text, const cpu_set_t *cpus, double tick_ns,
                       struct sb__machine_time *t)
{
    t->busy_ns = t->steal_ns = 0;
    t->ncpus = 0;
    t->runnable = -1;
    for (const char *line = text; line && *line; line = strchr(line, '\n'), line += line ? 1 : 0) {
        int cpu;
        unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
        /* "cpu " is the machine's total, "cpuN " one CPU's. */
        if (strncmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9' &&
            sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &user, &nice, &sys,
                   &idle, &iowait, &irq, &softirq, &steal) == 9) {
            if (!counted(cpus, cpu)) continue;
            t->busy_ns += (double)(user + nice + sys + irq + softirq) * tick_ns;
            t->steal_ns += (double)steal * tick_ns;
            t->ncpus++;
        } else {
            int running;
            if (sscanf(line, "procs_running %d", &running) == 1) t->runnable = running;
        }
    }
    t->busy_unit_ns = t->steal_unit_ns = tick_ns;
    t->busy_from_cpuacct = false;
    return t->ncpus > 0 ? 0 : -1;
}

int sb__cpuacct_parse(const char *text, const cpu_set_t *cpus, double *busy_ns, int *ncpus)
{
    *busy_ns = 0;
    *ncpus = 0;
    const char *p = text;
    for (int cpu = 0;; cpu++) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p) break;
        if (errno) return -1;
        if (counted(cpus, cpu)) {
            *busy_ns += (double)v;
            (*ncpus)++;
        }
        p = end;
    }
    while (*p == ' ' || *p == '\n') p++;
    return *ncpus > 0 && !*p ? 0 : -1;
}

/* One jiffy: the coarse clock's resolution is the scheduler tick, at
 * which cpuacct is charged (4 ms here). */
static double tick_ns(void)
{
    struct timespec r;
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &r) != 0 || (r.tv_sec == 0 && r.tv_nsec == 0))
        return 10e6;
    return (double)r.tv_sec * 1e9 + (double)r.tv_nsec;
}

/* PF_KTHREAD, include/linux/sched.h: the process is a kernel thread. */
#define SB_PF_KTHREAD 0x00200000u

/* Whether /proc/PID/stat says a kernel thread. The command name (field 2)
 * is in parentheses and may hold spaces: the fields after it are read
 * from its last ')'. */
static bool is_kthread(const char *pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    if (read_text(path, buf, sizeof buf) != 0) return false;
    const char *p = strrchr(buf, ')');
    char state;
    int ppid, pgrp, session, tty, tpgid;
    unsigned flags;
    return p &&
           sscanf(p + 1, " %c %d %d %d %d %d %u", &state, &ppid, &pgrp, &session, &tty, &tpgid,
                  &flags) == 7 &&
           (flags & SB_PF_KTHREAD);
}

void sb__kthreads_find(struct sb__kthreads *k)
{
    k->n = 0;
    DIR *d = opendir("/proc");
    if (!d) return;
    struct dirent *e;
    while (k->n < SB_MAX_KTHREADS && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        if (is_kthread(e->d_name)) k->pid[k->n++] = atoi(e->d_name);
    }
    closedir(d);
}

/* The kernel threads' run time now (ns); one that has exited adds nothing. */
static double kthreads_ns(const struct sb__kthreads *k)
{
    double sum = 0;
    for (int i = 0; k && i < k->n; i++) {
        char path[64], buf[128];
        unsigned long long run;
        snprintf(path, sizeof path, "/proc/%d/schedstat", k->pid[i]);
        if (read_text(path, buf, sizeof buf) == 0 && sscanf(buf, "%llu", &run) == 1)
            sum += (double)run;
    }
    return sum;
}

double sb__kthreads_new_ns(const struct sb__kthreads *before, const struct sb__kthreads *now)
{
    struct sb__kthreads fresh = {.n = 0};
    for (int i = 0; i < now->n; i++) {
        bool seen = false;
        for (int j = 0; j < before->n && !seen; j++) seen = before->pid[j] == now->pid[i];
        if (!seen) fresh.pid[fresh.n++] = now->pid[i];
    }
    return kthreads_ns(&fresh);
}

int sb__machine_time_read(const cpu_set_t *cpus, const struct sb__kthreads *k,
                          struct sb__machine_time *t)
{
    char buf[16384];
    long hz = sysconf(_SC_CLK_TCK);
    if (read_text("/proc/stat", buf, sizeof buf) != 0 ||
        sb__procstat_parse(buf, cpus, 1e9 / (double)(hz > 0 ? hz : 100), t) != 0)
        return -1;
    for (size_t i = 0; i < sizeof CPUACCT_PATHS / sizeof *CPUACCT_PATHS; i++) {
        double busy;
        int n;
        if (read_text(CPUACCT_PATHS[i], buf, sizeof buf) == 0 &&
            sb__cpuacct_parse(buf, cpus, &busy, &n) == 0 && n == t->ncpus) {
            t->busy_ns = busy;
            t->busy_unit_ns = tick_ns();
            t->busy_from_cpuacct = true;
            break;
        }
    }
    t->kthreads_ns = kthreads_ns(k);
    return 0;
}

static int perf_open(uint32_t type, uint64_t config)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = type;
    a.config = config;
    a.inherit = 1; /* every thread and process started after this */
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

void sb__own_meter_open(struct sb__own_meter *m)
{
    m->clock_fd = perf_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
    m->migrations_fd =
        m->clock_fd >= 0 ? perf_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS) : -1;
}

/* An inherited counter read from its parent's descriptor sums the live
 * children's counts too (the kernel walks its child list). */
static double perf_value(int fd)
{
    uint64_t v;
    return fd >= 0 && read(fd, &v, sizeof v) == (ssize_t)sizeof v ? (double)v : -1;
}

static double tv_ns(const struct timeval *t)
{
    return (double)t->tv_sec * 1e9 + (double)t->tv_usec * 1e3;
}

void sb__own_time_read(const struct sb__own_meter *m, struct sb__own_time *t)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    t->nivcsw = (double)(self.ru_nivcsw + kids.ru_nivcsw);
    t->rusage_ns = tv_ns(&self.ru_utime) + tv_ns(&self.ru_stime) + tv_ns(&kids.ru_utime) +
                   tv_ns(&kids.ru_stime);
    t->cpu_ns = perf_value(m->clock_fd);
    if (t->cpu_ns < 0) t->cpu_ns = t->rusage_ns;
    t->migrations = perf_value(m->migrations_fd);
    char buf[128];
    unsigned long long run, delay;
    t->run_delay_ns = read_text("/proc/thread-self/schedstat", buf, sizeof buf) == 0 &&
                              sscanf(buf, "%llu %llu", &run, &delay) == 2
                          ? (double)delay
                          : -1;
}

void sb__own_meter_close(struct sb__own_meter *m)
{
    if (m->clock_fd >= 0) close(m->clock_fd);
    if (m->migrations_fd >= 0) close(m->migrations_fd);
    m->clock_fd = m->migrations_fd = -1;
}
