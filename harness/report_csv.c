#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "stats.h"

/* Google Benchmark 1.8's CSV reporter, field for field: the fixed columns,
 * then one column per user counter (sorted, as its std::set orders them),
 * numbers at full precision instead of its six digits. */
static const char sb_csv_header[] = "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,"
                                    "items_per_second,label,error_occurred,error_message";

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void put_quoted(FILE *f, const char *s) { csv_fwrite(f, s, strlen(s)); }

static void put_number(FILE *f, json_t *v)
{
    if (json_is_integer(v))
        fprintf(f, "%lld", (long long)json_integer_value(v));
    else if (json_is_number(v))
        fprintf(f, "%.17g", json_number_value(v));
}

int sb_report_csv(FILE *f, json_t *rows)
{
    /* The counter columns: every user counter any record has. */
    size_t cap = 16, n = 0;
    const char **names = malloc(cap * sizeof *names);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *key;
        json_t *v;
        json_object_foreach(r, key, v)
        {
            if (!sb_stats_is_counter(key, v) || !strcmp(key, "bytes_per_second") ||
                !strcmp(key, "items_per_second"))
                continue;
            size_t k = 0;
            while (k < n && strcmp(names[k], key) != 0) k++;
            if (k < n) continue;
            if (n == cap) {
                const char **nn = realloc(names, (cap *= 2) * sizeof *names);
                if (!nn) {
                    free(names);
                    return -1;
                }
                names = nn;
            }
            names[n++] = key;
        }
    }
    qsort(names, n, sizeof *names, cmp_str);
    fputs(sb_csv_header, f);
    for (size_t k = 0; k < n; k++) {
        fputc(',', f);
        put_quoted(f, names[k]);
    }
    fputc('\n', f);
    json_array_foreach(rows, i, r)
    {
        put_quoted(f, json_string_value(json_object_get(r, "name")));
        fputc(',', f);
        /* As Google Benchmark 1.8: a skipped record is error_occurred
         * false with its message in error_message. */
        bool skipped = json_is_true(json_object_get(r, "skipped"));
        if (skipped || json_is_true(json_object_get(r, "error_occurred"))) {
            fputs(skipped ? ",,,,,,,false," : ",,,,,,,true,", f);
            put_quoted(f, json_string_value(
                              json_object_get(r, skipped ? "skip_message" : "error_message")));
            fputc('\n', f);
            continue;
        }
        put_number(f, json_object_get(r, "iterations"));
        fputc(',', f);
        put_number(f, json_object_get(r, "real_time"));
        fputc(',', f);
        put_number(f, json_object_get(r, "cpu_time"));
        fprintf(f, ",%s,", json_string_value(json_object_get(r, "time_unit")));
        put_number(f, json_object_get(r, "bytes_per_second"));
        fputc(',', f);
        put_number(f, json_object_get(r, "items_per_second"));
        fputc(',', f);
        const char *label = json_string_value(json_object_get(r, "label"));
        if (label && *label) put_quoted(f, label);
        fputs(",,", f);
        for (size_t k = 0; k < n; k++) {
            fputc(',', f);
            put_number(f, json_object_get(r, names[k]));
        }
        fputc('\n', f);
    }
    free(names);
    return ferror(f) ? -1 : 0;
}
