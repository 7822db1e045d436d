/* The IO operations of every coroutine engine (coro_io.c): the task parks
 * (state CORO_WAIT_IO) and a libuv callback makes it ready. */
#ifndef SB_CORO_IO_H
#define SB_CORO_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "coro_core.h"

void coro_io_sleep(struct coro_sched *s, struct sb_task *t, uint64_t ns);
/* Returns 1 when already ready (no park needed). */
int coro_io_wait_fd(struct coro_sched *s, struct sb_task *t, int fd, unsigned events,
                    uint64_t timeout_ns);
sb_ret coro_close_fd(struct sb_task *t, int fd);
/* Close a finished task's handles (freed once libuv has closed them). */
void coro_io_release(struct sb_task *t);
/* Close the handles of tasks that never finished, then the loop. */
void coro_io_close_loop(uv_loop_t *loop);
/* Poll the scheduler's loop: without blocking when `block` is false. */
void coro_io_poll(struct coro_sched *s, bool block);

#endif
