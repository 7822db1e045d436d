/* The machine's limits on what a benchmark may hold at once, read once per
 * run, and the check the plan makes of every instance against them: a
 * default size they cannot hold is skipped, a size the user asked for is
 * an error record, and both name the limit, its value and the need. */
#ifndef SB_MACHINE_LIMITS_H
#define SB_MACHINE_LIMITS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "sb_engine.h"
#include "sb_workload.h"
#include "sb_err.h"

struct sb__limits {
    long long nofile_hard;   /* RLIMIT_NOFILE: the child raises its soft limit to this */
    long long max_map_count; /* vm.max_map_count */
    long long threads_max;   /* kernel.threads-max */
    long long pid_max;       /* kernel.pid_max */
    long long nproc;         /* RLIMIT_NPROC, or -1 where it is not enforced (root) */
    long long tasks_in_use;  /* kernel tasks on the machine now (/proc/loadavg) */
    long long user_tasks;    /* kernel tasks of this real uid now: what RLIMIT_NPROC counts */
};

void sb__limits_read(struct sb__limits *l);
/* 0 when the instance fits; else -1 and `why`: "needs N descriptors;
 * RLIMIT_NOFILE's hard limit is M". */
int sb__limits_check(const struct sb__limits *l, const struct sb_engine_ops *en,
                     const struct sb_demand *d, enum sb_stack_guard guard, struct sb_err *why);
/* For the results' context. */
json_t *sb__limits_json(const struct sb__limits *l);

#endif
