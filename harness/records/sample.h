/* What one repetition measured (run/repetition.c fills it, the child
 * sends it up the pipe, record.c makes it a record): the first thing of
 * the records' room, which the running room writes into. */
#ifndef SB_SAMPLE_H
#define SB_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "disturbance.h"

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
    /* What else the machine did meanwhile (disturbance.h). */
    struct sb__machine_delta machine;
};

#endif
