/* Core choice and pinning through hwloc. `pack` puts every task of an
 * instance on the first chosen core, `spread` deals tasks round robin over
 * the chosen cores. What the kernel actually applied is read back and
 * collected, in memory shared with task processes, for the result. */
#ifndef SB_PIN_H
#define SB_PIN_H

#include <hwloc.h>
#include <stddef.h>

#include "cli.h" /* enum sb__placement: an option's value, in the plan's room */
#include "sb_err.h"

struct sb__pin {
    hwloc_topology_t topo;
    unsigned cpus[1024]; /* OS indexes of the chosen PUs, in order */
    unsigned ncpus;
    enum sb__placement placement;
    unsigned long *applied; /* shared page: bitmask of PUs read back after binding */
    size_t applied_words;
};

/* `cpu_list` NULL or "" means every PU this process may use. 0, or -1 with
 * a one-line message in err. */
int sb__pin_init(struct sb__pin *p, const char *cpu_list, enum sb__placement placement,
                 struct sb_err *err);
void sb__pin_destroy(struct sb__pin *p);
/* sb_pin_fn for engines. */
void sb__pin_apply(void *pin, unsigned slot);
/* Bind the calling thread (and so a program it execs, with every thread
 * that program starts) to the PUs of scheduler slots 0 to n-1: where a
 * runtime of its own (Go's, with GOMAXPROCS=n) places its threads. */
void sb__pin_apply_slots(struct sb__pin *p, unsigned n);
void sb__pin_reset_applied(struct sb__pin *p);
/* Bind the calling thread to one PU without recording it (helpers such as
 * the load generator are not the benchmark's placement). */
void sb__pin_cpu(struct sb__pin *p, unsigned os_index);
/* "0" or "0-1": the PUs bound so far (read back). */
void sb__pin_applied_list(const struct sb__pin *p, char *buf, size_t len);
/* "0,1": the chosen PUs. */
void sb__pin_chosen_list(const struct sb__pin *p, char *buf, size_t len);

#endif
