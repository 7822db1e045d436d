/* The memory readings a repetition's figures come from, on the caller's
 * stack (run_readings.c): the meter (run_meter.c) runs them on a thread of
 * its own for tasks with small stacks, the probe (run_memory.c) in a
 * helper. Internal to the harness. */
#ifndef SB_RUN_READINGS_H
#define SB_RUN_READINGS_H

struct sb_run;

/* The run's process tree's memory now: PSS summed where its tasks or its
 * server are processes, else RSS; rss_bytes (NULL: not wanted) gets the
 * plain RSS sum. */
double sb__run_memory_now(const struct sb_run *run, double *rss_bytes);
/* What the kernel holds for the run now (harness/machine/kmem.h), NAN when it
 * cannot be measured; the first call, from setup, opens its method. */
double sb__run_kernel_memory_now(struct sb_run *run);

#endif
