/* What a controller's request means to the agent: its token, the answer
 * to a hello, and the load it asks for, checked against the agent's
 * limits (contracts/sb_loadgen.h has the lines). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent.h"

bool agent_token_ok(const char *want, const json_t *got)
{
    if (!want[0]) return true;
    if (!json_is_string(got)) return false;
    /* A token with a NUL is refused by its length: jansson keeps it. */
    const char *g = json_string_value(got);
    size_t lw = strlen(want), lg = json_string_length(got);
    unsigned char diff = (unsigned char)(lw != lg);
    for (size_t i = 0; i < lw; i++) diff |= (unsigned char)(want[i] ^ (i < lg ? g[i] : 0));
    return diff == 0;
}

static json_t *machine_json(void)
{
    struct utsname u;
    char model[128] = "";
    FILE *f = fopen("/proc/cpuinfo", "re");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (colon && strncmp(line, "model name", 10) == 0) {
            snprintf(model, sizeof model, "%s", colon + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f) fclose(f);
    bool un = uname(&u) == 0;
    return json_pack("{s:I, s:s, s:s, s:s}", "cpus", (json_int_t)sysconf(_SC_NPROCESSORS_ONLN),
                     "cpu_model", model, "kernel", un ? u.release : "", "machine",
                     un ? u.machine : "");
}

json_t *agent_hello_json(void)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    return json_pack("{s:b, s:s, s:o}", "ok", 1, "host", host, "machine", machine_json());
}

/* A field of the load as a bounded integer; false (err set) when it is not. */
static bool load_int(const json_t *ask, const char *key, long long lo, long long hi, long long *out,
                     struct sb_err *err)
{
    json_t *v = json_object_get(ask, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        sb_err_set(err, "'%s' must be an integer from %lld to %lld", key, lo, hi);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

int agent_load_spec(const struct agent_config *cfg, const json_t *ask, struct in_addr peer,
                    struct echo_client_spec *spec, struct sb_err *err)
{
    long long port, conns, size, trips, rate;
    if (!load_int(ask, "port", 1, 65535, &port, err) ||
        !load_int(ask, "conns", 1, cfg->max_conns, &conns, err) ||
        !load_int(ask, "msg_size", 1, 1 << 20, &size, err) ||
        !load_int(ask, "round_trips", 1, 10000000000LL, &trips, err) ||
        !load_int(ask, "rate", 0, 100000000LL, &rate, err))
        return -1;
    const char *target = json_string_value(json_object_get(ask, "target"));
    struct in_addr t;
    if (!target || inet_pton(AF_INET, target, &t) != 1) {
        sb_err_set(err, "'target' must be an IPv4 address");
        return -1;
    }
    bool allowed = t.s_addr == peer.s_addr;
    for (int i = 0; i < cfg->n_allow && !allowed; i++) allowed = t.s_addr == cfg->allow[i].s_addr;
    if (!allowed) {
        sb_err_set(err, "target %.64s is not the controller's own address (agent --allow adds one)",
                   target);
        return -1;
    }
    *spec = (struct echo_client_spec){.target = t.s_addr,
                                      .port = (uint16_t)port,
                                      .conns = (unsigned)conns,
                                      .msg_size = (size_t)size,
                                      .round_trips = (uint64_t)trips,
                                      .rate = (uint64_t)rate};
    return 0;
}

void agent_load_describe(const struct echo_client_spec *spec, char *out, size_t len)
{
    char t[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &spec->target, t, sizeof t);
    snprintf(out, len, "load of %s:%u, %u connections, %zu-byte messages, %llu round trips%s", t,
             spec->port, spec->conns, spec->msg_size, (unsigned long long)spec->round_trips,
             spec->rate ? "" : " (closed loop)");
    if (spec->rate) {
        size_t n = strlen(out);
        snprintf(out + n, len - n, " at %llu/s", (unsigned long long)spec->rate);
    }
}
