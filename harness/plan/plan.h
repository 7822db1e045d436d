/* The plan: which engine x workload x parameter instances run, named as
 * Google Benchmark names them (family/engine/param:value). */
#ifndef SB_PLAN_H
#define SB_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "sb_engine.h"
#include "sb_workload.h"
#include "cli.h"
#include "machine_limits.h"
#include "sb_err.h"

struct sb__instance {
    char name[256];
    const struct sb_engine_ops *engine;
    const struct sb_workload *workload;
    long long params[SB_MAX_PARAMS];
    unsigned workers; /* coroutine schedulers (1 unless --workers) */
    enum sb__placement placement;
    /* The workload's own placement (not a variant the name shows as
     * placement:X): the records say so as a typed field. */
    bool placement_natural;
    int family_index, per_family_instance_index;
    /* Non-empty when this machine's limits cannot hold the instance: it
     * is not run, and becomes a skipped record (a default size) or an
     * error record (a size given with --param). */
    struct sb_err unfit;
    bool unfit_is_error;
};

struct sb__plan {
    struct sb__instance *items;
    size_t n, cap;
    /* Engines the selection named (or `all` took in) that cannot run here
     * (sb_engine_ops.unavailable): left out, each to be said in a line. */
    const struct sb_engine_ops *left_out[16];
    size_t n_left_out;
};

/* 0, or -1 with a one-line message (unknown names, bad parameters or
 * regex, nothing selected). `limits` NULL: no instance is checked. */
int sb__plan_build(const struct sb__options *o, const struct sb__limits *limits,
                   struct sb__plan *plan, struct sb_err *err);
void sb__plan_free(struct sb__plan *plan);
/* A comma list of engine (or workload) names, or NULL or "all", as a mask
 * over the registry (sb_engines or sb_workloads); -1 with err naming the
 * unknown name and the valid ones. */
int sb__plan_select_names(const char *list, bool engines, bool *sel, struct sb_err *err);

#endif
