#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "report.h"

void sb__report_console_context(FILE *f, json_t *ctx)
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

static void put_row(FILE *f, const struct sb__record *r, int width)
{
    char name[320];
    sb__record_name(r, name, sizeof name);
    fprintf(f, "%-*s ", width, name);
    if (r->status == SB_RECORD_ERROR) {
        fprintf(f, "ERROR OCCURRED: '%s'\n", r->message);
        return;
    }
    if (r->status == SB_RECORD_SKIPPED) {
        fprintf(f, "SKIPPED: '%s'\n", r->message);
        return;
    }
    bool pct = r->kind == SB_RECORD_AGGREGATE && r->aggregate == SB_AGG_CV;
    if (pct)
        fprintf(f, "%10.2f %%   %10.2f %%   ", r->real_ns * 100, r->cpu_ns * 100);
    else {
        put_time(f, r->real_ns);
        fprintf(f, " %-4s ", "ns");
        put_time(f, r->cpu_ns);
        fprintf(f, " %-4s ", "ns");
    }
    fprintf(f, "%10llu", (unsigned long long)r->iterations);
    for (size_t k = 0; k < r->n_counters; k++) {
        const struct sb__counter_value *c = &r->counters[k];
        fprintf(f, " %s=", c->def->name);
        if (pct)
            fprintf(f, "%.2f%%", c->value * 100);
        else {
            put_human(f, c->value);
            if (c->def->kind == SB_COUNTER_RATE) fputs("/s", f);
        }
    }
    fputc('\n', f);
}

void sb__report_console(FILE *f, const struct sb__records *rows)
{
    int width = 10;
    char name[320];
    for (size_t i = 0; i < rows->n; i++) {
        sb__record_name(&rows->v[i], name, sizeof name);
        int l = (int)strlen(name);
        if (l > width) width = l;
    }
    int total = width + 52;
    char dashes[600];
    if (total > (int)sizeof dashes - 1) total = (int)sizeof dashes - 1;
    memset(dashes, '-', (size_t)total);
    dashes[total] = '\0';
    fprintf(f, "%s\n%-*s %13s %15s %12s UserCounters...\n%s\n", dashes, width, "Benchmark", "Time",
            "CPU", "Iterations", dashes);
    for (size_t i = 0; i < rows->n; i++) put_row(f, &rows->v[i], width);
}

int sb__report_write(FILE *f, enum sb__format fmt, json_t *ctx, const struct sb__records *rows)
{
    switch (fmt) {
    case SB_FMT_JSON:
        return sb__report_json(f, ctx, rows);
    case SB_FMT_CSV:
        return sb__report_csv(f, rows);
    case SB_FMT_CONSOLE:
        sb__report_console(f, rows);
        return ferror(f) ? -1 : 0;
    }
    return -1;
}
