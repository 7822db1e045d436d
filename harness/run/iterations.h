/* The iteration search, as Google Benchmark's: a repetition of n
 * iterations is tried, and n grows until one lasts --min-time. Pure
 * functions (units/iterations_*). */
#ifndef SB_ITERATIONS_H
#define SB_ITERATIONS_H

#include <stdint.h>

#define SB_MAX_ITERATIONS 1000000000ULL

/* v rounded up to a multiple of m (a workload's iter_multiple; 0 or 1:
 * any count). */
uint64_t sb__iterations_round_up(uint64_t v, uint64_t m);

/* The count to try after `n` iterations lasted `secs`: 0 when n is the
 * count to keep (it lasted min_time, or n is SB_MAX_ITERATIONS); else a
 * larger multiple of `multiple`, aiming 40 % past min_time and growing at
 * most tenfold per step while a trial is under a tenth of min_time. */
uint64_t sb__iterations_next(uint64_t n, double secs, double min_time, uint64_t multiple);

#endif
