#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb__records_push(struct sb__records *rs, const struct sb__record *r)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        struct sb__record *v = realloc(rs->v, cap * sizeof *v);
        if (!v) return -1;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = *r;
    return 0;
}

void sb__records_free(struct sb__records *rs)
{
    free(rs->v);
    *rs = (struct sb__records){0};
}

const double *sb__record_counter(const struct sb__record *r, const struct sb__counter_def *def)
{
    for (size_t i = 0; i < r->n_counters; i++)
        if (r->counters[i].def == def) return &r->counters[i].value;
    return NULL;
}

void sb__record_set_counter(struct sb__record *r, const struct sb__counter_def *def, double value)
{
    for (size_t i = 0; i < r->n_counters; i++) {
        if (r->counters[i].def == def) {
            r->counters[i].value = value;
            return;
        }
    }
    /* Each registered counter once at most: the array has a slot for each. */
    r->counters[r->n_counters++] = (struct sb__counter_value){def, value};
}

const char *sb__aggregate_name(enum sb__aggregate a)
{
    static const char *const names[] = {"mean", "median", "stddev", "cv"};
    return names[a];
}

const char *sb__aggregate_unit(enum sb__aggregate a)
{
    return a == SB_AGG_CV ? "percentage" : "time";
}

void sb__record_name(const struct sb__record *r, char *buf, size_t len)
{
    if (r->kind == SB_RECORD_AGGREGATE)
        snprintf(buf, len, "%s_%s", r->in->name, sb__aggregate_name(r->aggregate));
    else
        snprintf(buf, len, "%s", r->in->name);
}

/* What the label says about stack guards: from the counters the engine
 * reported (how many stacks got a guard page), else from the policy asked
 * for. */
static void guard_words(const struct sb__record *r, enum sb_stack_guard guard, char *buf,
                        size_t len)
{
    const double *g = sb__record_counter(r, sb__counter_find("stacks_guarded")),
                 *u = sb__record_counter(r, sb__counter_find("stacks_unguarded"));
    buf[0] = '\0';
    if (g && u) {
        if (*u == 0)
            snprintf(buf, len, "; stack guard page");
        else if (*g == 0)
            snprintf(buf, len, "; no stack guard");
        else
            snprintf(buf, len, "; stack guard page on %.0f of %.0f stacks (vm.max_map_count)", *g,
                     *g + *u);
    } else if ((r->in->engine->caps & SB_CAP_OWN_STACKS) && guard == SB_GUARD_NONE) {
        snprintf(buf, len, "; no stack guard");
    }
}

/* The label: [system; ]mechanism; FPU contract[; workers][; guard];
 * placement on cpu LIST[; note]. */
static void set_label(struct sb__record *r, enum sb_stack_guard guard, const char *system,
                      const char *cpus_used, const char *note)
{
    const struct sb__instance *in = r->in;
    char workers[32] = "", guards[128];
    if (in->workers > 1) snprintf(workers, sizeof workers, "; %u workers", in->workers);
    guard_words(r, guard, guards, sizeof guards);
    snprintf(r->label, sizeof r->label, "%.160s%s%s; %s%s%s; %s on cpu %s%s%s", system,
             *system ? "; " : "", in->engine->mechanism, in->engine->fpu, workers, guards,
             in->placement == SB_SPREAD ? "spread" : "pack", cpus_used, *note ? "; " : "", note);
}

static void start(struct sb__record *r, const struct sb__instance *in, int repetitions, int rep)
{
    /* Field by field: a whole-struct compound literal would build a
     * 2.5 KB temporary on the stack first. */
    memset(r, 0, sizeof *r);
    r->in = in;
    r->kind = SB_RECORD_ITERATION;
    r->repetitions = repetitions;
    r->repetition_index = rep;
}

void sb__record_unmeasured(struct sb__record *r, const struct sb__instance *in, int repetitions,
                           enum sb_stack_guard guard, int rep, const char *msg, bool skipped)
{
    start(r, in, repetitions, rep);
    r->status = skipped ? SB_RECORD_SKIPPED : SB_RECORD_ERROR;
    snprintf(r->message, sizeof r->message, "%s", msg);
    set_label(r, guard, "", "-", "");
}

/* Why a sample cannot be a measured record, in `why`; false when it can. */
static bool unfit_sample(const struct sb__instance *in, const struct sb__sample *s,
                         struct sb_err *why)
{
    if (s->iterations == 0 || !(s->real_ns > 0) || !isfinite(s->real_ns) || !isfinite(s->cpu_ns)) {
        sb_err_set(why, "the benchmark reported an empty or non-finite measurement");
        return true;
    }
    /* A counter the registry does not list would reach the record
     * unexplained (a reference's program names its counters itself). */
    for (int i = 0; i < s->ncounters; i++) {
        const struct sb__counter_def *def = sb__counter_find(s->counters[i].name);
        if (!def) {
            sb_err_set(why,
                       "the benchmark reported counter '%.40s', which is not a number in the "
                       "counter registry (harness/records/counter_list.h)",
                       s->counters[i].name);
            return true;
        }
        /* A rate, latency, time, size or count below zero is a measurement
         * that went backwards (memory per task from a peak below the
         * baseline, when memory was freed elsewhere in the run): an error
         * with its figure, never a median. */
        if (def->kind != SB_COUNTER_RATIO && s->counters[i].value < 0) {
            sb_err_set(why,
                       "the benchmark measured %s = %.4g %s, and a %s cannot be negative: the "
                       "measurement went backwards (for memory: the figure with the tasks alive "
                       "was below the one before them)",
                       def->name, s->counters[i].value, def->unit,
                       sb__counter_kind_word(def->kind));
            return true;
        }
    }
    if (!sb__counter_find(in->workload->rate_counter)) {
        sb_err_set(why, "the workload's rate counter '%.40s' is not in the counter registry",
                   in->workload->rate_counter);
        return true;
    }
    return false;
}

void sb__record_measured(struct sb__record *r, const struct sb__instance *in, int repetitions,
                         enum sb_stack_guard guard, int rep, const struct sb__sample *s)
{
    struct sb_err why = {""};
    if (unfit_sample(in, s, &why)) {
        sb__record_unmeasured(r, in, repetitions, guard, rep, why.msg, false);
        return;
    }
    start(r, in, repetitions, rep);
    r->status = SB_RECORD_MEASURED;
    r->iterations = s->iterations;
    r->real_ns = s->real_ns / (double)s->iterations;
    r->cpu_ns = s->cpu_ns / (double)s->iterations;
    sb__record_set_counter(r, sb__counter_find(in->workload->rate_counter),
                           (double)s->iterations / (s->real_ns / 1e9));
    for (int i = 0; i < s->ncounters; i++)
        sb__record_set_counter(r, sb__counter_find(s->counters[i].name), s->counters[i].value);
    snprintf(r->cpus_used, sizeof r->cpus_used, "%s", s->cpus_used[0] ? s->cpus_used : "?");
    /* An external reference names its system's versions itself, first; a
     * note from the harness (how kernel memory was measured) ends it. */
    set_label(r, guard, s->system, r->cpus_used, s->note);
    /* The layout the repetition ran under (references' programs: none). */
    r->has_layout = s->laid_out;
    r->layout_offset = s->layout_offset;
    r->stack_page_offset = s->stack_page_offset;
    r->machine = s->machine;
}

/* Appends a reason to r's disturbed text and its label. */
static void mark_disturbed(struct sb__record *r, const char *why, const char *short_why)
{
    size_t used = strlen(r->disturbed);
    snprintf(r->disturbed + used, sizeof r->disturbed - used, "%s%s", used ? "; " : "", why);
    used = strlen(r->label);
    snprintf(r->label + used, sizeof r->label - used, "; DISTURBED: %s", short_why);
}

void sb__record_judge_machine(struct sb__record *r, double bound)
{
    sb__disturbance_judge(&r->machine, bound > 0 ? bound : 1e300, &r->dist);
    if (r->status == SB_RECORD_MEASURED && r->dist.disturbed)
        mark_disturbed(r, r->dist.why, "other work on its CPUs");
}

void sb__record_disturbed(struct sb__record *r, double stopped_s)
{
    char why[160], brief[64];
    snprintf(why, sizeof why,
             "the benchmark process was stopped for %.2f s (SIGSTOP or Ctrl-Z) during this "
             "repetition",
             stopped_s);
    snprintf(brief, sizeof brief, "stopped %.2f s", stopped_s);
    mark_disturbed(r, why, brief);
}
