/* `switchbench agent` (./bench agent): the load host's side of --loadgen.
 * It accepts one controller at a time, answers a hello, and runs a load
 * it is asked for with the echo load generator (every echoed byte
 * checked) against the controller's own address, telling the controller
 * when its timed loop starts and what it measured (contracts/sb_loadgen.h
 * has the lines). It is no open door: beyond loopback it needs a token
 * file only its owner can read; it refuses a target other than the
 * controller's address unless --allow names it; it bounds connections
 * and a load's duration; anything it does not understand gets one error
 * line and a closed connection. Each load runs in a child process, so a
 * load that crashes or runs past --max-seconds costs the agent nothing. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sb_loadgen.h"
#include "wl_echo.h"

enum { AGENT_MAX_ALLOW = 16 };

struct agent {
    char token[128]; /* "" when none is needed (loopback) */
    struct in_addr allow[AGENT_MAX_ALLOW];
    int n_allow;
    long long max_conns, max_seconds;
    bool once;
};

static volatile sig_atomic_t agent_stop;
static void on_stop(int sig)
{
    (void)sig;
    agent_stop = 1;
}

static const char agent_usage[] =
    "usage: switchbench agent --listen=ADDR:PORT [--token-file=FILE] [--allow=ADDR]...\n"
    "                         [--max-conns=N] [--max-seconds=S] [--once]\n"
    "  --listen=ADDR:PORT  where controllers connect (port 0: any, printed)\n"
    "  --token-file=FILE   shared secret, first line; needed (mode 0600) beyond loopback\n"
    "  --allow=ADDR        a target besides the controller's own address (up to 16)\n"
    "  --max-conns=N       connections one load may open (default 10000)\n"
    "  --max-seconds=S     a load running longer is ended (default 300)\n"
    "  --once              serve one controller, then exit\n";

static int agent_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "switchbench agent: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see --help)\n");
    return 2;
}

/* Constant time in the token's content: a guess learns nothing from how
 * long the refusal took. */
static bool token_ok(const char *want, const char *got)
{
    if (!want[0]) return true;
    if (!got) return false;
    size_t lw = strlen(want), lg = strlen(got);
    unsigned char diff = (unsigned char)(lw != lg);
    for (size_t i = 0; i < lw; i++) diff |= (unsigned char)(want[i] ^ (i < lg ? got[i] : 0));
    return diff == 0;
}

static void send_error(int fd, const char *why)
{
    (void)sb_line_send(fd, json_pack("{s:s}", "error", why));
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

static int agent_hello(int fd)
{
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    return sb_line_send(
        fd, json_pack("{s:b, s:s, s:o}", "ok", 1, "host", host, "machine", machine_json()));
}

/* A field of the load as a bounded integer; false (err set) when it is not. */
static bool load_int(const json_t *ask, const char *key, long long lo, long long hi, long long *out,
                     char *err, size_t errlen)
{
    json_t *v = json_object_get(ask, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        snprintf(err, errlen, "'%s' must be an integer from %lld to %lld", key, lo, hi);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

/* The load asked for, checked: 0 and spec, or -1 with err. */
static int agent_load_spec(const struct agent *ag, const json_t *ask, struct in_addr peer,
                           struct echo_client_spec *spec, char *err, size_t errlen)
{
    long long port, conns, size, trips, rate;
    if (!load_int(ask, "port", 1, 65535, &port, err, errlen) ||
        !load_int(ask, "conns", 1, ag->max_conns, &conns, err, errlen) ||
        !load_int(ask, "msg_size", 1, 1 << 20, &size, err, errlen) ||
        !load_int(ask, "round_trips", 1, 10000000000LL, &trips, err, errlen) ||
        !load_int(ask, "rate", 0, 100000000LL, &rate, err, errlen))
        return -1;
    const char *target = json_string_value(json_object_get(ask, "target"));
    struct in_addr t;
    if (!target || inet_pton(AF_INET, target, &t) != 1) {
        snprintf(err, errlen, "'target' must be an IPv4 address");
        return -1;
    }
    bool allowed = t.s_addr == peer.s_addr;
    for (int i = 0; i < ag->n_allow && !allowed; i++) allowed = t.s_addr == ag->allow[i].s_addr;
    if (!allowed) {
        snprintf(err, errlen,
                 "target %.64s is not the controller's own address (agent --allow adds one)",
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

/* The load's hooks: lines to the controller. */
static void hook_started(void *ctx)
{
    (void)sb_line_send(*(int *)ctx, json_pack("{s:s}", "event", "started"));
}
static void hook_ended(void *ctx) { (void)ctx; }
static int hook_loaded(void *ctx, struct echo_client_result *res)
{
    int fd = *(int *)ctx;
    char line[SB_LOADGEN_LINE];
    if (sb_line_send(
            fd, json_pack("{s:s, s:o}", "event", "loaded", "result", echo_result_json(res))) != 0 ||
        sb_line_read(fd, line, sizeof line, 60000) < 0 || !strstr(line, "\"close\"")) {
        snprintf(res->error, sizeof res->error, "the controller did not ask to close");
        return -1;
    }
    return 0;
}

/* In a child: the load, then its last line. */
static void agent_load_child(int fd, const struct echo_client_spec *spec)
{
    struct echo_client_result res;
    memset(&res, 0, sizeof res);
    struct echo_client_hooks hooks = {
        .started = hook_started, .ended = hook_ended, .loaded = hook_loaded, .ctx = &fd};
    if (echo_client_run(spec, &res, &hooks) != 0) {
        send_error(fd, res.error[0] ? res.error : "the load failed");
        _exit(1);
    }
    (void)sb_line_send(fd, json_pack("{s:s}", "event", "closed"));
    _exit(0);
}

static void agent_load(const struct agent *ag, int fd, const struct echo_client_spec *spec)
{
    pid_t pid = fork();
    if (pid < 0) {
        send_error(fd, "the agent cannot fork");
        return;
    }
    if (pid == 0) agent_load_child(fd, spec);
    struct timespec start, now, nap = {0, 50 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    int status;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (agent_stop || now.tv_sec - start.tv_sec >= ag->max_seconds) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            char why[96];
            snprintf(why, sizeof why, "the load ran past the agent's --max-seconds=%lld",
                     ag->max_seconds);
            send_error(fd, agent_stop ? "the agent was stopped" : why);
            return;
        }
        nanosleep(&nap, NULL);
    }
    if (WIFSIGNALED(status)) {
        char why[96];
        snprintf(why, sizeof why, "the load generator was killed by signal %d", WTERMSIG(status));
        send_error(fd, why);
    }
}

/* One controller: its lines until it closes or errs. Whether a load ran. */
static bool agent_serve(const struct agent *ag, int fd, struct in_addr peer)
{
    char line[SB_LOADGEN_LINE], err[200];
    for (;;) {
        long n = sb_line_read(fd, line, sizeof line, 10000);
        if (n < 0) {
            if (errno == EMSGSIZE) send_error(fd, "a line longer than 4096 bytes");
            if (errno == ETIMEDOUT) send_error(fd, "no request within 10 s");
            return false;
        }
        json_error_t je;
        json_t *ask = json_loads(line, 0, &je);
        const char *op = json_string_value(json_object_get(ask, "op"));
        struct echo_client_spec spec;
        bool loaded = false;
        if (!json_is_object(ask) || !op)
            send_error(fd, "not a request: one JSON object with an \"op\" per line");
        else if (!token_ok(ag->token, json_string_value(json_object_get(ask, "token"))))
            send_error(fd, "wrong token");
        else if (strcmp(op, "hello") == 0 && agent_hello(fd) == 0) {
            json_decref(ask);
            continue;
        } else if (strcmp(op, "load") == 0 &&
                   agent_load_spec(ag, ask, peer, &spec, err, sizeof err) == 0) {
            agent_load(ag, fd, &spec);
            loaded = true;
        } else if (strcmp(op, "load") == 0)
            send_error(fd, err);
        else if (strcmp(op, "hello") != 0)
            send_error(fd, "unknown op (hello, load)");
        json_decref(ask);
        return loaded;
    }
}

static int agent_listen(const char *arg, bool *loopback)
{
    char host[64], port[16], why[160];
    struct sockaddr_in a = {.sin_family = AF_INET};
    if (sb_listen_host_port(arg, host, sizeof host, port, sizeof port, why, sizeof why) != 0 ||
        inet_pton(AF_INET, host, &a.sin_addr) != 1) {
        fprintf(stderr, "switchbench agent: --listen: '%s' is not IPV4:PORT (port 0: any)\n", arg);
        return -2;
    }
    a.sin_port = htons((uint16_t)atoi(port));
    *loopback = (ntohl(a.sin_addr.s_addr) >> 24) == 127;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        fprintf(stderr, "switchbench agent: cannot listen on %s: %s\n", arg, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    char shown[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a.sin_addr, shown, sizeof shown);
    printf("switchbench agent: listening on %s:%u\n", shown, ntohs(a.sin_port));
    fflush(stdout);
    return fd;
}

static int agent_options(int argc, char **argv, struct agent *ag, const char **listen_at,
                         const char **token_file)
{
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"token-file", required_argument, NULL, 't'},
                                         {"allow", required_argument, NULL, 'a'},
                                         {"max-conns", required_argument, NULL, 'c'},
                                         {"max-seconds", required_argument, NULL, 's'},
                                         {"once", no_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        char *end = NULL;
        long long v = optarg ? strtoll(optarg, &end, 10) : 0;
        bool number = optarg && end != optarg && !*end;
        if (c == 'l')
            *listen_at = optarg;
        else if (c == 't')
            *token_file = optarg;
        else if (c == 'o')
            ag->once = true;
        else if (c == 'h') {
            fputs(agent_usage, stdout);
            return 1;
        } else if (c == 'a' && ag->n_allow < AGENT_MAX_ALLOW &&
                   inet_pton(AF_INET, optarg, &ag->allow[ag->n_allow]) == 1)
            ag->n_allow++;
        else if (c == 'a')
            return agent_usage_error("--allow: '%s' is not an IPv4 address (16 at most)", optarg);
        else if (c == 'c' && number && v >= 1 && v <= 1000000)
            ag->max_conns = v;
        else if (c == 's' && number && v >= 1 && v <= 86400)
            ag->max_seconds = v;
        else if (c == 'c' || c == 's')
            return agent_usage_error("'%s' is out of range (--max-conns 1..1000000, "
                                     "--max-seconds 1..86400)",
                                     optarg);
        else
            return agent_usage_error("unknown option or missing value: '%s'", argv[optind - 1]);
    }
    if (optind < argc) return agent_usage_error("unexpected argument '%s'", argv[optind]);
    if (!*listen_at) return agent_usage_error("%s", "--listen=ADDR:PORT is required");
    return 0;
}

int sb_agent_main(int argc, char **argv)
{
    struct agent ag = {.max_conns = 10000, .max_seconds = 300};
    const char *listen_at = NULL, *token_file = NULL;
    int rc = agent_options(argc, argv, &ag, &listen_at, &token_file);
    if (rc != 0) return rc == 1 ? 0 : rc;
    bool loopback = false;
    char why[300];
    if (token_file &&
        sb_token_read(token_file, true, ag.token, sizeof ag.token, why, sizeof why) != 0) {
        fprintf(stderr, "switchbench agent: --token-file: %s\n", why);
        return 2;
    }
    int lfd = agent_listen(listen_at, &loopback);
    if (lfd == -2) return 2;
    if (lfd < 0) return 1;
    if (!loopback && !ag.token[0]) {
        fprintf(stderr, "switchbench agent: beyond loopback a --token-file (mode 0600) is "
                        "required\n");
        close(lfd);
        return 2;
    }
    struct rlimit rl; /* a descriptor per connection of a load */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: accept() must wake */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!agent_stop) {
        struct sockaddr_in peer = {0};
        socklen_t len = sizeof peer;
        int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
        if (fd < 0) continue; /* EINTR from a stop, or a connection that went */
        bool loaded = agent_serve(&ag, fd, peer.sin_addr);
        close(fd);
        if (ag.once && loaded) break;
    }
    close(lfd);
    return 0;
}
