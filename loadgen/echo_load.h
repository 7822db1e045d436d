/* The echo load generator (loadgen/, below the harness and the workloads):
 * closed- or open-loop TCP clients that check every echoed byte, what they
 * measured, and as JSON for a line between an agent and its controller.
 * The echo workloads run it as a helper process (workloads/echo_local.c);
 * the load agent runs it for a controller on another host (agent_*.c).
 * It knows no engine, no workload and no harness: the clock it is handed
 * is opaque, and its hooks say when the timed loop starts and ends. */
#ifndef SB_ECHO_LOAD_H
#define SB_ECHO_LOAD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct sb_clock;
struct echo_client_result;

/* What the load generator tells its owner, and when: the timed loop
 * starts (after the warm-up), ends, and the figures are in while every
 * connection is still open (the moment to measure the server's memory).
 * Local: the run's clock and memory; on an agent: lines to the controller. */
struct echo_client_hooks {
    void (*started)(void *ctx);
    void (*ended)(void *ctx);
    int (*loaded)(void *ctx, struct echo_client_result *res); /* 0, or -1 with res->error */
    void *ctx;
};

struct echo_client_spec {
    uint32_t target; /* the server's IPv4 address, network order; 0: 127.0.0.1 */
    uint16_t port;
    unsigned conns;
    size_t msg_size;
    uint64_t round_trips;
    uint64_t rate; /* offered requests/s over all connections; 0: closed loop */
    struct sb_clock *clock;
};

/* Its result lives in memory the server's tasks can read too (`done`
 * tells an accept loop to stop). */
struct echo_client_result {
    uint32_t done; /* set (and futex-woken) when the load generator has finished */
    uint64_t round_trips, bytes_verified;
    uint64_t warm_up_trips; /* one per connection, before the clock started */
    uint64_t min_per_conn, max_per_conn;
    double p50_us, p90_us, p99_us, p999_us, max_us, mean_us;
    double server_memory_bytes; /* the server's memory while every connection is open */
    double server_rss_bytes;    /* plain RSS summed over the server's processes */
    unsigned connected;
    char error[320]; /* empty when all went well */
};

/* The load itself, in this process: 0, or -1 with res->error. */
int echo_client_run(const struct echo_client_spec *spec, struct echo_client_result *res,
                    const struct echo_client_hooks *hooks);
/* The result as JSON and back (the agent's "loaded" line). */
json_t *echo_result_json(const struct echo_client_result *res);
void echo_result_from_json(const json_t *j, struct echo_client_result *res);

#endif
