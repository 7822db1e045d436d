/* Crash reporting inside a runner child: a SIGSEGV/SIGBUS that the engine
 * calls a stack overflow (a guard page hit, or a broken canary below a
 * packed stack) becomes an error line on the result pipe naming the engine
 * and stack size; any other fatal signal kills the child and the parent
 * records the signal. */
#ifndef SB_CRASH_H
#define SB_CRASH_H

#include <stddef.h>

#include "sb_engine.h"

/* Install the handlers on an alternate stack. `guard_line` is written
 * verbatim to `fd` on a guard-page hit, `canary_line` on a broken canary;
 * both are formatted beforehand because nothing but write() is safe in the
 * handler. */
int sb__crash_install(int fd, const char *guard_line, const char *canary_line);
/* The engine instance running now (NULL between repetitions). */
void sb__crash_set_engine(struct sb_engine *e);

#endif
