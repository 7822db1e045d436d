/* Crash reporting inside a runner child: a SIGSEGV/SIGBUS that hits a
 * coroutine stack's guard page becomes an error line on the result pipe
 * naming the engine and stack size; any other fatal signal kills the child
 * and the parent records the signal. */
#ifndef SB_CRASH_H
#define SB_CRASH_H

#include <stddef.h>

#include "sb_engine.h"

/* Install the handlers on an alternate stack. `overflow_line` is written
 * verbatim to `fd` on a guard-page hit; it is formatted beforehand because
 * nothing but write() is safe in the handler. */
int sb__crash_install(int fd, const char *overflow_line);
/* The engine instance running now (NULL between repetitions). */
void sb__crash_set_engine(struct sb_engine *e);

#endif
