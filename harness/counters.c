#include "counters.h"

#include <string.h>

#include "counter_list.h"

#define SB_COUNTER_DEF(id, unit, kind, better, meaning) \
    {#id, unit, SB_COUNTER_##kind, SB_COUNTER_##better, meaning},

const struct sb_counter_def sb_counters[] = {SB_COUNTER_LIST(SB_COUNTER_DEF)};
const size_t sb_n_counters = sizeof sb_counters / sizeof sb_counters[0];

const struct sb_counter_def *sb_counter_find(const char *name)
{
    for (size_t i = 0; i < sb_n_counters; i++)
        if (strcmp(sb_counters[i].name, name) == 0) return &sb_counters[i];
    return NULL;
}

const char *sb_counter_kind_word(enum sb_counter_kind k)
{
    static const char *const words[] = {"rate", "latency", "time", "size", "count", "ratio"};
    return words[k];
}

const char *sb_counter_better_word(enum sb_counter_better b)
{
    static const char *const words[] = {"higher", "lower", "neither"};
    return words[b];
}

json_t *sb_counters_json(void)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sb_n_counters; i++) {
        const struct sb_counter_def *c = &sb_counters[i];
        json_array_append_new(a,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", c->name, "unit",
                                        c->unit, "kind", sb_counter_kind_word(c->kind), "better",
                                        sb_counter_better_word(c->better), "meaning", c->meaning));
    }
    return a;
}
