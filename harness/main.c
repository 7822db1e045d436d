/* bench: CLI -> plan -> schedule -> runner (a benchmark process per job)
 * -> records -> stats -> reporters -> files in results/. */
#include <fcntl.h>
#include <math.h>
#include <time.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "cli.h"
#include "counters.h"
#include "describe.h"
#include "kmem.h"
#include "loadgen.h"
#include "output.h"
#include "report_run.h"
#include "pin.h"
#include "plan.h"
#include "report.h"
#include "runner.h"
#include "sampling.h"
#include "schedule.h"
#include "stats.h"
#include "sysinfo.h"

static volatile sig_atomic_t interrupted; /* set by the SIGINT/SIGTERM/SIGHUP/SIGQUIT handler */

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* A closed standard descriptor would be reused by the next open(): the
 * results file would become our stderr, or libuv would find its loop's
 * descriptor at 0 and abort. /dev/null takes the place of each one. */
static void open_std_fds(void)
{
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) != -1) continue;
        int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (n >= 0 && n != fd) {
            dup2(n, fd);
            close(n);
        }
    }
}

static void catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt; /* no SA_RESTART: poll() and a FIFO's open() must wake up */
    sigemptyset(&sa.sa_mask);
    /* Ctrl-C, kill, a closed terminal, Ctrl-\: all end the run the same way. */
    const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Past ulimit -f a write fails with EFBIG, which the output names,
     * instead of the signal killing the run silently (exit 153) with its
     * staging directory left behind. */
    signal(SIGXFSZ, SIG_IGN);
    /* Task processes and helpers orphaned by a timeout or a crash are
     * reparented to us and reaped by the runner, not left to an init that
     * may not reap. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

/* One line whatever the message quotes: an option value holding a newline
 * or another control character is shown escaped (\n, \x1b), so that bad
 * input is one line of stderr, as the exit status 2 promises. */
static void put_line(const char *msg)
{
    fputs("bench: ", stderr);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p == '\n')
            fputs("\\n", stderr);
        else if (*p == '\r')
            fputs("\\r", stderr);
        else if (*p == '\t')
            fputs("\\t", stderr);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('\n', stderr);
}

static int usage_error(const char *msg)
{
    put_line(msg);
    return 2;
}

static void progress(size_t done, size_t total, const char *name, int rep, int reps,
                     const char *phase)
{
    if (!isatty(STDERR_FILENO)) return;
    fprintf(stderr, "\r\033[K%s%s[%zu/%zu] %s", phase, phase[0] ? ": " : "", done + 1, total, name);
    if (reps > 1 && rep >= 0 && rep < reps) fprintf(stderr, " (repetition %d/%d)", rep + 1, reps);
    fflush(stderr);
}

static void progress_done(void)
{
    if (isatty(STDERR_FILENO)) fprintf(stderr, "\r\033[K");
}

/* Each error and skipped record gets a line on stderr, in the order of
 * the results; with --strict an error makes the exit status 1. */
static void count_unmeasured(const struct sb__records *rows, bool strict, int *status, size_t *nerr,
                             size_t *nskip)
{
    for (size_t i = 0; i < rows->n; i++) {
        const struct sb__record *r = &rows->v[i];
        if (r->status == SB_RECORD_ERROR) {
            if ((*nerr)++ == 0 && strict) *status = 1;
            fprintf(stderr, "bench: %s: %s\n", r->in->name, r->message);
        } else if (r->status == SB_RECORD_SKIPPED) {
            (*nskip)++;
            fprintf(stderr, "bench: %s: skipped: %s\n", r->in->name, r->message);
        }
    }
}

/* --list-engines, --list-workloads: the registries for a person, one line
 * each (the tests read --describe's JSON: tests/engine_tests.cmake). */
static void list_registries(const struct sb__options *o)
{
    if (o->list_engines) {
        for (size_t i = 0; i < sb_engine_count; i++) {
            unsigned c = sb_engines[i]->caps;
            const struct sb_engine_ops *en = sb_engines[i];
            bool missing = sb_engine_unavailable(en) != NULL;
            printf("%s %s%s%s%s%s%s%s%s%s%s\n", en->name, sb_engine_kind(en),
                   (c & SB_CAP_STACKFUL) ? " stackful" : "",
                   (c & SB_CAP_PARALLEL) ? " parallel" : "", (c & SB_CAP_WORKERS) ? " workers" : "",
                   (c & SB_CAP_PER_TASK_FPU) ? " per-task-fpu" : "",
                   (c & SB_CAP_OWN_STACKS) ? " own-stacks" : "",
                   (c & SB_CAP_REFERENCE) ? " reference" : "", en->exec_argv ? " external" : "",
                   missing ? " unavailable:" : "",
                   missing ? (en->package ? en->package : "?") : "");
        }
    }
    if (o->list_workloads) {
        for (size_t i = 0; i < sb_workload_count; i++)
            printf("%s%s\n", sb_workloads[i]->name,
                   (sb_workloads[i]->flags & SB_WL_HIDDEN) ? " hidden" : "");
    }
}

/* --help, --version, --list-engines, --list-workloads: what needs no
 * plan (--describe says what the options would do, so it is answered
 * after the plan, through the same checks as a run). True when one of
 * them was asked for; *rc is its status. */
static bool answer_without_running(const struct sb__options *o, int *rc)
{
    *rc = 0;
    if (o->describe) return false;
    if (o->help) {
        sb__cli_usage(stdout);
    } else if (o->version) {
        printf("switchbench %s\n", SB_VERSION);
    } else if (o->list_engines || o->list_workloads) {
        list_registries(o);
    } else {
        return false;
    }
    return true;
}

/* --describe, once the options passed every check a run makes: the
 * registries and what the options select. */
static int describe(const struct sb__options *o, const struct sb__plan *plan)
{
    struct sb_err err = {""};
    json_t *doc = sb__describe(o, plan, &err);
    if (!doc) return usage_error(err.msg);
    int rc = 0;
    if (json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0 ||
        fputc('\n', stdout) == EOF || fflush(stdout) != 0)
        rc = 1;
    json_decref(doc);
    return rc;
}

/* The run's context: the machine, the limits, and the engines left out
 * with the command that adds each (the report names them). */
static json_t *run_context(const struct sb__options *o, const struct sb__pin *pin,
                           const char *argv0, const struct sb__limits *limits,
                           const struct sb__plan *plan)
{
    json_t *ctx = sb__sysinfo_context(o, pin, argv0);
    json_object_set_new(ctx, "limits", sb__limits_json(limits));
    json_object_set_new(ctx, "counters", sb__counters_json());
    json_t *left = json_object();
    for (size_t i = 0; i < plan->n_left_out; i++) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "./bench --engine=%s", plan->left_out[i]->name);
        json_object_set_new(left, plan->left_out[i]->name,
                            json_pack("{s:s, s:s}", "why", sb_engine_unavailable(plan->left_out[i]),
                                      "command", cmd));
    }
    json_object_set_new(ctx, "engines_left_out", left);
    return ctx;
}

/* What a run of jobs shares: the plan, the settings, every instance's
 * records, iteration counts and sampling state, and the progress shown. */
struct job_run {
    const struct sb__options *o;
    const struct sb__plan *plan;
    const struct sb__runner_config *rc;
    struct sb__records *per_instance;
    uint64_t *iters;
    struct sb__sampling *st;
    const char *phase; /* "" for the planned repetitions */
};

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* jobs[0..n) in order; a job whose instance stopped is passed over, and
 * with a deadline (> 0) so is one its instance's mean job time would take
 * past it. 0, or 130 when interrupted. */
static int run_list(struct job_run *jr, const struct sb__job *jobs, size_t n, double deadline,
                    double max_job_s)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = jobs[k].instance;
        const struct sb__instance *in = &jr->plan->items[i];
        struct sb__sampling *st = &jr->st[i];
        if (sb__sampling_stopped(&jr->per_instance[i])) continue;
        if (deadline > 0 && mono_s() + st->job_s > deadline) continue;
        if (max_job_s > 0 && st->job_s > max_job_s) continue;
        progress(k, n, in->name, jr->o->interleave ? jobs[k].first_rep : -1, jr->o->repetitions,
                 jr->phase);
        double t0 = mono_s();
        if (sb__runner_job(jr->rc, in, jobs[k].first_rep, jobs[k].n_reps, &jr->iters[i],
                           &jr->per_instance[i]) != 0) {
            progress_done();
            fprintf(stderr, "bench: interrupted; benchmark processes stopped, nothing written\n");
            return 130;
        }
        st->job_s = (st->job_s * st->jobs + (mono_s() - t0)) / (st->jobs + 1);
        st->jobs++;
    }
    progress_done();
    return 0;
}

/* Disturbed repetitions redone, round after round, until none is left to
 * redo or each instance has redone as many as were planned. */
static int redo_disturbed(struct job_run *jr, struct sb__job *extra)
{
    int status = 0;
    for (unsigned round = 1; status == 0; round++) {
        size_t n =
            sb__sampling_redo(jr->per_instance, jr->plan->n, jr->o->repetitions, jr->st, extra);
        if (n == 0) break;
        sb__schedule_shuffle(extra, n, jr->o->seed + round);
        jr->phase = "redoing disturbed repetitions";
        status = run_list(jr, extra, n, 0, 0);
    }
    return status;
}

/* --precision: a repetition more, per round, to each instance whose
 * interval is wider than the target, until none is or the budget is
 * spent (a round that can start no job ends it). */
static size_t records_of(const struct job_run *jr)
{
    size_t n = 0;
    for (size_t i = 0; i < jr->plan->n; i++) n += jr->per_instance[i].n;
    return n;
}

static int sample_to_precision(struct job_run *jr, struct sb__job *extra)
{
    const struct sb__options *o = jr->o;
    if (o->precision <= 0 || o->budget <= 0) return 0;
    double deadline = mono_s() + o->budget;
    int status = 0;
    jr->phase = "adding repetitions to reach --precision";
    for (unsigned round = 1; status == 0 && mono_s() < deadline; round++) {
        size_t n =
            sb__sampling_precision(jr->per_instance, jr->plan->n, o->precision, jr->st, extra);
        if (n == 0) break;
        sb__schedule_shuffle(extra, n, o->seed + 7919 * round);
        size_t *had = calloc(jr->plan->n ? jr->plan->n : 1, sizeof *had), before = records_of(jr);
        for (size_t i = 0; had && i < jr->plan->n; i++) had[i] = jr->per_instance[i].n;
        /* A fair share of what is left per benchmark still too wide: a
         * job that costs more waits for a round with room for it, so the
         * cheap few-ns figures get many repetitions and an echo at 1,000
         * connections does not spend the budget alone. A round the share
         * stops entirely runs with the deadline only. */
        status = run_list(jr, extra, n, deadline, (deadline - mono_s()) / (double)n);
        if (status == 0 && records_of(jr) == before) status = run_list(jr, extra, n, deadline, 0);
        for (size_t i = 0; had && i < jr->plan->n; i++)
            jr->st[i].added += (int)(jr->per_instance[i].n - had[i]);
        free(had);
        if (records_of(jr) == before) break;
    }
    /* The widths the run ended with, for the records. */
    (void)sb__sampling_precision(jr->per_instance, jr->plan->n, INFINITY, jr->st, extra);
    return status;
}

/* Every record says how many repetitions its instance took in all and,
 * with --precision, the width it reached. */
static void note_sampling(const struct sb__options *o, struct sb__records *per_instance,
                          const struct sb__sampling *st, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int reps = 0;
        for (size_t j = 0; j < per_instance[i].n; j++)
            reps += per_instance[i].v[j].status == SB_RECORD_MEASURED;
        for (size_t j = 0; j < per_instance[i].n; j++) {
            struct sb__record *r = &per_instance[i].v[j];
            if (reps > r->repetitions) r->repetitions = reps;
            r->sampling.target = o->precision;
            r->sampling.width = st[i].width;
            r->sampling.added = st[i].added;
            r->sampling.redone = st[i].redone;
        }
    }
}

/* One line each on what the run saw of its machine and what --precision
 * reached: the reader of a long run learns it without the report. */
static void say_sampling(const struct sb__options *o, const struct sb__records *per_instance,
                         const struct sb__sampling *st, size_t n)
{
    size_t reps = 0, disturbed = 0, redone = 0, met = 0, added = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < per_instance[i].n; j++) {
            const struct sb__record *r = &per_instance[i].v[j];
            if (r->status != SB_RECORD_MEASURED || !r->machine.measured) continue;
            reps++;
            disturbed += r->disturbed[0] != '\0';
        }
        redone += (size_t)st[i].redone;
        added += (size_t)st[i].added;
        met += st[i].width <= o->precision;
    }
    if (o->disturbance > 0)
        fprintf(stderr,
                "bench: %zu of %zu repetitions were disturbed (other processes or the hypervisor "
                "on the run's CPUs, past %.3g %% of their time); %zu redone\n",
                disturbed, reps, o->disturbance * 100, redone);
    if (o->precision > 0 && o->budget > 0)
        fprintf(stderr,
                "bench: --precision: %zu of %zu benchmarks have their median within +-%.3g %% "
                "(95 %% interval); %zu repetitions added within a budget of %.0f s\n",
                met, n, o->precision * 100, added, o->budget);
}

/* Every job in the scheduled order, each instance's records into
 * per_instance; then the disturbed repetitions redone and --precision's.
 * 0, 130 when interrupted, 1 out of memory. */
static int run_jobs(const struct sb__options *o, const struct sb__plan *plan,
                    const struct sb__runner_config *rc, struct sb__records *per_instance,
                    struct sb__sampling *st)
{
    size_t njobs = 0;
    struct sb__job *jobs = sb__schedule(plan->n, o->repetitions, o->interleave, o->seed, &njobs);
    uint64_t *iters = calloc(plan->n ? plan->n : 1, sizeof *iters);
    /* Room for the largest round: a job per repetition planned, per instance. */
    struct sb__job *extra = calloc((plan->n ? plan->n : 1) * (size_t)o->repetitions, sizeof *extra);
    int status = 0;
    if (!jobs || !iters || !extra) {
        fprintf(stderr, "bench: out of memory\n");
        status = 1;
    }
    for (size_t i = 0; i < plan->n; i++) st[i] = (struct sb__sampling){.next_rep = o->repetitions};
    struct job_run jr = {o, plan, rc, per_instance, iters, st, ""};
    if (status == 0) status = run_list(&jr, jobs, njobs, 0, 0);
    if (status == 0 && rc->disturbance > 0) status = redo_disturbed(&jr, extra);
    if (status == 0) status = sample_to_precision(&jr, extra);
    free(extra);
    free(jobs);
    free(iters);
    return status;
}

/* stdout, then the files whole or not at all (every file under a
 * temporary name first, then renamed together), then the summary lines.
 * Returns the run's exit status, starting from `status`. */
static int write_results(const struct sb__options *o, struct sb__output *dest, json_t *ctx,
                         const struct sb__records *rows, int status)
{
    struct sb_err err = {""};
    size_t nerr = 0, nskip = 0;
    count_unmeasured(rows, o->strict, &status, &nerr, &nskip);
    if (sb__report_write(stdout, o->format, ctx, rows) != 0 || fflush(stdout) != 0) {
        fprintf(stderr, "bench: cannot write to standard output\n");
        status = 1;
    }
    int wr = sb__output_stage(dest, ctx, rows, &err);
    if (wr == 0) wr = sb__output_commit(dest, ctx, rows, &interrupted, &err);
    if (wr == 1) {
        fprintf(stderr, "bench: interrupted while writing the results; nothing written\n");
        sb__output_abandon(dest);
        return 130;
    }
    if (wr != 0) {
        put_line(err.msg);
        sb__output_abandon(dest);
        status = 1;
    } else if (dest->dir[0]) {
        fprintf(stderr, "bench: results in %s (results.json, results.csv)\n", dest->run_final);
        if (!o->no_report && !interrupted && sb__report_run(dest->run_final) != 0 && status == 0)
            status = 1;
    }
    if (nskip)
        fprintf(stderr, "bench: %zu record(s) skipped: this machine's limits cannot hold them\n",
                nskip);
    if (nerr) fprintf(stderr, "bench: %zu record(s) carry an error\n", nerr);
    /* A signal that came while the files were being renamed: they are
     * whole, and the exit status still says the run was interrupted. */
    if (interrupted && status == 0) {
        fprintf(stderr, "bench: interrupted after the results were written\n");
        status = 130;
    }
    return status;
}

/* CLI -> plan -> jobs -> records -> stats -> reporters -> files. */
int main(int argc, char **argv)
{
    open_std_fds();
    /* The load host's side of --loadgen: a mode of its own. */
    if (argc > 1 && strcmp(argv[1], "agent") == 0) return sb_agent_main(argc - 1, argv + 1);
    struct sb__options o;
    struct sb_err err = {""};
    int status = 0;
    if (sb__cli_parse(argc, argv, &o, &err) < 0) return usage_error(err.msg);
    if (answer_without_running(&o, &status)) return status;
    /* Before any work: an agent that is not there is one line, exit 2. */
    struct sb_loadgen loadgen;
    json_t *load_host = NULL;
    if (o.loadgen && !o.list && !o.describe &&
        sb__loadgen_prepare(&o, &loadgen, &load_host, &err) != 0)
        return usage_error(err.msg);
    /* The cores come first: the quick run's sweeps depend on them. */
    struct sb__pin pin;
    if (sb__pin_init(&pin, o.cpus, o.placement, &err) != 0) return usage_error(err.msg);
    o.cores = pin.ncpus;
    struct sb__plan plan;
    struct sb__limits limits;
    sb__limits_read(&limits);
    if (sb__plan_build(&o, &limits, &plan, &err) != 0) {
        sb__pin_destroy(&pin);
        return usage_error(err.msg);
    }
    /* Each with the command that adds it: ./bench installs a reference's
     * package when a run names its engine (as root). */
    for (size_t i = 0; i < plan.n_left_out && !o.describe; i++)
        fprintf(stderr, "bench: %s left out: %s; ./bench --engine=%s adds it\n",
                plan.left_out[i]->name, sb_engine_unavailable(plan.left_out[i]),
                plan.left_out[i]->name);
    /* Every destination is checked before the run: a long run must not be
     * lost at its end to a missing directory or a typo. */
    struct sb__output dest;
    if (o.describe) {
        status = describe(&o, &plan);
    } else if (o.list) {
        for (size_t i = 0; i < plan.n; i++) printf("%s\n", plan.items[i].name);
    } else if (sb__output_prepare(&dest, o.out, o.out_format, o.results_dir, &err) != 0) {
        status = usage_error(err.msg);
    } else {
        catch_interrupts();
        sb__kmem_sweep_stale();
        json_t *ctx = run_context(&o, &pin, argv[0], &limits, &plan);
        if (load_host) json_object_set_new(ctx, "load_host", load_host);
        load_host = NULL;
        if (o.format == SB_FMT_CONSOLE) sb__report_console_context(stderr, ctx);
        struct sb__runner_config rc = {
            .min_time = o.min_time,
            .fixed_iterations = o.fixed_iterations,
            .timeout = o.timeout,
            .repetitions = o.repetitions,
            .stack_size = o.stack_size,
            .guard = (enum sb_stack_guard)o.stack_guard,
            .pin = &pin,
            .interrupted = &interrupted,
            .layout_fixed = o.layout_fixed,
            .layout_seed = o.layout_seed,
            .loadgen = o.loadgen ? &loadgen : NULL,
            .disturbance = o.disturbance,
        };
        struct sb__records *per_instance = calloc(plan.n ? plan.n : 1, sizeof *per_instance);
        struct sb__sampling *sampling = calloc(plan.n ? plan.n : 1, sizeof *sampling);
        struct sb__records rows = {0};
        if (!per_instance || !sampling) {
            fprintf(stderr, "bench: out of memory\n");
            sb__output_abandon(&dest);
            status = 1;
        } else {
            status = run_jobs(&o, &plan, &rc, per_instance, sampling);
            note_sampling(&o, per_instance, sampling, plan.n);
            if (status == 0) say_sampling(&o, per_instance, sampling, plan.n);
            /* Per instance: its repetitions in order, then the aggregates. */
            if (status == 0 && sb__stats_collect(per_instance, plan.n, &rows) != 0) {
                fprintf(stderr, "bench: out of memory\n");
                status = 1;
            }
            if (status == 0)
                status = write_results(&o, &dest, ctx, &rows, status);
            else
                sb__output_abandon(&dest);
            for (size_t i = 0; i < plan.n; i++) sb__records_free(&per_instance[i]);
        }
        free(per_instance);
        free(sampling);
        sb__records_free(&rows);
        json_decref(ctx);
    }
    json_decref(load_host);
    sb__pin_destroy(&pin);
    sb__plan_free(&plan);
    return status;
}
