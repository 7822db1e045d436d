/* The memory readings themselves (run_readings.h), made on the caller's
 * stack: the meter's thread calls them for the benchmark process, a
 * helper or a task process calls them directly. */
#include "run_readings.h"

#include <math.h>
#include <stdbool.h>
#include <unistd.h>

#include "proctree.h"
#include "run_state.h"

double sb__run_memory_now(const struct sb_run *run, double *rss_bytes)
{
    const struct run_helper_pids *h = run->helper_pids;
    /* One method for every reading of a run: PSS where its tasks or its
     * server are processes, RSS where they share one address space. */
    const struct sb_engine_ops *ops = run->eng ? run->eng->ops : NULL;
    bool pss = ops && ((ops->caps & SB_CAP_SEPARATE_MEMORY) || ops->exec_argv);
    return sb__proc_tree_memory_bytes(run->root, h ? h->pid : NULL, h ? h->n : 0, pss, rss_bytes);
}

double sb__run_kernel_memory_now(struct sb_run *run)
{
    if (!run->kmem_open) {
        if (getpid() != run->root) return NAN; /* a cgroup is joined from setup only */
        sb__kmem_open(&run->kmem);
        run->kmem_open = true;
    }
    return sb__kmem_bytes(&run->kmem);
}
