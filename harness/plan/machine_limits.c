#include "machine_limits.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Room left for what every run holds besides its tasks: the harness's own
 * descriptors and mappings, libraries, helper processes. */
enum { SB_FD_ROOM = 64, SB_TASK_ROOM = 64 };

static long long read_ll(const char *path, long long fallback)
{
    long long v = fallback;
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%lld", &v) != 1) v = fallback;
        fclose(f);
    }
    return v;
}

/* Threads of processes whose real uid is ours: RLIMIT_NPROC counts them,
 * not the machine's (another user's or suite's tasks do not count). */
static long long tasks_of_user(uid_t uid)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    long long n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        long long real = -1, threads = 0;
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "Uid:", 4) == 0)
                real = strtoll(line + 4, NULL, 10);
            else if (strncmp(line, "Threads:", 8) == 0)
                threads = strtoll(line + 8, NULL, 10);
        }
        fclose(f);
        if (real == (long long)uid) n += threads;
    }
    closedir(d);
    return n;
}

void sb__limits_read(struct sb__limits *l)
{
    struct rlimit rl;
    l->nofile_hard = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY
                         ? (long long)rl.rlim_max
                         : 1LL << 40;
    l->max_map_count = read_ll("/proc/sys/vm/max_map_count", 65530);
    l->threads_max = read_ll("/proc/sys/kernel/threads-max", 1LL << 40);
    l->pid_max = read_ll("/proc/sys/kernel/pid_max", 32768);
    /* The kernel does not hold root to RLIMIT_NPROC. */
    l->nproc = geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                   ? (long long)rl.rlim_cur
                   : -1;
    l->user_tasks = l->nproc >= 0 ? tasks_of_user(getuid()) : 0;
    l->tasks_in_use = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        double a, b, c;
        long long running, total;
        if (fscanf(f, "%lf %lf %lf %lld/%lld", &a, &b, &c, &running, &total) == 5)
            l->tasks_in_use = total;
        fclose(f);
    }
}

int sb__limits_check(const struct sb__limits *l, const struct sb_engine_ops *en,
                     const struct sb_demand *d, enum sb_stack_guard guard, struct sb_err *why)
{
    const struct sb_engine_costs *c = &en->costs;
    long long fds = (long long)d->channels * c->fds_per_channel + (long long)d->fds + SB_FD_ROOM;
    if (fds > l->nofile_hard) {
        sb_err_set(why,
                   "needs about %lld descriptors (%d of them a reserve for the harness); "
                   "RLIMIT_NOFILE's hard limit is %lld",
                   fds, SB_FD_ROOM, l->nofile_hard);
        return -1;
    }
    long long kt = (long long)d->tasks * c->kernel_tasks_per_task;
    if (kt) {
        struct {
            const char *name;
            long long value;
            long long in_use; /* what the limit counts now */
        } caps[] = {{"kernel.threads-max", l->threads_max, l->tasks_in_use},
                    {"kernel.pid_max", l->pid_max, l->tasks_in_use},
                    {"RLIMIT_NPROC", l->nproc, l->user_tasks}};
        for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
            if (caps[i].value < 0) continue;
            if (kt + caps[i].in_use + SB_TASK_ROOM > caps[i].value) {
                sb_err_set(why,
                           "needs %lld threads or processes beside the %lld running and a reserve "
                           "of %d for the harness; %s is %lld",
                           kt, caps[i].in_use, SB_TASK_ROOM, caps[i].name, caps[i].value);
                return -1;
            }
        }
    }
    /* Under --stack-guard=auto the engine drops guard pages past the map
     * limit itself; only an explicit `page` is held to it here. */
    long long maps = (long long)d->tasks * c->maps_per_task +
                     (guard == SB_GUARD_PAGE ? (long long)d->tasks * c->maps_per_guarded_stack : 0);
    long long room = l->max_map_count / 8 > 1024 ? l->max_map_count / 8 : 1024;
    if (maps && maps + room > l->max_map_count) {
        sb_err_set(why,
                   "needs about %lld memory mappings (%lld of them a reserve for the harness)%s; "
                   "vm.max_map_count is %lld",
                   maps + room, room,
                   guard == SB_GUARD_PAGE && c->maps_per_guarded_stack
                       ? " (guarded stacks: --stack-guard=auto lifts it)"
                       : "",
                   l->max_map_count);
        return -1;
    }
    return 0;
}

json_t *sb__limits_json(const struct sb__limits *l)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "RLIMIT_NOFILE_hard", (json_int_t)l->nofile_hard,
                     "vm.max_map_count", (json_int_t)l->max_map_count, "kernel.threads-max",
                     (json_int_t)l->threads_max, "kernel.pid_max", (json_int_t)l->pid_max,
                     "RLIMIT_NPROC", (json_int_t)l->nproc);
}
