#include "coro_stack.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(SB_HAVE_VALGRIND)
#include <valgrind/valgrind.h>
#endif

#if defined(SB_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

int64_t coro_guard_budget(enum sb_stack_guard policy)
{
    if (policy != SB_GUARD_AUTO) return 0;
    long long limit = 65530; /* the kernel's default, if /proc says nothing */
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%lld", &limit) != 1) limit = 65530;
        fclose(f);
    }
    long long in_use = 0;
    f = fopen("/proc/self/maps", "r");
    if (f) {
        int c;
        while ((c = getc(f)) != EOF) in_use += c == '\n';
        fclose(f);
    }
    long long room = limit / 8 > 1024 ? limit / 8 : 1024;
    long long budget = (limit - in_use - room) / 2;
    return budget > 0 ? budget : 0;
}

bool coro_guard_next(struct sb_engine *e, enum sb_stack_guard policy, int64_t *budget)
{
    bool guard = policy == SB_GUARD_PAGE ||
                 (policy == SB_GUARD_AUTO && __atomic_sub_fetch(budget, 1, __ATOMIC_RELAXED) >= 0);
    __atomic_fetch_add(guard ? &e->stacks_guarded : &e->stacks_unguarded, 1, __ATOMIC_RELAXED);
    return guard;
}

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

/* A stack in `m`, a mapping of a guard page's room and `size` bytes: the
 * guard protected (when asked) and the top page committed. */
static int stack_place(struct coro_stack *stack, char *m, size_t size, bool guard,
                       struct sb_err *err, const char *engine)
{
    size_t page = page_size();
    if (guard && mprotect(m, page, PROT_NONE) != 0) {
        int e = errno;
        sb_err_set(err, "%s: cannot protect a stack guard page: %s%s", engine, strerror(e),
                   e == ENOMEM ? " (vm.max_map_count exhausted: each guarded stack is two "
                                 "mappings; --stack-guard=auto or none lifts it)"
                               : "");
        return -1;
    }
    memset(stack, 0, sizeof *stack);
    stack->map = m;
    stack->map_len = page + size;
    stack->guard = guard ? page : 0;
    stack->lo = m + page;
    stack->size = size;
#if defined(MADV_POPULATE_WRITE)
    /* The top page is written at once (the first frame), and on this
     * machine kind committing it ahead costs less than the fault that
     * would: per page, 2.3 us to populate and 5.9 us for the first write
     * after, against 11.5 us for a write that faults (100,000 stacks,
     * median of 3 rounds). A kernel without it (before 5.14) says EINVAL
     * and the write faults as before. */
    (void)madvise(stack->lo + size - page, page, MADV_POPULATE_WRITE);
#endif
#if defined(SB_HAVE_VALGRIND)
    stack->vg_id = VALGRIND_STACK_REGISTER(stack->lo, stack->lo + stack->size);
#endif
    return 0;
}

/* Room for `n` stacks of `size` bytes, each above a guard page's room.
 * MAP_NORESERVE: a stack costs only the pages it touches, which is what
 * the memory figures of the spawn workload should show. */
static char *stack_map(size_t n, size_t size, struct sb_err *err, const char *engine)
{
    void *m = mmap(NULL, n * (page_size() + size), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) {
        int e = errno;
        sb_err_set(err, "%s: cannot map %zu stack(s) of %zu bytes: %s%s", engine, n, size,
                   strerror(e), e == ENOMEM ? " (memory or vm.max_map_count exhausted)" : "");
        return NULL;
    }
    return m;
}

static size_t round_to_pages(size_t size)
{
    size_t page = page_size();
    return (size + page - 1) & ~(page - 1);
}

int coro_stack_alloc(struct coro_stack *stack, size_t size, bool guard, struct sb_err *err,
                     const char *engine)
{
    size = round_to_pages(size);
    char *m = stack_map(1, size, err, engine);
    if (!m) return -1;
    if (stack_place(stack, m, size, guard, err, engine) != 0) {
        munmap(m, page_size() + size);
        return -1;
    }
    return 0;
}

void coro_stack_free(struct coro_stack *stack)
{
    if (!stack->map) return;
#if defined(SB_HAVE_VALGRIND)
    VALGRIND_STACK_DEREGISTER(stack->vg_id);
#endif
    munmap(stack->map, stack->map_len);
    stack->map = NULL;
}

int coro_stack_guard_hit(const struct coro_stack *stack, const void *addr)
{
    const char *a = addr;
    return stack && stack->map && a >= stack->map && a < stack->map + stack->guard;
}

int coro_stack_alloc_pair(struct coro_stack pair[2], const struct sb_engine_config *cfg,
                          struct sb_err *err, const char *engine)
{
    bool guard = cfg->guard != SB_GUARD_NONE;
    if (coro_stack_alloc(&pair[0], cfg->stack_size, guard, err, engine) != 0) return -1;
    if (coro_stack_alloc(&pair[1], cfg->stack_size, guard, err, engine) != 0) {
        coro_stack_free(&pair[0]);
        return -1;
    }
    return 0;
}

void coro_stack_free_pair(struct coro_stack pair[2])
{
    coro_stack_free(&pair[0]);
    coro_stack_free(&pair[1]);
}

void *coro_bare_state(size_t size, struct sb_err *err, const char *engine)
{
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        sb_err_set(err, "%s: cannot map the bare loop's state: %s", engine, strerror(errno));
        return NULL;
    }
    return m;
}

void coro_pool_init(struct coro_stack_pool *p, size_t rec_size, struct sb_engine *engine,
                    const struct sb_engine_config *cfg, int64_t *budget)
{
    *p = (struct coro_stack_pool){
        .rec_size = rec_size,
        .stack_size = cfg->stack_size,
        .policy = cfg->guard,
        .engine = engine,
        .budget = budget,
    };
}

/* A new stack for `rec`, carved from the pool's chunk (a new chunk when
 * it is used up): one mmap per CORO_CHUNK_STACKS stacks instead of one
 * each, 1.6 us a stack on this machine kind. Each carved stack is still
 * unmapped on its own (munmap takes any page range of a mapping). */
static int pool_carve(struct coro_stack_pool *p, struct coro_stack *rec, struct sb_err *err)
{
    const char *name = p->engine->ops->name;
    size_t size = round_to_pages(p->stack_size), slot = page_size() + size;
    if (p->chunk_left == 0) {
        char *m = stack_map(CORO_CHUNK_STACKS, size, err, name);
        if (!m) return -1;
        p->chunk = m;
        p->chunk_left = CORO_CHUNK_STACKS;
    }
    bool guard = coro_guard_next(p->engine, p->policy, p->budget);
    if (stack_place(rec, p->chunk, size, guard, err, name) != 0) return -1;
    p->chunk += slot;
    p->chunk_left--;
    return 0;
}

struct coro_stack *coro_pool_take(struct coro_stack_pool *p, unsigned task, struct sb_err *err)
{
    const char *name = p->engine->ops->name;
    struct coro_stack *rec = p->spare;
    if (rec) {
        p->spare = rec->next;
    } else {
        rec = calloc(1, p->rec_size);
        if (!rec) {
            sb_err_set(err, "%s: out of memory for task %u", name, task);
            return NULL;
        }
        if (pool_carve(p, rec, err) != 0) {
            free(rec);
            return NULL;
        }
        p->nrecs++;
    }
    rec->prev = NULL;
    rec->next = p->live;
    if (p->live) p->live->prev = rec;
    p->live = rec;
    return rec;
}

void coro_pool_give(struct coro_stack_pool *p, struct coro_stack *rec)
{
    if (rec->prev)
        rec->prev->next = rec->next;
    else
        p->live = rec->next;
    if (rec->next) rec->next->prev = rec->prev;
    rec->prev = NULL;
    rec->next = p->spare;
    p->spare = rec;
}

static void stack_list_free(struct coro_stack *stack)
{
    while (stack) {
        struct coro_stack *next = stack->next;
        coro_stack_free(stack);
        free(stack);
        stack = next;
    }
}

void coro_pool_free(struct coro_stack_pool *p)
{
    stack_list_free(p->live);
    stack_list_free(p->spare);
    p->live = p->spare = NULL;
    /* The chunk's stacks not carved yet. */
    if (p->chunk_left)
        munmap(p->chunk, p->chunk_left * (page_size() + round_to_pages(p->stack_size)));
    p->chunk = NULL;
    p->chunk_left = 0;
}

bool coro_pool_guard_hit(const struct coro_stack_pool *p, const void *addr)
{
    const struct coro_stack *rec = p->live;
    for (size_t n = p->nrecs; rec && n > 0; n--, rec = rec->next)
        if (coro_stack_guard_hit(rec, addr)) return true;
    return false;
}

enum { CORO_ALTSTACK_BYTES = 64 * 1024 };

void *coro_altstack_push(void)
{
    void *m =
        mmap(NULL, CORO_ALTSTACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    stack_t ss = {.ss_sp = m, .ss_size = CORO_ALTSTACK_BYTES, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(m, CORO_ALTSTACK_BYTES);
        return NULL;
    }
    return m;
}

void coro_altstack_pop(void *alt)
{
    if (!alt) return;
    stack_t ss = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    (void)sigaltstack(&ss, NULL);
    munmap(alt, CORO_ALTSTACK_BYTES);
}

void coro_asan_start(struct coro_stack *from, const struct coro_stack *to, int dying)
{
#if defined(SB_ASAN)
    __sanitizer_start_switch_fiber(dying ? NULL : &from->asan_fake, to->lo, to->size);
#else
    (void)from;
    (void)to;
    (void)dying;
#endif
}

void coro_asan_finish(struct coro_stack *self, struct coro_stack *main_stack)
{
#if defined(SB_ASAN)
    const void *old_lo = NULL;
    size_t old_size = 0;
    __sanitizer_finish_switch_fiber(self ? self->asan_fake : NULL, &old_lo, &old_size);
    /* The first switch away from the scheduler tells us where its stack is. */
    if (main_stack && !main_stack->lo && old_lo) {
        main_stack->lo = (char *)old_lo;
        main_stack->size = old_size;
    }
#else
    (void)self;
    (void)main_stack;
#endif
}
