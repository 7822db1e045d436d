#include <csv.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* Google Benchmark 1.8's CSV reporter, field for field: the fixed columns,
 * then one column per user counter (sorted, as its std::set orders them),
 * numbers at full precision instead of its six digits. */
static const char gb_csv_header[] = "name,iterations,real_time,cpu_time,time_unit,bytes_per_second,"
                                    "items_per_second,label,error_occurred,error_message";

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const struct sb__counter_def *const *)a)->name,
                  (*(const struct sb__counter_def *const *)b)->name);
}

static void put_quoted(FILE *f, const char *s) { csv_fwrite(f, s, strlen(s)); }

/* A counter's value, or an empty field when the record has none. */
static void put_counter(FILE *f, const struct sb__record *r, const struct sb__counter_def *c)
{
    const double *v = c ? sb__record_counter(r, c) : NULL;
    if (v) fprintf(f, "%.17g", *v);
}

/* The counter columns: every counter any record has, but Google
 * Benchmark's two fixed ones, sorted by name. Returns how many. */
static size_t counter_columns(const struct sb__records *rows, const struct sb__counter_def **cols)
{
    const struct sb__counter_def *items = sb__counter_find("items_per_second");
    size_t n = 0;
    for (size_t i = 0; i < rows->n; i++) {
        const struct sb__record *r = &rows->v[i];
        for (size_t k = 0; k < r->n_counters; k++) {
            const struct sb__counter_def *c = r->counters[k].def;
            size_t j = 0;
            while (j < n && cols[j] != c) j++;
            if (j == n && c != items) cols[n++] = c; /* n < SB_N_COUNTERS: each once */
        }
    }
    qsort(cols, n, sizeof(const struct sb__counter_def *), by_name);
    return n;
}

static void put_row(FILE *f, const struct sb__record *r, const struct sb__counter_def *const *cols,
                    size_t ncols)
{
    char name[320];
    sb__record_name(r, name, sizeof name);
    put_quoted(f, name);
    fputc(',', f);
    /* As Google Benchmark 1.8: a skipped record is error_occurred false
     * with its message in error_message. */
    if (r->status != SB_RECORD_MEASURED) {
        fputs(r->status == SB_RECORD_SKIPPED ? ",,,,,,,false," : ",,,,,,,true,", f);
        put_quoted(f, r->message);
        fputc('\n', f);
        return;
    }
    fprintf(f, "%llu,%.17g,%.17g,ns,", (unsigned long long)r->iterations, r->real_ns, r->cpu_ns);
    /* bytes_per_second: no workload counts bytes. */
    fputc(',', f);
    put_counter(f, r, sb__counter_find("items_per_second"));
    fputc(',', f);
    if (r->label[0]) put_quoted(f, r->label);
    fputs(",,", f);
    for (size_t k = 0; k < ncols; k++) {
        fputc(',', f);
        put_counter(f, r, cols[k]);
    }
    fputc('\n', f);
}

int sb__report_csv(FILE *f, const struct sb__records *rows)
{
    const struct sb__counter_def *cols[SB_N_COUNTERS] = {NULL};
    size_t n = counter_columns(rows, cols);
    fputs(gb_csv_header, f);
    for (size_t k = 0; k < n; k++) {
        fputc(',', f);
        put_quoted(f, cols[k]->name);
    }
    fputc('\n', f);
    for (size_t i = 0; i < rows->n; i++) put_row(f, &rows->v[i], cols, n);
    return ferror(f) ? -1 : 0;
}
