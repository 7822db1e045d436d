#include "cli.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sb_engine.h"
#include "sb_workload.h"

/* Every option once: the enum, getopt's table and --help are generated
 * from this list.
 *   OPTION(id, name, has_arg, shape, flags, help): shape is how --help
 *     writes the value; help lines are separated by '\n'.
 *   ALIAS(id, name, has_arg): another spelling, named at the end of --help.
 *   SECTION(title): a heading in --help. */
#define SB_STR_(x) #x
#define SB_STR(x)  SB_STR_(x)

enum {
    CLI_SELECTS = 1,  /* chooses what runs or how long: not the quick default run */
    CLI_LONG = 2,     /* a path: up to SB_MAX_PATH_ARG characters */
    CLI_EMPTY_OK = 4, /* an empty value means something */
    CLI_LIST = 8,     /* comma-separated: an empty item is refused, never skipped */
    CLI_WHERE = 16,   /* chooses where results are written (a cluster run decides that) */
};

#define SB_CLI_OPTIONS(OPTION, ALIAS, SECTION)                                                     \
    SECTION("Selection")                                                                           \
    OPTION(ENGINE, "engine", required_argument, "=LIST|all", CLI_SELECTS | CLI_LIST,               \
           "engines to run (comma-separated)")                                                     \
    ALIAS(ENGINE, "engines", required_argument)                                                    \
    OPTION(WORKLOAD, "workload", required_argument, "=LIST|all", CLI_SELECTS | CLI_LIST,           \
           "workloads to run (comma-separated)")                                                   \
    ALIAS(WORKLOAD, "workloads", required_argument)                                                \
    OPTION(FILTER, "filter", required_argument, "=REGEX", CLI_SELECTS,                             \
           "keep benchmarks whose full name matches (POSIX ERE;\n"                                 \
           "a leading '-' keeps those that do not match)")                                         \
    ALIAS(FILTER, "benchmark_filter", required_argument)                                           \
    OPTION(PARAM, "param", required_argument, " KEY=V[,V...]", CLI_SELECTS | CLI_LIST,             \
           "sweep a workload parameter (repeatable)")                                              \
    OPTION(LIST, "list", no_argument, "", CLI_EMPTY_OK,                                            \
           "print the names of the benchmarks that would run, and exit")                           \
    ALIAS(LIST, "benchmark_list_tests", optional_argument)                                         \
    OPTION(LIST_ENGINES, "list-engines", no_argument, "", 0,                                       \
           "print each engine: name, kind, capabilities; and exit")                                \
    OPTION(LIST_WORKLOADS, "list-workloads", no_argument, "", 0,                                   \
           "print each workload's name (self-tests too, marked), and exit")                        \
    OPTION(DESCRIBE, "describe", no_argument, "", 0,                                               \
           "print the registries as one JSON document (engines,\n"                                 \
           "workloads, what the other options select), and exit")                                  \
    SECTION("Measurement")                                                                         \
    OPTION(REPS, "repetitions", required_argument, "=N", CLI_SELECTS,                              \
           "repetitions per benchmark (default " SB_STR(SB_DEFAULT_REPETITIONS) "; quick " SB_STR( \
               SB_QUICK_REPETITIONS) ")")                                                          \
    ALIAS(REPS, "benchmark_repetitions", required_argument)                                        \
    OPTION(MIN_TIME, "min-time", required_argument, "=SECONDS", CLI_SELECTS,                       \
           "iterations grow until a repetition lasts this long\n"                                  \
           "(default " SB_STR(SB_DEFAULT_MIN_TIME) "; quick " SB_STR(                              \
               SB_QUICK_MIN_TIME) "); Nx runs exactly N iterations")                               \
    ALIAS(MIN_TIME, "benchmark_min_time", required_argument)                                       \
    OPTION(QUICK, "quick", no_argument, "", 0,                                                     \
           "fewer repetitions, shorter repetitions, small sweeps")                                 \
    OPTION(TINY, "tiny", no_argument, "", CLI_SELECTS,                                             \
           "every parameter at its smallest value, 1 repetition of\n"                              \
           "1 iteration: a smoke test of what the selection runs")                                 \
    OPTION(INTERLEAVE, "interleave", no_argument, "", 0,                                           \
           "the default: every repetition of every benchmark in its\n"                             \
           "own process, in one shuffled order, so that a slow phase\n"                            \
           "of the machine spreads over many benchmarks")                                          \
    OPTION(IN_ORDER, "in-order", no_argument, "", 0,                                               \
           "each benchmark's repetitions back to back in one\n"                                    \
           "process (for debugging: their spread is too narrow)")                                  \
    OPTION(SEED, "seed", required_argument, "=N", 0,                                               \
           "seed of the shuffled order (default: from the clock; the\n"                            \
           "run records it)")                                                                      \
    OPTION(LAYOUT, "layout", required_argument, "=random|fixed", 0,                                \
           "random (default): each repetition's stack starts at its\n"                             \
           "own offset within a page, so repetitions sample the\n"                                 \
           "layout; fixed: one layout for all (for debugging)")                                    \
    OPTION(LAYOUT_SEED, "layout-seed", required_argument, "=N", 0,                                 \
           "seed of the layouts (default: drawn; the run records it)")                             \
    OPTION(DISTURBANCE, "disturbance", required_argument, "=PCT|off", 0,                           \
           "a repetition during which other processes' CPU time or\n"                              \
           "the hypervisor's steal reached PCT % of its wall time,\n"                              \
           "or a lone pinned thread migrated, is disturbed: marked,\n"                             \
           "left out of figures and redone, at most as many again\n"                               \
           "(default " SB_STR(SB_DEFAULT_DISTURBANCE) "; off: nothing is read or marked)")         \
    OPTION(PRECISION, "precision", required_argument, "=PCT|off", 0,                               \
           "after the planned repetitions, add interleaved ones to\n"                              \
           "each benchmark whose median's 95 % interval is wider than\n"                           \
           "+-PCT % of it, until it is not or --budget is spent; stops\n"                          \
           "on the width, never on a verdict (default " SB_STR(                                    \
               SB_DEFAULT_PRECISION) " in the\n"                                                   \
                                     "quick default run, else off)")                               \
    OPTION(BUDGET, "budget", required_argument, "=SECONDS", 0,                                     \
           "the most time --precision may add (default " SB_STR(SB_DEFAULT_BUDGET) ")")            \
    OPTION(TIMEOUT, "timeout", required_argument, "=SECONDS", 0,                                   \
           "wall-clock limit per benchmark (default " SB_STR(SB_DEFAULT_TIMEOUT) ")")              \
    OPTION(CPUS, "cpus", required_argument, "=LIST", 0,                                            \
           "cores to use, e.g. 0,1 or 0-3 (default: every core this\n"                             \
           "process may run on, as taskset or cgroups allow)")                                     \
    OPTION(PLACEMENT, "placement", required_argument, "=pack|spread", 0,                           \
           "pack: all tasks on the first core; spread: round robin\n"                              \
           "(default: pack, but spread for cpu and with --workers)")                               \
    OPTION(STACK_SIZE, "stack-size", required_argument, "=BYTES", 0,                               \
           "coroutine and thread stack size, K/M suffixes (default " SB_STR(                       \
               SB_DEFAULT_STACK_KB) "K); under a page, coroutine\n"                                \
                                    "stacks share pages, with a canary below each instead of a\n"  \
                                    "guard page; threads get at least PTHREAD_STACK_MIN")          \
    OPTION(STACK_GUARD, "stack-guard", required_argument, "=auto|page|none", 0,                    \
           "page: a PROT_NONE page below each coroutine stack, so an\n"                            \
           "overflow is named; none: stacks merge into few mappings, the\n"                        \
           "way past vm.max_map_count for a million live coroutines;\n"                            \
           "auto (default): guard pages while the live stacks fit the\n"                           \
           "map limit with room to spare, plain stacks past it (the\n"                             \
           "record's label and stacks_guarded counter say what ran)")                              \
    OPTION(WORKERS, "workers", required_argument, "=N[,N...]", CLI_SELECTS | CLI_LIST,             \
           "coroutine engines: N schedulers on N pinned threads, tasks\n"                          \
           "dealt round robin (the M:N configuration; default 1, and\n"                            \
           "1 and <cores> for cpu; ref-goroutine: GOMAXPROCS)")                                    \
    SECTION("Load from another host (echo workloads; ./bench agent --help)")                       \
    OPTION(LOADGEN, "loadgen", required_argument, "=HOST:PORT", CLI_LONG,                          \
           "the echo load comes from the agent there (./bench agent\n"                             \
           "on the load host); the label names its host")                                          \
    OPTION(SERVER_ADDR, "server-addr", required_argument, "=ADDR", 0,                              \
           "IPv4 address the echo server listens on for the agent\n"                               \
           "(default: the one this host reaches the agent from)")                                  \
    OPTION(TOKEN_FILE, "token-file", required_argument, "=FILE", CLI_LONG,                         \
           "the agent's shared secret, first line of FILE")                                        \
    SECTION("Output")                                                                              \
    OPTION(FORMAT, "format", required_argument, "=console|json|csv", 0,                            \
           "what goes to standard output (default console)")                                       \
    ALIAS(FORMAT, "benchmark_format", required_argument)                                           \
    OPTION(OUT, "out", required_argument, "=FILE", CLI_LONG | CLI_WHERE,                           \
           "also write the results to FILE")                                                       \
    ALIAS(OUT, "benchmark_out", required_argument)                                                 \
    OPTION(OUT_FORMAT, "out-format", required_argument, "=json|csv|console", 0,                    \
           "format of --out (default json)")                                                       \
    ALIAS(OUT_FORMAT, "benchmark_out_format", required_argument)                                   \
    OPTION(RESULTS_DIR, "results-dir", required_argument, "=DIR",                                  \
           CLI_LONG | CLI_EMPTY_OK | CLI_WHERE,                                                    \
           "where runs are saved (default " SB_DEFAULT_RESULTS_DIR "; '' to skip)")                \
    OPTION(STRICT, "strict", no_argument, "", 0, "exit 1 when any record carries an error")        \
    OPTION(NO_REPORT, "no-report", no_argument, "", 0,                                             \
           "no charts and report: by default a run saved under\n"                                  \
           "--results-dir ends with report.html, report.md and charts/\n"                          \
           "in its directory (./bench report PATH... draws them for any\n"                         \
           "results file, or compares two)")                                                       \
    OPTION(HELP, "help", no_argument, "", 0, "print this help and exit")                           \
    OPTION(VERSION, "version", no_argument, "", 0, "print the version and exit")

#define CLI_NOTHING(...)
#define CLI_ENUM(id, ...) OPT_##id,
enum { OPT_FIRST_ = 255, SB_CLI_OPTIONS(CLI_ENUM, CLI_NOTHING, CLI_NOTHING) OPT_END_ };
enum { CLI_IDS = OPT_END_ - OPT_FIRST_ };

struct cli_option {
    const char *name; /* NULL: a section heading (in help) */
    int has_arg, id;
    const char *shape, *help; /* help NULL: an alias */
    unsigned flags;
};

#define CLI_ROW(id, name, has_arg, shape, flags, help) \
    {name, has_arg, OPT_##id, shape, help, flags},
#define CLI_ALIAS_ROW(id, name, has_arg) {name, has_arg, OPT_##id, "", NULL, 0},
#define CLI_SECTION_ROW(title)           {NULL, 0, 0, title, NULL, 0},
static const struct cli_option cli_table[] = {
    SB_CLI_OPTIONS(CLI_ROW, CLI_ALIAS_ROW, CLI_SECTION_ROW)};
enum { CLI_ROWS = sizeof cli_table / sizeof cli_table[0] };

/* The row that defines an option (not an alias). */
static const struct cli_option *cli_row(int id)
{
    for (size_t i = 0; i < CLI_ROWS; i++)
        if (cli_table[i].name && cli_table[i].help && cli_table[i].id == id) return &cli_table[i];
    return NULL;
}

/* The options that take a run out of the quick default, as --help lists them. */
static void usage_selecting(FILE *out)
{
    const char *sep = "";
    for (size_t i = 0; i < CLI_ROWS; i++) {
        if (!cli_table[i].help || !(cli_table[i].flags & CLI_SELECTS)) continue;
        fprintf(out, "%s--%s", sep, cli_table[i].name);
        sep = ", ";
    }
}

static void usage_options(FILE *out)
{
    enum { COLUMN = 26 };
    for (size_t i = 0; i < CLI_ROWS; i++) {
        const struct cli_option *r = &cli_table[i];
        if (!r->name) {
            fprintf(out, "%s:\n", r->shape);
            continue;
        }
        if (!r->help) continue;
        int w = fprintf(out, "  --%s%s", r->name, r->shape);
        /* The first help line beside the option when it fits, else below. */
        if (w > COLUMN - 2) {
            fputc('\n', out);
            w = 0;
        }
        for (const char *h = r->help; *h;) {
            const char *nl = strchr(h, '\n');
            int n = nl ? (int)(nl - h) : (int)strlen(h);
            fprintf(out, "%*s%.*s\n", COLUMN - w, "", n, h);
            w = 0;
            h += n + (nl != NULL);
        }
    }
}

static void usage_aliases(FILE *out)
{
    fprintf(out, "Other spellings, Google Benchmark's among them:\n ");
    int col = 1;
    for (size_t i = 0; i < CLI_ROWS; i++) {
        const struct cli_option *r = &cli_table[i];
        if (!r->name || r->help) continue;
        const struct cli_option *def = cli_row(r->id);
        char one[96];
        int n = snprintf(one, sizeof one, " --%s (--%s)", r->name, def ? def->name : "?");
        if (col > 1 && col + n > 88) {
            fprintf(out, "\n ");
            col = 1;
        }
        col += fprintf(out, "%s", one);
    }
    fprintf(out, "\n");
}

void sb__cli_usage(FILE *out)
{
    fprintf(out, "Usage: bench [OPTION]...\n"
                 "Measure what it costs to run many tasks as threads, processes or coroutines.\n"
                 "With no option that selects benchmarks or sets their length\n(");
    usage_selecting(out);
    fprintf(out,
            "):\nthe quick default run, every engine on every workload below at its quick sizes\n"
            "(processes and the ref- engines at the first of them; --list shows them all),\n"
            "plus what the report's claims need on two or more cores\n"
            "(pingpong across cores, cpu and echo with --workers=<cores>), %d repetitions\n"
            "of %g s, saved with its report under %s/. Other options apply to it too.\n\n",
            SB_QUICK_REPETITIONS, SB_QUICK_MIN_TIME, SB_DEFAULT_RESULTS_DIR);
    usage_options(out);
    usage_aliases(out);
    fprintf(out, "\nEngines:\n");
    for (size_t i = 0; i < sb_engine_count; i++)
        fprintf(out, "  %-14s %s\n", sb_engines[i]->name, sb_engines[i]->summary);
    fprintf(out, "\nWorkloads:\n");
    for (size_t i = 0; i < sb_workload_count; i++) {
        const struct sb_workload *w = sb_workloads[i];
        if (w->flags & SB_WL_HIDDEN) continue;
        fprintf(out, "  %-14s %s\n", w->name, w->summary);
        for (size_t p = 0; p < w->n_params; p++)
            fprintf(out, "  %-14s   --param %s=N: %s (%lld to %lld)\n", "", w->params[p].name,
                    w->params[p].help, w->params[p].min, w->params[p].max);
    }
    fprintf(
        out,
        "\nNames are family/engine[/param:value], as Google Benchmark's. JSON and CSV match\n"
        "Google Benchmark 1.8's reporters, so its compare.py reads them.\n"
        "A benchmark that fails (a limit reached, a crash, a timeout, a wrong count) becomes\n"
        "a record with error_occurred and the run goes on. A default size that this\n"
        "machine's limits (descriptors, processes, vm.max_map_count) cannot hold is a\n"
        "record with skipped and the limit named; a size you asked for is an error.\n"
        "Exit status: 0 the run completed and its files were written (with --strict: and no\n"
        "record carries an error); 1 otherwise; 2 bad usage; 130 interrupted (SIGINT, SIGTERM,\n"
        "SIGHUP or SIGQUIT: benchmark processes stopped, nothing written).\n"
        "Other commands: bench report, bench regress, bench history (each --help);\n"
        "bench agent --listen=ADDR:PORT runs the load host's side of --loadgen.\n");
}

static int parse_ll(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* Decimal only: strtod would also take hex floats, "inf" and "nan",
 * which no other number option accepts. */
static int parse_seconds(const char *s, double min, double max, double *out)
{
    if (!*s || strspn(s, "0123456789.eE+-") < strlen(s) - (s[strlen(s) - 1] == 's')) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s && *end == 's' && end[1] == '\0') end++; /* Google Benchmark writes 0.5s */
    if (errno || end == s || *end || !isfinite(v) || v < min || v > max) return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || s[0] == '-') return -1;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1024, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1024 * 1024, end++;
    if ((*end == 'i' || *end == 'I') && (end[1] == 'B' || end[1] == 'b'))
        end += 2;
    else if (*end == 'B' || *end == 'b')
        end++;
    if (*end || v == 0 || v > SB_MAX_STACK_SIZE / mul) return -1;
    *out = (size_t)(v * mul);
    return 0;
}

static int parse_format(const char *s, enum sb__format *f)
{
    if (strcmp(s, "console") == 0)
        *f = SB_FMT_CONSOLE;
    else if (strcmp(s, "json") == 0)
        *f = SB_FMT_JSON;
    else if (strcmp(s, "csv") == 0)
        *f = SB_FMT_CSV;
    else
        return -1;
    return 0;
}

static int parse_param(const char *arg, struct sb__options *o, struct sb_err *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) {
        sb_err_set(err, "--param: '%s' is not KEY=VALUE[,VALUE...]", arg);
        return -1;
    }
    if (o->n_params == SB_MAX_PARAM_ARGS) {
        sb_err_set(err, "--param: at most %d parameters", SB_MAX_PARAM_ARGS);
        return -1;
    }
    struct sb__param_arg *p = &o->params[o->n_params];
    size_t klen = (size_t)(eq - arg);
    if (klen >= sizeof p->key) {
        sb_err_set(err, "--param: key too long in '%s'", arg);
        return -1;
    }
    for (size_t i = 0; i < o->n_params; i++) {
        if (strlen(o->params[i].key) == klen && strncmp(o->params[i].key, arg, klen) == 0) {
            sb_err_set(err, "--param: '%.*s' given twice", (int)klen, arg);
            return -1;
        }
    }
    memcpy(p->key, arg, klen);
    p->key[klen] = '\0';
    p->n = 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", eq + 1);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (p->n == SB_MAX_PARAM_VALUES) {
            sb_err_set(err, "--param %s: at most %d values", p->key, SB_MAX_PARAM_VALUES);
            return -1;
        }
        if (parse_ll(tok, -(1LL << 62), 1LL << 62, &p->values[p->n]) != 0) {
            sb_err_set(err, "--param %s: '%s' is not a whole number", p->key, tok);
            return -1;
        }
        p->n++;
    }
    if (p->n == 0) {
        sb_err_set(err, "--param %s: no value", p->key);
        return -1;
    }
    o->n_params++;
    return 0;
}

/* Google Benchmark's boolean flags (commandlineflags.cc): an empty value,
 * and anything but false/no/off (any case) or one character of 0, f, n
 * or a non-alphanumeric, means true. */
static bool gbench_truthy(const char *v)
{
    if (strlen(v) == 1) return isalnum((unsigned char)v[0]) && !strchr("0fFnN", v[0]);
    return strcasecmp(v, "false") != 0 && strcasecmp(v, "no") != 0 && strcasecmp(v, "off") != 0;
}

/* N, N-M, comma-separated: hwloc's list parser would also read "-1" (an
 * open range) and stray text its own way. */
static bool cpu_list_ok(const char *s)
{
    for (;;) {
        if (!isdigit((unsigned char)*s)) return false;
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        s = end;
        if (*s == '-') {
            if (!isdigit((unsigned char)s[1])) return false;
            hi = strtoul(s + 1, &end, 10);
            s = end;
        }
        if (hi < lo || hi >= 65536) return false;
        if (*s == '\0') return true;
        if (*s++ != ',') return false;
    }
}

/* The defaults the parse starts from; repetitions and min_time stay
 * unset (-1) until the run's kind is known (sb__cli_parse's end). */
static void set_defaults(struct sb__options *o)
{
    memset(o, 0, sizeof *o);
    o->repetitions = -1;
    o->min_time = -1;
    o->timeout = SB_DEFAULT_TIMEOUT;
    o->disturbance = SB_DEFAULT_DISTURBANCE / 100.0;
    o->precision = -1;
    o->budget = SB_DEFAULT_BUDGET;
    o->stack_size = SB_DEFAULT_STACK_KB * 1024;
    o->stack_guard = SB_GUARD_AUTO;
    o->workers[0] = 1;
    o->n_workers = 1;
    o->results_dir = SB_DEFAULT_RESULTS_DIR;
    o->out_format = SB_FMT_JSON;
    o->seed = (unsigned)time(NULL);
    /* Interleaved by default: on this machine kind a few-ns figure
     * switches between levels for seconds at a time (a predictor mode,
     * not the layout: docs/design.md), and back-to-back repetitions all
     * land in one phase, so their spread understates the uncertainty. */
    o->interleave = true;
    /* The layout seed is recorded in the run, so it need not be strong:
     * distinct for runs started together (the pid) or a second apart. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    o->layout_seed =
        ((uint64_t)ts.tv_sec * 1000000007u) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
}

/* --tiny, the quick default run (nothing selected) and --quick change the
 * defaults of what was not given. */
static void resolve_defaults(struct sb__options *o)
{
    if (o->tiny) {
        if (o->repetitions < 0) o->repetitions = 1;
        if (o->min_time < 0 && o->fixed_iterations == 0) o->fixed_iterations = 1, o->min_time = 0;
    }
    if (!o->selects) o->quick = true;
    if (o->repetitions < 0)
        o->repetitions = o->quick ? SB_QUICK_REPETITIONS : SB_DEFAULT_REPETITIONS;
    if (o->min_time < 0) o->min_time = o->quick ? SB_QUICK_MIN_TIME : SB_DEFAULT_MIN_TIME;
    /* The target is the quick default run's (what a reader runs first);
     * a selection keeps the repetitions it asked for unless it asks. */
    if (o->precision < 0)
        o->precision =
            (!o->selects && !o->tiny) || o->precision_set ? SB_DEFAULT_PRECISION / 100.0 : 0;
}

/* The checks every value meets before its option reads it: a length that
 * fits its buffer, not empty unless the option says so, and no empty item
 * in a list. 0, or -1 with err set. */
static int check_value(const char *opt, const char *v, unsigned flags, struct sb_err *err)
{
    if (!v) return 0;
    /* Lists and values are copied into fixed buffers further on: a longer
     * one is refused here, never cut short silently. */
    size_t max_len = (flags & CLI_LONG) ? SB_MAX_PATH_ARG : SB_MAX_VALUE_ARG;
    if (strlen(v) > max_len) {
        sb_err_set(err, "--%s: the value is %zu characters long; at most %zu are accepted", opt,
                   strlen(v), max_len);
        return -1;
    }
    if (!*v && !(flags & CLI_EMPTY_OK)) {
        sb_err_set(err, "--%s: empty value", opt);
        return -1;
    }
    /* strtok_r would skip the empty item of "asm," or "2,,3" and run the
     * rest as if nothing were missing. */
    if ((flags & CLI_LIST) &&
        (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,") || strstr(v, "=,"))) {
        sb_err_set(err, "--%s: '%s' has an empty item in its list", opt, v);
        return -1;
    }
    return 0;
}

/* Options that only set a field: 1 when `c` is one of them. */
static int apply_setting(int c, const char *a, const char *optarg_, struct sb__options *o)
{
    switch (c) {
    case OPT_ENGINE:
        o->engines = a;
        break;
    case OPT_WORKLOAD:
        o->workloads = a;
        break;
    case OPT_FILTER:
        o->filter = a;
        break;
    case OPT_RESULTS_DIR:
        o->results_dir = a;
        break;
    case OPT_LOADGEN:
        o->loadgen = a;
        break;
    case OPT_SERVER_ADDR:
        o->server_addr = a;
        break;
    case OPT_TOKEN_FILE:
        o->token_file = a;
        break;
    case OPT_LIST:
        o->list = !optarg_ || gbench_truthy(optarg_);
        break;
    case OPT_LIST_ENGINES:
        o->list_engines = true;
        break;
    case OPT_LIST_WORKLOADS:
        o->list_workloads = true;
        break;
    case OPT_DESCRIBE:
        o->describe = true;
        break;
    case OPT_TINY:
        o->tiny = true;
        break;
    case OPT_INTERLEAVE:
        o->interleave = true;
        break;
    case OPT_IN_ORDER:
        o->interleave = false;
        break;
    case OPT_QUICK:
        o->quick = true;
        break;
    case OPT_STRICT:
        o->strict = true;
        break;
    case OPT_NO_REPORT:
        o->no_report = true;
        break;
    case OPT_HELP:
        o->help = true;
        break;
    case OPT_VERSION:
        o->version = true;
        break;
    default:
        return 0;
    }
    return 1;
}

/* --min-time: seconds, or Google Benchmark's Nx (exactly N iterations). */
static int parse_min_time(const char *a, struct sb__options *o, struct sb_err *err)
{
    long long ll;
    if (*a && a[strlen(a) - 1] == 'x') {
        char num[64];
        snprintf(num, sizeof num, "%.*s", (int)(strlen(a) - 1), a);
        if (parse_ll(num, 1, 1000000000000LL, &ll) != 0) {
            sb_err_set(err, "--min-time: '%s' is not a count of iterations such as 1000x", a);
            return -1;
        }
        o->fixed_iterations = (unsigned long long)ll;
        o->min_time = 0;
        return 0;
    }
    if (parse_seconds(a, 0, 3600, &o->min_time) != 0) {
        sb_err_set(err, "--min-time: '%s' is not a number of seconds from 0 to 3600", a);
        return -1;
    }
    return 0;
}

/* --workers=N[,N...]: each from 1 to 1024. */
static int parse_workers(const char *a, struct sb__options *o, struct sb_err *err)
{
    char buf[SB_MAX_VALUE_ARG + 1];
    snprintf(buf, sizeof buf, "%s", a);
    char *save = NULL;
    long long ll;
    o->n_workers = 0;
    o->workers_set = true;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (o->n_workers == SB_MAX_PARAM_VALUES || parse_ll(tok, 1, 1024, &ll) != 0) {
            sb_err_set(err, "--workers: '%s' is not a list of whole numbers from 1 to 1024", a);
            return -1;
        }
        o->workers[o->n_workers++] = (unsigned)ll;
    }
    if (o->n_workers == 0) {
        sb_err_set(err, "--workers: no value");
        return -1;
    }
    return 0;
}

/* A whole number in [min, max] into *out, or -1 with err naming the range. */
static int whole(const char *opt, const char *a, long long min, long long max, long long *out,
                 struct sb_err *err)
{
    if (parse_ll(a, min, max, out) == 0) return 0;
    sb_err_set(err, "--%s: '%s' is not a whole number from %lld to %lld", opt, a, min, max);
    return -1;
}

/* Options that read a number: 1 when `c` is one of them, 0 when not, -1
 * with err set when the value is out of its range. */
static int apply_number(int c, const char *a, struct sb__options *o, struct sb_err *err)
{
    long long ll;
    switch (c) {
    case OPT_REPS:
        if (whole("repetitions", a, 1, 100000, &ll, err) != 0) return -1;
        o->repetitions = (int)ll;
        return 1;
    case OPT_MIN_TIME:
        return parse_min_time(a, o, err) == 0 ? 1 : -1;
    case OPT_WORKERS:
        return parse_workers(a, o, err) == 0 ? 1 : -1;
    case OPT_TIMEOUT:
        if (parse_seconds(a, 0.001, 86400, &o->timeout) == 0) return 1;
        sb_err_set(err, "--timeout: '%s' is not a number of seconds from 0.001 to 86400", a);
        return -1;
    case OPT_DISTURBANCE:
    case OPT_PRECISION: {
        double pct = 0;
        const char *opt = c == OPT_DISTURBANCE ? "disturbance" : "precision";
        if (strcmp(a, "off") != 0 && (parse_seconds(a, 0.01, 100, &pct) != 0)) {
            sb_err_set(err, "--%s: '%s' is not a percentage from 0.01 to 100, or off", opt, a);
            return -1;
        }
        if (c == OPT_DISTURBANCE) {
            o->disturbance = pct / 100;
        } else {
            o->precision = pct / 100;
            o->precision_set = true;
        }
        return 1;
    }
    case OPT_BUDGET:
        o->precision_set = true;
        if (parse_seconds(a, 0, 86400, &o->budget) == 0) return 1;
        sb_err_set(err, "--budget: '%s' is not a number of seconds from 0 to 86400", a);
        return -1;
    case OPT_SEED:
        if (whole("seed", a, 0, 0xffffffffLL, &ll, err) != 0) return -1;
        o->seed = (unsigned)ll;
        return 1;
    case OPT_LAYOUT_SEED:
        if (whole("layout-seed", a, 0, LLONG_MAX, &ll, err) != 0) return -1;
        o->layout_seed = (uint64_t)ll;
        return 1;
    case OPT_STACK_SIZE:
        if (parse_size(a, &o->stack_size) == 0 && o->stack_size >= 1024) return 1;
        sb_err_set(err, "--stack-size: '%s' is not a size from 1K to 1G (e.g. 65536, 64K, 1M)", a);
        return -1;
    default:
        return 0;
    }
}

/* `a` as one of the words `names` (NULL-terminated): its index, or -1 with
 * err listing them. */
static int one_of(const char *opt, const char *a, const char *const *names, struct sb_err *err)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(a, names[i]) == 0) return i;
    sb_err_set(err, "--%s: '%s' is not %s", opt, a, names[0]);
    for (int i = 1; names[i]; i++) sb_err_add(err, "%s%s", names[i + 1] ? ", " : " or ", names[i]);
    return -1;
}

/* Options that read a word, a list or a name: 1 when `c` is one of them,
 * 0 when not, -1 with err set when the value is not one it takes. */
static int apply_choice(int c, const char *a, struct sb__options *o, struct sb_err *err)
{
    static const char *const placements[] = {"pack", "spread", NULL},
                             *const formats[] = {"console", "json", "csv", NULL},
                             *const layouts[] = {"random", "fixed", NULL},
                             *const guards[] = {"auto", "page", "none", NULL};
    int i;
    switch (c) {
    case OPT_PARAM:
        return parse_param(a, o, err) == 0 ? 1 : -1;
    case OPT_CPUS:
        if (!cpu_list_ok(a)) {
            sb_err_set(err, "--cpus: '%s' is not a CPU list such as 0,1 or 0-3", a);
            return -1;
        }
        o->cpus = a;
        return 1;
    case OPT_OUT:
        o->out = a;
        return 1;
    case OPT_PLACEMENT:
        if ((i = one_of("placement", a, placements, err)) < 0) return -1;
        o->placement_set = true;
        o->placement = i == 0 ? SB_PACK : SB_SPREAD;
        return 1;
    case OPT_FORMAT:
    case OPT_OUT_FORMAT:
        if (parse_format(a, c == OPT_FORMAT ? &o->format : &o->out_format) == 0) return 1;
        (void)one_of(c == OPT_FORMAT ? "format" : "out-format", a, formats, err);
        return -1;
    case OPT_LAYOUT:
        if ((i = one_of("layout", a, layouts, err)) < 0) return -1;
        o->layout_fixed = i == 1;
        return 1;
    case OPT_STACK_GUARD:
        if ((i = one_of("stack-guard", a, guards, err)) < 0) return -1;
        o->stack_guard = i == 0 ? SB_GUARD_AUTO : i == 1 ? SB_GUARD_PAGE : SB_GUARD_NONE;
        return 1;
    default:
        return 0;
    }
}

static bool where_listed(const struct sb__options *o, const char *name)
{
    for (unsigned i = 0; i < o->n_where; i++)
        if (strcmp(o->where_given[i], name) == 0) return true;
    return o->n_where >= sizeof o->where_given / sizeof *o->where_given;
}

/* Options that undo each other: refused, never decided by their order. */
static int contradiction(const bool *given, const struct sb__options *o, struct sb_err *err)
{
#define GIVEN(id) given[OPT_##id - OPT_FIRST_]
    const char *why = NULL;
    if (GIVEN(IN_ORDER) && GIVEN(INTERLEAVE))
        why = "--in-order and --interleave contradict each other: give one";
    else if (o->layout_fixed && GIVEN(LAYOUT_SEED))
        why = "--layout-seed draws the repetitions' layouts, and --layout=fixed turns them off: "
              "give one";
#undef GIVEN
    if (!why) return 0;
    sb_err_set(err, "%s", why);
    return -1;
}

/* getopt's table: every row of cli_table but the section headings. */
static void getopt_table(struct option *longopts)
{
    size_t n = 0;
    for (size_t i = 0; i < CLI_ROWS; i++)
        if (cli_table[i].name)
            longopts[n++] =
                (struct option){cli_table[i].name, cli_table[i].has_arg, NULL, cli_table[i].id};
    longopts[n] = (struct option){NULL, 0, NULL, 0};
}

int sb__cli_parse(int argc, char **argv, struct sb__options *o, struct sb_err *err)
{
    set_defaults(o);
    struct option longopts[CLI_ROWS + 1];
    getopt_table(longopts);
    opterr = 0;
    optind = 1;
    int c, li = -1;
    bool min_time_set = false, given[CLI_IDS] = {false};
    while ((c = getopt_long(argc, argv, ":", longopts, &li)) != -1) {
        if (c == ':' || c == '?') {
            sb_err_set(err,
                       c == ':' ? "option '%s' needs a value" : "unknown option '%s' (see --help)",
                       argv[optind - 1]);
            return -1;
        }
        const char *a = optarg ? optarg : ""; /* set for every option that takes a value */
        const char *opt = li >= 0 ? longopts[li].name : "?";
        li = -1;
        const struct cli_option *row = cli_row(c);
        unsigned flags = row ? row->flags : 0;
        if (flags & CLI_SELECTS) o->selects = true;
        if (c == OPT_MIN_TIME) min_time_set = true;
        if (c > OPT_FIRST_ && c < OPT_END_) given[c - OPT_FIRST_] = true;
        if ((flags & CLI_WHERE) && !where_listed(o, row->name))
            o->where_given[o->n_where++] = row->name;
        if (check_value(opt, optarg, flags, err) != 0) return -1;
        int done = apply_setting(c, a, optarg, o);
        if (!done) done = apply_number(c, a, o, err);
        if (!done) done = apply_choice(c, a, o, err);
        if (done == 0) sb_err_set(err, "--%s: an option the parser does not handle", opt);
        if (done <= 0) return -1;
    }
    if (optind < argc) {
        sb_err_set(err, "unexpected argument '%s' (see --help)", argv[optind]);
        return -1;
    }
    if ((o->help || o->version) && !o->describe) return 1;
    if (contradiction(given, o, err) != 0) return -1;
    if ((o->server_addr || o->token_file) && !o->loadgen) {
        sb_err_set(err, "--%s needs --loadgen=HOST:PORT (the agent it is for)",
                   o->server_addr ? "server-addr" : "token-file");
        return -1;
    }
    resolve_defaults(o);
    long page = sysconf(_SC_PAGESIZE);
    if (o->stack_guard == SB_GUARD_PAGE && page > 0 && o->stack_size < (size_t)page) {
        sb_err_set(err,
                   "--stack-guard=page needs --stack-size of a page (%ld bytes) or more: stacks "
                   "under a page share pages and have a canary instead",
                   page);
        return -1;
    }
    if (min_time_set && !o->fixed_iterations && o->min_time >= o->timeout) {
        sb_err_set(
            err,
            "--min-time %g s is not shorter than --timeout %g s: every benchmark would time out",
            o->min_time, o->timeout);
        return -1;
    }
    return 0;
}
