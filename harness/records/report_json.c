#include <math.h>
#include <stdio.h>

#include "report.h"

/* Google Benchmark 1.8's fields, in its order: what names the record. */
static json_t *gb_identity(const struct sb__record *r)
{
    char name[320];
    sb__record_name(r, name, sizeof name);
    const struct sb__instance *in = r->in;
    json_t *j =
        json_pack("{s:s, s:i, s:i, s:s, s:s, s:i}", "name", name, "family_index", in->family_index,
                  "per_family_instance_index", in->per_family_instance_index, "run_name", in->name,
                  "run_type", r->kind == SB_RECORD_AGGREGATE ? "aggregate" : "iteration",
                  "repetitions", r->repetitions);
    if (!j) return NULL;
    if (r->kind == SB_RECORD_ITERATION)
        json_object_set_new(j, "repetition_index", json_integer(r->repetition_index));
    json_object_set_new(j, "threads", json_integer(1));
    if (r->kind == SB_RECORD_AGGREGATE) {
        json_object_set_new(j, "aggregate_name", json_string(sb__aggregate_name(r->aggregate)));
        json_object_set_new(j, "aggregate_unit", json_string(sb__aggregate_unit(r->aggregate)));
    }
    return j;
}

/* How the instance was sampled beyond its plan: the median's 95 %
 * half-width reached (null when too few repetitions gave none), against
 * the --precision target (0: none asked), and what was added. */
static json_t *sampling_json(const struct sb__record *r)
{
    json_t *j =
        json_pack("{s:f, s:i, s:i}", "precision_target", r->sampling.target, "repetitions_added",
                  r->sampling.added, "disturbed_redone", r->sampling.redone);
    if (!j) return NULL;
    json_object_set_new(j, "half_width",
                        isfinite(r->sampling.width) ? json_real(r->sampling.width) : json_null());
    if (r->sampling.target > 0)
        json_object_set_new(j, "precision_met",
                            json_boolean(r->sampling.width <= r->sampling.target));
    return j;
}

/* What else the machine did during a repetition: the judged shares (a
 * fraction of its wall time, lower bounds) and what they came from. */
static json_t *machine_json(const struct sb__record *r)
{
    const struct sb__machine_delta *m = &r->machine;
    json_t *j = json_pack("{s:f, s:f, s:f, s:i, s:i, s:f, s:f}", "foreign_cpu", r->dist.foreign,
                          "steal", r->dist.steal, "involuntary_switches", m->nivcsw, "cpus",
                          m->ncpus, "runnable", m->runnable, "busy_resolution_ns", m->busy_unit_ns,
                          "steal_resolution_ns", m->steal_unit_ns);
    if (j && m->wall_ns > 0 && m->ncpus > 0)
        json_object_set_new(j, "kernel_threads",
                            json_real(m->kthreads_ns / (m->wall_ns * m->ncpus)));
    if (j && r->dist.run_delay >= 0)
        json_object_set_new(j, "run_delay", json_real(r->dist.run_delay));
    if (j && m->migrations >= 0) json_object_set_new(j, "cpu_migrations", json_real(m->migrations));
    return j;
}

/* What the record is, as typed fields beside Google Benchmark's (which
 * allow extra keys): readers take the engine, workload and parameters
 * from here instead of splitting the name. */
static void set_identity(json_t *j, const struct sb__instance *in)
{
    json_object_set_new(j, "engine", json_string(in->engine->name));
    json_object_set_new(j, "workload", json_string(in->workload->name));
    json_t *params = json_object();
    for (size_t i = 0; i < in->workload->n_params; i++)
        json_object_set_new(params, in->workload->params[i].name,
                            json_integer((json_int_t)in->params[i]));
    json_object_set_new(j, "params", params);
    json_object_set_new(j, "workers", json_integer((json_int_t)in->workers));
    json_object_set_new(j, "placement",
                        json_string(in->placement == SB_SPREAD ? "spread" : "pack"));
    json_object_set_new(j, "placement_natural", json_boolean(in->placement_natural));
}

static json_t *record_json(const struct sb__record *r)
{
    json_t *j = gb_identity(r);
    if (!j) return NULL;
    if (r->status != SB_RECORD_MEASURED) {
        bool skipped = r->status == SB_RECORD_SKIPPED;
        json_object_set_new(j, skipped ? "skipped" : "error_occurred", json_true());
        json_object_set_new(j, skipped ? "skip_message" : "error_message", json_string(r->message));
    }
    json_object_set_new(j, "iterations", json_integer((json_int_t)r->iterations));
    json_object_set_new(j, "real_time", json_real(r->real_ns));
    json_object_set_new(j, "cpu_time", json_real(r->cpu_ns));
    json_object_set_new(j, "time_unit", json_string("ns"));
    for (size_t i = 0; i < r->n_counters; i++) {
        /* jansson gives NULL for NaN and infinities: such a value is left
         * out rather than written as a lie. */
        json_t *v = json_real(r->counters[i].value);
        if (v) json_object_set_new(j, r->counters[i].def->name, v);
    }
    json_object_set_new(j, "label", json_string(r->label));
    set_identity(j, r->in);
    if (r->kind == SB_RECORD_AGGREGATE && r->aggregate == SB_AGG_MEDIAN)
        json_object_set_new(j, "sampling", sampling_json(r));
    if (r->kind == SB_RECORD_ITERATION && r->status == SB_RECORD_MEASURED) {
        json_object_set_new(j, "cpus_used", json_string(r->cpus_used));
        if (r->has_layout) {
            json_object_set_new(j, "layout_offset", json_integer(r->layout_offset));
            json_object_set_new(j, "stack_page_offset", json_integer(r->stack_page_offset));
        }
        if (r->disturbed[0]) json_object_set_new(j, "disturbed", json_string(r->disturbed));
        if (r->machine.measured) json_object_set_new(j, "machine", machine_json(r));
    }
    return j;
}

int sb__report_json(FILE *f, json_t *ctx, const struct sb__records *rows)
{
    json_t *benchmarks = json_array();
    for (size_t i = 0; benchmarks && i < rows->n; i++) {
        json_t *j = record_json(&rows->v[i]);
        if (!j || json_array_append_new(benchmarks, j) != 0) {
            json_decref(benchmarks);
            return -1;
        }
    }
    json_t *doc = json_pack("{s:O, s:o}", "context", ctx, "benchmarks", benchmarks);
    if (!doc) return -1;
    /* jansson refuses NaN and Infinity outright, so the output is strict JSON. */
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc == 0) rc = fputc('\n', f) == EOF ? -1 : 0;
    return rc;
}
