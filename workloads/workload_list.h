/* Every workload, one line each, in the order runs and reports list them
 * (the self-tests last; they are hidden). Adding a workload is its own file
 * (defining `sb_wl_<id>`) plus one line here: the registry
 * (workload_registry.c), `switchbench --list-workloads` and the smoke test
 * of every engine read this list. The id is the workload's name, with '_'
 * written for '-' (selftest_hang is selftest-hang). */
#ifndef SB_WORKLOAD_LIST_H
#define SB_WORKLOAD_LIST_H

#define SB_WORKLOAD_LIST(X)     \
    X(switch)                   \
    X(pingpong)                 \
    X(ring)                     \
    X(bare)                     \
    X(sleep)                    \
    X(echo)                     \
    X(echo_open)                \
    X(pipeline)                 \
    X(cpu)                      \
    X(spawn)                    \
    X(blocking)                 \
    X(selftest_hang)            \
    X(selftest_mute)            \
    X(selftest_crash)           \
    X(selftest_overflow)        \
    X(selftest_wrong)           \
    X(selftest_echo_die)        \
    X(selftest_overflow_worker) \
    X(selftest_odd_counter)     \
    X(selftest_negative_size)

#endif
