#include "record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "counters.h"

json_t *sb_record_iteration(const struct sb_record_id *id, int rep)
{
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:i}", "name", id->run_name,
                     "family_index", id->family_index, "per_family_instance_index",
                     id->per_family_instance_index, "run_name", id->run_name, "run_type",
                     "iteration", "repetitions", id->repetitions, "repetition_index", rep,
                     "threads", 1);
}

json_t *sb_record_aggregate(const struct sb_record_id *id, const char *aggregate)
{
    char name[320];
    snprintf(name, sizeof name, "%s_%s", id->run_name, aggregate);
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:s, s:s}", "name", name, "family_index",
                     id->family_index, "per_family_instance_index", id->per_family_instance_index,
                     "run_name", id->run_name, "run_type", "aggregate", "repetitions",
                     id->repetitions, "threads", 1, "aggregate_name", aggregate, "aggregate_unit",
                     strcmp(aggregate, "cv") == 0 ? "percentage" : "time");
}

void sb_record_set_times(json_t *r, uint64_t iterations, double real_ns, double cpu_ns)
{
    json_object_set_new(r, "iterations", json_integer((json_int_t)iterations));
    json_object_set_new(r, "real_time", json_real(real_ns));
    json_object_set_new(r, "cpu_time", json_real(cpu_ns));
    json_object_set_new(r, "time_unit", json_string("ns"));
}

struct sb_record_id sb_record_id_of(json_t *r)
{
    return (struct sb_record_id){
        .run_name = json_string_value(json_object_get(r, "run_name")),
        .family_index = (int)json_integer_value(json_object_get(r, "family_index")),
        .per_family_instance_index =
            (int)json_integer_value(json_object_get(r, "per_family_instance_index")),
        .repetitions = (int)json_integer_value(json_object_get(r, "repetitions")),
    };
}

void sb_record_label(const struct sb_instance *in, enum sb_stack_guard guard, const char *cpus_used,
                     json_t *counters, char *buf, size_t len)
{
    char extra[160] = "";
    if (in->workers > 1) snprintf(extra, sizeof extra, "; %u workers", in->workers);
    size_t at = strlen(extra);
    json_t *g = json_object_get(counters, "stacks_guarded"),
           *u = json_object_get(counters, "stacks_unguarded");
    if (g && u) {
        double guarded = json_number_value(g), unguarded = json_number_value(u);
        if (unguarded == 0)
            snprintf(extra + at, sizeof extra - at, "; stack guard page");
        else if (guarded == 0)
            snprintf(extra + at, sizeof extra - at, "; no stack guard");
        else
            snprintf(extra + at, sizeof extra - at,
                     "; stack guard page on %.0f of %.0f stacks (vm.max_map_count)", guarded,
                     guarded + unguarded);
    } else if ((in->engine->caps & SB_CAP_OWN_STACKS) && guard == SB_GUARD_NONE) {
        snprintf(extra + at, sizeof extra - at, "; no stack guard");
    }
    snprintf(buf, len, "%s; %s%s; %s on cpu %s", in->engine->mechanism, in->engine->fpu, extra,
             in->placement == SB_SPREAD ? "spread" : "pack", cpus_used);
}

static struct sb_record_id id_of_instance(const struct sb_instance *in, int repetitions)
{
    return (struct sb_record_id){
        .run_name = in->name,
        .family_index = in->family_index,
        .per_family_instance_index = in->per_family_instance_index,
        .repetitions = repetitions,
    };
}

static const char *placement_name(const struct sb_instance *in)
{
    return in->placement == SB_SPREAD ? "spread" : "pack";
}

/* What the record is, as typed fields beside Google Benchmark's (which
 * allow extra keys): readers take the engine, workload and parameters
 * from here instead of splitting the name. */
static void set_identity(json_t *r, const struct sb_instance *in)
{
    json_object_set_new(r, "engine", json_string(in->engine->name));
    json_object_set_new(r, "workload", json_string(in->workload->name));
    json_t *params = json_object();
    for (size_t i = 0; i < in->workload->n_params; i++)
        json_object_set_new(params, in->workload->params[i].name,
                            json_integer((json_int_t)in->params[i]));
    json_object_set_new(r, "params", params);
    json_object_set_new(r, "workers", json_integer((json_int_t)in->workers));
    json_object_set_new(r, "placement", json_string(placement_name(in)));
}

json_t *sb_record_unmeasured(const struct sb_instance *in, int repetitions,
                             enum sb_stack_guard guard, int rep, const char *msg, bool skipped)
{
    struct sb_record_id id = id_of_instance(in, repetitions);
    json_t *r = sb_record_iteration(&id, rep);
    char label[512];
    sb_record_label(in, guard, "-", NULL, label, sizeof label);
    json_object_set_new(r, skipped ? "skipped" : "error_occurred", json_true());
    json_object_set_new(r, skipped ? "skip_message" : "error_message", json_string(msg));
    sb_record_set_times(r, 0, 0, 0);
    json_object_set_new(r, "label", json_string(label));
    set_identity(r, in);
    return r;
}

/* The first counter of a sample that the registry (counter_list.h) does
 * not list or that is not a number, or NULL. Such a counter would reach
 * the record unexplained, or overwrite one of its fields (a reference's
 * program names its counters itself). */
static const char *unregistered_counter(json_t *counters)
{
    const char *key;
    json_t *value;
    json_object_foreach(counters, key, value)
    {
        if (!sb_counter_find(key) || !json_is_number(value)) return key;
    }
    return NULL;
}

json_t *sb_record_measured(const struct sb_instance *in, int repetitions, enum sb_stack_guard guard,
                           json_t *sample)
{
    int rep = (int)json_integer_value(json_object_get(sample, "rep"));
    uint64_t iters = (uint64_t)json_integer_value(json_object_get(sample, "iterations"));
    double real_ns = json_number_value(json_object_get(sample, "real_ns"));
    double cpu_ns = json_number_value(json_object_get(sample, "cpu_ns"));
    const char *cpus = json_string_value(json_object_get(sample, "cpus_used"));
    if (iters == 0 || !(real_ns > 0) || !isfinite(real_ns) || !isfinite(cpu_ns))
        return sb_record_unmeasured(in, repetitions, guard, rep,
                                    "the benchmark reported an empty or non-finite measurement",
                                    false);
    json_t *counters = json_object_get(sample, "counters");
    const char *odd = unregistered_counter(counters);
    if (odd) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "the benchmark reported counter '%.64s', which is not a number in the counter "
                 "registry (harness/counter_list.h)",
                 odd);
        return sb_record_unmeasured(in, repetitions, guard, rep, msg, false);
    }
    struct sb_record_id id = id_of_instance(in, repetitions);
    json_t *r = sb_record_iteration(&id, rep);
    /* An external reference names its system's versions itself, first. */
    const char *system = json_string_value(json_object_get(sample, "system"));
    char label[768];
    int at = system ? snprintf(label, 256, "%s; ", system) : 0;
    sb_record_label(in, guard, cpus ? cpus : "?", counters, label + at, sizeof label - (size_t)at);
    /* A note from the harness (how kernel memory was measured) ends it. */
    const char *note = json_string_value(json_object_get(sample, "note"));
    if (note) {
        size_t used = strlen(label);
        snprintf(label + used, sizeof label - used, "; %s", note);
    }
    sb_record_set_times(r, iters, real_ns / (double)iters, cpu_ns / (double)iters);
    json_object_set_new(r, in->workload->rate_counter, json_real((double)iters / (real_ns / 1e9)));
    const char *key;
    json_t *value;
    json_object_foreach(counters, key, value) json_object_set(r, key, value);
    json_object_set_new(r, "label", json_string(label));
    set_identity(r, in);
    json_object_set_new(r, "cpus_used", json_string(cpus ? cpus : "?"));
    /* The layout the repetition ran under (references' programs: none). */
    json_t *lo = json_object_get(sample, "layout_offset"),
           *sp = json_object_get(sample, "stack_page_offset");
    if (json_is_integer(lo)) json_object_set(r, "layout_offset", lo);
    if (json_is_integer(sp)) json_object_set(r, "stack_page_offset", sp);
    return r;
}
