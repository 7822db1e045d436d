/* The workload registry: the only place the harness learns which workloads exist. */
#include <string.h>

#include "sb_workload.h"

extern const struct sb_workload sb_wl_switch, sb_wl_pingpong, sb_wl_ring, sb_wl_bare, sb_wl_sleep, sb_wl_echo,
    sb_wl_pipeline, sb_wl_cpu, sb_wl_spawn, sb_wl_blocking;
extern const struct sb_workload sb_wl_selftest_hang, sb_wl_selftest_crash, sb_wl_selftest_overflow,
    sb_wl_selftest_wrong, sb_wl_selftest_echo_die, sb_wl_selftest_overflow_worker;

const struct sb_workload *const sb_workloads[] = {
    &sb_wl_switch,        &sb_wl_pingpong,       &sb_wl_ring,
    &sb_wl_bare,          &sb_wl_sleep,          &sb_wl_echo,
    &sb_wl_pipeline,      &sb_wl_cpu,            &sb_wl_spawn,
    &sb_wl_blocking,      &sb_wl_selftest_hang,  &sb_wl_selftest_crash,
    &sb_wl_selftest_overflow, &sb_wl_selftest_wrong, &sb_wl_selftest_echo_die,
    &sb_wl_selftest_overflow_worker,
};
const size_t sb_workload_count = sizeof sb_workloads / sizeof sb_workloads[0];

const struct sb_workload *sb_workload_find(const char *name)
{
    for (size_t i = 0; i < sb_workload_count; i++)
        if (strcmp(sb_workloads[i]->name, name) == 0) return sb_workloads[i];
    return NULL;
}
