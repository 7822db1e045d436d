#include "stats.h"

#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

static const char *const sb_gb_fields[] = {
    "family_index",
    "per_family_instance_index",
    "repetitions",
    "repetition_index",
    "threads",
    "iterations",
    "real_time",
    "cpu_time",
    /* Where a repetition ran (layout.h): a fact of that repetition, not a
     * figure to average. */
    "layout_offset",
    "stack_page_offset",
    /* What ran (record.c's typed identity), not a measurement. */
    "workers",
    NULL,
};

int sb_stats_is_counter(const char *key, json_t *value)
{
    if (!json_is_number(value)) return 0;
    for (size_t i = 0; sb_gb_fields[i]; i++)
        if (strcmp(key, sb_gb_fields[i]) == 0) return 0;
    return 1;
}

enum agg { AGG_MEAN, AGG_MEDIAN, AGG_STDDEV, AGG_CV };
static const char *const agg_names[] = {"mean", "median", "stddev", "cv"};

static double compute(enum agg a, double *v, size_t n)
{
    switch (a) {
    case AGG_MEAN:
        return gsl_stats_mean(v, 1, n);
    case AGG_MEDIAN:
        return gsl_stats_median(v, 1, n); /* sorts v */
    case AGG_STDDEV:
        return gsl_stats_sd(v, 1, n); /* n - 1, as Google Benchmark */
    case AGG_CV: {
        double m = gsl_stats_mean(v, 1, n);
        /* Google Benchmark divides by the mean even when it is 0 and writes
         * NaN; strict JSON has no NaN, so a zero mean gives a cv of 0. */
        return m != 0 ? gsl_stats_sd(v, 1, n) / m : 0;
    }
    }
    return 0;
}

static double aggregate_key(json_t *ok, const char *key, enum agg a, double *scratch)
{
    size_t n = json_array_size(ok);
    for (size_t i = 0; i < n; i++)
        scratch[i] = json_number_value(json_object_get(json_array_get(ok, i), key));
    return compute(a, scratch, n);
}

void sb_stats_aggregate(json_t *rows, json_t *out)
{
    json_t *ok = json_array();
    size_t idx;
    json_t *r;
    json_array_foreach(rows, idx, r)
    {
        if (!json_is_true(json_object_get(r, "error_occurred")) &&
            !json_is_true(json_object_get(r, "skipped")))
            json_array_append(ok, r);
    }
    size_t n = json_array_size(ok);
    if (n < 2) {
        json_decref(ok);
        return;
    }
    double *scratch = malloc(n * sizeof *scratch);
    json_t *first = json_array_get(ok, 0);
    struct sb_record_id id = sb_record_id_of(first);
    for (int a = AGG_MEAN; a <= AGG_CV; a++) {
        json_t *g = sb_record_aggregate(&id, agg_names[a]);
        sb_record_set_times(g, (uint64_t)json_integer_value(json_object_get(first, "iterations")),
                            aggregate_key(ok, "real_time", (enum agg)a, scratch),
                            aggregate_key(ok, "cpu_time", (enum agg)a, scratch));
        const char *key;
        json_t *v;
        json_object_foreach(first, key, v)
        {
            if (sb_stats_is_counter(key, v))
                json_object_set_new(g, key,
                                    json_real(aggregate_key(ok, key, (enum agg)a, scratch)));
        }
        json_t *label = json_object_get(first, "label");
        if (label) json_object_set(g, "label", label);
        /* The aggregate is of the same benchmark: its typed identity. */
        static const char *const identity[] = {"engine", "workload", "params", "workers",
                                               "placement"};
        for (size_t i = 0; i < sizeof identity / sizeof identity[0]; i++) {
            json_t *f = json_object_get(first, identity[i]);
            if (f) json_object_set(g, identity[i], f);
        }
        json_array_append_new(out, g);
    }
    free(scratch);
    json_decref(ok);
}

static int by_repetition(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "repetition_index"));
    json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "repetition_index"));
    return (x > y) - (x < y);
}

int sb_stats_collect(json_t *const *per_instance, size_t n, json_t *rows)
{
    for (size_t i = 0; i < n; i++) {
        size_t k = json_array_size(per_instance[i]);
        json_t **sorted = malloc((k ? k : 1) * sizeof(json_t *));
        if (!sorted) return -1;
        for (size_t j = 0; j < k; j++) sorted[j] = json_array_get(per_instance[i], j);
        qsort(sorted, k, sizeof(json_t *), by_repetition);
        for (size_t j = 0; j < k; j++) json_array_append(rows, sorted[j]);
        free(sorted);
        sb_stats_aggregate(per_instance[i], rows);
    }
    return 0;
}
