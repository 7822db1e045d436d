/* The echo load from another host (--loadgen): the repetition's load
 * generator helper becomes the controller of the run's agent
 * (contracts/sb_loadgen.h has the lines). It asks for one load against
 * the server's address, starts and stops the run's clock when the agent
 * says its timed loop starts and ends (the figures then carry a control
 * line's trip each way, a fraction of a millisecond against runs of
 * seconds), measures the server's memory while the agent still holds
 * every connection open, and takes the agent's figures as its own once
 * they pass as data from a peer (finite, within the load's wall time, in
 * order; the counts are then checked against the server's own). Any
 * failure (no agent, a refusal, the agent dying or stopping, the network
 * dropping, a figure out of bounds) becomes res->error, named after the
 * agent and the step it did not reach. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "futex.h"
#include "sb_loadgen.h"
#include "wl_echo.h"

struct remote {
    struct echo_client_spec spec;
    struct echo_client_result *res;
    const struct sb_run *run;
    const struct sb_loadgen *lg;
};

/* Each step's deadline, proportionate to the load: a step's own work at
 * a floor rate, plus STEP_SLACK_MS for the network and a busy host. The
 * floors are far below what any server did here (the slowest, processes
 * at 10,000 connections, served 3,800 round trips/s and connected them
 * in 1.1 s), so only an agent that stopped or hangs meets them. */
enum {
    STEP_SLACK_MS = 10000,
    CONNECT_MS_PER_CONN = 2, /* connect and one warm-up trip each */
    TRIPS_PER_S_FLOOR = 1000,
    CLOSE_MS_PER_CONN = 1,
};

static double ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* The agent's latencies as data from a peer: finite and within [0, the
 * load's wall time], the percentiles in order (max_us is exact, the
 * percentiles are histogram bins' edges, so a percentile may lie above
 * it), or the first field that is not (named in bad). */
static int figures_ok(const json_t *j, double wall_us, struct sb_err *bad)
{
    static const char *const order[] = {"p50_us", "p90_us", "p99_us", "p999_us", "max_us"};
    static const char *const counts[] = {"round_trips",  "bytes_verified", "warm_up_trips",
                                         "min_per_conn", "max_per_conn",   "connected"};
    if (!json_is_object(j)) {
        sb_err_set(bad, "'result' is not an object");
        return -1;
    }
    double prev = 0;
    for (size_t i = 0; i <= sizeof order / sizeof *order; i++) {
        const char *key = i < sizeof order / sizeof *order ? order[i] : "mean_us";
        const json_t *v = json_object_get(j, key);
        if (!json_is_number(v)) {
            sb_err_set(bad, "%s is not a number", key);
            return -1;
        }
        double x = json_number_value(v);
        if (!isfinite(x) || x < 0 || x > wall_us) {
            sb_err_set(bad, "%s = %.6g is outside [0, %.0f us] (the load's wall time)", key, x,
                       wall_us);
            return -1;
        }
        if (i + 1 < sizeof order / sizeof *order && x < prev) {
            sb_err_set(bad, "%s = %.6g is below the percentile before it (%.6g)", key, x, prev);
            return -1;
        }
        if (i + 1 < sizeof order / sizeof *order) prev = x;
    }
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        const json_t *v = json_object_get(j, counts[i]);
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            sb_err_set(bad, "%s is not a count", counts[i]);
            return -1;
        }
    }
    return 0;
}

static int remote_fail(struct remote *r, const char *what, const char *why)
{
    snprintf(r->res->error, sizeof r->res->error, "agent %.40s (%.30s): %.60s%s%.160s",
             r->lg->agent, r->lg->load_host, what, why[0] ? ": " : "", why);
    return -1;
}

/* The agent's next line, due within timeout_ms: an event object, or -1
 * with the error named. */
static int remote_next(struct remote *r, int fd, json_t **msg, const char *event, double timeout_ms)
{
    char line[SB_LOADGEN_LINE], late[80];
    int ms = timeout_ms > 2e9 ? 2000000000 : (int)timeout_ms;
    if (sb_line_read(fd, line, sizeof line, ms) < 0) {
        int e = errno;
        snprintf(late, sizeof late, "did not say '%s' within %.1f s (stopped? hung?)", event,
                 ms / 1e3);
        return remote_fail(r,
                           e == ETIME        ? late
                           : e == ECONNRESET ? "closed the connection mid-run (died?)"
                                             : "connection lost",
                           e == ETIME || e == ECONNRESET ? "" : strerror(e));
    }
    json_error_t je;
    *msg = json_loads(line, 0, &je);
    if (!json_is_object(*msg)) {
        json_decref(*msg);
        return remote_fail(r, "sent a line that is not a JSON object", "");
    }
    const char *e = json_string_value(json_object_get(*msg, "error"));
    if (e) {
        int rc = remote_fail(r, "refused", e);
        json_decref(*msg);
        return rc;
    }
    return 0;
}

static int remote_expect(struct remote *r, int fd, const char *event, double timeout_ms,
                         json_t **msg)
{
    if (remote_next(r, fd, msg, event, timeout_ms) != 0) return -1;
    const char *ev = json_string_value(json_object_get(*msg, "event"));
    if (!ev || strcmp(ev, event) != 0) {
        json_decref(*msg);
        char want[64];
        snprintf(want, sizeof want, "expected the event '%s'", event);
        return remote_fail(r, "broke the protocol", want);
    }
    return 0;
}

static int remote_session(struct remote *r, int fd)
{
    char target[INET_ADDRSTRLEN] = "";
    inet_ntop(AF_INET, &r->spec.target, target, sizeof target);
    json_t *ask =
        json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:I}", "op", "load", "token", r->lg->token,
                  "target", target, "port", (int)r->spec.port, "conns", (json_int_t)r->spec.conns,
                  "msg_size", (json_int_t)r->spec.msg_size, "round_trips",
                  (json_int_t)r->spec.round_trips, "rate", (json_int_t)r->spec.rate);
    double asked = ms_now(), conns = (double)r->spec.conns;
    if (sb_line_send(fd, ask) != 0) return remote_fail(r, "cannot send the load", strerror(errno));
    json_t *msg = NULL;
    if (remote_expect(r, fd, "started", STEP_SLACK_MS + CONNECT_MS_PER_CONN * conns, &msg) != 0)
        return -1;
    json_decref(msg);
    sb_clock_start(r->spec.clock);
    double trips_ms = (double)r->spec.round_trips * 1e3 / TRIPS_PER_S_FLOOR;
    if (remote_expect(r, fd, "loaded", STEP_SLACK_MS + trips_ms, &msg) != 0) return -1;
    sb_clock_stop(r->spec.clock);
    struct sb_err bad = {""};
    json_t *result = json_object_get(msg, "result");
    if (figures_ok(result, (ms_now() - asked) * 1e3, &bad) != 0) {
        json_decref(msg);
        return remote_fail(r, "sent a figure that cannot be", bad.msg);
    }
    echo_result_from_json(result, r->res);
    json_decref(msg);
    r->res->server_memory_bytes = sb_run_memory_bytes(r->run, &r->res->server_rss_bytes);
    if (sb_line_send(fd, json_pack("{s:s}", "op", "close")) != 0)
        return remote_fail(r, "cannot ask to close", strerror(errno));
    if (remote_expect(r, fd, "closed", STEP_SLACK_MS + CLOSE_MS_PER_CONN * conns, &msg) != 0)
        return -1;
    json_decref(msg);
    return 0;
}

static int remote_main(void *p)
{
    struct remote *r = p;
    struct sb_err why = {""};
    int fd = sb_tcp_connect(r->lg->host, r->lg->port, 5000, &why);
    int rc = fd < 0 ? remote_fail(r, "unreachable", why.msg) : remote_session(r, fd);
    if (fd >= 0) close(fd);
    if (rc != 0) sb_clock_stop(r->spec.clock); /* leave it consistent; the error decides */
    __atomic_store_n(&r->res->done, 1, __ATOMIC_RELEASE);
    return rc;
}

static void remote_on_death(void *p)
{
    struct remote *r = p;
    sb_gate_open(&r->res->done, 1, true);
}

static int remote_check(void *p, struct sb_err *err)
{
    const struct remote *r = p;
    if (r->res->error[0]) {
        sb_err_set(err, "load generator: %s", r->res->error);
        return -1;
    }
    return 0;
}

int echo_remote_start(struct sb_run *run, const struct echo_client_spec *spec,
                      struct echo_client_result *res, struct sb_err *err)
{
    struct remote *r = sb_run_alloc(run, sizeof *r, err);
    if (!r) return -1;
    const struct sb_loadgen *lg = sb_run_loadgen(run);
    *r = (struct remote){.spec = *spec, .res = res, .run = run, .lg = lg};
    if (inet_pton(AF_INET, lg->server_addr, &r->spec.target) != 1) {
        sb_err_set(err, "echo: the server address '%s' is not an IPv4 address", lg->server_addr);
        return -1;
    }
    struct sb_helper_spec helper = {.name = "load generator",
                                    .main = remote_main,
                                    .arg = r,
                                    .check = remote_check,
                                    .on_death = remote_on_death};
    return sb_run_helper(run, &helper, err);
}
