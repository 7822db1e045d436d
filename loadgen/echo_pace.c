/* The open-loop schedule: see echo_pace.h. */
#include "echo_pace.h"

void echo_pace_init(struct echo_pace *p, struct echo_pace_conn *cs, uint64_t t0_ns, uint64_t rate,
                    unsigned conns, uint64_t total)
{
    *p = (struct echo_pace){
        .t0_ns = t0_ns, .total = total, .interval_ns = 1e9 / (double)rate, .conns = conns};
    for (unsigned c = 0; c < conns; c++)
        cs[c] = (struct echo_pace_conn){.next_k = c, .intended_ns = 0, .busy = false};
}

/* In double: exact to the nanosecond for 2^53 ns, 104 days of schedule. */
uint64_t echo_pace_due_ns(const struct echo_pace *p, uint64_t k)
{
    return p->t0_ns + (uint64_t)((double)k * p->interval_ns);
}

uint64_t echo_pace_release(struct echo_pace *p, uint64_t now_ns)
{
    uint64_t first = p->released;
    if (now_ns < p->t0_ns) return first;
    /* The last request due by now, found from the time, then corrected
     * for the rounding of both divisions. */
    uint64_t k = (uint64_t)((double)(now_ns - p->t0_ns) / p->interval_ns);
    while (k > 0 && echo_pace_due_ns(p, k) > now_ns) k--;
    while (echo_pace_due_ns(p, k + 1) <= now_ns) k++;
    uint64_t upto = k + 1 < p->total ? k + 1 : p->total;
    if (upto > p->released) p->released = upto;
    return first;
}

uint64_t echo_pace_next_due_ns(const struct echo_pace *p)
{
    return p->released < p->total ? echo_pace_due_ns(p, p->released) : UINT64_MAX;
}

bool echo_pace_take(struct echo_pace *p, struct echo_pace_conn *cs, unsigned c)
{
    struct echo_pace_conn *me = &cs[c];
    if (me->busy || me->next_k >= p->released) return false;
    me->intended_ns = echo_pace_due_ns(p, me->next_k);
    me->next_k += p->conns;
    me->busy = true;
    return true;
}

uint64_t echo_pace_done(struct echo_pace_conn *cs, unsigned c, uint64_t now_ns)
{
    cs[c].busy = false;
    return now_ns > cs[c].intended_ns ? now_ns - cs[c].intended_ns : 0;
}
