/* --loadgen: before any work, one hello to the agent (contracts/
 * sb_loadgen.h has the lines). It proves the agent is there and takes the
 * token, names the load host for the labels and the run's context, and
 * gives the address the server should listen on: the one this host's
 * connection to the agent left from, unless --server-addr says. */
#include "loadgen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The agent's host name for a label: printable ASCII only, as data. */
static void clean_name(const char *in, char *out, size_t len)
{
    size_t n = 0;
    for (; in && *in && n + 1 < len; in++)
        out[n++] = isalnum((unsigned char)*in) || strchr(".-_", *in) ? *in : '_';
    out[n] = '\0';
    if (!n) snprintf(out, len, "unnamed");
}

static int hello(int fd, struct sb_loadgen *lg, json_t **load_host, struct sb_err *err)
{
    char line[SB_LOADGEN_LINE];
    if (sb_line_send(fd, json_pack("{s:s, s:s}", "op", "hello", "token", lg->token)) != 0 ||
        sb_line_read(fd, line, sizeof line, 5000) < 0) {
        sb_err_set(err, "--loadgen: the agent at %s did not answer a hello: %s", lg->agent,
                   errno == ECONNRESET ? "it closed the connection"
                   : errno == ETIME    ? "no answer within 5 s (is the agent stopped or hung?)"
                                       : strerror(errno));
        return -1;
    }
    json_error_t je;
    json_t *ans = json_loads(line, 0, &je);
    const char *refusal = json_string_value(json_object_get(ans, "error"));
    if (refusal || !json_is_true(json_object_get(ans, "ok"))) {
        sb_err_set(err, "--loadgen: the agent at %s %s%.200s", lg->agent,
                   refusal ? "refused: " : "answered what no agent says", refusal ? refusal : "");
        json_decref(ans);
        return -1;
    }
    clean_name(json_string_value(json_object_get(ans, "host")), lg->load_host,
               sizeof lg->load_host);
    json_t *machine = json_object_get(ans, "machine");
    *load_host =
        json_pack("{s:s, s:s, s:s, s:O}", "agent", lg->agent, "host", lg->load_host, "server_addr",
                  lg->server_addr, "machine", json_is_object(machine) ? machine : json_object());
    json_decref(ans);
    return 0;
}

int sb__loadgen_prepare(const struct sb__options *o, struct sb_loadgen *lg, json_t **load_host,
                        struct sb_err *err)
{
    struct sb_err why = {""};
    memset(lg, 0, sizeof *lg);
    snprintf(lg->agent, sizeof lg->agent, "%s", o->loadgen);
    if (sb_host_port(o->loadgen, lg->host, sizeof lg->host, lg->port, sizeof lg->port, &why) != 0) {
        sb_err_set(err, "--loadgen: %s", why.msg);
        return -1;
    }
    if (o->token_file &&
        sb_token_read(o->token_file, false, lg->token, sizeof lg->token, &why) != 0) {
        sb_err_set(err, "--token-file: %s", why.msg);
        return -1;
    }
    struct in_addr probe;
    if (o->server_addr && inet_pton(AF_INET, o->server_addr, &probe) != 1) {
        sb_err_set(err, "--server-addr: '%s' is not an IPv4 address", o->server_addr);
        return -1;
    }
    int fd = sb_tcp_connect(lg->host, lg->port, 5000, &why);
    if (fd < 0) {
        sb_err_set(err, "--loadgen: %s (is ./bench agent running there?)", why.msg);
        return -1;
    }
    struct sockaddr_in me;
    socklen_t len = sizeof me;
    if (o->server_addr)
        snprintf(lg->server_addr, sizeof lg->server_addr, "%s", o->server_addr);
    else if (getsockname(fd, (struct sockaddr *)&me, &len) == 0)
        inet_ntop(AF_INET, &me.sin_addr, lg->server_addr, sizeof lg->server_addr);
    int rc = hello(fd, lg, load_host, err);
    close(fd);
    return rc;
}
