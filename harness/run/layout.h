/* Where a repetition's frames start: each repetition runs its engine and
 * workload on the benchmark process's stack shifted by a multiple of 16
 * bytes within a page, chosen from the run's layout seed, so that the
 * repetitions of one benchmark sample the layout instead of sharing one.
 * At a few ns a figure moved by up to half with nothing but the length of
 * argv and envp (switch/stackless 2.1 against 3.0-3.3 ns; Mytkowicz et al.,
 * ASPLOS 2009); a run's repetitions sat within 2-5 % of each other all the
 * same, because they shared that one layout. */
#ifndef SB_LAYOUT_H
#define SB_LAYOUT_H

#include <stdint.h>

#define SB_LAYOUT_SPAN 4096u /* offsets lie in [0, SB_LAYOUT_SPAN), 16 apart */

/* The offset of repetition `rep` of the benchmark named `name` under
 * `seed`: a pure function (the same seed gives the same layouts). */
uint32_t sb__layout_offset(uint64_t seed, const char *name, int rep);

/* child.c also shifts the heap: a block of sb__layout_offset(~seed, ...)
 * bytes is allocated before each repetition and freed after it. */
/* Calls fn(arg) with the stack pointer moved down by `offset` bytes (a
 * multiple of 16); returns what fn returns. */
int sb__layout_call(uint32_t offset, int (*fn)(void *), void *arg);

/* Where this call's own frame lies within its page: what a repetition
 * reports, so a test can see that two layouts really differ. */
uint32_t sb__layout_stack_page_offset(void);

#endif
