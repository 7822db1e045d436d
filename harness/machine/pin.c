#include "pin.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int sb__pin_init(struct sb__pin *p, const char *cpu_list, enum sb__placement placement,
                 struct sb_err *err)
{
    memset(p, 0, sizeof *p);
    p->placement = placement;
    if (hwloc_topology_init(&p->topo) != 0) {
        sb_err_set(err, "hwloc cannot read this machine's topology");
        return -1;
    }
    if (hwloc_topology_load(p->topo) != 0) {
        sb_err_set(err, "hwloc cannot read this machine's topology");
        hwloc_topology_destroy(p->topo);
        return -1;
    }
    /* What this process may run on: hwloc's allowed set (cgroups) and our
     * own affinity mask (taskset, a CI runner's cpuset), both. */
    hwloc_bitmap_t allowed = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(p->topo));
    hwloc_bitmap_t mask = hwloc_bitmap_alloc();
    if (hwloc_get_cpubind(p->topo, mask, HWLOC_CPUBIND_PROCESS) == 0 && !hwloc_bitmap_iszero(mask))
        hwloc_bitmap_and(allowed, allowed, mask);
    hwloc_bitmap_free(mask);
    hwloc_bitmap_t want = hwloc_bitmap_alloc();
    if (cpu_list && *cpu_list) {
        if (hwloc_bitmap_list_sscanf(want, cpu_list) != 0 || hwloc_bitmap_iszero(want) ||
            hwloc_bitmap_weight(want) < 0) {
            sb_err_set(err, "--cpus: '%s' is not a CPU list such as 0,1 or 0-3", cpu_list);
            hwloc_bitmap_free(want);
            hwloc_bitmap_free(allowed);
            hwloc_topology_destroy(p->topo);
            return -1;
        }
        if (!hwloc_bitmap_isincluded(want, allowed)) {
            char have[256];
            hwloc_bitmap_list_snprintf(have, sizeof have, allowed);
            sb_err_set(err, "--cpus: '%s' names CPUs this process may not use (allowed: %s)",
                       cpu_list, have);
            hwloc_bitmap_free(want);
            hwloc_bitmap_free(allowed);
            hwloc_topology_destroy(p->topo);
            return -1;
        }
    } else {
        hwloc_bitmap_copy(want, allowed);
    }
    hwloc_bitmap_free(allowed);
    int i;
    hwloc_bitmap_foreach_begin(i, want)
    {
        if (p->ncpus < sizeof p->cpus / sizeof p->cpus[0]) p->cpus[p->ncpus++] = (unsigned)i;
    }
    hwloc_bitmap_foreach_end();
    hwloc_bitmap_free(want);
    p->applied_words = 1024 / (8 * sizeof(unsigned long));
    p->applied = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p->applied == MAP_FAILED) {
        sb_err_set(err, "out of memory");
        hwloc_topology_destroy(p->topo);
        return -1;
    }
    return 0;
}

void sb__pin_destroy(struct sb__pin *p)
{
    if (p->applied && p->applied != MAP_FAILED) munmap(p->applied, 4096);
    hwloc_topology_destroy(p->topo);
}

/* Bind the calling thread to the PUs of slots [0, n) and record what the
 * kernel says it is bound to, not what was asked for. */
static void pin_bind_slots(struct sb__pin *p, unsigned first, unsigned n)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc(), got = hwloc_bitmap_alloc();
    hwloc_bitmap_zero(set);
    for (unsigned slot = first; slot < first + n; slot++)
        hwloc_bitmap_set(set, p->placement == SB_SPREAD ? p->cpus[slot % p->ncpus] : p->cpus[0]);
    (void)hwloc_set_cpubind(p->topo, set, HWLOC_CPUBIND_THREAD);
    if (hwloc_get_cpubind(p->topo, got, HWLOC_CPUBIND_THREAD) == 0) {
        int i;
        hwloc_bitmap_foreach_begin(i, got)
        {
            size_t bits = 8 * sizeof(unsigned long);
            if ((size_t)i < p->applied_words * bits)
                __atomic_fetch_or(&p->applied[(size_t)i / bits], 1UL << ((size_t)i % bits),
                                  __ATOMIC_RELAXED);
        }
        hwloc_bitmap_foreach_end();
    }
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(got);
}

void sb__pin_apply(void *pin, unsigned slot) { pin_bind_slots(pin, slot, 1); }

void sb__pin_apply_slots(struct sb__pin *p, unsigned n) { pin_bind_slots(p, 0, n ? n : 1); }

void sb__pin_cpu(struct sb__pin *p, unsigned os_index)
{
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_only(set, os_index);
    (void)hwloc_set_cpubind(p->topo, set, HWLOC_CPUBIND_THREAD);
    hwloc_bitmap_free(set);
}

void sb__pin_reset_applied(struct sb__pin *p)
{
    memset(p->applied, 0, p->applied_words * sizeof(unsigned long));
}

void sb__pin_applied_list(const struct sb__pin *p, char *buf, size_t len)
{
    hwloc_bitmap_t b = hwloc_bitmap_alloc();
    for (size_t w = 0; w < p->applied_words; w++)
        hwloc_bitmap_set_ith_ulong(b, (unsigned)w, p->applied[w]);
    if (hwloc_bitmap_iszero(b))
        snprintf(buf, len, "none");
    else
        hwloc_bitmap_list_snprintf(buf, len, b);
    hwloc_bitmap_free(b);
}

void sb__pin_chosen_list(const struct sb__pin *p, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < p->ncpus && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%u", i ? "," : "", p->cpus[i]);
}
