#include <math.h>
#include <string.h>

#include "report.h"
#include "stats.h"

void sb_report_console_context(FILE *f, json_t *ctx)
{
    fprintf(f, "%s\n", json_string_value(json_object_get(ctx, "date")));
    fprintf(f, "Run on (%lld X %lld MHz CPU s)\n",
            (long long)json_integer_value(json_object_get(ctx, "num_cpus")),
            (long long)json_integer_value(json_object_get(ctx, "mhz_per_cpu")));
    json_t *caches = json_object_get(ctx, "caches");
    if (json_array_size(caches)) {
        fprintf(f, "CPU Caches:\n");
        size_t i;
        json_t *c;
        json_array_foreach(caches, i, c)
        {
            long long size = (long long)json_integer_value(json_object_get(c, "size"));
            const char *unit = "KiB";
            double v = (double)size / 1024;
            if (v >= 1024) v /= 1024, unit = "MiB";
            fprintf(f, "  L%lld %s %g %s (x%lld)\n",
                    (long long)json_integer_value(json_object_get(c, "level")),
                    json_string_value(json_object_get(c, "type")), v, unit,
                    (long long)(json_integer_value(json_object_get(ctx, "num_cpus")) /
                                (json_integer_value(json_object_get(c, "num_sharing")) ?: 1)));
        }
    }
    json_t *la = json_object_get(ctx, "load_avg");
    fprintf(f, "Load Average: %.2f, %.2f, %.2f\n", json_number_value(json_array_get(la, 0)),
            json_number_value(json_array_get(la, 1)), json_number_value(json_array_get(la, 2)));
    fprintf(f, "%s; %s; placement %s on cpus %s\n",
            json_string_value(json_object_get(ctx, "virtualization")),
            json_string_value(json_object_get(ctx, "clocksource")),
            json_string_value(json_object_get(ctx, "placement")),
            json_string_value(json_object_get(ctx, "cpus")));
}

/* As Google Benchmark: ten columns for the number, fewer decimals as it grows. */
static void put_time(FILE *f, double t)
{
    if (t < 1.0)
        fprintf(f, "%10.3f", t);
    else if (t < 10.0)
        fprintf(f, "%10.2f", t);
    else if (t < 100.0)
        fprintf(f, "%10.1f", t);
    else if (t > 9999999999.0)
        fprintf(f, "%1.4e", t);
    else
        fprintf(f, "%10.0f", t);
}

static void put_human(FILE *f, double v)
{
    static const char *const si[] = {"", "k", "M", "G", "T", "P"};
    int e = 0;
    while (fabs(v) >= 1000 && e < 5) v /= 1000, e++;
    fprintf(f, "%.4g%s", v, si[e]);
}

void sb_report_console(FILE *f, json_t *rows)
{
    int width = 10;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        int l = (int)strlen(json_string_value(json_object_get(r, "name")));
        if (l > width) width = l;
    }
    int total = width + 52;
    char dashes[600];
    if (total > (int)sizeof dashes - 1) total = (int)sizeof dashes - 1;
    memset(dashes, '-', (size_t)total);
    dashes[total] = '\0';
    fprintf(f, "%s\n%-*s %13s %15s %12s UserCounters...\n%s\n", dashes, width, "Benchmark", "Time",
            "CPU", "Iterations", dashes);
    json_array_foreach(rows, i, r)
    {
        fprintf(f, "%-*s ", width, json_string_value(json_object_get(r, "name")));
        if (json_is_true(json_object_get(r, "error_occurred"))) {
            fprintf(f, "ERROR OCCURRED: '%s'\n",
                    json_string_value(json_object_get(r, "error_message")));
            continue;
        }
        if (json_is_true(json_object_get(r, "skipped"))) {
            fprintf(f, "SKIPPED: '%s'\n", json_string_value(json_object_get(r, "skip_message")));
            continue;
        }
        const char *unit = json_string_value(json_object_get(r, "time_unit"));
        int pct = json_is_string(json_object_get(r, "aggregate_unit")) &&
                  !strcmp(json_string_value(json_object_get(r, "aggregate_unit")), "percentage");
        double rt = json_number_value(json_object_get(r, "real_time"));
        double ct = json_number_value(json_object_get(r, "cpu_time"));
        if (pct)
            fprintf(f, "%10.2f %%   %10.2f %%   ", rt * 100, ct * 100);
        else {
            put_time(f, rt);
            fprintf(f, " %-4s ", unit);
            put_time(f, ct);
            fprintf(f, " %-4s ", unit);
        }
        fprintf(f, "%10lld", (long long)json_integer_value(json_object_get(r, "iterations")));
        const char *key;
        json_t *v;
        json_object_foreach(r, key, v)
        {
            if (!sb_stats_is_counter(key, v)) continue;
            fprintf(f, " %s=", key);
            if (pct)
                fprintf(f, "%.2f%%", json_number_value(v) * 100);
            else {
                put_human(f, json_number_value(v));
                if (strstr(key, "per_second")) fputs("/s", f);
            }
        }
        fputc('\n', f);
    }
}

int sb_report_write(FILE *f, enum sb_format fmt, json_t *ctx, json_t *rows)
{
    switch (fmt) {
    case SB_FMT_JSON:
        return sb_report_json(f, ctx, rows);
    case SB_FMT_CSV:
        return sb_report_csv(f, rows);
    case SB_FMT_CONSOLE:
        sb_report_console(f, rows);
        return ferror(f) ? -1 : 0;
    }
    return -1;
}
