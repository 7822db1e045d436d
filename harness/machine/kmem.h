/* Memory the kernel holds for a benchmark's tasks: kernel stacks, page
 * tables and unreclaimable slab (task structs, mm and VMA objects), which
 * no resident-set figure shows. One thread measured here costs 16 KiB of
 * kernel stack and ~6.6 KB of slab (1,000 threads: KernelStack +15,988 kB,
 * SUnreclaim +6,612 kB), more than its 3.6 kB of user memory.
 *
 * Measured, best first:
 * - cgroup v2: the benchmark process moves into a cgroup of its own
 *   (`switchbench-PID` under its current one) and reads memory.stat's
 *   kernel_stack + pagetables + slab_unreclaimable;
 * - cgroup v1: the same in the memory hierarchy, reading
 *   memory.kmem.usage_in_bytes (all kernel memory charged, slab included);
 * - /proc/meminfo: KernelStack + PageTables + SUnreclaim for the whole
 *   machine, which any other process moves too (the method says so).
 * Reclaimable slab is left out of the last two: dentry and inode caches
 * grow with any file activity, ours (reading /proc for PSS) included. */
#ifndef SB_KMEM_H
#define SB_KMEM_H

#include <stdbool.h>
#include <sys/types.h>

enum sb__kmem_method { SB_KMEM_NONE, SB_KMEM_CGROUP2, SB_KMEM_CGROUP1, SB_KMEM_MEMINFO };

struct sb__kmem {
    enum sb__kmem_method method;
    char dir[512];    /* the cgroup made for this process; "" when none */
    char parent[512]; /* the cgroup it came from, to go back to */
};

/* Choose the method and, for a cgroup, move this process into one of its
 * own. Never fails: the last resort is /proc/meminfo (or NONE when even
 * that cannot be read). */
void sb__kmem_open(struct sb__kmem *k);
/* Kernel bytes now under the chosen method; NAN when it cannot be read. */
double sb__kmem_bytes(const struct sb__kmem *k);
/* Move back to the parent cgroup and remove ours. */
void sb__kmem_close(struct sb__kmem *k);
/* The method in words, for labels ("cgroup v2 memory.stat", ...). */
const char *sb__kmem_method_name(enum sb__kmem_method m);
/* Remove the cgroup a process `pid` (now dead) made, if it left one: the
 * runner's backstop after a benchmark process was killed. */
void sb__kmem_remove_for(pid_t pid);
/* Remove the switchbench-PID cgroups whose PID is gone, left behind by a
 * run that was killed (kill -9) mid-benchmark: called as a run starts. */
void sb__kmem_sweep_stale(void);

#endif
