#include "layout.h"

#include <alloca.h>

/* splitmix64's finaliser: every bit of the input moves every bit of the
 * output, so neighbouring repetitions get unrelated offsets. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint32_t sb__layout_offset(uint64_t seed, const char *name, int rep)
{
    uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = mix(h ^ *p);
    h = mix(h ^ (uint64_t)(uint32_t)rep);
    return (uint32_t)(h % (SB_LAYOUT_SPAN / 16)) * 16;
}

/* Not inlined, so the frame below the pad is a frame of its own. */
__attribute__((noinline)) static int call_below(int (*fn)(void *), void *arg) { return fn(arg); }

/* Not instrumented by AddressSanitizer: it gives an alloca redzones and a
 * 32-byte alignment of its own, and the shift was then off by up to 16
 * bytes (the ASan tree's test saw two stack bases where there is one). */
__attribute__((no_sanitize_address)) int sb__layout_call(uint32_t offset, int (*fn)(void *),
                                                         void *arg)
{
    /* 16 more than asked, so the pad is never empty; the compiler keeps
     * the stack pointer 16-aligned, so the shift is exactly `offset`
     * relative to a call with offset 0. */
    /* alloca, not a VLA: the shift must be one the caller chose, with no
     * rounding of the compiler's beyond its 16-byte alignment. */
    // cppcheck-suppress allocaCalled
    char *pad = alloca((size_t)offset + 16);
    __asm__ volatile("" : : "r"(pad) : "memory"); /* the pad is used */
    int rc = call_below(fn, arg);
    __asm__ volatile("" : : "r"(pad) : "memory"); /* and lives across the call */
    return rc;
}

__attribute__((noinline)) uint32_t sb__layout_stack_page_offset(void)
{
    volatile char here = 0;
    return (uint32_t)((uintptr_t)&here % 4096u);
}
