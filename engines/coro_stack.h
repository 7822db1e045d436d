/* Coroutine stacks: slots of chunk mappings (CORO_CHUNK_STACKS per mmap),
 * each a PROT_NONE guard page (or its unprotected room) below the stack,
 * the top page committed ahead, registered with Valgrind; the pool a
 * scheduler keeps them in; and the AddressSanitizer fiber annotations
 * that must surround every switch between stacks. */
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
    bool packed;     /* under a page, sharing pages: a canary below it, no guard */
    unsigned vg_id;  /* Valgrind stack id */
    void *asan_fake; /* ASan's fake-stack handle while this fiber is switched out */
};

/* Stacks smaller than a page are packed: carved side by side from one
 * mapping, each with CORO_CANARY_BYTES of a fixed pattern just below it and
 * no guard page of its own (a page per stack would outweigh the stack);
 * one guard page below each chunk of CORO_CHUNK_STACKS. An overflow runs
 * over the canary into the stack below: it is named when the task ends
 * (coro_pool_give) or when the run crashes (coro_pool_fault_hit), never
 * left silent. */
enum { CORO_CANARY_BYTES = 64 };
bool coro_stack_is_packed(size_t size);
/* Whether a packed stack's canary is whole (always true for others).
 * Async-signal-safe. */
bool coro_stack_canary_ok(const struct coro_stack *stack);
/* The top of a stack for a new context, 16-byte aligned. `color` moves it
 * down by a multiple of 64 bytes on page-sized stacks (the asm engines'
 * asm_initial_frame has the measurement): their tops all sit at one
 * offset modulo 4 KiB otherwise. Packed stacks need none: each starts at
 * its own offset already. */
char *coro_stack_top(const struct coro_stack *stack, unsigned color);

/* Without a guard there is no PROT_NONE page, and adjacent stacks merge
 * into few mappings: the way past vm.max_map_count (each guarded stack
 * costs two) when a million stacks must be alive. */
int coro_stack_alloc(struct coro_stack *stack, size_t size, bool guard, struct sb_err *err,
                     const char *engine);

/* A stack the pool could not provide: the call that failed, its errno,
 * and what was asked. Recorded without formatting (a task spawning on a
 * 1K stack has no room for printf's frames), said by
 * coro_stack_failure_say from a stack that has. */
struct coro_stack_failure {
    const char *call; /* NULL: none */
    int err;
    size_t n, size; /* stacks asked for, bytes each */
};

/* SB_GUARD_AUTO's budget, read when an engine opens: how many more guarded
 * stacks fit under vm.max_map_count, less the mappings in use and room
 * for what else the run maps (an eighth of the limit, at least 1,024). */
int64_t coro_guard_budget(enum sb_stack_guard policy);
/* Whether the next stack gets a guard page: always under PAGE, never under
 * NONE, while the budget lasts under AUTO (taken atomically: workers
 * spawn concurrently). Counted in the engine's stacks_(un)guarded. */
bool coro_guard_next(struct sb_engine *e, enum sb_stack_guard policy, int64_t *budget);
void coro_stack_free(struct coro_stack *stack);
/* The failure in words into err: the call, its errno, and for ENOMEM the
 * map limit and this process's mappings (the usual cause), e.g. "asm:
 * mmap of stacks (64 x 1024 bytes) failed: Cannot allocate memory;
 * vm.max_map_count is 1000 and this process holds 1001: the map limit is
 * reached (...)". */
void coro_stack_failure_say(const struct coro_stack_failure *f, const char *engine,
                            struct sb_err *err);
/* Async-signal-safe. */
int coro_stack_guard_hit(const struct coro_stack *stack, const void *addr);

/* The bare loops' parts. Two stacks of the configured size and guard (both
 * or neither: 0, or -1 with err set). */
int coro_stack_alloc_pair(struct coro_stack pair[2], const struct sb_engine_config *cfg,
                          struct sb_err *err, const char *engine);
void coro_stack_free_pair(struct coro_stack pair[2]);
/* Zeroed memory for a bare loop's state, page-aligned: at a fixed page
 * offset, as the switch workload's tasks are (they live at the start of
 * the run's arena); on the process stack the saved stack pointers aliased
 * the task stacks in some runs. Free with munmap. NULL with err set. */
void *coro_bare_state(size_t size, struct sb_err *err, const char *engine);

/* A scheduler's stacks. Each record is rec_size bytes with a struct
 * coro_stack first (the engine keeps its context after it). Finished
 * tasks' records are kept as spares: mapping, guarding and unmapping a
 * stack costs system calls and page faults that dwarf the rest of a
 * task's life, and every coroutine library pools stacks for that reason.
 * One scheduler's pool is used by its worker thread only. */

struct coro_stack_pool {
    struct coro_stack *live;  /* records of live tasks */
    struct coro_stack *spare; /* records of finished tasks, kept for reuse */
    size_t nrecs;             /* records allocated: bounds a walk of `live` */
    size_t rec_size;          /* bytes per record */
    size_t stack_size;        /* usable bytes per stack */
    enum sb_stack_guard policy;
    struct sb_engine *engine;         /* counts guarded stacks; names errors */
    int64_t *budget;                  /* the engine's AUTO budget, shared by its pools */
    char *chunk;                      /* where the next new stack is carved */
    size_t chunk_left;                /* stacks the chunk still has room for */
    struct coro_chunk *chunks;        /* packed stacks' mappings, unmapped whole at the end */
    struct coro_stack_failure failed; /* the first stack it could not provide */
};

/* New stacks come from mappings of this many (pool_carve in coro_stack.c):
 * 64 stacks of the default 64 KiB are 4.2 MB of address space, of which
 * only touched pages cost memory. */
enum { CORO_CHUNK_STACKS = 64 };

void coro_pool_init(struct coro_stack_pool *p, size_t rec_size, struct sb_engine *engine,
                    const struct sb_engine_config *cfg, int64_t *budget);
/* A record for a new task, on the live list: a spare, or a new one.
 * NULL when no stack can be mapped: p->failed says why, and so does err
 * unless it is NULL (a task's own spawn: formatted later, elsewhere). */
struct coro_stack *coro_pool_take(struct coro_stack_pool *p, struct sb_err *err);
/* A finished task's record goes back to the spares. false when its stack
 * was packed and its canary is broken: the task overflowed. */
bool coro_pool_give(struct coro_stack_pool *p, struct coro_stack *rec);
/* Unmap and free every record. */
void coro_pool_free(struct coro_stack_pool *p);
/* Whether a fault at `addr` is a stack overflow: SB_FAULT_GUARD when it
 * is in the guard page of a live stack, SB_FAULT_PACKED_GUARD in the guard
 * page below a chunk of packed stacks, SB_FAULT_CANARY when a live packed
 * stack's canary is broken, else 0. near_sp: the stack pointer was at
 * most a push and the red zone above `addr` (a stack write); without it
 * only a broken canary counts. Async-signal-safe and safe
 * against a concurrent take or give: records are never freed during a run
 * and the walk is bounded by nrecs, so the worst a race can do is miss the
 * record. */
int coro_pool_fault_hit(const struct coro_stack_pool *p, const void *addr, bool near_sp);

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
