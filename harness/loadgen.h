/* The load generator behind sb_run_loadgen (see sb_workload.h), run as a
 * helper process. */
#ifndef SB_LOADGEN_H
#define SB_LOADGEN_H

#include "sb_workload.h"
#include "helper.h"
#include "pin.h"

int sb_loadgen_start(struct sb_helper *h, const struct sb_loadgen_spec *spec,
                     struct sb_loadgen_result *result, struct sb_pin *pin, struct sb_err *err);
/* After the helper was reaped: 0, or -1 with the error it reported. */
int sb_loadgen_check(const struct sb_loadgen_result *r, struct sb_err *err);

#endif
