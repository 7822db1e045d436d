/* The plan: which engine x workload x parameter instances run, named as
 * Google Benchmark names them (family/engine/param:value). */
#ifndef SB_PLAN_H
#define SB_PLAN_H

#include <stddef.h>

#include "../engines/sb_engine.h"
#include "../workloads/sb_workload.h"
#include "cli.h"

struct sb_instance {
    char name[256];
    const struct sb_engine_ops *engine;
    const struct sb_workload *workload;
    long long params[SB_MAX_PARAMS];
    unsigned workers; /* coroutine schedulers (1 unless --workers) */
    enum sb_placement placement;
    int family_index, per_family_instance_index;
};

struct sb_plan {
    struct sb_instance *items;
    size_t n, cap;
};

/* 0, or -1 with a one-line message (unknown names, bad parameters or
 * regex, nothing selected). */
int sb_plan_build(const struct sb_options *o, struct sb_plan *plan, char *err, size_t errlen);
void sb_plan_free(struct sb_plan *plan);

#endif
