#include "coro_stack.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#if defined(SB_HAVE_VALGRIND)
#include <valgrind/valgrind.h>
#endif

#if defined(SB_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

/* vm.max_map_count and the mappings this process holds now. */
static void map_counts(long long *limit, long long *in_use)
{
    *limit = 65530; /* the kernel's default, if /proc says nothing */
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%lld", limit) != 1) *limit = 65530;
        fclose(f);
    }
    *in_use = 0;
    f = fopen("/proc/self/maps", "r");
    if (f) {
        int c;
        while ((c = getc(f)) != EOF) *in_use += c == '\n';
        fclose(f);
    }
}

void coro_stack_failure_say(const struct coro_stack_failure *f, const char *engine,
                            struct sb_err *err)
{
    /* ENOMEM from mmap, mprotect (a split mapping) or malloc (a new heap)
     * is most often the map limit here: say it, and whether it is reached. */
    char limit[200] = "";
    struct rlimit as;
    if (f->err == ENOMEM) {
        long long max, in_use;
        map_counts(&max, &in_use);
        if (in_use + 16 >= max)
            snprintf(limit, sizeof limit,
                     "; vm.max_map_count is %lld and this process holds %lld: the map limit is "
                     "reached",
                     max, in_use);
        else if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
            snprintf(limit, sizeof limit, "; the address-space limit (ulimit -v) is %llu KiB",
                     (unsigned long long)(as.rlim_cur / 1024));
        else
            snprintf(limit, sizeof limit,
                     "; not the map limit (vm.max_map_count is %lld, this process holds %lld): "
                     "memory",
                     max, in_use);
    }
    sb_err_set(err, "%s: %s (%zu x %zu bytes) failed: %s%s", engine, f->call, f->n, f->size,
               strerror(f->err), limit);
}

int64_t coro_guard_budget(enum sb_stack_guard policy)
{
    if (policy != SB_GUARD_AUTO) return 0;
    long long limit, in_use;
    map_counts(&limit, &in_use);
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

bool coro_stack_is_packed(size_t size) { return size < page_size(); }

/* The canary's pattern: not zero (fresh memory), not a small integer or a
 * pointer into a normal address range, so a frame that lands on it is
 * unlikely to write it back unchanged. */
static const uint64_t canary_word = 0xa5c3f00dcafe5a3cULL;

static void canary_fill(char *below)
{
    for (size_t i = 0; i < CORO_CANARY_BYTES; i += sizeof canary_word)
        memcpy(below + i, &canary_word, sizeof canary_word);
}

bool coro_stack_canary_ok(const struct coro_stack *stack)
{
    if (!stack->packed) return true;
    const char *c = stack->lo - CORO_CANARY_BYTES;
    for (size_t i = 0; i < CORO_CANARY_BYTES; i += sizeof canary_word) {
        uint64_t w;
        memcpy(&w, c + i, sizeof w);
        if (w != canary_word) return false;
    }
    return true;
}

char *coro_stack_top(const struct coro_stack *stack, unsigned color)
{
    uintptr_t top = (uintptr_t)(stack->lo + stack->size);
    if (!stack->packed) top -= (color % 64u) * 64u;
    return (char *)(top & ~(uintptr_t)15);
}

/* A packed stack's size: whole cache lines, so the next canary starts a
 * line of its own. */
static size_t round_to_lines(size_t size) { return (size + 63) & ~(size_t)63; }

/* A stack in `m`, a mapping of a guard page's room and `size` bytes: the
 * guard protected (when asked) and the top page committed. */
static int stack_place(struct coro_stack *stack, char *m, size_t size, bool guard,
                       struct coro_stack_failure *fail)
{
    size_t page = page_size();
    if (guard && mprotect(m, page, PROT_NONE) != 0) {
        *fail = (struct coro_stack_failure){"mprotect of a guard page", errno, 1, size};
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

/* A packed stack in the CORO_CANARY_BYTES + size bytes at `slot`: the
 * canary first. Its mapping is the chunk's, unmapped whole (map_len 0). */
static void stack_place_packed(struct coro_stack *stack, char *slot, size_t size)
{
    memset(stack, 0, sizeof *stack);
    canary_fill(slot);
    stack->map = slot;
    stack->lo = slot + CORO_CANARY_BYTES;
    stack->size = size;
    stack->packed = true;
#if defined(SB_HAVE_VALGRIND)
    stack->vg_id = VALGRIND_STACK_REGISTER(stack->lo, stack->lo + stack->size);
#endif
}

/* `len` bytes of room for `n` stacks of `size` bytes (named in the error).
 * MAP_NORESERVE: a stack costs only the pages it touches, which is what
 * the memory figures of the spawn workload should show. */
static char *stack_map(size_t len, size_t n, size_t size, struct coro_stack_failure *fail)
{
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) {
        *fail = (struct coro_stack_failure){"mmap of stacks", errno, n, size};
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
    struct coro_stack_failure fail = {0};
    if (coro_stack_is_packed(size)) {
        /* One page of its own, the stack at its top, the canary below. */
        size = round_to_lines(size);
        size_t len = round_to_pages(CORO_CANARY_BYTES + size);
        char *m = stack_map(len, 1, size, &fail);
        if (!m) {
            coro_stack_failure_say(&fail, engine, err);
            return -1;
        }
        stack_place_packed(stack, m + len - size - CORO_CANARY_BYTES, size);
        stack->map = m;
        stack->map_len = len;
        return 0;
    }
    size = round_to_pages(size);
    char *m = stack_map(page_size() + size, 1, size, &fail);
    if (m && stack_place(stack, m, size, guard, &fail) != 0) {
        munmap(m, page_size() + size);
        m = NULL;
    }
    if (!m) {
        coro_stack_failure_say(&fail, engine, err);
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
    if (stack->map_len) munmap(stack->map, stack->map_len);
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
struct coro_chunk {
    struct coro_chunk *next;
    char *base; /* the guard page, then the slots */
    size_t len;
    size_t guard; /* bytes of PROT_NONE at base */
};

/* A packed stack for `rec`, from a chunk of CORO_CHUNK_STACKS slots that
 * is committed whole at once: its stacks share its pages, so each page
 * will be written anyway, and one populate costs less than a fault per
 * page (stack_place has the figures). Below the chunk, one guard page for
 * its 64 stacks: a run-away recursion goes down through the stacks under
 * its own and ends there, whatever canaries its frames stepped over (a
 * big local array never written: under ASan, three of four engines'). */
static int pool_carve_packed(struct coro_stack_pool *p, struct coro_stack *rec)
{
    size_t size = round_to_lines(p->stack_size), slot = CORO_CANARY_BYTES + size;
    if (p->chunk_left == 0) {
        size_t page = page_size(), len = page + round_to_pages(CORO_CHUNK_STACKS * slot);
        struct coro_chunk *c = malloc(sizeof *c);
        char *m = c ? stack_map(len, CORO_CHUNK_STACKS, size, &p->failed) : NULL;
        if (!c)
            p->failed =
                (struct coro_stack_failure){"malloc of a chunk record", ENOMEM, 1, sizeof *c};
        if (!m) {
            free(c);
            return -1;
        }
        /* Without it (vm.max_map_count reached) the canaries still name
         * most overflows: the chunk goes on unguarded. */
        bool guard = mprotect(m, page, PROT_NONE) == 0;
#if defined(MADV_POPULATE_WRITE)
        (void)madvise(m + page, len - page, MADV_POPULATE_WRITE);
#endif
        *c = (struct coro_chunk){
            .next = p->chunks, .base = m, .len = len, .guard = guard ? page : 0};
        p->chunks = c;
        p->chunk = m + page;
        p->chunk_left = CORO_CHUNK_STACKS;
    }
    __atomic_fetch_add(&p->engine->stacks_unguarded, 1, __ATOMIC_RELAXED);
    stack_place_packed(rec, p->chunk, size);
    p->chunk += slot;
    p->chunk_left--;
    return 0;
}

/* A new stack for rec: 0, or -1 with p->failed set (never formatted
 * here: this runs on the spawning task's stack). */
static int pool_carve(struct coro_stack_pool *p, struct coro_stack *rec)
{
    if (coro_stack_is_packed(p->stack_size)) return pool_carve_packed(p, rec);
    size_t size = round_to_pages(p->stack_size), slot = page_size() + size;
    if (p->chunk_left == 0) {
        char *m = stack_map(CORO_CHUNK_STACKS * slot, CORO_CHUNK_STACKS, size, &p->failed);
        if (!m) return -1;
        p->chunk = m;
        p->chunk_left = CORO_CHUNK_STACKS;
    }
    bool guard = coro_guard_next(p->engine, p->policy, p->budget);
    if (stack_place(rec, p->chunk, size, guard, &p->failed) != 0) return -1;
    p->chunk += slot;
    p->chunk_left--;
    return 0;
}

struct coro_stack *coro_pool_take(struct coro_stack_pool *p, struct sb_err *err)
{
    const char *name = p->engine->ops->name;
    struct coro_stack *rec = p->spare;
    if (rec) {
        p->spare = rec->next;
    } else {
        rec = calloc(1, p->rec_size);
        if (!rec)
            p->failed =
                (struct coro_stack_failure){"malloc of a task record", ENOMEM, 1, p->rec_size};
        if (!rec || pool_carve(p, rec) != 0) {
            free(rec);
            if (err) coro_stack_failure_say(&p->failed, name, err);
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

bool coro_pool_give(struct coro_stack_pool *p, struct coro_stack *rec)
{
    if (rec->prev)
        rec->prev->next = rec->next;
    else
        p->live = rec->next;
    if (rec->next) rec->next->prev = rec->prev;
    rec->prev = NULL;
    rec->next = p->spare;
    p->spare = rec;
    return coro_stack_canary_ok(rec);
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
    /* The chunk's stacks not carved yet, or the packed stacks' chunks. */
    if (p->chunks) {
        for (struct coro_chunk *c = p->chunks, *next; c; c = next) {
            next = c->next;
            munmap(c->base, c->len);
            free(c);
        }
        p->chunks = NULL;
    } else if (p->chunk_left) {
        munmap(p->chunk, p->chunk_left * (page_size() + round_to_pages(p->stack_size)));
    }
    p->chunk = NULL;
    p->chunk_left = 0;
}

int coro_pool_fault_hit(const struct coro_stack_pool *p, const void *addr, bool near_sp)
{
    const struct coro_stack *rec = p->live;
    int hit = 0;
    for (size_t n = p->nrecs; rec && n > 0; n--, rec = rec->next) {
        if (near_sp && coro_stack_guard_hit(rec, addr)) return SB_FAULT_GUARD;
        if (!coro_stack_canary_ok(rec)) hit = SB_FAULT_CANARY;
    }
    /* Chunks are only ever pushed in front: a walk from a signal sees a
     * whole list, perhaps without the newest. */
    const char *a = addr;
    for (const struct coro_chunk *c = p->chunks; near_sp && c; c = c->next)
        if (a >= c->base && a < c->base + c->guard) return SB_FAULT_PACKED_GUARD;
    return hit;
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
