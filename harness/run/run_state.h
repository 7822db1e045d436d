/* What one repetition holds while it runs (struct sb_run), shared by the
 * files that implement the sb_run_* services of sb_workload.h: the
 * repetition's lifecycle (repetition.c), memory, helpers and probes
 * (run_memory.c, run_meter.c), the manual clock (run_clock.c), the task services
 * (run_services.c) and an external reference's server (run_external.c).
 * Internal to the harness: its names that are not the contract's carry
 * the sb__ prefix (libuv's habit), so the sb_ names of contracts/ stand
 * out. */
#ifndef SB_RUN_STATE_H
#define SB_RUN_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "external.h"
#include "helper.h"
#include "kmem.h"
#include "repetition.h"
#include "run_meter.h"

struct sb_clock {
    int64_t run_start_ns; /* when the timed run began */
    int64_t start_ns;     /* start of the open span, 0 when none is open */
    int64_t total_ns;     /* closed spans */
    int stops;
};

#define SB_MAX_HELPERS 4

struct sb_run {
    const struct sb__run_spec *spec;
    struct sb_engine *eng;
    char *arena;
    size_t arena_bytes;
    size_t used;
    struct sb_clock *clock; /* in the arena, when the workload asked for one */
    struct sb__sample *out;
    pid_t root; /* the benchmark process: memory is summed from here down */
    struct sb__helper helpers[SB_MAX_HELPERS];
    struct sb_helper_spec helper_specs[SB_MAX_HELPERS];
    int nhelpers;
    /* The helpers' pids, in the arena: a helper forked before another
     * must see it too, to leave both out of the memory it measures. */
    struct run_helper_pids {
        uint32_t n;
        pid_t pid[SB_MAX_HELPERS];
    } * helper_pids;
    /* An external reference's program serving this repetition. */
    struct sb__external_server server;
    bool serving, served; /* started; stopped and reaped */
    struct sb__kmem kmem; /* opened by the first sb_run_kernel_memory_bytes */
    bool kmem_open;
    struct sb__meter meter; /* reads the memory figures off the tasks' stacks */
    bool loaded_remotely;   /* the workload asked for the run's load agent */
};

/* The address-space limit in words, for a message ("" when none). */
void sb__run_as_limit_text(char *buf, size_t len);

#endif
