/* Command-line options (getopt_long), with Google Benchmark's spellings
 * accepted as aliases. Parsing never exits: it fills a one-line message. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "sb_err.h"

/* Where tasks go (--placement): pack on the first chosen core, or spread
 * round robin over them (machine/pin.c applies it). */
enum sb__placement { SB_PACK = 0, SB_SPREAD = 1 };

#define SB_MAX_PARAM_ARGS 8
#define SB_MAX_VALUE_ARG  1023 /* characters in a list or value */
#define SB_MAX_PATH_ARG \
    4000 /* characters in --out and --results-dir (PATH_MAX less room for suffixes) */
#define SB_MAX_STACK_SIZE   (1ULL << 30)
#define SB_MAX_PARAM_VALUES 64

/* Defaults, in one place: the parser applies them and --help prints them. */
#define SB_DEFAULT_REPETITIONS 10
/* Six: the fewest repetitions whose minimum and maximum bound the median
 * at 95 % (order statistics), so that the quick run's claims can be
 * decided rather than left inconclusive (scripts/sbreport/interval.py). */
#define SB_QUICK_REPETITIONS 6
#define SB_DEFAULT_MIN_TIME  0.2 /* seconds */
#define SB_QUICK_MIN_TIME    0.05
#define SB_DEFAULT_TIMEOUT   120 /* seconds */
/* A repetition is disturbed when other processes' CPU time or the
 * hypervisor's steal reached 5 % of its wall time (at least: readings lag
 * by a tick), or a lone pinned thread migrated (records/disturbance.h).
 * 5 %, not less: on a quiet machine (this VM kind, nothing else running)
 * spawn/threads at 10,000 tasks shows 3.7-4.9 % that no process of ours
 * and no kernel thread accounts for, and every other benchmark under 2 %;
 * a CPU hog on each core shows 25 % and more. */
#define SB_DEFAULT_DISTURBANCE 5 /* percent */
/* The quick default run adds repetitions to every benchmark whose 95 %
 * interval of the median is wider than +-3 % of it, for at most 60 s. */
#define SB_DEFAULT_PRECISION   3  /* percent half-width */
#define SB_DEFAULT_BUDGET      60 /* seconds */
#define SB_DEFAULT_STACK_KB    64
#define SB_DEFAULT_RESULTS_DIR "results"

enum sb__format { SB_FMT_CONSOLE, SB_FMT_JSON, SB_FMT_CSV };

struct sb__param_arg {
    char key[64];
    long long values[SB_MAX_PARAM_VALUES];
    size_t n;
};

struct sb__options {
    const char *engines;   /* comma list or "all"; NULL: every engine */
    const char *workloads; /* comma list or "all"; NULL: every workload not hidden */
    const char *filter;    /* POSIX ERE on full names; leading '-' inverts */
    struct sb__param_arg params[SB_MAX_PARAM_ARGS];
    size_t n_params;
    int repetitions;
    double min_time;
    unsigned long long fixed_iterations; /* --min-time=Nx: exactly N iterations, no growth */
    const char *cpus;
    enum sb__placement placement;
    bool placement_set; /* else: per workload (pack, or spread for independent tasks and --workers)
                         */
    enum sb__format format;
    const char *out;
    enum sb__format out_format;
    double timeout;
    double disturbance; /* fraction of a repetition's wall time; 0: marks nothing */
    double precision;   /* target half-width of the median's 95 % interval, a fraction; 0: none */
    double budget;      /* seconds the precision target may add */
    size_t stack_size;
    int stack_guard; /* enum sb_stack_guard (default SB_GUARD_AUTO) */
    unsigned workers[SB_MAX_PARAM_VALUES];
    size_t n_workers;
    const char *results_dir; /* "" disables the results directory */
    const char *loadgen;     /* --loadgen HOST:PORT, NULL: load made here */
    const char *server_addr; /* --server-addr, NULL: from the hello */
    const char *token_file;  /* --token-file, NULL: no token */
    /* The options given that choose where results are written (--out,
     * --results-dir, by their names in --help, whatever the spelling):
     * --describe lists them, and a cluster run refuses them. */
    const char *where_given[4];
    unsigned seed;
    bool layout_fixed;    /* --layout=fixed: every repetition at offset 0 */
    uint64_t layout_seed; /* --layout-seed, else drawn at start */
    unsigned cores;       /* CPUs the run may use (set by main from the pinning) */
    unsigned n_where;     /* where_given's length */
    /* An option chose what runs or how long (--engine, --workload,
     * --filter, --param, --workers, --repetitions, --min-time): without
     * one, the run is the quick default. */
    bool selects;
    bool workers_set;   /* --workers given (else the quick run may add its own) */
    bool precision_set; /* --precision or --budget given (else the quick default run's own) */
    bool list, list_engines, list_workloads, describe, tiny, quick, interleave, help, version,
        strict, no_report;
};

/* 0: parsed, with every default resolved (repetitions and min_time from
 * --tiny, --quick or the quick default run); 1: parsed and the caller
 * should print help/version and exit 0; -1: bad input, message in err. */
int sb__cli_parse(int argc, char **argv, struct sb__options *o, struct sb_err *err);
void sb__cli_usage(FILE *out);

#endif
