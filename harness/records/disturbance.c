#include "disturbance.h"

#include <stdio.h>
#include <string.h>

/* A share of the wall time over `n` CPUs, from the lower bound of a
 * difference of two readings: each may lag by one unit per CPU. */
static double share_at_least(double amount, double unit, int n, double wall)
{
    double lower = amount - unit * n;
    return lower > 0 && wall > 0 && n > 0 ? lower / (wall * n) : 0;
}

void sb__disturbance_judge(const struct sb__machine_delta *d, double bound,
                           struct sb__disturbance *out)
{
    memset(out, 0, sizeof *out);
    out->run_delay = -1;
    if (!d->measured) return;
    out->foreign = share_at_least(d->busy_ns - d->own_ns - d->kthreads_ns, d->busy_unit_ns,
                                  d->ncpus, d->wall_ns);
    out->steal = share_at_least(d->steal_ns, d->steal_unit_ns, d->ncpus, d->wall_ns);
    /* The wait for a CPU, less what the kernel's threads ran (they may
     * have been what it waited for, doing the benchmark's own work: a
     * spawn of 10,000 coroutines waited 2-4 % for kworkers). */
    if (d->run_delay_ns >= 0 && d->wall_ns > 0) {
        double waited = d->run_delay_ns - d->kthreads_ns;
        out->run_delay = waited > 0 ? waited / d->wall_ns : 0;
    }
    size_t at = 0;
    char *w = out->why;
    size_t len = sizeof out->why;
    if (out->foreign > bound)
        at += (size_t)snprintf(w + at, len - at,
                               "%sother processes used at least %.1f %% of its CPUs",
                               at ? "; " : "", out->foreign * 100);
    if (out->steal > bound && at < len)
        at += (size_t)snprintf(w + at, len - at, "%sthe hypervisor stole at least %.1f %%",
                               at ? "; " : "", out->steal * 100);
    if (out->run_delay > bound && at < len)
        at += (size_t)snprintf(w + at, len - at, "%sit waited %.1f %% of its time for its CPU",
                               at ? "; " : "", out->run_delay * 100);
    if (d->one_cpu && d->migrations > 0 && at < len)
        at += (size_t)snprintf(w + at, len - at,
                               "%sit migrated %.0f time(s) though pinned to one CPU",
                               at ? "; " : "", d->migrations);
    out->disturbed = at > 0;
}
