#include "counters.h"

#include <string.h>

#include "counter_list.h"

#define SB_COUNTER_DEF(id, unit, kind, better, meaning) \
    {#id, unit, SB_COUNTER_##kind, SB_COUNTER_##better, meaning},

const struct sb__counter_def sb__counters[] = {SB_COUNTER_LIST(SB_COUNTER_DEF)};
const size_t sb__n_counters = sizeof sb__counters / sizeof sb__counters[0];

const struct sb__counter_def *sb__counter_find(const char *name)
{
    for (size_t i = 0; i < sb__n_counters; i++)
        if (strcmp(sb__counters[i].name, name) == 0) return &sb__counters[i];
    return NULL;
}

const char *sb__counter_kind_word(enum sb__counter_kind k)
{
    static const char *const words[] = {"rate", "latency", "time", "size", "count", "ratio"};
    return words[k];
}

const char *sb__counter_better_word(enum sb__counter_better b)
{
    static const char *const words[] = {"higher", "lower", "neither"};
    return words[b];
}

json_t *sb__counters_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sb__n_counters; i++) {
        const struct sb__counter_def *c = &sb__counters[i];
        json_array_append_new(a,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", c->name, "unit",
                                        c->unit, "kind", sb__counter_kind_word(c->kind), "better",
                                        sb__counter_better_word(c->better), "meaning", c->meaning));
    }
    return a;
}
