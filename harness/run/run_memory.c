/* Helper processes, memory probes and the memory figures of a
 * repetition (sb_workload.h): the process tree's memory, the kernel's
 * share, and a probe that reads it from a helper after a delay. */
#include <errno.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "run_meter.h"
#include "run_readings.h"
#include "run_state.h"

int sb_run_helper(struct sb_run *run, const struct sb_helper_spec *spec, struct sb_err *err)
{
    if (run->nhelpers == SB_MAX_HELPERS) {
        sb_err_set(err, "%s: more than %d helper processes", spec->name, SB_MAX_HELPERS);
        return -1;
    }
    if (!run->helper_pids && !(run->helper_pids = sb_run_alloc(run, sizeof *run->helper_pids, err)))
        return -1;
    uint32_t *gate = sb_run_alloc(run, sizeof *gate, err); /* shared with the helper */
    if (!gate) return -1;
    struct sb__helper *h = &run->helpers[run->nhelpers];
    h->on_death = spec->on_death;
    h->ctx = spec->arg;
    if (sb__helper_start(h, gate, run->spec->cfg.pin_ctx, spec->main, spec->arg, err) != 0)
        return -1;
    run->helper_specs[run->nhelpers++] = *spec;
    /* Published before the gate opens, so every helper sees every pid. */
    run->helper_pids->pid[run->helper_pids->n++] = h->pid;
    return 0;
}

struct probe_args {
    struct sb_run *run; /* the helper's copy, as it was at fork */
    uint64_t delay_ns;
    struct sb_memory_probe got;
};

static int probe_main(void *p)
{
    struct probe_args *a = p;
    struct timespec ts = {(time_t)(a->delay_ns / 1000000000u), (long)(a->delay_ns % 1000000000u)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
    /* A helper: no meter thread here; the kernel figure only where setup
     * opened its method (a cgroup is joined from setup only). */
    a->got.at_ns = sb_now_ns();
    a->got.kernel_bytes = a->run->kmem_open ? sb__kmem_bytes(&a->run->kmem) : NAN;
    a->got.user_bytes = sb__run_memory_now(a->run, NULL);
    return 0;
}

int sb_run_memory_probe(struct sb_run *run, uint64_t delay_ns, const struct sb_memory_probe **out,
                        struct sb_err *err)
{
    struct probe_args *a = sb_run_alloc(run, sizeof *a, err);
    if (!a) return -1;
    *a = (struct probe_args){.run = run, .delay_ns = delay_ns, .got = {-1, NAN, 0}};
    struct sb_helper_spec spec = {.name = "memory probe", .main = probe_main, .arg = a};
    if (sb_run_helper(run, &spec, err) != 0) return -1;
    *out = &a->got;
    return 0;
}

/* Both read through the memory meter's thread (run_meter.c). The contract's
 * const run: the meter is the one part that a reading changes, and every
 * sb_run is a non-const object of sb__run_repetition. */
double sb_run_memory_bytes(const struct sb_run *run, double *rss_bytes)
{
    return sb__meter_read((struct sb_run *)run, SB__METER_USER, rss_bytes);
}

double sb_run_kernel_memory_bytes(struct sb_run *run)
{
    return sb__meter_read(run, SB__METER_KERNEL, NULL);
}
