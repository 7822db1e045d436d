/* The context block: Google Benchmark's fields, then what a reader needs to
 * judge a switch figure (kernel, compiler, topology, virtualization,
 * clocksource, stack size, FPU contract). */
#ifndef SB_SYSINFO_H
#define SB_SYSINFO_H

#include <jansson.h>

#include "cli.h"
#include "pin.h"

/* CMake defines it from the project's version; the fallback is for a
 * compile outside CMake (a linter's). */
#ifndef SB_VERSION
#define SB_VERSION "0.0.0"
#endif

json_t *sb__sysinfo_context(const struct sb__options *o, const struct sb__pin *pin,
                            const char *argv0);

#endif
