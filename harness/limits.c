#include "limits.h"

#include <stdio.h>
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

void sb_limits_read(struct sb_limits *l)
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

int sb_limits_check(const struct sb_limits *l, const struct sb_engine_ops *en,
                    const struct sb_demand *d, enum sb_stack_guard guard, char *why, size_t len)
{
    const struct sb_engine_costs *c = &en->costs;
    long long fds = (long long)d->channels * c->fds_per_channel + (long long)d->fds + SB_FD_ROOM;
    if (fds > l->nofile_hard) {
        snprintf(why, len, "needs about %lld descriptors; RLIMIT_NOFILE's hard limit is %lld", fds,
                 l->nofile_hard);
        return -1;
    }
    long long kt = (long long)d->tasks * c->kernel_tasks_per_task;
    if (kt) {
        struct {
            const char *name;
            long long value;
        } caps[] = {{"kernel.threads-max", l->threads_max},
                    {"kernel.pid_max", l->pid_max},
                    {"RLIMIT_NPROC", l->nproc}};
        for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
            if (caps[i].value < 0) continue;
            if (kt + l->tasks_in_use + SB_TASK_ROOM > caps[i].value) {
                snprintf(why, len,
                         "needs %lld threads or processes beside the %lld running; %s is %lld", kt,
                         l->tasks_in_use, caps[i].name, caps[i].value);
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
        snprintf(why, len, "needs about %lld memory mappings%s; vm.max_map_count is %lld",
                 maps + room,
                 guard == SB_GUARD_PAGE && c->maps_per_guarded_stack
                     ? " (guarded stacks: --stack-guard=auto lifts it)"
                     : "",
                 l->max_map_count);
        return -1;
    }
    return 0;
}

json_t *sb_limits_json(const struct sb_limits *l)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "RLIMIT_NOFILE_hard", (json_int_t)l->nofile_hard,
                     "vm.max_map_count", (json_int_t)l->max_map_count, "kernel.threads-max",
                     (json_int_t)l->threads_max, "kernel.pid_max", (json_int_t)l->pid_max,
                     "RLIMIT_NPROC", (json_int_t)l->nproc);
}
