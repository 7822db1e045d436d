/* Unit tests of the harness's pure functions: option parsing (sizes,
 * lists, counts), the plan's sweep and names, the aggregates, and the bare
 * loops' proof of work.
 *   test_units --list       the tests, one a line (CTest: units/<test>)
 *   test_units --test=NAME  run one; exit 0 pass, 1 fail */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/cli.h"
#include "../harness/counters.h"
#include "../harness/iterations.h"
#include "../harness/layout.h"
#include "../harness/plan.h"
#include "../harness/schedule.h"
#include "../harness/stats.h"
#include "sb_engine.h"

static int failures;

#define CHECK(cond)                                                \
    do {                                                           \
        if (!(cond)) {                                             \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                            \
        }                                                          \
    } while (0)

/* Parses a command line given as words; 0 on success. */
static int parse(struct sb_options *o, char *err, const char *const *words)
{
    char *argv[32] = {"switchbench"};
    int argc = 1;
    for (; words[argc - 1] && argc < 31; argc++) argv[argc] = (char *)words[argc - 1];
    argv[argc] = NULL;
    return sb_cli_parse(argc, argv, o, err, 256) < 0 ? -1 : 0;
}

#define PARSE(o, err, ...) parse((o), (err), (const char *const[]){__VA_ARGS__, NULL})

static void cli_sizes(void)
{
    struct sb_options o;
    char err[256];
    CHECK(PARSE(&o, err, "--stack-size=64K") == 0 && o.stack_size == 64 * 1024);
    CHECK(PARSE(&o, err, "--stack-size=1M") == 0 && o.stack_size == 1024 * 1024);
    CHECK(PARSE(&o, err, "--stack-size=2G") != 0 && strstr(err, "--stack-size"));
    CHECK(PARSE(&o, err, "--stack-size=abc") != 0);
    CHECK(PARSE(&o, err, "--stack-size=") != 0);
}

static void cli_counts_and_lists(void)
{
    struct sb_options o;
    char err[256];
    CHECK(PARSE(&o, err, "--workers=1,2") == 0 && o.n_workers == 2 && o.workers[0] == 1 &&
          o.workers[1] == 2 && o.workers_set && o.selects);
    CHECK(PARSE(&o, err, "--workers=0") != 0);
    CHECK(PARSE(&o, err, "--min-time=1000x") == 0 && o.fixed_iterations == 1000 && o.min_time == 0);
    CHECK(PARSE(&o, err, "--min-time=0.5") == 0 && o.min_time == 0.5 && o.fixed_iterations == 0);
    CHECK(PARSE(&o, err, "--min-time=inf") != 0);
    CHECK(PARSE(&o, err, "--min-time=0x1p3") != 0);
    CHECK(PARSE(&o, err, "--repetitions=3") == 0 && o.repetitions == 3);
    CHECK(PARSE(&o, err, "--repetitions=0") != 0);
    CHECK(PARSE(&o, err, "--param", "tasks=2,100") == 0 && o.n_params == 1 &&
          strcmp(o.params[0].key, "tasks") == 0 && o.params[0].n == 2 &&
          o.params[0].values[1] == 100);
    CHECK(PARSE(&o, err, "--cpus=-1") != 0);
    CHECK(PARSE(&o, err, "--bogus") != 0 && strstr(err, "unknown option"));
    CHECK(PARSE(&o, err, "--list") == 0 && o.list && !o.selects);
}

/* The defaults come from one place and the quick run, --tiny and aliases
 * resolve them. */
static void cli_defaults_and_spellings(void)
{
    struct sb_options o;
    char err[256];
    CHECK(PARSE(&o, err, "--cpus=0") == 0 && o.quick && !o.selects &&
          o.repetitions == SB_QUICK_REPETITIONS && o.min_time == SB_QUICK_MIN_TIME &&
          o.timeout == SB_DEFAULT_TIMEOUT && o.stack_size == SB_DEFAULT_STACK_KB * 1024 &&
          strcmp(o.results_dir, SB_DEFAULT_RESULTS_DIR) == 0);
    CHECK(PARSE(&o, err, "--engine=asm") == 0 && !o.quick && o.selects &&
          o.repetitions == SB_DEFAULT_REPETITIONS && o.min_time == SB_DEFAULT_MIN_TIME);
    CHECK(PARSE(&o, err, "--engine=asm", "--quick") == 0 && o.repetitions == SB_QUICK_REPETITIONS);
    CHECK(PARSE(&o, err, "--tiny") == 0 && o.repetitions == 1 && o.fixed_iterations == 1);
    /* Interleaved unless told otherwise; the later of the two options wins. */
    CHECK(PARSE(&o, err, "--engine=asm") == 0 && o.interleave);
    CHECK(PARSE(&o, err, "--in-order") == 0 && !o.interleave);
    CHECK(PARSE(&o, err, "--in-order", "--interleave") == 0 && o.interleave);
    CHECK(PARSE(&o, err, "--tiny", "--repetitions=2") == 0 && o.repetitions == 2);
    CHECK(PARSE(&o, err, "--benchmark_repetitions=4") == 0 && o.repetitions == 4 && o.selects);
    CHECK(PARSE(&o, err, "--engines=asm") == 0 && strcmp(o.engines, "asm") == 0);
    CHECK(PARSE(&o, err, "--benchmark_list_tests=false") == 0 && !o.list);
    CHECK(PARSE(&o, err, "--benchmark_list_tests") == 0 && o.list);
    CHECK(PARSE(&o, err, "--results-dir=") == 0 && strcmp(o.results_dir, "") == 0);
    CHECK(PARSE(&o, err, "--out=") != 0 && strstr(err, "empty value"));
    CHECK(PARSE(&o, err, "--min-time=5", "--timeout=5") != 0 && strstr(err, "--timeout"));
    /* --help prints every option the parser knows, and no unknown one. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sb_cli_usage(f);
    fclose(f);
    const char *const known[] = {"--engine=",
                                 "--workload=",
                                 "--filter=",
                                 "--param ",
                                 "--list ",
                                 "--list-engines",
                                 "--list-workloads",
                                 "--repetitions=",
                                 "--min-time=",
                                 "--quick",
                                 "--tiny",
                                 "--interleave",
                                 "--in-order",
                                 "--seed=",
                                 "--timeout=",
                                 "--cpus=",
                                 "--placement=",
                                 "--stack-size=",
                                 "--stack-guard=",
                                 "--workers=",
                                 "--format=",
                                 "--out=",
                                 "--out-format=",
                                 "--results-dir=",
                                 "--strict",
                                 "--no-report",
                                 "--help",
                                 "--version",
                                 "--benchmark_out_format",
                                 NULL};
    for (size_t i = 0; known[i]; i++) CHECK(text && strstr(text, known[i]));
    free(text);
}

/* The iteration search: tenfold while far below min_time, 40 % past it
 * nearer, always growing, in multiples, and done once min_time is reached
 * or at the cap. */
static void iterations_search(void)
{
    CHECK(sb_iterations_next(100, 0.2, 0.2, 1) == 0);
    CHECK(sb_iterations_next(100, 0.3, 0.2, 1) == 0);
    CHECK(sb_iterations_next(SB_MAX_ITERATIONS, 0.001, 0.2, 1) == 0);
    CHECK(sb_iterations_next(1, 1e-7, 0.2, 1) == 10);
    /* 40 % past: 2800, give or take the rounding of 0.2 * 1.4 / 0.1. */
    uint64_t near = sb_iterations_next(1000, 0.1, 0.2, 1);
    CHECK(near >= 2799 && near <= 2800);
    CHECK(sb_iterations_next(1000, 0.1, 0.2, 64) == 2816);
    CHECK(sb_iterations_next(1, 0.199999, 0.2, 1) == 2);
    CHECK(sb_iterations_next(SB_MAX_ITERATIONS / 2, 1e-9, 0.2, 1) == SB_MAX_ITERATIONS);
    CHECK(sb_iterations_round_up(5, 0) == 5 && sb_iterations_round_up(5, 4) == 8 &&
          sb_iterations_round_up(8, 4) == 8);
    /* From one iteration of a 1 ns operation to 0.2 s in a few steps. */
    uint64_t n = 1, steps = 0, next;
    while ((next = sb_iterations_next(n, (double)n * 1e-9, 0.2, 1)) != 0 && steps < 100)
        n = next, steps++;
    CHECK(steps < 12 && (double)n * 1e-9 >= 0.2);
}

/* Jobs: every repetition of every instance exactly once; interleaved, each
 * instance's repetition indexes count up in the order its jobs run. */
static void schedule_jobs(void)
{
    size_t n = 0;
    struct sb_job *jobs = sb_schedule(3, 4, false, 1, &n);
    CHECK(jobs && n == 3 && jobs[1].instance == 1 && jobs[1].first_rep == 0 && jobs[1].n_reps == 4);
    free(jobs);
    jobs = sb_schedule(3, 4, true, 7, &n);
    CHECK(jobs && n == 12);
    int next[3] = {0, 0, 0}, in_order = 1;
    for (size_t k = 0; jobs && k < n; k++) {
        if (jobs[k].n_reps != 1 || jobs[k].instance >= 3) {
            in_order = 0;
            break;
        }
        if (jobs[k].first_rep != next[jobs[k].instance]++) in_order = 0;
    }
    CHECK(in_order && next[0] == 4 && next[1] == 4 && next[2] == 4);
    size_t m = 0;
    struct sb_job *again = sb_schedule(3, 4, true, 7, &m);
    CHECK(again && jobs && m == n && memcmp(again, jobs, n * sizeof *jobs) == 0);
    free(again);
    free(jobs);
}

/* Names of the plan for a command line (and cores), joined by spaces. */
static int plan_names(const char *const *words, unsigned cores, char *out, size_t len)
{
    struct sb_options o;
    char err[256];
    if (parse(&o, err, words) != 0) return -1;
    if (!o.selects) o.quick = true;
    o.cores = cores;
    struct sb_plan plan;
    if (sb_plan_build(&o, NULL, &plan, err, sizeof err) != 0) return -1;
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < plan.n && at < len; i++)
        at += (size_t)snprintf(out + at, len - at, "%s ", plan.items[i].name);
    sb_plan_free(&plan);
    return 0;
}

#define NAMES(buf, cores, ...) \
    plan_names((const char *const[]){__VA_ARGS__, NULL}, (cores), (buf), sizeof(buf))

static void plan_sweep_and_names(void)
{
    char names[8192];
    CHECK(NAMES(names, 2, "--engine=asm", "--workload=ring", "--param", "tasks=2,100") == 0 &&
          strcmp(names, "ring/asm/tasks:2 ring/asm/tasks:100 ") == 0);
    CHECK(NAMES(names, 2, "--engine=asm,threads", "--workload=cpu", "--param", "tasks=2", "--param",
                "yield_every=16", "--workers=1,2") == 0 &&
          strcmp(names, "cpu/threads/tasks:2/yield_every:16 cpu/asm/tasks:2/yield_every:16 "
                        "cpu/asm/tasks:2/yield_every:16/workers:2 ") == 0);
    CHECK(NAMES(names, 2, "--engine=asm,threads", "--workload=switch", "--filter=-threads") == 0 &&
          strcmp(names, "switch/asm ") == 0);
    CHECK(NAMES(names, 2, "--engine=asm", "--workload=ring", "--filter=nomatch") != 0);
    /* --tiny: every parameter at its smallest value. */
    CHECK(NAMES(names, 2, "--engine=asm", "--workload=ring,echo", "--tiny") == 0 &&
          strcmp(names, "ring/asm/tasks:2 echo/asm/conns:1/msg:1 ") == 0);
}

static void plan_quick_adds_what_claims_need(void)
{
    char two[16384], one[16384];
    CHECK(NAMES(two, 2, "--cpus=0-1") == 0 && NAMES(one, 1, "--cpus=0") == 0);
    CHECK(strstr(two, "pingpong/threads/placement:spread ") != NULL);
    CHECK(strstr(two, "cpu/asm/tasks:2/yield_every:16/workers:2 ") != NULL);
    CHECK(strstr(two, "echo/asm/conns:1000/msg:64/workers:2 ") != NULL);
    CHECK(strstr(two, "pingpong/asm/placement") ==
          NULL); /* one scheduler: no cross-core pingpong */
    CHECK(strstr(one, "placement:") == NULL && strstr(one, "workers:") == NULL);
    /* Processes, like references, run the first quick size only; spawn's
     * quick sweep stops at 10,000 (C5's "tens of thousands"). */
    CHECK(strstr(two, "spawn/processes/tasks:1000 ") != NULL);
    CHECK(strstr(two, "spawn/processes/tasks:10000 ") == NULL);
    CHECK(strstr(two, "echo/processes/conns:1000/") == NULL);
    CHECK(strstr(two, "ring/processes/tasks:100 ") == NULL);
    CHECK(strstr(two, "spawn/threads/tasks:10000 ") != NULL);
    CHECK(strstr(two, "spawn/asm/tasks:10000 ") != NULL);
    CHECK(strstr(two, "tasks:100000") == NULL);
    /* --quick with engines named keeps the rule. */
    char named[4096];
    CHECK(NAMES(named, 2, "--quick", "--engine=processes", "--workload=spawn") == 0 &&
          strcmp(named, "spawn/processes/tasks:1000 ") == 0);
}

static json_t *rep(double real, double counter)
{
    return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:I, s:f, s:f, s:s, s:f}", "name",
                     "x/asm", "family_index", 0, "per_family_instance_index", 0, "run_name",
                     "x/asm", "run_type", "iteration", "repetitions", 4, "threads", 1, "iterations",
                     (json_int_t)10, "real_time", real, "cpu_time", real, "time_unit", "ns",
                     "items_per_second", counter);
}

static double field(json_t *out, const char *agg, const char *key)
{
    size_t i;
    json_t *r;
    json_array_foreach(out, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "aggregate_name")), agg) == 0)
            return json_number_value(json_object_get(r, key));
    }
    return NAN;
}

static void stats_aggregates(void)
{
    json_t *rows = json_array(), *out = json_array();
    const double v[] = {1, 2, 3, 4};
    for (int i = 0; i < 4; i++) json_array_append_new(rows, rep(v[i], 10 * v[i]));
    sb_stats_aggregate(rows, out);
    CHECK(json_array_size(out) == 4);
    CHECK(fabs(field(out, "mean", "real_time") - 2.5) < 1e-12);
    CHECK(fabs(field(out, "median", "real_time") - 2.5) < 1e-12);
    double sd = sqrt(((1.5 * 1.5) * 2 + (0.5 * 0.5) * 2) / 3);
    CHECK(fabs(field(out, "stddev", "real_time") - sd) < 1e-12);
    CHECK(fabs(field(out, "cv", "real_time") - sd / 2.5) < 1e-12);
    CHECK(fabs(field(out, "median", "items_per_second") - 25) < 1e-12);
    json_t *name = json_object_get(json_array_get(out, 0), "name");
    CHECK(name && strcmp(json_string_value(name), "x/asm_mean") == 0);
    json_decref(out);
    /* One repetition: no aggregates (Google Benchmark prints none). */
    json_t *one = json_array(), *none = json_array();
    json_array_append_new(one, rep(1, 1));
    sb_stats_aggregate(one, none);
    CHECK(json_array_size(none) == 0);
    json_decref(one);
    json_decref(none);
    json_decref(rows);
}

/* The run's records: each instance's repetitions by index (as they came,
 * interleaved: out of order), then its aggregates. */
static void stats_collect_orders_repetitions(void)
{
    json_t *per[2] = {json_array(), json_array()}, *rows = json_array();
    const int order[] = {2, 0, 1};
    for (int i = 0; i < 3; i++) {
        json_t *r = rep(order[i] + 1, 1);
        json_object_set_new(r, "repetition_index", json_integer(order[i]));
        json_array_append_new(per[0], r);
    }
    json_array_append_new(per[1], rep(5, 1));
    CHECK(sb_stats_collect(per, 2, rows) == 0);
    CHECK(json_array_size(rows) == 3 + 4 + 1);
    for (int i = 0; i < 3; i++)
        CHECK(json_integer_value(
                  json_object_get(json_array_get(rows, (size_t)i), "repetition_index")) == i);
    CHECK(strcmp(json_string_value(json_object_get(json_array_get(rows, 3), "aggregate_name")),
                 "mean") == 0);
    CHECK(json_object_get(json_array_get(rows, 7), "aggregate_name") == NULL);
    json_decref(per[0]);
    json_decref(per[1]);
    json_decref(rows);
}

/* The bare loops' proof of work: alternating resumes, side 1 first, add up
 * to the number of switches; one out of turn does not. */
static void bare_ball_counts_alternation(void)
{
    uint64_t ball = 0;
    for (unsigned i = 0; i < 1000; i++) sb_bare_catch(&ball, 1 - (i & 1));
    CHECK(ball == 1000);
    ball = 0;
    sb_bare_catch(&ball, 1);
    sb_bare_catch(&ball, 1); /* side 1 again: side 0 never ran */
    sb_bare_catch(&ball, 0);
    CHECK(ball != 3 && ball / SB_BARE_MISSED == 1);
    ball = 0;
    sb_bare_catch(&ball, 0); /* side 0 first */
    CHECK(ball != 1);
}

/* The layout offsets: a pure function of seed, name and repetition, 16
 * apart within a page, and spread: 64 repetitions of one benchmark under
 * one seed draw many offsets, and another seed draws others. */
static int seen_offset(void *p)
{
    *(uint32_t *)p = sb_layout_stack_page_offset();
    return 7;
}

static void layout_offsets_follow_the_seed(void)
{
    unsigned distinct = 0, moved = 0;
    bool seen[SB_LAYOUT_SPAN / 16] = {false};
    for (int rep = 0; rep < 64; rep++) {
        uint32_t a = sb_layout_offset(42, "switch/asm", rep);
        CHECK(a == sb_layout_offset(42, "switch/asm", rep));
        if (a % 16 != 0 || a >= SB_LAYOUT_SPAN) {
            CHECK(!"an offset off the grid or past the page");
            continue;
        }
        if (!seen[a / 16]) distinct++;
        seen[a / 16] = true;
        if (a != sb_layout_offset(43, "switch/asm", rep)) moved++;
    }
    CHECK(distinct >= 48); /* 64 draws from 256 slots: ~56 distinct expected */
    CHECK(moved >= 60);
    CHECK(sb_layout_offset(42, "switch/asm", 0) !=
              sb_layout_offset(42, "switch/asm-sharedfpu", 0) ||
          sb_layout_offset(42, "switch/asm", 1) != sb_layout_offset(42, "switch/asm-sharedfpu", 1));
    /* The shift is real: a frame called under offset k lies k bytes below
     * the same frame called under offset 0 (mod a page). */
    uint32_t at0 = 0, at = 0;
    CHECK(sb_layout_call(0, seen_offset, &at0) == 7);
    for (uint32_t k = 16; k < SB_LAYOUT_SPAN; k += 16 * 37) {
        CHECK(sb_layout_call(k, seen_offset, &at) == 7);
        CHECK((at0 + SB_LAYOUT_SPAN - at) % SB_LAYOUT_SPAN == k);
    }
}

/* Every workload's rate counter is a registered rate, each registered
 * name once, and a name off the list is not found. */
static void counters_registry_covers_rates(void)
{
    for (size_t i = 0; i < sb_workload_count; i++) {
        const struct sb_counter_def *c = sb_counter_find(sb_workloads[i]->rate_counter);
        CHECK(c != NULL && c->kind == SB_COUNTER_RATE && c->better == SB_COUNTER_HIGHER);
    }
    for (size_t i = 0; i < sb_n_counters; i++)
        CHECK(sb_counter_find(sb_counters[i].name) == &sb_counters[i]);
    CHECK(sb_counter_find("real_time") == NULL && sb_counter_find("") == NULL);
    json_t *a = sb_counters_json();
    CHECK(json_array_size(a) == sb_n_counters);
    json_decref(a);
}

/* True when `name` is `id` with '-' where the id has '_'. */
static bool spelled_as(const char *name, const char *id)
{
    for (; *name && *id; name++, id++)
        if (*name != (*id == '_' ? '-' : *id)) return false;
    return *name == *id;
}

/* One spelling per engine and workload: the registry line's id is the
 * name everywhere else with '_' for '-', so each is written one way. */
static void registry_names_follow_ids(void)
{
    for (size_t i = 0; i < sb_engine_count; i++)
        CHECK(spelled_as(sb_engines[i]->name, sb_engine_ids[i]));
    for (size_t i = 0; i < sb_workload_count; i++)
        CHECK(spelled_as(sb_workloads[i]->name, sb_workload_ids[i]));
    CHECK(!spelled_as("asm-sharedfpu", "asm_shared") && !spelled_as("asm_x", "asm_x"));
}

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"registry_names_follow_ids", registry_names_follow_ids},
    {"counters_registry_covers_rates", counters_registry_covers_rates},
    {"layout_offsets_follow_the_seed", layout_offsets_follow_the_seed},
    {"cli_sizes", cli_sizes},
    {"cli_counts_and_lists", cli_counts_and_lists},
    {"plan_sweep_and_names", plan_sweep_and_names},
    {"plan_quick_adds_what_claims_need", plan_quick_adds_what_claims_need},
    {"stats_aggregates", stats_aggregates},
    {"stats_collect_orders_repetitions", stats_collect_orders_repetitions},
    {"cli_defaults_and_spellings", cli_defaults_and_spellings},
    {"iterations_search", iterations_search},
    {"schedule_jobs", schedule_jobs},
    {"bare_ball_counts_alternation", bare_ball_counts_alternation},
};

int main(int argc, char **argv)
{
    const size_t n = sizeof tests / sizeof tests[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) printf("%s\n", tests[i].name);
        return 0;
    }
    for (size_t i = 0; argc == 2 && i < n; i++) {
        if (strncmp(argv[1], "--test=", 7) == 0 && strcmp(argv[1] + 7, tests[i].name) == 0) {
            tests[i].fn();
            printf("%s %s\n", failures ? "FAIL" : "ok  ", tests[i].name);
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "usage: test_units --list | --test=NAME\n");
    return 2;
}
