#include "describe.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"
#include "plan.h"

/* A flag bit and the word the JSON gives it. */
struct bit_name {
    unsigned bit;
    const char *name;
};

/* Each capability bit under the name the JSON gives it (the same words as
 * --list-engines prints). */
static const struct bit_name cap_names[] = {
    {SB_CAP_STACKFUL, "stackful"},
    {SB_CAP_PARALLEL, "parallel"},
    {SB_CAP_SEPARATE_MEMORY, "separate-memory"},
    {SB_CAP_COOPERATIVE, "cooperative"},
    {SB_CAP_PER_TASK_FPU, "per-task-fpu"},
    {SB_CAP_WORKERS, "workers"},
    {SB_CAP_BASELINE, "baseline"},
    {SB_CAP_BARE_LOOP, "bare-loop"},
    {SB_CAP_OWN_STACKS, "own-stacks"},
    {SB_CAP_REFERENCE, "reference"},
};

static const struct bit_name flag_names[] = {
    {SB_WL_HIDDEN, "hidden"},
    {SB_WL_SHARDABLE, "shardable"},
    {SB_WL_SPREAD, "spread"},
    {SB_WL_QUICK_WORKERS, "quick-workers"},
    {SB_WL_QUICK_CROSS_CORE, "quick-cross-core"},
    {SB_WL_CORES, "cores"},
};

/* The words of the bits set in `bits`, in the table's order. */
static json_t *words_of(unsigned bits, const struct bit_name *table, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (bits & table[i].bit) json_array_append_new(a, json_string(table[i].name));
    return a;
}

static json_t *caps_array(unsigned caps)
{
    return words_of(caps, cap_names, sizeof cap_names / sizeof cap_names[0]);
}

static json_t *text_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *one_engine(const struct sb_engine_ops *e)
{
    const char *why = sb_engine_unavailable(e);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(e->name));
    json_object_set_new(o, "kind", json_string(sb_engine_kind(e)));
    json_object_set_new(o, "reference", json_boolean(e->caps & SB_CAP_REFERENCE));
    json_object_set_new(o, "summary", text_or_null(e->summary));
    json_object_set_new(o, "mechanism", text_or_null(e->mechanism));
    json_object_set_new(o, "fpu", text_or_null(e->fpu));
    json_object_set_new(o, "contract", text_or_null(e->contract));
    json_object_set_new(o, "capabilities", caps_array(e->caps));
    json_object_set_new(o, "external", json_boolean(e->exec_argv != NULL));
    json_object_set_new(o, "package", text_or_null(e->package));
    json_object_set_new(o, "in_default_run", json_boolean(e->in_default_run));
    json_object_set_new(o, "available", json_boolean(why == NULL));
    json_object_set_new(o, "unavailable", text_or_null(why));
    return o;
}

static json_t *integers(const long long *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

static json_t *one_workload(const struct sb_workload *w)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(w->name));
    json_object_set_new(o, "summary", text_or_null(w->summary));
    json_object_set_new(o, "unit", text_or_null(w->unit));
    json_object_set_new(o, "rate_counter", text_or_null(w->rate_counter));
    json_object_set_new(o, "requires", caps_array(w->requires_caps));
    json_object_set_new(o, "flags",
                        words_of(w->flags, flag_names, sizeof flag_names / sizeof flag_names[0]));
    json_object_set_new(o, "iteration_multiple",
                        json_integer((json_int_t)(w->iter_multiple ? w->iter_multiple : 1)));
    json_t *params = json_array();
    for (size_t i = 0; i < w->n_params; i++) {
        const struct sb_param_def *p = &w->params[i];
        json_t *po = json_object();
        json_object_set_new(po, "name", json_string(p->name));
        json_object_set_new(po, "help", text_or_null(p->help));
        json_object_set_new(po, "type", json_string("integer"));
        json_object_set_new(po, "min", json_integer((json_int_t)p->min));
        json_object_set_new(po, "max", json_integer((json_int_t)p->max));
        json_object_set_new(po, "sweep", integers(p->sweep, p->n_sweep));
        json_object_set_new(po, "quick_sweep", integers(p->quick_sweep, p->n_quick));
        json_array_append_new(params, po);
    }
    json_object_set_new(o, "params", params);
    return o;
}

/* The names a comma list selects, in registry order. */
static json_t *selected(const char *list, bool engines, struct sb_err *err)
{
    bool sel[SB_MAX_ENGINES + SB_MAX_WORKLOADS] = {false}; /* either registry fits */
    size_t n = engines ? sb_engine_count : sb_workload_count;
    if (sb__plan_select_names(list, engines, sel, err) != 0) return NULL;
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        if (sel[i])
            json_array_append_new(
                a, json_string(engines ? sb_engines[i]->name : sb_workloads[i]->name));
    return a;
}

json_t *sb__describe(const struct sb__options *o, const struct sb__plan *plan, struct sb_err *err)
{
    json_t *eng = selected(o->engines, true, err);
    json_t *wl = eng ? selected(o->workloads, false, err) : NULL;
    if (!eng || !wl) {
        json_decref(eng);
        return NULL;
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "describe_version", json_integer(1));
    json_t *engines = json_array();
    for (size_t i = 0; i < sb_engine_count; i++)
        json_array_append_new(engines, one_engine(sb_engines[i]));
    json_object_set_new(doc, "engines", engines);
    json_t *workloads = json_array();
    for (size_t i = 0; i < sb_workload_count; i++)
        json_array_append_new(workloads, one_workload(sb_workloads[i]));
    json_object_set_new(doc, "workloads", workloads);
    json_object_set_new(doc, "counters", sb__counters_json());
    /* What the rest of the command line selects: `engines_named` is true
     * when --engine listed engines by name (not absent, not "all"), which
     * is when ./bench installs a named reference's package; a run that
     * names none gets the packages of the engines `in_default_run`. */
    json_t *sel = json_object();
    json_object_set_new(sel, "engines", eng);
    json_object_set_new(sel, "workloads", wl);
    json_object_set_new(sel, "engines_named",
                        json_boolean(o->engines && strcmp(o->engines, "all") != 0));
    json_object_set_new(sel, "engines_given", json_boolean(o->engines != NULL));
    /* False when the options only answer (--list, --help, ...). */
    json_object_set_new(sel, "runs",
                        json_boolean(!o->list && !o->help && !o->version && !o->list_engines &&
                                     !o->list_workloads));
    json_object_set_new(sel, "benchmarks", json_integer((json_int_t)plan->n));
    /* The options given that choose where results go, by their names in
     * --help (an abbreviation or an alias counts as what it stands for). */
    json_t *where = json_array();
    for (unsigned i = 0; i < o->n_where; i++)
        json_array_append_new(where, json_string(o->where_given[i]));
    json_object_set_new(sel, "where_given", where);
    json_object_set_new(doc, "selected", sel);
    return doc;
}
