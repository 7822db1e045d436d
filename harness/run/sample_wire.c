#include "sample_wire.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The machine's deltas (disturbance.h): their numbers, by name. */
static const struct {
    const char *name;
    size_t offset;
} MACHINE_FIELDS[] = {
    {"wall_ns", offsetof(struct sb__machine_delta, wall_ns)},
    {"busy_ns", offsetof(struct sb__machine_delta, busy_ns)},
    {"busy_unit_ns", offsetof(struct sb__machine_delta, busy_unit_ns)},
    {"own_ns", offsetof(struct sb__machine_delta, own_ns)},
    {"kthreads_ns", offsetof(struct sb__machine_delta, kthreads_ns)},
    {"steal_ns", offsetof(struct sb__machine_delta, steal_ns)},
    {"steal_unit_ns", offsetof(struct sb__machine_delta, steal_unit_ns)},
    {"run_delay_ns", offsetof(struct sb__machine_delta, run_delay_ns)},
    {"migrations", offsetof(struct sb__machine_delta, migrations)},
    {"nivcsw", offsetof(struct sb__machine_delta, nivcsw)},
};
#define N_MACHINE_FIELDS (sizeof MACHINE_FIELDS / sizeof *MACHINE_FIELDS)

static json_t *machine_to_json(const struct sb__machine_delta *m)
{
    json_t *j = json_pack("{s:i, s:i, s:b}", "ncpus", m->ncpus, "runnable", m->runnable, "one_cpu",
                          m->one_cpu);
    for (size_t i = 0; j && i < N_MACHINE_FIELDS; i++) {
        double v;
        memcpy(&v, (const char *)m + MACHINE_FIELDS[i].offset, sizeof v);
        json_object_set_new(j, MACHINE_FIELDS[i].name, json_real(v));
    }
    return j;
}

/* The deltas back; measured stays false unless every field is there. */
static void machine_from_json(json_t *j, struct sb__machine_delta *m)
{
    memset(m, 0, sizeof *m);
    if (!json_is_object(j) || !json_is_integer(json_object_get(j, "ncpus")) ||
        !json_is_integer(json_object_get(j, "runnable")))
        return;
    for (size_t i = 0; i < N_MACHINE_FIELDS; i++) {
        json_t *v = json_object_get(j, MACHINE_FIELDS[i].name);
        if (!json_is_number(v)) return;
        double x = json_number_value(v);
        memcpy((char *)m + MACHINE_FIELDS[i].offset, &x, sizeof x);
    }
    m->ncpus = (int)json_integer_value(json_object_get(j, "ncpus"));
    m->runnable = (int)json_integer_value(json_object_get(j, "runnable"));
    m->one_cpu = json_is_true(json_object_get(j, "one_cpu"));
    m->measured = m->ncpus > 0;
}

json_t *sb__sample_to_json(int rep, const struct sb__sample *s)
{
    json_t *counters = json_object();
    for (int i = 0; i < s->ncounters; i++) {
        json_t *v = json_real(s->counters[i].value); /* NULL for NaN and infinities */
        if (v) json_object_set_new(counters, s->counters[i].name, v);
    }
    json_t *line = json_pack("{s:i, s:I, s:f, s:f, s:s, s:o}", "rep", rep, "iterations",
                             (json_int_t)s->iterations, "real_ns", s->real_ns, "cpu_ns", s->cpu_ns,
                             "cpus_used", s->cpus_used, "counters", counters);
    if (!line) return NULL;
    if (s->note[0]) json_object_set_new(line, "note", json_string(s->note));
    if (s->system[0]) json_object_set_new(line, "system", json_string(s->system));
    if (s->laid_out) {
        json_object_set_new(line, "layout_offset", json_integer(s->layout_offset));
        json_object_set_new(line, "stack_page_offset", json_integer(s->stack_page_offset));
    }
    if (s->machine.measured) json_object_set_new(line, "machine", machine_to_json(&s->machine));
    return line;
}

/* A string field into a fixed buffer: false when present and not a
 * string, or too long for it. */
static bool take_text(json_t *line, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(line, key);
    if (!v) return true;
    const char *t = json_string_value(v);
    return t && snprintf(buf, len, "%s", t) < (int)len;
}

static bool take_counters(json_t *counters, struct sb__sample *s)
{
    if (!json_is_object(counters)) return false;
    const char *key;
    json_t *v;
    json_object_foreach(counters, key, v)
    {
        if (!json_is_number(v) || s->ncounters == SB_MAX_COUNTERS ||
            strlen(key) >= sizeof s->counters[0].name)
            return false;
        snprintf(s->counters[s->ncounters].name, sizeof s->counters[0].name, "%s", key);
        s->counters[s->ncounters++].value = json_number_value(v);
    }
    return true;
}

int sb__sample_from_json(json_t *line, int *rep, struct sb__sample *s)
{
    memset(s, 0, sizeof *s);
    json_t *r = json_object_get(line, "rep"), *it = json_object_get(line, "iterations"),
           *real = json_object_get(line, "real_ns"), *cpu = json_object_get(line, "cpu_ns"),
           *lo = json_object_get(line, "layout_offset"),
           *sp = json_object_get(line, "stack_page_offset");
    if (!json_is_integer(r) || !json_is_integer(it) || json_integer_value(it) < 0 ||
        !json_is_number(real) || !json_is_number(cpu))
        return -1;
    *rep = (int)json_integer_value(r);
    s->iterations = (uint64_t)json_integer_value(it);
    s->real_ns = json_number_value(real);
    s->cpu_ns = json_number_value(cpu);
    if (!take_text(line, "cpus_used", s->cpus_used, sizeof s->cpus_used) ||
        !take_text(line, "note", s->note, sizeof s->note) ||
        !take_text(line, "system", s->system, sizeof s->system) ||
        !take_counters(json_object_get(line, "counters"), s))
        return -1;
    s->laid_out = json_is_integer(lo) && json_is_integer(sp);
    s->layout_offset = (uint32_t)json_integer_value(lo);
    s->stack_page_offset = (uint32_t)json_integer_value(sp);
    machine_from_json(json_object_get(line, "machine"), &s->machine);
    return 0;
}
