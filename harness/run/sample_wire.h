/* A sample on the pipe from the benchmark process to the runner: one JSON
 * line each way of the same struct, written by child.c and read back by
 * runner.c, so the two sides cannot disagree on a field. */
#ifndef SB_SAMPLE_WIRE_H
#define SB_SAMPLE_WIRE_H

#include <jansson.h>

#include "repetition.h"

/* The line for repetition `rep`'s sample; NULL when out of memory.
 * Counters that are not finite numbers are left out (strict JSON has no
 * NaN), rather than written as a lie. */
json_t *sb__sample_to_json(int rep, const struct sb__sample *s);

/* The sample a line carries, and its repetition: 0, or -1 when the line
 * is not a sample (a field missing or of the wrong type). */
int sb__sample_from_json(json_t *line, int *rep, struct sb__sample *s);

#endif
