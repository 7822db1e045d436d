/* The open-loop schedule of the echo-open workload (wl_echo_open.c), kept
 * apart from sockets and clocks so that a test can drive it with a fake
 * clock (tests/test_units.c: echo_pace_*).
 *
 * Request k of the run (k = 0 .. total-1) is due at t0 + k / rate and goes
 * out on connection k % conns: the offered load is constant, and each
 * connection's own requests are conns / rate apart. A connection carries
 * one request at a time. A request that falls due while its connection
 * still waits for the previous echo goes out the moment that echo is in,
 * and its latency still counts from when it was due, as wrk2 counts it:
 * the queueing a slow server causes is in the figures instead of being
 * hidden by a generator that waited for it (coordinated omission). */
#ifndef SB_ECHO_PACE_H
#define SB_ECHO_PACE_H

#include <stdbool.h>
#include <stdint.h>

struct echo_pace {
    uint64_t t0_ns;     /* when request 0 is due */
    uint64_t total;     /* requests in the run */
    double interval_ns; /* between two requests of the run: 1e9 / rate */
    unsigned conns;
    uint64_t released; /* requests 0 .. released-1 have fallen due */
};

struct echo_pace_conn {
    uint64_t next_k;      /* this connection's next request to send */
    uint64_t intended_ns; /* when the request out now fell due */
    bool busy;            /* a request is out, its echo not yet in */
};

void echo_pace_init(struct echo_pace *p, struct echo_pace_conn *cs, uint64_t t0_ns, uint64_t rate,
                    unsigned conns, uint64_t total);
/* When request k is (or was) due. */
uint64_t echo_pace_due_ns(const struct echo_pace *p, uint64_t k);
/* Every request due by `now` is released; returns the first request newly
 * released (the new ones are first .. p->released-1: their connections
 * are k % conns, which may now send). */
uint64_t echo_pace_release(struct echo_pace *p, uint64_t now_ns);
/* When the next request falls due; UINT64_MAX once all have. */
uint64_t echo_pace_next_due_ns(const struct echo_pace *p);
/* Whether connection c sends now: idle, with its next request released.
 * If so it becomes busy with that request, and cs[c].intended_ns is when
 * the request fell due. */
bool echo_pace_take(struct echo_pace *p, struct echo_pace_conn *cs, unsigned c);
/* The echo of connection c's request is in at now_ns: its latency in ns,
 * counted from when the request was due. */
uint64_t echo_pace_done(struct echo_pace_conn *cs, unsigned c, uint64_t now_ns);

#endif
