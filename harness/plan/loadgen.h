/* --loadgen: the hello to the load agent before any work (loadgen.c). */
#ifndef SB_HARNESS_LOADGEN_H
#define SB_HARNESS_LOADGEN_H

#include <jansson.h>
#include <stddef.h>

#include "cli.h"
#include "sb_loadgen.h"
#include "sb_err.h"

/* Fill `lg` from the options and the agent's answer to a hello: its host
 * name, and the address this host reaches it from (unless --server-addr
 * says). *load_host receives the run context's "load_host" section. 0, or
 * -1 with one line in err (unreachable, refused, not an agent). */
int sb__loadgen_prepare(const struct sb__options *o, struct sb_loadgen *lg, json_t **load_host,
                        struct sb_err *err);

#endif
