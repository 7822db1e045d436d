/* The counter registry (counter_list.h) as data: look a name up, walk
 * every line. */
#ifndef SB_COUNTERS_H
#define SB_COUNTERS_H

#include <jansson.h>
#include <stddef.h>

#include "counter_list.h"

/* How many lines the registry has: a record holds each counter at most
 * once, so this bounds a record's counters at compile time. */
#define SB__COUNTER_ID(id, unit, kind, better, meaning) SB__COUNTER_##id,
enum { SB_COUNTER_LIST(SB__COUNTER_ID) SB_N_COUNTERS };

enum sb__counter_kind {
    SB_COUNTER_RATE,
    SB_COUNTER_LATENCY,
    SB_COUNTER_TIME,
    SB_COUNTER_SIZE,
    SB_COUNTER_COUNT,
    SB_COUNTER_RATIO
};
enum sb__counter_better { SB_COUNTER_HIGHER, SB_COUNTER_LOWER, SB_COUNTER_NEITHER };

struct sb__counter_def {
    const char *name;
    const char *unit;
    enum sb__counter_kind kind;
    enum sb__counter_better better;
    const char *meaning;
};

extern const struct sb__counter_def sb__counters[];
extern const size_t sb__n_counters;

/* The line for `name`, or NULL when no line has it. */
const struct sb__counter_def *sb__counter_find(const char *name);
/* The words the JSON gives a kind and a direction ("rate", "higher"). */
const char *sb__counter_kind_word(enum sb__counter_kind k);
const char *sb__counter_better_word(enum sb__counter_better b);

/* Every line as a JSON array of {name, unit, kind, better, meaning}: the
 * same array in --describe and in each run's context. */
json_t *sb__counters_json(void);

#endif
