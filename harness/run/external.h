/* External reference engines (sb_engine_ops.exec_argv): the command line
 * of their program, the program measuring repetitions on request, and the
 * program as a repetition's server (references/README.md has the protocol).
 *
 * Most workloads run whole inside the program: child.c starts it once per
 * job and asks for one repetition at a time, writing an iteration count
 * on its standard input; the program answers each with one JSON line on
 * fd 3. The harness alone searches the iteration count (iterations.c), so
 * the rule exists once. A workload with an `external` hook (echo) is
 * driven by the harness instead: the program is started with --serve as
 * the repetition's server, says on fd 3 which port it listens on, serves
 * until its standard input closes, and then reports its counts in one
 * JSON line. */
#ifndef SB_EXTERNAL_H
#define SB_EXTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "pin.h"
#include "repetition.h"
#include "sb_engine.h"
#include "sb_workload.h"

#define SB_EXTERNAL_MAX_ARGS 48

struct sb__external_args {
    char *argv[SB_EXTERNAL_MAX_ARGS + 1]; /* NULL-terminated */
    char text[SB_EXTERNAL_MAX_ARGS][128];
    unsigned n;
    const char *engine; /* its name, for messages */
};

/* The engine's exec_argv, then --workload=, --param=K=V for each of the
 * workload's parameters and --workers=. */
void sb__external_args_init(struct sb__external_args *a, const struct sb_engine_ops *e,
                            const struct sb_workload *w, const long long *params, unsigned workers);
/* One more argument, printf-style; silently dropped past the limit (the
 * limit leaves room for every argument the harness passes). */
void sb__external_args_add(struct sb__external_args *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct sb__external_server {
    const char *engine; /* its name, for messages */
    pid_t pid;          /* 0 when none runs */
    int to_fd;          /* its standard input: closing it asks it to stop */
    int from_fd;        /* its fd 3: the port line, then the counts */
    double cpu0_ns;     /* its CPU time when it was ready (start-up: never counted) */
    double cpu_ns;      /* its CPU time from ready until asked to stop */
    double total_ns;    /* all its CPU time, as reaping it reported */
    bool serving;       /* started with --serve (messages say so) */
};

/* Fork and exec the program `a` (plus --serve), bound to the cores of
 * `workers` scheduler slots of `pin`, and wait for its port. 0, or -1 with
 * err set (the program ended, or said something else). */
int sb__external_serve(struct sb__external_server *s, struct sb__external_args *a,
                       struct sb__pin *pin, unsigned workers, uint16_t *port, struct sb_err *err);
/* Fork and exec the program `a` to measure repetitions on request (bound
 * as sb__external_serve binds it). 0, or -1 with err set. */
int sb__external_start(struct sb__external_server *s, struct sb__external_args *a,
                       struct sb__pin *pin, unsigned workers, struct sb_err *err);
/* Ask the started program for one repetition of `n` iterations (it may do
 * a few more where its unit of work is several, and says how many) and
 * read its answer into `out`. 0, or -1 with err set: what the program said
 * went wrong, how it ended, or what its answer lacked. */
int sb__external_measure(struct sb__external_server *s, uint64_t n, struct sb__sample *out,
                         struct sb_err *err);
/* Close its standard input and reap it. 0, or -1 with err set when it
 * did not exit cleanly. */
int sb__external_finish(struct sb__external_server *s, struct sb_err *err);
/* Close its standard input, read its counts (values[i] for names[i];
 * every name must be there) and reap it. 0, or -1 with err set. */
int sb__external_stop(struct sb__external_server *s, const char *const *names, double *values,
                      size_t n, struct sb_err *err);
/* Kill and reap it if it still runs. */
void sb__external_kill(struct sb__external_server *s);

#endif
