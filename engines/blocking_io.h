/* sleep and wait_fd for the engines whose tasks are OS threads or
 * processes: the task simply blocks in the kernel. */
#ifndef SB_BLOCKING_IO_H
#define SB_BLOCKING_IO_H

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "sb_engine.h"

static inline struct timespec sb_ns_to_ts(uint64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    return ts;
}

static inline sb_ret sb_blocking_sleep(struct sb_task *t, uint64_t ns)
{
    (void)t;
    struct timespec now, until;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct timespec d = sb_ns_to_ts(ns);
    until.tv_sec = now.tv_sec + d.tv_sec;
    until.tv_nsec = now.tv_nsec + d.tv_nsec;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    /* An absolute deadline: a signal cannot make the sleep shorter or drift. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {}
    return SB_OK;
}

static inline sb_ret sb_blocking_wait_fd(struct sb_task *t, int fd, unsigned events,
                                         uint64_t timeout_ns)
{
    struct pollfd p = {.fd = fd,
                       .events = (short)(((events & SB_READABLE) ? POLLIN : 0) |
                                         ((events & SB_WRITABLE) ? POLLOUT : 0))};
    struct timespec ts = sb_ns_to_ts(timeout_ns);
    int rc;
    while ((rc = ppoll(&p, 1, timeout_ns == SB_NO_TIMEOUT ? NULL : &ts, NULL)) < 0 &&
           errno == EINTR) {}
    t->sb_result = rc > 0 ? SB_OK : rc == 0 ? SB_TIMEDOUT : -errno;
    return SB_OK;
}

static inline sb_ret sb_blocking_close_fd(struct sb_task *t, int fd)
{
    t->sb_result = close(fd) == 0 ? SB_OK : -errno;
    return SB_OK;
}

#endif
