/* One repetition of one benchmark instance, inside the runner's child:
 * engine open, workload setup (untimed), the timed run, verification. */
#ifndef SB_REPETITION_H
#define SB_REPETITION_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_engine.h"
#include "sb_workload.h"

#define SB_MAX_COUNTERS 16

struct sb__sample {
    uint64_t iterations;
    double real_ns; /* whole repetition, or the workload's own clock */
    double cpu_ns;  /* user + system, this process and reaped children */
    struct {
        char name[40];
        double value;
    } counters[SB_MAX_COUNTERS];
    int ncounters;
    char note[96];              /* for the record's label ("kernel memory: ..."); "" when none */
    uint32_t stack_page_offset; /* where the repetition's frame lay within its page */
    uint32_t layout_offset;     /* the shift it ran under (child.c) */
    bool laid_out;              /* false: a reference's program ran it, under no shift of ours */
    /* An external reference's program (external.c) says these itself:
     * its system's versions for the label, and the cores it ran on. "" for
     * our engines (the cores are then the pinning's). */
    char system[160];
    char cpus_used[160];
};

struct sb__run_spec {
    const struct sb_engine_ops *engine;
    const struct sb_workload *workload;
    const long long *params;
    struct sb_engine_config cfg;
    const struct sb_loadgen *loadgen; /* NULL: the load is made on this host */
};

/* 0 and a sample, or -1 with err set. */
int sb__run_repetition(const struct sb__run_spec *spec, uint64_t iterations, struct sb__sample *out,
                       struct sb_err *err);

#endif
