/* --describe: the engine and workload registries as one JSON document, so
 * that the scripts, the tests and ./bench read what the binary knows
 * instead of keeping lists of their own. */
#ifndef SB_DESCRIBE_H
#define SB_DESCRIBE_H

#include <jansson.h>
#include <stddef.h>

#include "cli.h"
#include "plan.h"

/* The document (describe_version 1): engines, workloads, and what the
 * options in `o` select (their plan, built and checked as a run's is).
 * NULL with err set when they name an unknown engine or workload. */
json_t *sb__describe(const struct sb__options *o, const struct sb__plan *plan, struct sb_err *err);

#endif
