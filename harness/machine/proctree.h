/* Memory of a process tree: PSS summed over a process and all its
 * descendants, read from /proc. PSS splits each shared page between the
 * processes that map it, so forked processes are not counted many times
 * over for the pages they share. */
#ifndef SB_PROCTREE_H
#define SB_PROCTREE_H

#include <stdbool.h>
#include <sys/types.h>

/* Memory of the tree under `root`, leaving out the processes in `skip`
 * (helpers such as the load generator) and their descendants: PSS summed
 * over them when `pss` (a run whose tasks or server are processes: pages
 * shared between them count once), else their RSS summed. The caller
 * chooses once per run: a difference of an RSS before the tasks forked
 * and a PSS after them counted shared libraries fully in one and shared
 * in the other, and came out 2 MB below zero at one task. Set *rss_sum to
 * the plain RSS sum when not NULL. NAN when the process list could not
 * be read whole (out of memory). */
double sb__proc_tree_memory_bytes(pid_t root, const pid_t *skip, size_t nskip, bool pss,
                                  double *rss_sum);

#endif
