#include "iterations.h"

uint64_t sb__iterations_round_up(uint64_t v, uint64_t m) { return m > 1 ? (v + m - 1) / m * m : v; }

uint64_t sb__iterations_next(uint64_t n, double secs, double min_time, uint64_t multiple)
{
    if (secs >= min_time || n >= SB_MAX_ITERATIONS) return 0;
    double mul = min_time * 1.4 / (secs > 1e-9 ? secs : 1e-9);
    if (secs / min_time <= 0.1 && mul > 10) mul = 10;
    double next = (double)n * mul;
    uint64_t nn = next >= (double)SB_MAX_ITERATIONS ? SB_MAX_ITERATIONS : (uint64_t)next;
    if (nn <= n) nn = n + 1;
    return sb__iterations_round_up(nn, multiple);
}
