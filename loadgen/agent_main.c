/* `switchbench agent` (./bench agent): the load host's side of --loadgen.
 * It serves controllers (agent_serve.c), answers a hello, and runs
 * a load it is asked for with the echo load generator (every echoed byte
 * checked) against the controller's own address, telling the controller
 * when its timed loop starts and what it measured (contracts/sb_loadgen.h
 * has the lines). It is no open door: beyond loopback, or with --allow,
 * it needs a token file only its owner can read, and it refuses to start
 * without one before it listens; it refuses a target other than the
 * controller's address unless --allow names it; it bounds connections
 * and a load's duration; anything it does not understand gets one error
 * line and a closed connection. This file is its start-up: options and the
 * listening socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

static const char agent_usage[] =
    "usage: switchbench agent --listen=ADDR:PORT [--token-file=FILE] [--allow=ADDR]...\n"
    "                         [--max-conns=N] [--max-seconds=S] [--once]\n"
    "  --listen=ADDR:PORT  where controllers connect (port 0: any, printed)\n"
    "  --token-file=FILE   shared secret, the first line (1 to 4096 bytes of text);\n"
    "                      needed (a regular file, mode 0600) beyond loopback or with --allow\n"
    "  --allow=ADDR        a target besides the controller's own address (up to 16)\n"
    "  --max-conns=N       connections one load may open (default 10000)\n"
    "  --max-seconds=S     a load running longer is ended (default 300; decimals allowed)\n"
    "  --once              serve one load, then exit\n"
    "Each controller leaves one line on standard error: its address, whether it had the\n"
    "token, what it asked, how it ended.\n";

static int agent_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "switchbench agent: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see --help)\n");
    return 2;
}

/* The listening address, checked against the token rule before anything
 * listens: 0 and a, or 2 (the line said). */
static int agent_address(const char *arg, const struct agent_config *cfg, struct sockaddr_in *a)
{
    char host[64], port[16];
    struct sb_err why = {""};
    *a = (struct sockaddr_in){.sin_family = AF_INET};
    if (sb_listen_host_port(arg, host, sizeof host, port, sizeof port, &why) != 0 ||
        inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return agent_usage_error("--listen: '%s' is not IPV4:PORT (port 0: any)", arg);
    a->sin_port = htons((uint16_t)atoi(port));
    bool loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    if (!loopback && !cfg->token[0])
        return agent_usage_error("%s", "beyond loopback a --token-file (mode 0600) is required");
    /* --allow aims loads at another address: on loopback too, any local
     * process could use that without a token. */
    if (cfg->n_allow && !cfg->token[0])
        return agent_usage_error("%s", "--allow needs a --token-file (mode 0600): without one "
                                       "any local process could aim a load at the allowed "
                                       "address");
    return 0;
}

static int agent_listen(const char *arg, const struct sockaddr_in *at)
{
    struct sockaddr_in a = *at;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, SOMAXCONN) != 0 ||
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

static int agent_options(int argc, char **argv, struct agent_config *ag, const char **listen_at,
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
        char *end = NULL, *dend = NULL;
        long long v = optarg ? strtoll(optarg, &end, 10) : 0;
        bool number = optarg && end != optarg && !*end;
        double secs = optarg ? strtod(optarg, &dend) : 0;
        bool seconds = optarg && dend != optarg && !*dend && isfinite(secs);
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
        else if (c == 's' && seconds && secs >= 0.001 && secs <= 86400)
            ag->max_ns = llround(secs * 1e9);
        else if (c == 'c' || c == 's')
            return agent_usage_error("'%s' is out of range (--max-conns 1..1000000, "
                                     "--max-seconds 0.001..86400)",
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
    struct agent_config ag = {.max_conns = 10000, .max_ns = 300LL * 1000000000LL};
    const char *listen_at = NULL, *token_file = NULL;
    int rc = agent_options(argc, argv, &ag, &listen_at, &token_file);
    if (rc != 0) return rc == 1 ? 0 : rc;
    struct sb_err why = {""};
    if (token_file && sb_token_read(token_file, true, ag.token, sizeof ag.token, &why) != 0) {
        fprintf(stderr, "switchbench agent: --token-file: %s\n", why.msg);
        return 2;
    }
    struct sockaddr_in at;
    if (agent_address(listen_at, &ag, &at) != 0) return 2;
    struct rlimit rl; /* a descriptor per connection of a load */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = agent_listen(listen_at, &at);
    if (lfd < 0) return 1;
    return agent_serve(&ag, lfd);
}
