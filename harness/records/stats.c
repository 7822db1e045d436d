#include "stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double compute(enum sb__aggregate a, double *v, size_t n)
{
    switch (a) {
    case SB_AGG_MEAN:
        return gsl_stats_mean(v, 1, n);
    case SB_AGG_MEDIAN:
        return gsl_stats_median(v, 1, n); /* sorts v */
    case SB_AGG_STDDEV:
        return gsl_stats_sd(v, 1, n); /* n - 1, as Google Benchmark */
    case SB_AGG_CV: {
        double m = gsl_stats_mean(v, 1, n);
        /* Google Benchmark divides by the mean even when it is 0 and writes
         * NaN; strict JSON has no NaN, so a zero mean gives a cv of 0. */
        return m != 0 ? gsl_stats_sd(v, 1, n) / m : 0;
    }
    }
    return 0;
}

/* The measured repetitions, by pointer. */
struct measured {
    const struct sb__record **v;
    size_t n;
};

enum figure { FIG_REAL, FIG_CPU, FIG_COUNTER };

static double figure_of(const struct sb__record *r, enum figure f, const struct sb__counter_def *c)
{
    if (f == FIG_REAL) return r->real_ns;
    if (f == FIG_CPU) return r->cpu_ns;
    const double *v = sb__record_counter(r, c);
    return v ? *v : 0; /* a repetition without it counts as 0, as Google Benchmark */
}

static double aggregate_of(const struct measured *m, enum sb__aggregate a, enum figure f,
                           const struct sb__counter_def *c, double *scratch)
{
    for (size_t i = 0; i < m->n; i++) scratch[i] = figure_of(m->v[i], f, c);
    return compute(a, scratch, m->n);
}

/* One aggregate record: the first repetition's identity, label and
 * iteration count; each figure over every measured repetition. */
static void aggregate_record(struct sb__record *g, const struct measured *m, enum sb__aggregate a,
                             double *scratch)
{
    const struct sb__record *first = m->v[0];
    memset(g, 0, sizeof *g);
    g->in = first->in;
    g->kind = SB_RECORD_AGGREGATE;
    g->aggregate = a;
    g->status = SB_RECORD_MEASURED;
    g->repetitions = first->repetitions;
    g->sampling = first->sampling;
    g->iterations = first->iterations;
    g->real_ns = aggregate_of(m, a, FIG_REAL, NULL, scratch);
    g->cpu_ns = aggregate_of(m, a, FIG_CPU, NULL, scratch);
    for (size_t k = 0; k < first->n_counters; k++) {
        const struct sb__counter_def *c = first->counters[k].def;
        sb__record_set_counter(g, c, aggregate_of(m, a, FIG_COUNTER, c, scratch));
    }
    memcpy(g->label, first->label, sizeof g->label);
}

int sb__stats_aggregate(const struct sb__records *reps, struct sb__records *out)
{
    struct measured m = {malloc((reps->n ? reps->n : 1) * sizeof(const struct sb__record *)), 0};
    double *scratch = malloc((reps->n ? reps->n : 1) * sizeof *scratch);
    struct sb__record *g = malloc(sizeof *g);
    int rc = m.v && scratch && g ? 0 : -1;
    /* The undisturbed repetitions; when fewer than two are left, every
     * measured one (the records still say which were disturbed). */
    for (size_t i = 0; rc == 0 && i < reps->n; i++)
        if (reps->v[i].status == SB_RECORD_MEASURED && !reps->v[i].disturbed[0])
            m.v[m.n++] = &reps->v[i];
    if (m.n < 2) {
        m.n = 0;
        for (size_t i = 0; rc == 0 && i < reps->n; i++)
            if (reps->v[i].status == SB_RECORD_MEASURED) m.v[m.n++] = &reps->v[i];
    }
    for (int a = SB_AGG_MEAN; rc == 0 && m.n >= 2 && a <= SB_AGG_CV; a++) {
        aggregate_record(g, &m, (enum sb__aggregate)a, scratch);
        rc = sb__records_push(out, g);
    }
    free(g);
    free(scratch);
    free(m.v);
    return rc;
}

/* By repetition index; records of one index keep the order they came in. */
struct ordered {
    const struct sb__record *r;
    size_t arrival;
};

static int by_repetition(const void *a, const void *b)
{
    const struct ordered *x = a, *y = b;
    int i = x->r->repetition_index, j = y->r->repetition_index;
    if (i != j) return (i > j) - (i < j);
    return (x->arrival > y->arrival) - (x->arrival < y->arrival);
}

int sb__stats_collect(const struct sb__records *per_instance, size_t n, struct sb__records *rows)
{
    for (size_t i = 0; i < n; i++) {
        const struct sb__records *reps = &per_instance[i];
        struct ordered *sorted = malloc((reps->n ? reps->n : 1) * sizeof *sorted);
        if (!sorted) return -1;
        for (size_t j = 0; j < reps->n; j++) sorted[j] = (struct ordered){&reps->v[j], j};
        qsort(sorted, reps->n, sizeof *sorted, by_repetition);
        int rc = 0;
        for (size_t j = 0; rc == 0 && j < reps->n; j++) rc = sb__records_push(rows, sorted[j].r);
        free(sorted);
        if (rc != 0 || sb__stats_aggregate(reps, rows) != 0) return -1;
    }
    return 0;
}

/* P(X < k) for X ~ Binomial(n, 1/2): the chance that fewer than k of n
 * samples fall below the median. */
static double below(size_t n, size_t k)
{
    return k == 0 ? 0 : gsl_cdf_binomial_P((unsigned)(k - 1), 0.5, (unsigned)n);
}

double sb__stats_median_halfwidth(double *v, size_t n)
{
    if (n < 2) return INFINITY;
    gsl_sort(v, 1, n);
    double med = gsl_stats_median_from_sorted_data(v, 1, n);
    /* The widest k whose [x(k), x(n+1-k)] still covers the median with
     * 95 %, as scripts/sbreport/interval.py: coverage 1 - 2 P(X < k). */
    size_t k = 1;
    while (k + 1 <= (n + 1) / 2 && 1 - 2 * below(n, k + 1) >= 0.95) k++;
    if (1 - 2 * below(n, k) < 0.95 || med == 0) return INFINITY;
    double lo = v[k - 1], hi = v[n - k];
    double w = fmax(med - lo, hi - med);
    return w / fabs(med);
}
