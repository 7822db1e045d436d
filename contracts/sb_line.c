/* The load agent's wire (sb_loadgen.h): JSON lines over TCP, a connect
 * with a deadline, HOST:PORT and token files. Both sides use it: the
 * harness's hello, the echo workload's remote load and its agent. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sb_loadgen.h"

static long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long sb_line_read(int fd, char *buf, size_t cap, int timeout_ms)
{
    long deadline = timeout_ms >= 0 ? ms_now() + timeout_ms : 0;
    size_t n = 0;
    for (;;) {
        if (timeout_ms >= 0) {
            long left = deadline - ms_now();
            struct pollfd p = {.fd = fd, .events = POLLIN};
            int r = left > 0 ? poll(&p, 1, (int)left) : 0;
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) return -1;
            if (r == 0) {
                errno = ETIME;
                return -1;
            }
        }
        char c;
        ssize_t got = recv(fd, &c, 1, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        if (got == 0) {
            errno = ECONNRESET;
            return -1;
        }
        if (c == '\n') {
            buf[n] = '\0';
            return (long)n;
        }
        if (n + 1 >= cap) {
            errno = EMSGSIZE;
            return -1;
        }
        buf[n++] = c;
    }
}

int sb_line_send(int fd, json_t *msg)
{
    char *s = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
    json_decref(msg);
    if (!s) {
        errno = ENOMEM;
        return -1;
    }
    size_t len = strlen(s), off = 0;
    s[len] = '\0';
    int rc = 0;
    char nl = '\n';
    while (rc == 0 && off <= len) {
        const char *from = off < len ? s + off : &nl;
        size_t want = off < len ? len - off : 1;
        ssize_t w = send(fd, from, want, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0)
            rc = -1;
        else
            off += (size_t)w;
    }
    free(s);
    return rc;
}

void sb_tcp_keepalive(int fd)
{
    /* A peer that vanishes without a FIN (a cable, a dead host) fails a
     * read after 5 s idle and 5 unanswered probes 2 s apart; with data in
     * flight, keepalive does not probe, and the user timeout ends it after
     * 15 s unacknowledged (else retransmissions go on for many minutes). */
    int one = 1, idle = 5, intvl = 2, cnt = 5;
    unsigned user_timeout_ms = 15000;
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof user_timeout_ms);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* connect() on a non-blocking socket, then wait for it: 0, or -1 with errno. */
static int connect_within(int fd, const struct sockaddr *a, socklen_t len, int timeout_ms)
{
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = connect(fd, a, len);
    if (rc != 0 && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int r;
        while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {}
        int e = 0;
        socklen_t el = sizeof e;
        if (r == 0)
            e = ETIMEDOUT;
        else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
            e = errno;
        rc = e ? -1 : 0;
        errno = e;
    }
    int saved = errno;
    fcntl(fd, F_SETFL, flags);
    errno = saved;
    return rc;
}

int sb_tcp_connect(const char *host, const char *port, int timeout_ms, struct sb_err *err)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0) {
        sb_err_set(err, "cannot resolve %s: %s", host, gai_strerror(g));
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect_within(fd, res->ai_addr, res->ai_addrlen, timeout_ms) != 0) {
        sb_err_set(err, "cannot reach %s:%s: %s", host, port, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    sb_tcp_keepalive(fd);
    return fd;
}

/* HOST:PORT with a port from min_port to 65535. */
static int host_port_from(const char *arg, long min_port, char *host, size_t hlen, char *port,
                          size_t plen, struct sb_err *err)
{
    const char *colon = strrchr(arg, ':');
    char *end = NULL;
    long p = colon ? strtol(colon + 1, &end, 10) : -1;
    size_t h = colon ? (size_t)(colon - arg) : 0;
    if (!colon || h == 0 || h >= hlen || !end || *end || end == colon + 1 || p < min_port ||
        p > 65535) {
        sb_err_set(err, "'%s' is not HOST:PORT (e.g. 198.18.0.1:7000)", arg);
        return -1;
    }
    memcpy(host, arg, h);
    host[h] = '\0';
    snprintf(port, plen, "%ld", p);
    return 0;
}

int sb_host_port(const char *arg, char *host, size_t hlen, char *port, size_t plen,
                 struct sb_err *err)
{
    return host_port_from(arg, 1, host, hlen, port, plen, err);
}

int sb_listen_host_port(const char *arg, char *host, size_t hlen, char *port, size_t plen,
                        struct sb_err *err)
{
    return host_port_from(arg, 0, host, hlen, port, plen, err);
}

int sb_token_read(const char *path, bool need_private, char *tok, size_t len, struct sb_err *err)
{
    /* O_NONBLOCK: a FIFO (or a device) named as the token file must not
     * hang both sides waiting for a writer; fstat then refuses it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        sb_err_set(err, "cannot read the token file %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        sb_err_set(err, "the token file %s is not a regular file (%s)", path,
                   S_ISDIR(st.st_mode)    ? "a directory"
                   : S_ISFIFO(st.st_mode) ? "a FIFO"
                   : S_ISSOCK(st.st_mode) ? "a socket"
                                          : "a device");
        close(fd);
        return -1;
    }
    if (need_private && (st.st_mode & 077)) {
        sb_err_set(err, "the token file %s is readable by others (mode %03o): chmod 600 it", path,
                   (unsigned)(st.st_mode & 0777));
        close(fd);
        return -1;
    }
    /* The first line, read whole up to one byte past the bound, so that a
     * longer token is refused rather than cut. */
    char buf[SB_TOKEN_MAX + 2] = {0};
    size_t n = 0;
    ssize_t got = 1;
    while (n < sizeof buf && got > 0 && !memchr(buf, '\n', n)) {
        got = read(fd, buf + n, sizeof buf - n);
        if (got < 0 && errno == EINTR)
            got = 1;
        else if (got > 0)
            n += (size_t)got;
    }
    int saved = errno;
    close(fd);
    if (got < 0) {
        sb_err_set(err, "cannot read the token file %s: %s", path, strerror(saved));
        return -1;
    }
    const char *nl = memchr(buf, '\n', n);
    size_t tl = nl ? (size_t)(nl - buf) : n;
    if (tl > 0 && buf[tl - 1] == '\r') tl--;
    struct sb_err why = {""};
    if (sb_token_check(buf, tl, &why) == 0 && tl + 1 > len)
        sb_err_set(&why, "the token is too long for this build");
    if (why.msg[0]) {
        sb_err_set(err, "the token file %s: %s", path, why.msg);
        return -1;
    }
    memcpy(tok, buf, tl);
    tok[tl] = '\0';
    return 0;
}

int sb_token_check(const char *tok, size_t n, struct sb_err *why)
{
    if (n == 0) {
        sb_err_set(why, "the token is empty");
        return -1;
    }
    if (n > SB_TOKEN_MAX) {
        sb_err_set(why, "the token is longer than %d bytes", SB_TOKEN_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)tok[i];
        if (c == 0 || c < 0x20 || c == 0x7f) {
            sb_err_set(why, "the token holds a %s at byte %zu (printable text only)",
                       c == 0 ? "NUL" : "control character", i + 1);
            return -1;
        }
    }
    /* On the wire it is a JSON string: jansson takes UTF-8 only. */
    json_t *probe = json_stringn(tok, n);
    if (!probe) {
        sb_err_set(why, "the token is not UTF-8 text");
        return -1;
    }
    json_decref(probe);
    return 0;
}
