/* The echo load from another host (--loadgen): the repetition's load
 * generator helper becomes the controller of the run's agent
 * (contracts/sb_loadgen.h has the lines). It asks for one load against
 * the server's address, starts and stops the run's clock when the agent
 * says its timed loop starts and ends (the figures then carry a control
 * line's trip each way, a fraction of a millisecond against runs of
 * seconds), measures the server's memory while the agent still holds
 * every connection open, and takes the agent's figures as its own. Any
 * failure (no agent, a refusal, the agent dying, the network dropping)
 * becomes res->error, named after the agent. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
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

json_t *echo_result_json(const struct echo_client_result *r)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:i}", "round_trips",
                     (json_int_t)r->round_trips, "bytes_verified", (json_int_t)r->bytes_verified,
                     "warm_up_trips", (json_int_t)r->warm_up_trips, "min_per_conn",
                     (json_int_t)r->min_per_conn, "max_per_conn", (json_int_t)r->max_per_conn,
                     "p50_us", r->p50_us, "p90_us", r->p90_us, "p99_us", r->p99_us, "p999_us",
                     r->p999_us, "max_us", r->max_us, "mean_us", r->mean_us, "connected",
                     (int)r->connected);
}

static uint64_t u64_of(const json_t *j, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(j, key));
    return v > 0 ? (uint64_t)v : 0;
}

void echo_result_from_json(const json_t *j, struct echo_client_result *r)
{
    r->round_trips = u64_of(j, "round_trips");
    r->bytes_verified = u64_of(j, "bytes_verified");
    r->warm_up_trips = u64_of(j, "warm_up_trips");
    r->min_per_conn = u64_of(j, "min_per_conn");
    r->max_per_conn = u64_of(j, "max_per_conn");
    r->p50_us = json_number_value(json_object_get(j, "p50_us"));
    r->p90_us = json_number_value(json_object_get(j, "p90_us"));
    r->p99_us = json_number_value(json_object_get(j, "p99_us"));
    r->p999_us = json_number_value(json_object_get(j, "p999_us"));
    r->max_us = json_number_value(json_object_get(j, "max_us"));
    r->mean_us = json_number_value(json_object_get(j, "mean_us"));
    r->connected = (unsigned)u64_of(j, "connected");
}

static int remote_fail(struct remote *r, const char *what, const char *why)
{
    snprintf(r->res->error, sizeof r->res->error, "agent %.40s (%.30s): %.50s%s%.70s", r->lg->agent,
             r->lg->load_host, what, why[0] ? ": " : "", why);
    return -1;
}

/* The agent's next line: an event object, or -1 with the error named. */
static int remote_next(struct remote *r, int fd, json_t **msg)
{
    char line[SB_LOADGEN_LINE];
    if (sb_line_read(fd, line, sizeof line, -1) < 0)
        return remote_fail(
            r, errno == ECONNRESET ? "closed the connection mid-run (died?)" : "connection lost",
            errno == ECONNRESET ? "" : strerror(errno));
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

static int remote_expect(struct remote *r, int fd, const char *event, json_t **msg)
{
    if (remote_next(r, fd, msg) != 0) return -1;
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
    if (sb_line_send(fd, ask) != 0) return remote_fail(r, "cannot send the load", strerror(errno));
    json_t *msg = NULL;
    if (remote_expect(r, fd, "started", &msg) != 0) return -1;
    json_decref(msg);
    sb_clock_start(r->spec.clock);
    if (remote_expect(r, fd, "loaded", &msg) != 0) return -1;
    sb_clock_stop(r->spec.clock);
    echo_result_from_json(json_object_get(msg, "result"), r->res);
    json_decref(msg);
    r->res->server_memory_bytes = sb_run_memory_bytes(r->run, &r->res->server_rss_bytes);
    if (sb_line_send(fd, json_pack("{s:s}", "op", "close")) != 0)
        return remote_fail(r, "cannot ask to close", strerror(errno));
    if (remote_expect(r, fd, "closed", &msg) != 0) return -1;
    json_decref(msg);
    return 0;
}

static int remote_main(void *p)
{
    struct remote *r = p;
    char why[256];
    int fd = sb_tcp_connect(r->lg->host, r->lg->port, 5000, why, sizeof why);
    int rc = fd < 0 ? remote_fail(r, "unreachable", why) : remote_session(r, fd);
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
