/* Coroutine stacks: an mmap'd region with a PROT_NONE guard page below it,
 * registered with Valgrind, and the AddressSanitizer fiber annotations that
 * must surround every switch between stacks. */
#ifndef SB_CORO_STACK_H
#define SB_CORO_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_engine.h"

struct coro_stack {
    struct coro_stack *prev, *next; /* the owning scheduler's list */
    char *map;                      /* start of the mapping: the guard page, if any */
    size_t map_len;
    char *lo;    /* lowest usable byte */
    size_t size; /* usable bytes; the stack grows down from lo + size */
    size_t guard;
    unsigned vg_id;  /* Valgrind stack id */
    void *asan_fake; /* ASan's fake-stack handle while this fiber is switched out */
};

/* Without a guard there is no PROT_NONE page, and adjacent stacks merge
 * into few mappings: the way past vm.max_map_count (each guarded stack
 * costs two) when a million stacks must be alive. */
int coro_stack_alloc(struct coro_stack *st, size_t size, bool guard, struct sb_err *err,
                     const char *engine);

/* SB_GUARD_AUTO's budget, read when an engine opens: how many more guarded
 * stacks fit under vm.max_map_count, less the mappings in use and room
 * for what else the run maps (an eighth of the limit, at least 1,024). */
int64_t coro_guard_budget(enum sb_stack_guard policy);
/* Whether the next stack gets a guard page: always under PAGE, never under
 * NONE, while the budget lasts under AUTO (taken atomically: workers
 * spawn concurrently). Counted in the engine's stacks_(un)guarded. */
bool coro_guard_next(struct sb_engine *e, enum sb_stack_guard policy, int64_t *budget);
void coro_stack_free(struct coro_stack *st);
/* Async-signal-safe. */
int coro_stack_guard_hit(const struct coro_stack *st, const void *addr);

/* An alternate signal stack for the calling thread (a worker), so that a
 * guard-page fault can be handled on it; pop it before the thread ends.
 * NULL when none could be made (the fault is then a plain SIGSEGV). */
void *coro_altstack_push(void);
void coro_altstack_pop(void *alt);

/* ASan fiber annotations around every switch. The scheduler's own stack is
 * a coro_stack without a mapping whose bounds ASan reports at the first
 * switch (coro_asan_finish with self NULL, in a task's first frame).
 * `dying` drops the fake stack of a finished task. */
void coro_asan_start(struct coro_stack *from, const struct coro_stack *to, int dying);
void coro_asan_finish(struct coro_stack *self, struct coro_stack *main_stack);

#if defined(__SANITIZE_ADDRESS__)
#define SB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SB_ASAN 1
#endif
#endif

#endif
