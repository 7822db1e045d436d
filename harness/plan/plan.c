#include "plan.h"

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void list_names(char *buf, size_t len, bool engines)
{
    size_t at = 0;
    buf[0] = '\0';
    size_t n = engines ? sb_engine_count : sb_workload_count;
    for (size_t i = 0; i < n && at < len; i++) {
        if (!engines && (sb_workloads[i]->flags & SB_WL_HIDDEN)) continue;
        const char *name = engines ? sb_engines[i]->name : sb_workloads[i]->name;
        at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? ", " : "", name);
    }
}

/* Parse a comma list of names into a selection mask over the registry. */
int sb__plan_select_names(const char *list, bool engines, bool *sel, struct sb_err *err)
{
    size_t n = engines ? sb_engine_count : sb_workload_count;
    const char *kind = engines ? "engine" : "workload";
    if (!list || strcmp(list, "all") == 0) {
        for (size_t i = 0; i < n; i++) sel[i] = engines || !(sb_workloads[i]->flags & SB_WL_HIDDEN);
        return 0;
    }
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    bool any = false;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        bool found = false;
        for (size_t i = 0; i < n; i++) {
            const char *name = engines ? sb_engines[i]->name : sb_workloads[i]->name;
            if (strcmp(name, tok) == 0) {
                sel[i] = found = any = true;
            }
        }
        if (!found) {
            char valid[512];
            list_names(valid, sizeof valid, engines);
            sb_err_set(err, "unknown %s '%s' (valid: %s, all)", kind, tok, valid);
            return -1;
        }
    }
    if (!any) {
        sb_err_set(err, "--%s: empty list", kind);
        return -1;
    }
    return 0;
}

/* Whether `name` is one of a comma list's items. */
static bool name_in_list(const char *name, const char *list)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return true;
        p = end ? end + 1 : p + len;
    }
    return false;
}

static const struct sb__param_arg *find_param_arg(const struct sb__options *o, const char *key)
{
    for (size_t i = 0; i < o->n_params; i++)
        if (strcmp(o->params[i].key, key) == 0) return &o->params[i];
    return NULL;
}

static int plan_push(struct sb__plan *plan, const struct sb__instance *in)
{
    if (plan->n == plan->cap) {
        size_t cap = plan->cap ? plan->cap * 2 : 64;
        struct sb__instance *items = realloc(plan->items, cap * sizeof *items);
        if (!items) return -1;
        plan->items = items;
        plan->cap = cap;
    }
    plan->items[plan->n++] = *in;
    return 0;
}

/* An engine that cannot run here (a reference whose package is not
 * installed) is left out, and the run goes on with the rest; -1 when
 * nothing selected is left. */
static int leave_out_unavailable(bool *esel, struct sb__plan *plan, struct sb_err *err)
{
    bool any_engine = false;
    for (size_t e = 0; e < sb_engine_count; e++) {
        if (!esel[e]) continue;
        if (sb_engine_unavailable(sb_engines[e])) {
            esel[e] = false;
            if (plan->n_left_out < SB_COUNT(plan->left_out))
                plan->left_out[plan->n_left_out++] = sb_engines[e];
            continue;
        }
        any_engine = true;
    }
    if (any_engine) return 0;
    const struct sb_engine_ops *first = plan->left_out[0];
    sb_err_set(err, "nothing to run: %s %s", first ? first->name : "?",
               first ? sb_engine_unavailable(first) : "");
    return -1;
}

/* Every --param must mean something to a selected workload, and every
 * value must be in that workload's range. */
static int check_param_args(const struct sb__options *o, const bool *wsel, struct sb_err *err)
{
    for (size_t a = 0; a < o->n_params; a++) {
        const struct sb__param_arg *pa = &o->params[a];
        bool used = false;
        for (size_t w = 0; w < sb_workload_count; w++) {
            if (!wsel[w]) continue;
            for (size_t p = 0; p < sb_workloads[w]->n_params; p++) {
                const struct sb_param_def *d = &sb_workloads[w]->params[p];
                if (strcmp(d->name, pa->key) != 0) continue;
                used = true;
                for (size_t v = 0; v < pa->n; v++) {
                    if (pa->values[v] < d->min || pa->values[v] > d->max) {
                        sb_err_set(err, "--param %s=%lld: out of range for %s (%lld to %lld)",
                                   pa->key, pa->values[v], sb_workloads[w]->name, d->min, d->max);
                        return -1;
                    }
                }
            }
        }
        if (!used) {
            sb_err_set(err, "--param %s: no selected workload has this parameter (see --help)",
                       pa->key);
            return -1;
        }
    }
    return 0;
}

/* --filter as Google Benchmark reads it: a POSIX ERE, "-" in front
 * inverts it, "all" and "." match everything. */
struct name_filter {
    bool on, invert;
    regex_t re;
};

static int filter_open(const char *filter, struct name_filter *f, struct sb_err *err)
{
    f->on = filter && *filter && strcmp(filter, "all") != 0 && strcmp(filter, ".") != 0;
    f->invert = f->on && filter[0] == '-';
    if (!f->on) return 0;
    int rc = regcomp(&f->re, filter + (f->invert ? 1 : 0), REG_EXTENDED | REG_NOSUB);
    if (rc == 0) return 0;
    char why[128];
    regerror(rc, &f->re, why, sizeof why);
    sb_err_set(err, "--filter: '%s' is not a valid regular expression: %s", filter, why);
    f->on = false;
    return -1;
}

static bool filter_keeps(const struct name_filter *f, const char *name)
{
    return !f->on || ((regexec(&f->re, name, 0, NULL, 0) == 0) != f->invert);
}

/* One engine x workload pair's parameter values: --param, else the
 * smallest (--tiny), else the quick or the full sweep. */
struct sweep {
    size_t np;
    const long long *vals[SB_MAX_PARAMS];
    size_t nvals[SB_MAX_PARAMS];
    bool chosen; /* a size came from --param */
};

static int sweep_of(const struct sb__options *o, const struct sb_workload *wl,
                    const struct sb_engine_ops *en, struct sweep *sw, struct sb_err *err)
{
    memset(sw, 0, sizeof *sw);
    sw->np = wl->n_params < SB_MAX_PARAMS ? wl->n_params : SB_MAX_PARAMS;
    for (size_t p = 0; p < sw->np; p++) {
        const struct sb_param_def *d = &wl->params[p];
        const struct sb__param_arg *pa = find_param_arg(o, d->name);
        if (pa)
            sw->vals[p] = pa->values, sw->nvals[p] = pa->n, sw->chosen = true;
        else if (o->tiny)
            sw->vals[p] = &d->min, sw->nvals[p] = 1;
        else if (o->quick && (en->caps & (SB_CAP_REFERENCE | SB_CAP_SEPARATE_MEMORY)))
            /* A reference's or a process engine's row in the quick run:
             * its first quick size, to set beside ours. The references'
             * whole quick sweep took 24 s of a 92 s run; a process costs
             * a fork (0.8 ms for a trivial one on the 2-vCPU VM, 2.2 ms
             * from the benchmark process), so processes at 1,000
             * sleepers, 1,000 connections and 1,000 spawned took 27 s of
             * a 125 s run. No claim needs more of them: C2 compares spawn
             * at the first size. */
            sw->vals[p] = d->quick_sweep, sw->nvals[p] = d->n_quick ? 1 : 0;
        else if (o->quick)
            sw->vals[p] = d->quick_sweep, sw->nvals[p] = d->n_quick;
        else
            sw->vals[p] = d->sweep, sw->nvals[p] = d->n_sweep;
        if (!sw->vals[p] || sw->nvals[p] == 0) {
            sb_err_set(err, "%s: parameter %s has no values to run (give --param %s=...)", wl->name,
                       d->name, d->name);
            return -1;
        }
    }
    return 0;
}

/* --workers applies to engines that can run several schedulers, and only
 * to workloads whose tasks never talk across them; threads and processes
 * use every core without it. Returns how many counts are in wlist. */
static unsigned workers_of(const struct sb__options *o, const struct sb_workload *wl,
                           const struct sb_engine_ops *en, unsigned *wlist)
{
    unsigned nw = 0;
    unsigned quick_workers[2] = {1, o->cores}; /* one core, then all */
    const unsigned *want = o->workers;
    size_t nwant = o->n_workers;
    if (!o->workers_set && o->cores > 1 &&
        ((wl->flags & SB_WL_CORES) || (o->quick && (wl->flags & SB_WL_QUICK_WORKERS))))
        want = quick_workers, nwant = 2;
    for (size_t k = 0; k < nwant; k++) {
        unsigned wk = want[k];
        if (wk > 1 && (!(en->caps & SB_CAP_WORKERS) || !(wl->flags & SB_WL_SHARDABLE))) wk = 1;
        bool dup = false;
        for (unsigned m = 0; m < nw; m++) dup |= wlist[m] == wk;
        if (!dup) wlist[nw++] = wk;
    }
    if (nw == 0) wlist[nw++] = 1;
    return nw;
}

/* family/engine/param:value/..., then workers:N and a placement other
 * than the workload's own (the two are different measurements). */
static void name_instance(struct sb__instance *in, size_t np, enum sb__placement natural)
{
    in->placement_natural = in->placement == natural;
    size_t at =
        (size_t)snprintf(in->name, sizeof in->name, "%s/%s", in->workload->name, in->engine->name);
    for (size_t p = 0; p < np; p++)
        at += (size_t)snprintf(in->name + at, sizeof in->name - at, "/%s:%lld",
                               in->workload->params[p].name, in->params[p]);
    if (in->workers > 1)
        at += (size_t)snprintf(in->name + at, sizeof in->name - at, "/workers:%u", in->workers);
    if (in->placement != natural && at < sizeof in->name)
        (void)snprintf(in->name + at, sizeof in->name - at, "/placement:%s",
                       in->placement == SB_SPREAD ? "spread" : "pack");
}

/* Whether the engine runs the workload at all. */
static bool pair_runs(const struct sb_engine_ops *en, const struct sb_workload *wl)
{
    if ((en->caps & wl->requires_caps) != wl->requires_caps) return false;
    /* An external reference runs the workloads its program has. */
    if (en->exec_argv && !name_in_list(wl->name, en->workloads)) return false;
    /* A baseline runs only the workloads that have one. */
    return !(en->caps & SB_CAP_BASELINE) || wl->baseline;
}

/* Every instance of one engine x workload pair that the filter keeps, each
 * checked against the limits. Returns how many were added, -1 on error. */
static int add_pair(const struct sb__options *o, const struct sb__limits *limits,
                    const struct sb_workload *wl, const struct sb_engine_ops *en,
                    const struct name_filter *f, int family, struct sb__plan *plan,
                    struct sb_err *err)
{
    struct sweep sw;
    if (sweep_of(o, wl, en, &sw, err) != 0) return -1;
    unsigned wlist[SB_MAX_PARAM_VALUES];
    unsigned nw = workers_of(o, wl, en, wlist);
    /* Placements: --placement, else the workload's own; the quick run adds
     * cross-core for kernel-scheduled engines where the workload asks (a
     * coroutine engine's tasks share one thread). */
    bool cross = !o->placement_set && o->quick && (wl->flags & SB_WL_QUICK_CROSS_CORE) &&
                 (en->caps & SB_CAP_PARALLEL) && o->cores > 1;
    int instance = 0;
    for (unsigned pi = 0; pi < (cross ? 2u : 1u); pi++)
        for (unsigned wi = 0; wi < nw; wi++) {
            size_t idx[SB_MAX_PARAMS] = {0};
            for (;;) {
                struct sb__instance in;
                memset(&in, 0, sizeof in);
                in.engine = en;
                in.workload = wl;
                in.workers = wlist[wi];
                enum sb__placement natural =
                    (wl->flags & SB_WL_SPREAD) || in.workers > 1 ? SB_SPREAD : SB_PACK;
                in.placement = o->placement_set ? o->placement : pi == 1 ? SB_SPREAD : natural;
                for (size_t p = 0; p < sw.np; p++) in.params[p] = sw.vals[p][idx[p]];
                name_instance(&in, sw.np, natural);
                if (filter_keeps(f, in.name)) {
                    if (limits && wl->demand) {
                        struct sb_demand d = {0, 0, 0};
                        wl->demand(in.params, &d);
                        if (sb__limits_check(limits, en, &d, (enum sb_stack_guard)o->stack_guard,
                                             &in.unfit) != 0)
                            in.unfit_is_error = sw.chosen;
                    }
                    in.family_index = family;
                    in.per_family_instance_index = instance++;
                    if (plan_push(plan, &in) != 0) {
                        sb_err_set(err, "out of memory");
                        return -1;
                    }
                }
                size_t p = 0;
                while (p < sw.np && ++idx[p] == sw.nvals[p]) idx[p++] = 0;
                if (p == sw.np) break;
            }
        }
    return instance;
}

int sb__plan_build(const struct sb__options *o, const struct sb__limits *limits,
                   struct sb__plan *plan, struct sb_err *err)
{
    memset(plan, 0, sizeof *plan);
    bool esel[SB_MAX_ENGINES] = {false}, wsel[SB_MAX_WORKLOADS] = {false};
    if (sb__plan_select_names(o->engines, true, esel, err) != 0) return -1;
    if (sb__plan_select_names(o->workloads, false, wsel, err) != 0) return -1;
    /* --describe plans as if every engine's package were installed: it
     * says what the options select once ./bench has installed them, and
     * checks them as a run would (a missing package is no bad option). */
    if (!o->describe && leave_out_unavailable(esel, plan, err) != 0) return -1;
    if (check_param_args(o, wsel, err) != 0) return -1;
    struct name_filter f;
    if (filter_open(o->filter, &f, err) != 0) return -1;
    int family = 0, rc = 0;
    for (size_t w = 0; rc >= 0 && w < sb_workload_count; w++) {
        for (size_t e = 0; rc >= 0 && e < sb_engine_count; e++) {
            if (!wsel[w] || !esel[e] || !pair_runs(sb_engines[e], sb_workloads[w])) continue;
            rc = add_pair(o, limits, sb_workloads[w], sb_engines[e], &f, family, plan, err);
            if (rc > 0) family++;
        }
    }
    if (f.on) regfree(&f.re);
    if (rc < 0) return -1;
    if (plan->n == 0) {
        sb_err_set(err, "no benchmark matches the selection%s%s%s", f.on ? " and --filter '" : "",
                   f.on ? o->filter : "", f.on ? "'" : "");
        return -1;
    }
    return 0;
}

void sb__plan_free(struct sb__plan *plan)
{
    free(plan->items);
    memset(plan, 0, sizeof *plan);
}
