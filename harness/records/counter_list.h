/* Every counter a record may carry, one line each: its name, its unit,
 * what kind of figure it is, which way is better, and what it means.
 * Adding a counter is one line here (and the workload that sets it):
 * a record whose workload or reference reports a name not on this list
 * becomes an error record (record.c), `switchbench --describe` lists the
 * lines, and each run's context carries them, so the report labels axes
 * and says "better" or "worse" from this table instead of from the name.
 *
 * X(name, unit, kind, better, meaning)
 *   kind:   RATE (per second of wall time), LATENCY, TIME, SIZE, COUNT, RATIO
 *   better: HIGHER, LOWER, NEITHER (a setting or a tally, not a score) */
#ifndef SB_COUNTER_LIST_H
#define SB_COUNTER_LIST_H

#define SB_COUNTER_LIST(X)                                                                        \
    X(switches_per_second, "/s", RATE, HIGHER, "task switches per second of wall time")           \
    X(items_per_second, "/s", RATE, HIGHER, "work items (requests, units, items) per second")     \
    X(calls_per_second, "/s", RATE, HIGHER, "blocking calls completed per second")                \
    X(rounds_per_second, "/s", RATE, HIGHER, "rounds of sleeps per second")                       \
    X(batches_per_second, "/s", RATE, HIGHER, "batches of spawned tasks per second")              \
    X(p50_us, "us", LATENCY, LOWER, "median request latency")                                     \
    X(p90_us, "us", LATENCY, LOWER, "90th-percentile request latency")                            \
    X(p99_us, "us", LATENCY, LOWER, "99th-percentile request latency")                            \
    X(p999_us, "us", LATENCY, LOWER, "99.9th-percentile request latency")                         \
    X(mean_us, "us", LATENCY, LOWER, "mean request latency")                                      \
    X(max_us, "us", LATENCY, LOWER, "longest request latency")                                    \
    X(offered_per_second, "/s", RATE, NEITHER, "requests offered per second (open loop)")         \
    X(late_max_us, "us", LATENCY, LOWER, "latest wake-up after a sleep's deadline")               \
    X(late_mean_us, "us", LATENCY, LOWER, "mean lateness of a wake-up")                           \
    X(late_p50_us, "us", LATENCY, LOWER, "median lateness of a wake-up past its due time")        \
    X(late_p99_us, "us", LATENCY, LOWER, "99th-percentile lateness of a wake-up")                 \
    X(max_stall_us, "us", LATENCY, LOWER, "longest time the other tasks went unserved")           \
    X(cold_ns_per_task, "ns", TIME, LOWER, "time to create a task in fresh memory")               \
    X(warm_ns_per_task, "ns", TIME, LOWER, "time to create a task in reused memory")              \
    X(bytes_per_task, "B", SIZE, LOWER, "memory per live task, user and kernel")                  \
    X(user_bytes_per_task, "B", SIZE, LOWER, "user-space memory per live task")                   \
    X(kernel_bytes_per_task, "B", SIZE, LOWER, "kernel memory per live task")                     \
    X(memory_kb, "KiB", SIZE, LOWER, "peak memory of the run")                                    \
    X(server_rss_kb, "KiB", SIZE, LOWER, "resident set of the serving processes")                 \
    X(server_memory_kb, "KiB", SIZE, LOWER, "memory of the serving processes, shared pages once") \
    X(min_per_conn, "requests", COUNT, HIGHER, "requests served to the least-served connection")  \
    X(max_per_conn, "requests", COUNT, NEITHER, "requests served to the most-served connection")  \
    X(units_during_calls, "units", COUNT, HIGHER,                                                 \
      "work done by other tasks during blocking calls")                                           \
    X(stall_over_call, "x", RATIO, LOWER, "longest stall divided by one blocking call")           \
    X(tasks, "tasks", COUNT, NEITHER, "tasks alive at once")                                      \
    X(capacity, "items", COUNT, NEITHER, "channel capacity the program used")                     \
    X(buffered, "items", COUNT, NEITHER, "items a channel buffers (0: every item a hand-off)")    \
    X(gomaxprocs, "threads", COUNT, NEITHER, "scheduler threads of Go's runtime (GOMAXPROCS)")    \
    X(sleep_ms, "ms", TIME, NEITHER, "length of one sleep")                                       \
    X(stacks_guarded, "stacks", COUNT, NEITHER, "task stacks with a guard page")                  \
    X(stacks_unguarded, "stacks", COUNT, NEITHER, "task stacks without a guard page")

#endif
