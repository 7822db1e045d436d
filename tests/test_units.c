/* Unit tests of the harness's pure functions: option parsing (sizes,
 * lists, counts), the plan's sweep and names, the aggregates, and the bare
 * loops' proof of work, the open-loop load's schedule, packed stacks'
 * canaries.
 *   test_units --list       the tests, one a line (CTest: units/<test>)
 *   test_units --test=NAME  run one; exit 0 pass, 1 fail */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/plan/cli.h"
#include "../harness/records/counters.h"
#include "../harness/run/iterations.h"
#include "../harness/run/layout.h"
#include "../harness/plan/plan.h"
#include "../harness/plan/schedule.h"
#include "../harness/records/record.h"
#include "../harness/run/sample_wire.h"
#include "../harness/records/stats.h"
#include "../harness/machine/disturb.h"
#include "../harness/records/disturbance.h"
#include "../harness/run/sampling.h"
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engines/coro_stack.h"
#include "sb_loadgen.h"
#include "../loadgen/echo_pace.h"
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
static int parse(struct sb__options *o, struct sb_err *err, const char *const *words)
{
    char *argv[32] = {"switchbench"};
    int argc = 1;
    for (; words[argc - 1] && argc < 31; argc++) argv[argc] = (char *)words[argc - 1];
    argv[argc] = NULL;
    return sb__cli_parse(argc, argv, o, err) < 0 ? -1 : 0;
}

#define PARSE(o, err, ...) parse((o), (err), (const char *const[]){__VA_ARGS__, NULL})

static void cli_sizes(void)
{
    struct sb__options o;
    struct sb_err err = {""};
    CHECK(PARSE(&o, &err, "--stack-size=64K") == 0 && o.stack_size == 64 * 1024);
    CHECK(PARSE(&o, &err, "--stack-size=1M") == 0 && o.stack_size == 1024 * 1024);
    CHECK(PARSE(&o, &err, "--stack-size=2G") != 0 && strstr(err.msg, "--stack-size"));
    CHECK(PARSE(&o, &err, "--stack-size=abc") != 0);
    CHECK(PARSE(&o, &err, "--stack-size=") != 0);
    CHECK(PARSE(&o, &err, "--stack-size=1K") == 0 && o.stack_size == 1024);
    CHECK(PARSE(&o, &err, "--stack-size=512") != 0 && strstr(err.msg, "from 1K to 1G"));
    /* Stacks under a page share pages: no guard page for them. */
    CHECK(PARSE(&o, &err, "--stack-size=2K", "--stack-guard=page") != 0 &&
          strstr(err.msg, "--stack-guard=page needs --stack-size of a page"));
    CHECK(PARSE(&o, &err, "--stack-size=2K", "--stack-guard=none") == 0);
    CHECK(PARSE(&o, &err, "--stack-size=2K") == 0 && o.stack_guard == SB_GUARD_AUTO);
}

/* The load agent's wire: HOST:PORT, token files, lines with deadlines. */
static void loadgen_wire(void)
{
    char host[64], port[16], tok[32];
    struct sb_err err = {""};
    CHECK(sb_host_port("198.18.0.1:7000", host, sizeof host, port, sizeof port, &err) == 0 &&
          strcmp(host, "198.18.0.1") == 0 && strcmp(port, "7000") == 0);
    CHECK(sb_host_port("nohost", host, sizeof host, port, sizeof port, &err) != 0 &&
          strstr(err.msg, "is not HOST:PORT"));
    CHECK(sb_host_port("h:0", host, sizeof host, port, sizeof port, &err) != 0);
    CHECK(sb_host_port("h:70000", host, sizeof host, port, sizeof port, &err) != 0);
    CHECK(sb_host_port(":80", host, sizeof host, port, sizeof port, &err) != 0);

    char path[] = "/tmp/sb_token_XXXXXX";
    int tf = mkstemp(path);
    CHECK(tf >= 0 && write(tf, "s3cret\n", 7) == 7);
    if (tf >= 0) close(tf);
    CHECK(chmod(path, 0600) == 0 && sb_token_read(path, true, tok, sizeof tok, &err) == 0 &&
          strcmp(tok, "s3cret") == 0);
    CHECK(chmod(path, 0644) == 0 && sb_token_read(path, true, tok, sizeof tok, &err) != 0 &&
          strstr(err.msg, "readable by others"));
    CHECK(sb_token_read(path, false, tok, sizeof tok, &err) == 0);
    unlink(path);

    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    char line[16];
    CHECK(sb_line_send(sv[0], json_pack("{s:i}", "a", 1)) == 0);
    CHECK(write(sv[0], "0123456789abcdefXYZ\n", 20) == 20);
    CHECK(sb_line_read(sv[1], line, sizeof line, 1000) == 7 && strcmp(line, "{\"a\":1}") == 0);
    CHECK(sb_line_read(sv[1], line, sizeof line, 1000) < 0 && errno == EMSGSIZE);
    CHECK(sb_line_read(sv[1], line, sizeof line, 1000) == 3); /* the rest: nothing over-read */
    CHECK(sb_line_read(sv[1], line, sizeof line, 10) < 0 && errno == ETIME);
    close(sv[0]);
    CHECK(sb_line_read(sv[1], line, sizeof line, 1000) < 0 && errno == ECONNRESET);
    close(sv[1]);
}

/* Stacks under a page: carved side by side, a canary below each, an
 * overflow found when the task's stack is given back and by the fault
 * handler's walk; page-sized stacks keep their colored tops. */
static void packed_stack_canary(void)
{
    static const struct sb_engine_ops ops = {.name = "unit"};
    struct sb_engine eng = {.ops = &ops};
    struct sb_engine_config cfg = {.stack_size = 1000, .guard = SB_GUARD_AUTO};
    int64_t budget = 0;
    struct coro_stack_pool pool;
    struct sb_err err = {0};
    CHECK(coro_stack_is_packed(1000) && !coro_stack_is_packed(64 * 1024));
    coro_pool_init(&pool, sizeof(struct coro_stack), &eng, &cfg, &budget);
    struct coro_stack *a = coro_pool_take(&pool, &err);
    struct coro_stack *b = coro_pool_take(&pool, &err);
    CHECK(a && b);
    if (!a || !b) return;
    CHECK(a->packed && a->size == 1024 && a->guard == 0); /* whole cache lines */
    CHECK(b->lo - a->lo == 1024 + CORO_CANARY_BYTES);
    CHECK(eng.stacks_unguarded == 2 && eng.stacks_guarded == 0);
    CHECK(coro_stack_top(a, 7) == a->lo + a->size); /* no color: offsets differ already */
    CHECK(coro_pool_fault_hit(&pool, NULL, true) == SB_FAULT_NONE);
    /* A stack write in the chunk's guard page: a run-away recursion. */
    CHECK(coro_pool_fault_hit(&pool, a->lo - CORO_CANARY_BYTES - 8, true) == SB_FAULT_PACKED_GUARD);
    CHECK(coro_pool_fault_hit(&pool, a->lo - CORO_CANARY_BYTES - 8, false) == SB_FAULT_NONE);
    b->lo[-1] = 0; /* b ran past its bottom, toward a's top */
    CHECK(coro_stack_canary_ok(a) && !coro_stack_canary_ok(b));
    CHECK(coro_pool_fault_hit(&pool, NULL, false) == SB_FAULT_CANARY);
    CHECK(coro_pool_give(&pool, a));
    CHECK(!coro_pool_give(&pool, b));
    coro_pool_free(&pool);

    struct coro_stack big;
    CHECK(coro_stack_alloc(&big, 64 * 1024, false, &err, "unit") == 0);
    CHECK(!big.packed && coro_stack_canary_ok(&big));
    CHECK(coro_stack_top(&big, 0) == big.lo + big.size);
    CHECK(coro_stack_top(&big, 65) == big.lo + big.size - 64); /* 64 colors of a line each */
    coro_stack_free(&big);
    struct coro_stack small;
    CHECK(coro_stack_alloc(&small, 2048, true, &err, "unit") == 0);
    CHECK(small.packed && small.guard == 0 && coro_stack_canary_ok(&small));
    coro_stack_free(&small);
}

static void cli_counts_and_lists(void)
{
    struct sb__options o;
    struct sb_err err = {""};
    CHECK(PARSE(&o, &err, "--workers=1,2") == 0 && o.n_workers == 2 && o.workers[0] == 1 &&
          o.workers[1] == 2 && o.workers_set && o.selects);
    CHECK(PARSE(&o, &err, "--workers=0") != 0);
    CHECK(PARSE(&o, &err, "--min-time=1000x") == 0 && o.fixed_iterations == 1000 &&
          o.min_time == 0);
    CHECK(PARSE(&o, &err, "--min-time=0.5") == 0 && o.min_time == 0.5 && o.fixed_iterations == 0);
    CHECK(PARSE(&o, &err, "--min-time=inf") != 0);
    CHECK(PARSE(&o, &err, "--min-time=0x1p3") != 0);
    CHECK(PARSE(&o, &err, "--repetitions=3") == 0 && o.repetitions == 3);
    CHECK(PARSE(&o, &err, "--repetitions=0") != 0);
    CHECK(PARSE(&o, &err, "--param", "tasks=2,100") == 0 && o.n_params == 1 &&
          strcmp(o.params[0].key, "tasks") == 0 && o.params[0].n == 2 &&
          o.params[0].values[1] == 100);
    CHECK(PARSE(&o, &err, "--cpus=-1") != 0);
    CHECK(PARSE(&o, &err, "--bogus") != 0 && strstr(err.msg, "unknown option"));
    CHECK(PARSE(&o, &err, "--list") == 0 && o.list && !o.selects);
}

/* The defaults come from one place and the quick run, --tiny and aliases
 * resolve them. */
static void cli_defaults_and_spellings(void)
{
    struct sb__options o;
    struct sb_err err = {""};
    CHECK(PARSE(&o, &err, "--cpus=0") == 0 && o.quick && !o.selects &&
          o.repetitions == SB_QUICK_REPETITIONS && o.min_time == SB_QUICK_MIN_TIME &&
          o.timeout == SB_DEFAULT_TIMEOUT && o.stack_size == SB_DEFAULT_STACK_KB * 1024 &&
          strcmp(o.results_dir, SB_DEFAULT_RESULTS_DIR) == 0);
    CHECK(PARSE(&o, &err, "--engine=asm") == 0 && !o.quick && o.selects &&
          o.repetitions == SB_DEFAULT_REPETITIONS && o.min_time == SB_DEFAULT_MIN_TIME);
    CHECK(PARSE(&o, &err, "--engine=asm", "--quick") == 0 && o.repetitions == SB_QUICK_REPETITIONS);
    CHECK(PARSE(&o, &err, "--tiny") == 0 && o.repetitions == 1 && o.fixed_iterations == 1);
    /* Interleaved unless told otherwise; both at once contradict. */
    CHECK(PARSE(&o, &err, "--engine=asm") == 0 && o.interleave);
    CHECK(PARSE(&o, &err, "--in-order") == 0 && !o.interleave);
    CHECK(PARSE(&o, &err, "--in-order", "--interleave") != 0 && strstr(err.msg, "contradict"));
    CHECK(PARSE(&o, &err, "--tiny", "--repetitions=2") == 0 && o.repetitions == 2);
    CHECK(PARSE(&o, &err, "--benchmark_repetitions=4") == 0 && o.repetitions == 4 && o.selects);
    CHECK(PARSE(&o, &err, "--engines=asm") == 0 && strcmp(o.engines, "asm") == 0);
    CHECK(PARSE(&o, &err, "--benchmark_list_tests=false") == 0 && !o.list);
    CHECK(PARSE(&o, &err, "--benchmark_list_tests") == 0 && o.list);
    CHECK(PARSE(&o, &err, "--results-dir=") == 0 && strcmp(o.results_dir, "") == 0);
    CHECK(PARSE(&o, &err, "--out=") != 0 && strstr(err.msg, "empty value"));
    CHECK(PARSE(&o, &err, "--min-time=5", "--timeout=5") != 0 && strstr(err.msg, "--timeout"));
    /* --help prints every option the parser knows, and no unknown one. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sb__cli_usage(f);
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
    CHECK(sb__iterations_next(100, 0.2, 0.2, 1) == 0);
    CHECK(sb__iterations_next(100, 0.3, 0.2, 1) == 0);
    CHECK(sb__iterations_next(SB_MAX_ITERATIONS, 0.001, 0.2, 1) == 0);
    CHECK(sb__iterations_next(1, 1e-7, 0.2, 1) == 10);
    /* 40 % past: 2800, give or take the rounding of 0.2 * 1.4 / 0.1. */
    uint64_t near = sb__iterations_next(1000, 0.1, 0.2, 1);
    CHECK(near >= 2799 && near <= 2800);
    CHECK(sb__iterations_next(1000, 0.1, 0.2, 64) == 2816);
    CHECK(sb__iterations_next(1, 0.199999, 0.2, 1) == 2);
    CHECK(sb__iterations_next(SB_MAX_ITERATIONS / 2, 1e-9, 0.2, 1) == SB_MAX_ITERATIONS);
    CHECK(sb__iterations_round_up(5, 0) == 5 && sb__iterations_round_up(5, 4) == 8 &&
          sb__iterations_round_up(8, 4) == 8);
    /* From one iteration of a 1 ns operation to 0.2 s in a few steps. */
    uint64_t n = 1, steps = 0, next;
    while ((next = sb__iterations_next(n, (double)n * 1e-9, 0.2, 1)) != 0 && steps < 100)
        n = next, steps++;
    CHECK(steps < 12 && (double)n * 1e-9 >= 0.2);
}

/* Jobs: every repetition of every instance exactly once; interleaved, each
 * instance's repetition indexes count up in the order its jobs run. */
static void schedule_jobs(void)
{
    size_t n = 0;
    struct sb__job *jobs = sb__schedule(3, 4, false, 1, &n);
    CHECK(jobs && n == 3 && jobs[1].instance == 1 && jobs[1].first_rep == 0 && jobs[1].n_reps == 4);
    free(jobs);
    jobs = sb__schedule(3, 4, true, 7, &n);
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
    struct sb__job *again = sb__schedule(3, 4, true, 7, &m);
    CHECK(again && jobs && m == n && memcmp(again, jobs, n * sizeof *jobs) == 0);
    free(again);
    free(jobs);
}

/* Names of the plan for a command line (and cores), joined by spaces. */
static int plan_names(const char *const *words, unsigned cores, char *out, size_t len)
{
    struct sb__options o;
    struct sb_err err = {""};
    if (parse(&o, &err, words) != 0) return -1;
    if (!o.selects) o.quick = true;
    o.cores = cores;
    struct sb__plan plan;
    if (sb__plan_build(&o, NULL, &plan, &err) != 0) return -1;
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < plan.n && at < len; i++)
        at += (size_t)snprintf(out + at, len - at, "%s ", plan.items[i].name);
    sb__plan_free(&plan);
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

/* A benchmark that never ran: enough identity for records of it. */
static struct sb__instance fake_instance(void)
{
    struct sb__instance in = {.engine = sb_engines[0], .workload = sb_workloads[0]};
    snprintf(in.name, sizeof in.name, "x/asm");
    return in;
}

/* A measured repetition of `in`: real (and CPU) time per iteration
 * `real` ns over 10 iterations, and items_per_second `counter`. */
static struct sb__record rep(const struct sb__instance *in, int index, double real, double counter)
{
    struct sb__sample s = {.iterations = 10, .real_ns = real * 10, .cpu_ns = real * 10};
    struct sb__record r;
    sb__record_measured(&r, in, 4, SB_GUARD_AUTO, index, &s);
    sb__record_set_counter(&r, sb__counter_find("items_per_second"), counter);
    return r;
}

static const struct sb__record *aggregate(const struct sb__records *out, enum sb__aggregate a)
{
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].kind == SB_RECORD_AGGREGATE && out->v[i].aggregate == a) return &out->v[i];
    return NULL;
}

static void stats_aggregates(void)
{
    struct sb__instance in = fake_instance();
    struct sb__records rows = {0}, out = {0};
    const double v[] = {1, 2, 3, 4};
    for (int i = 0; i < 4; i++) {
        struct sb__record r = rep(&in, i, v[i], 10 * v[i]);
        CHECK(sb__records_push(&rows, &r) == 0);
    }
    /* An error among them is not a measurement. */
    struct sb__record e;
    sb__record_unmeasured(&e, &in, 4, SB_GUARD_AUTO, 4, "broke", false);
    CHECK(sb__records_push(&rows, &e) == 0);
    CHECK(sb__stats_aggregate(&rows, &out) == 0);
    CHECK(out.n == 4);
    CHECK(fabs(aggregate(&out, SB_AGG_MEAN)->real_ns - 2.5) < 1e-12);
    CHECK(fabs(aggregate(&out, SB_AGG_MEDIAN)->real_ns - 2.5) < 1e-12);
    double sd = sqrt(((1.5 * 1.5) * 2 + (0.5 * 0.5) * 2) / 3);
    CHECK(fabs(aggregate(&out, SB_AGG_STDDEV)->real_ns - sd) < 1e-12);
    CHECK(fabs(aggregate(&out, SB_AGG_CV)->real_ns - sd / 2.5) < 1e-12);
    const double *items =
        sb__record_counter(aggregate(&out, SB_AGG_MEDIAN), sb__counter_find("items_per_second"));
    CHECK(items && fabs(*items - 25) < 1e-12);
    char name[320];
    sb__record_name(&out.v[0], name, sizeof name);
    CHECK(strcmp(name, "x/asm_mean") == 0);
    /* One repetition: no aggregates (Google Benchmark prints none). */
    struct sb__records one = {0}, none = {0};
    struct sb__record r = rep(&in, 0, 1, 1);
    CHECK(sb__records_push(&one, &r) == 0);
    CHECK(sb__stats_aggregate(&one, &none) == 0 && none.n == 0);
    sb__records_free(&one);
    sb__records_free(&none);
    sb__records_free(&out);
    sb__records_free(&rows);
}

/* The run's records: each instance's repetitions by index (as they came,
 * interleaved: out of order), then its aggregates. */
static void stats_collect_orders_repetitions(void)
{
    struct sb__instance in = fake_instance();
    struct sb__records per[2] = {{0}, {0}}, rows = {0};
    const int order[] = {2, 0, 1};
    for (int i = 0; i < 3; i++) {
        struct sb__record r = rep(&in, order[i], order[i] + 1, 1);
        CHECK(sb__records_push(&per[0], &r) == 0);
    }
    struct sb__record r = rep(&in, 0, 5, 1);
    CHECK(sb__records_push(&per[1], &r) == 0);
    CHECK(sb__stats_collect(per, 2, &rows) == 0);
    CHECK(rows.n == 3 + 4 + 1);
    for (int i = 0; i < 3; i++) CHECK(rows.v[i].repetition_index == i);
    CHECK(rows.v[3].kind == SB_RECORD_AGGREGATE && rows.v[3].aggregate == SB_AGG_MEAN);
    CHECK(rows.v[7].kind == SB_RECORD_ITERATION);
    sb__records_free(&per[0]);
    sb__records_free(&per[1]);
    sb__records_free(&rows);
}

/* A sample crosses the pipe whole: what child.c writes, runner.c reads
 * back field for field; a line that is not a sample is refused. */
static void sample_wire_round_trip(void)
{
    struct sb__sample s = {.iterations = 7,
                           .real_ns = 70.5,
                           .cpu_ns = 60.25,
                           .ncounters = 2,
                           .laid_out = true,
                           .layout_offset = 48,
                           .stack_page_offset = 1024};
    snprintf(s.counters[0].name, sizeof s.counters[0].name, "p99_us");
    s.counters[0].value = 12.5;
    snprintf(s.counters[1].name, sizeof s.counters[1].name, "tasks");
    s.counters[1].value = NAN; /* left out: strict JSON has no NaN */
    snprintf(s.cpus_used, sizeof s.cpus_used, "0-1");
    snprintf(s.note, sizeof s.note, "kernel memory: cgroup");
    json_t *line = sb__sample_to_json(3, &s);
    struct sb__sample back = {0};
    int rep_back = -1;
    CHECK(line && sb__sample_from_json(line, &rep_back, &back) == 0);
    CHECK(rep_back == 3 && back.iterations == 7 && back.real_ns == 70.5 && back.cpu_ns == 60.25);
    CHECK(back.ncounters == 1 && strcmp(back.counters[0].name, "p99_us") == 0 &&
          back.counters[0].value == 12.5);
    CHECK(back.laid_out && back.layout_offset == 48 && back.stack_page_offset == 1024);
    CHECK(strcmp(back.cpus_used, "0-1") == 0 && strcmp(back.note, "kernel memory: cgroup") == 0);
    json_decref(line);
    /* A reference's sample (no layout of ours) says none. */
    s.laid_out = false;
    line = sb__sample_to_json(0, &s);
    CHECK(sb__sample_from_json(line, &rep_back, &back) == 0 && !back.laid_out);
    json_decref(line);
    json_t *bad = json_pack("{s:i, s:s}", "rep", 1, "iterations", "many");
    CHECK(sb__sample_from_json(bad, &rep_back, &back) == -1);
    json_decref(bad);
}

/* A record's counters come from the registry: a name not on it turns the
 * sample into an error record naming it. */
static void record_refuses_unregistered_counter(void)
{
    struct sb__instance in = fake_instance();
    struct sb__sample s = {.iterations = 1, .real_ns = 1, .cpu_ns = 1, .ncounters = 1};
    snprintf(s.counters[0].name, sizeof s.counters[0].name, "label");
    struct sb__record r;
    sb__record_measured(&r, &in, 1, SB_GUARD_AUTO, 0, &s);
    CHECK(r.status == SB_RECORD_ERROR && strstr(r.message, "'label'") != NULL);
    snprintf(s.counters[0].name, sizeof s.counters[0].name, "p99_us");
    sb__record_measured(&r, &in, 1, SB_GUARD_AUTO, 0, &s);
    CHECK(r.status == SB_RECORD_MEASURED && r.n_counters == 2);
    CHECK(r.counters[0].def == sb__counter_find(in.workload->rate_counter));
    /* Set twice, held once. */
    sb__record_set_counter(&r, sb__counter_find("p99_us"), 3);
    CHECK(r.n_counters == 2 && *sb__record_counter(&r, sb__counter_find("p99_us")) == 3);
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
    *(uint32_t *)p = sb__layout_stack_page_offset();
    return 7;
}

static void layout_offsets_follow_the_seed(void)
{
    unsigned distinct = 0, moved = 0;
    bool seen[SB_LAYOUT_SPAN / 16] = {false};
    for (int rep = 0; rep < 64; rep++) {
        uint32_t a = sb__layout_offset(42, "switch/asm", rep);
        CHECK(a == sb__layout_offset(42, "switch/asm", rep));
        if (a % 16 != 0 || a >= SB_LAYOUT_SPAN) {
            CHECK(!"an offset off the grid or past the page");
            continue;
        }
        if (!seen[a / 16]) distinct++;
        seen[a / 16] = true;
        if (a != sb__layout_offset(43, "switch/asm", rep)) moved++;
    }
    CHECK(distinct >= 48); /* 64 draws from 256 slots: ~56 distinct expected */
    CHECK(moved >= 60);
    CHECK(sb__layout_offset(42, "switch/asm", 0) !=
              sb__layout_offset(42, "switch/asm-sharedfpu", 0) ||
          sb__layout_offset(42, "switch/asm", 1) !=
              sb__layout_offset(42, "switch/asm-sharedfpu", 1));
    /* The shift is real: a frame called under offset k lies k bytes below
     * the same frame called under offset 0 (mod a page). */
    uint32_t at0 = 0, at = 0;
    CHECK(sb__layout_call(0, seen_offset, &at0) == 7);
    for (uint32_t k = 16; k < SB_LAYOUT_SPAN; k += 16 * 37) {
        CHECK(sb__layout_call(k, seen_offset, &at) == 7);
        CHECK((at0 + SB_LAYOUT_SPAN - at) % SB_LAYOUT_SPAN == k);
    }
}

/* Every workload's rate counter is a registered rate, each registered
 * name once, and a name off the list is not found. */
static void counters_registry_covers_rates(void)
{
    for (size_t i = 0; i < sb_workload_count; i++) {
        const struct sb__counter_def *c = sb__counter_find(sb_workloads[i]->rate_counter);
        CHECK(c != NULL && c->kind == SB_COUNTER_RATE && c->better == SB_COUNTER_HIGHER);
    }
    for (size_t i = 0; i < sb__n_counters; i++)
        CHECK(sb__counter_find(sb__counters[i].name) == &sb__counters[i]);
    CHECK(sb__counter_find("real_time") == NULL && sb__counter_find("") == NULL);
    json_t *a = sb__counters_json();
    CHECK(json_array_size(a) == sb__n_counters);
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

/* The open-loop schedule under a fake clock (ms = 1e6 ns): requests fall
 * due 1 ms apart (1,000/s) over two connections; the server answers each
 * in 2.5 ms. Request 2 is due at 2 ms on connection 0, which is busy
 * until 2.5 ms: it goes out then, and its latency counts from 2 ms. */
static void echo_pace_schedule(void)
{
    const uint64_t ms = 1000000, t0 = 7 * ms;
    struct echo_pace p;
    struct echo_pace_conn cs[2];
    echo_pace_init(&p, cs, t0, 1000, 2, 5);
    CHECK(echo_pace_due_ns(&p, 0) == t0 && echo_pace_due_ns(&p, 3) == t0 + 3 * ms);
    CHECK(echo_pace_release(&p, t0 - 1) == 0 && p.released == 0);
    CHECK(echo_pace_next_due_ns(&p) == t0);
    CHECK(!echo_pace_take(&p, cs, 0)); /* nothing due yet */
    CHECK(echo_pace_release(&p, t0) == 0 && p.released == 1);
    CHECK(echo_pace_take(&p, cs, 0) && cs[0].intended_ns == t0);
    CHECK(!echo_pace_take(&p, cs, 0) && !echo_pace_take(&p, cs, 1)); /* busy; 1 not due */
    CHECK(echo_pace_next_due_ns(&p) == t0 + ms);
    CHECK(echo_pace_release(&p, t0 + ms) == 1 && p.released == 2);
    CHECK(echo_pace_take(&p, cs, 1) && cs[1].intended_ns == t0 + ms);
    /* 2 ms: request 2 falls due on connection 0, still busy. */
    CHECK(echo_pace_release(&p, t0 + 2 * ms) == 2 && p.released == 3);
    CHECK(!echo_pace_take(&p, cs, 0));
    /* 2.5 ms: 0's echo is in after 2.5 ms; request 2 goes out at once. */
    CHECK(echo_pace_done(cs, 0, t0 + 5 * ms / 2) == 5 * ms / 2);
    CHECK(echo_pace_take(&p, cs, 0) && cs[0].intended_ns == t0 + 2 * ms);
    /* 3.5 ms: 1's echo (out at 1 ms); request 3 fell due at 3 ms. */
    CHECK(echo_pace_release(&p, t0 + 7 * ms / 2) == 3 && p.released == 4);
    CHECK(echo_pace_done(cs, 1, t0 + 7 * ms / 2) == 5 * ms / 2);
    CHECK(echo_pace_take(&p, cs, 1) && cs[1].intended_ns == t0 + 3 * ms);
    /* 5 ms: request 2's echo, 2.5 ms after it went out, 3 ms after due. */
    CHECK(echo_pace_done(cs, 0, t0 + 5 * ms) == 3 * ms);
    /* Long after: everything is due, but only the five of the run. */
    CHECK(echo_pace_release(&p, t0 + 1000 * ms) == 4 && p.released == 5);
    CHECK(echo_pace_next_due_ns(&p) == UINT64_MAX);
    CHECK(echo_pace_take(&p, cs, 0) && cs[0].intended_ns == t0 + 4 * ms);
    CHECK(!echo_pace_take(&p, cs, 0) && cs[0].next_k == 6 && cs[1].next_k == 5);
    /* A rate that does not divide a second: due times round down, and
     * release agrees with them to the nanosecond. */
    echo_pace_init(&p, cs, 0, 3, 1, 10);
    CHECK(echo_pace_due_ns(&p, 1) == 333333333);
    CHECK(echo_pace_release(&p, 333333332) == 0 && p.released == 1);
    CHECK(echo_pace_release(&p, 333333333) == 1 && p.released == 2);
    CHECK(echo_pace_release(&p, 3000000000u) == 2 && p.released == 10);
}

/* The disturbance rule on synthetic deltas: shares are lower bounds (a
 * reading's lag per CPU is taken off), a lone pinned thread that migrated
 * is disturbed, a quiet repetition is not, and nothing read is nothing
 * judged. */
static void disturbance_rule(void)
{
    struct sb__machine_delta d = {.measured = true,
                                  .wall_ns = 100e6,
                                  .ncpus = 2,
                                  .busy_ns = 100e6,
                                  .busy_unit_ns = 4e6,
                                  .own_ns = 100e6,
                                  .steal_ns = 0,
                                  .steal_unit_ns = 10e6,
                                  .run_delay_ns = -1,
                                  .migrations = 0,
                                  .runnable = 1};
    struct sb__disturbance out;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(!out.disturbed && out.foreign == 0 && out.steal == 0 && out.run_delay < 0 && !out.why[0]);
    /* 10 ms of others' time over 2 CPUs: 10 - 2 x 4 = 2 ms at least, 1 %. */
    d.busy_ns = 110e6;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(!out.disturbed && fabs(out.foreign - 0.01) < 1e-12);
    /* 50 ms: at least 42 ms, 21 % of 200 ms of CPU. */
    d.busy_ns = 150e6;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(out.disturbed && fabs(out.foreign - 0.21) < 1e-12 && strstr(out.why, "21.0 %"));
    /* Steal: one tick per CPU is the readings' own error. */
    d.busy_ns = 100e6, d.steal_ns = 20e6;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(!out.disturbed && out.steal == 0);
    d.steal_ns = 40e6;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(out.disturbed && fabs(out.steal - 0.1) < 1e-12 && strstr(out.why, "hypervisor"));
    /* The run delay of a lone thread is exact: 3 ms of 100 is 3 %. */
    d.steal_ns = 0, d.run_delay_ns = 3e6;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(out.disturbed && fabs(out.run_delay - 0.03) < 1e-12 && strstr(out.why, "waited"));
    d.run_delay_ns = 1e6;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(!out.disturbed);
    /* What the kernel's threads ran may be what it waited for: 3 ms of
     * waiting with 2 ms of kernel threads is 1 % at least. */
    d.run_delay_ns = 3e6, d.kthreads_ns = 2e6;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(!out.disturbed && fabs(out.run_delay - 0.01) < 1e-12);
    d.kthreads_ns = 0, d.run_delay_ns = 1e6;
    /* A migration disturbs a lone thread pinned to one CPU only. */
    d.migrations = 1;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(!out.disturbed);
    d.one_cpu = true;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(out.disturbed && strstr(out.why, "migrated"));
    d.measured = false;
    sb__disturbance_judge(&d, 0.02, &out);
    CHECK(!out.disturbed);
}

/* /proc/stat and cpuacct text read over a CPU set. */
static void disturbance_readings_parse(void)
{
    const char *stat = "cpu  610 4 228 1318 25 0 13 7 0 0\n"
                       "cpu0 300 2 100 600 10 0 5 3 0 0\n"
                       "cpu1 310 2 128 718 15 0 8 4 0 0\n"
                       "intr 1 2 3\nprocs_running 3\nprocs_blocked 0\n";
    struct sb__machine_time t;
    CHECK(sb__procstat_parse(stat, NULL, 10e6, &t) == 0);
    CHECK(t.ncpus == 2 && t.runnable == 3 && fabs(t.busy_ns - (407 + 448) * 10e6) < 1 &&
          fabs(t.steal_ns - 7 * 10e6) < 1 && t.busy_unit_ns == 10e6 && !t.busy_from_cpuacct);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(1, &one);
    CHECK(sb__procstat_parse(stat, &one, 10e6, &t) == 0 && t.ncpus == 1 &&
          fabs(t.busy_ns - 448 * 10e6) < 1 && fabs(t.steal_ns - 4 * 10e6) < 1);
    CHECK(sb__procstat_parse("intr 1\n", NULL, 10e6, &t) != 0);
    double busy;
    int n;
    CHECK(sb__cpuacct_parse("4277964501984 4390775589857 \n", NULL, &busy, &n) == 0 && n == 2 &&
          fabs(busy - (4277964501984.0 + 4390775589857.0)) < 1);
    CHECK(sb__cpuacct_parse("100 200\n", &one, &busy, &n) == 0 && n == 1 && busy == 200);
    CHECK(sb__cpuacct_parse("100 x\n", NULL, &busy, &n) != 0);
    CHECK(sb__cpuacct_parse("", NULL, &busy, &n) != 0);
}

/* The median's half-width as the report computes it: order statistics,
 * none under six samples. */
static void stats_median_halfwidth(void)
{
    double five[] = {1, 2, 3, 4, 5};
    CHECK(isinf(sb__stats_median_halfwidth(five, 5)));
    double six[] = {106, 100, 98, 102, 101, 99};
    /* n = 6: [x(1), x(6)] = [98, 106] around a median of 100.5. */
    CHECK(fabs(sb__stats_median_halfwidth(six, 6) - 5.5 / 100.5) < 1e-12);
    double twenty[20];
    for (int i = 0; i < 20; i++) twenty[i] = 100 + i;
    /* n = 20: k = 6 (coverage 0.959), [105, 114] around 109.5. */
    CHECK(fabs(sb__stats_median_halfwidth(twenty, 20) - 4.5 / 109.5) < 1e-12);
}

/* The stopping rule on synthetic samples: a benchmark wider than the
 * target gets one more repetition a round, one within it none; a
 * disturbed repetition is redone, at most as many as were planned, and
 * what it redid is remembered; a stopped instance gets nothing. */
static void sampling_rounds(void)
{
    struct sb__instance in = fake_instance();
    struct sb__records per[3] = {{0}, {0}, {0}};
    for (int i = 0; i < 6; i++) {
        struct sb__record a = rep(&in, i, 100 + (i % 2 ? 0.5 : -0.5), 1); /* +-0.5 % */
        struct sb__record b = rep(&in, i, 100 + 10 * i, 1);               /* wide */
        struct sb__record c = rep(&in, i, 100, 1);
        if (i < 3) snprintf(a.disturbed, sizeof a.disturbed, "others");
        CHECK(sb__records_push(&per[0], &a) == 0 && sb__records_push(&per[1], &b) == 0 &&
              sb__records_push(&per[2], &c) == 0);
    }
    struct sb__record e;
    sb__record_unmeasured(&e, &in, 6, SB_GUARD_AUTO, 6, "broke", false);
    CHECK(sb__records_push(&per[2], &e) == 0);
    struct sb__sampling st[3];
    for (int i = 0; i < 3; i++) st[i] = (struct sb__sampling){.next_rep = 6};
    struct sb__job jobs[32];
    /* Three disturbed of six planned: three redone, numbered after the plan. */
    size_t n = sb__sampling_redo(per, 3, 6, st, jobs);
    CHECK(n == 3 && jobs[0].instance == 0 && jobs[0].first_rep == 6 && jobs[2].first_rep == 8);
    CHECK(st[0].redone == 3 && st[0].next_rep == 9);
    CHECK(sb__sampling_redo(per, 3, 6, st, jobs) == 0); /* nothing new to redo */
    CHECK(sb__sampling_redo(per, 3, 2, st, jobs) == 0); /* capped by the plan */
    /* Precision 3 %: instance 0 has three undisturbed (no interval yet),
     * 1 is wide, 2 stopped on an error. */
    n = sb__sampling_precision(per, 3, 0.03, st, jobs);
    CHECK(n == 2 && jobs[0].instance == 0 && jobs[1].instance == 1 && jobs[1].first_rep == 6);
    CHECK(isinf(st[0].width) && st[1].width > 0.03);
    for (int i = 3; i < 6; i++) {
        struct sb__record a = rep(&in, 6 + i, 100 + (i % 2 ? 0.5 : -0.5), 1);
        CHECK(sb__records_push(&per[0], &a) == 0);
    }
    n = sb__sampling_precision(per, 3, 0.03, st, jobs);
    CHECK(n == 1 && jobs[0].instance == 1 && st[0].width <= 0.03);
    for (int i = 0; i < 3; i++) sb__records_free(&per[i]);
}

static const struct {
    const char *name;
    void (*fn)(void);
} tests[] = {
    {"disturbance_rule", disturbance_rule},
    {"disturbance_readings_parse", disturbance_readings_parse},
    {"stats_median_halfwidth", stats_median_halfwidth},
    {"sampling_rounds", sampling_rounds},
    {"registry_names_follow_ids", registry_names_follow_ids},
    {"counters_registry_covers_rates", counters_registry_covers_rates},
    {"layout_offsets_follow_the_seed", layout_offsets_follow_the_seed},
    {"cli_sizes", cli_sizes},
    {"cli_counts_and_lists", cli_counts_and_lists},
    {"plan_sweep_and_names", plan_sweep_and_names},
    {"plan_quick_adds_what_claims_need", plan_quick_adds_what_claims_need},
    {"stats_aggregates", stats_aggregates},
    {"stats_collect_orders_repetitions", stats_collect_orders_repetitions},
    {"sample_wire_round_trip", sample_wire_round_trip},
    {"record_refuses_unregistered_counter", record_refuses_unregistered_counter},
    {"cli_defaults_and_spellings", cli_defaults_and_spellings},
    {"iterations_search", iterations_search},
    {"schedule_jobs", schedule_jobs},
    {"bare_ball_counts_alternation", bare_ball_counts_alternation},
    {"echo_pace_schedule", echo_pace_schedule},
    {"packed_stack_canary", packed_stack_canary},
    {"loadgen_wire", loadgen_wire},
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
