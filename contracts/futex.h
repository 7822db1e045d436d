/* Futex helpers for the threads and processes engines. `shared` selects
 * the process-shared futex (the word lives in a MAP_SHARED mapping). */
#ifndef SB_FUTEX_H
#define SB_FUTEX_H

#include <limits.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void sb_futex_wait(uint32_t *word, uint32_t expected, bool shared)
{
    (void)syscall(SYS_futex, word, shared ? FUTEX_WAIT : FUTEX_WAIT_PRIVATE, expected, NULL, NULL,
                  0);
}

static inline void sb_futex_wake(uint32_t *word, int count, bool shared)
{
    (void)syscall(SYS_futex, word, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

/* A binary semaphore on one word: post sets it and wakes the waiter;
 * wait consumes it, sleeping while it is 0. */
static inline void sb_futex_post(uint32_t *word, bool shared)
{
    __atomic_store_n(word, 1, __ATOMIC_RELEASE);
    sb_futex_wake(word, 1, shared);
}

static inline void sb_futex_take(uint32_t *word, bool shared)
{
    while (__atomic_exchange_n(word, 0, __ATOMIC_ACQUIRE) == 0) sb_futex_wait(word, 0, shared);
}

/* A start gate: 0 closed, then opened once with a non-zero value. */
static inline uint32_t sb_gate_wait(uint32_t *gate, bool shared)
{
    uint32_t v;
    while ((v = __atomic_load_n(gate, __ATOMIC_ACQUIRE)) == 0) sb_futex_wait(gate, 0, shared);
    return v;
}

static inline void sb_gate_open(uint32_t *gate, uint32_t value, bool shared)
{
    __atomic_store_n(gate, value, __ATOMIC_RELEASE);
    sb_futex_wake(gate, INT_MAX, shared);
}

#endif
