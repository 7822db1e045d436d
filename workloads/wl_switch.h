/* The switch workload's tasks, shared with tests/direct_switch.c so that
 * the harness-free measurement runs exactly the code ./bench runs. */
#ifndef SB_WL_SWITCH_H
#define SB_WL_SWITCH_H

#include "sb_task.h"

struct sw_state;

struct sw_task {
    struct sb_task t;
    struct sw_state *st;
    struct sw_task *peer;
    uint64_t handoffs;
    int waits_first; /* side 1 starts by waiting; the body clears it */
};

struct sw_state {
    uint64_t n;
    uint64_t switches;
    struct sw_task side[2];
};

/* Prepare the two sides for n one-way switches (side 1 waits first). */
void sw_state_init(struct sw_state *st, uint64_t n);
sb_ret sw_body(struct sb_task *t);

#endif
