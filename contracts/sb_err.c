#include <stdarg.h>
#include <stdio.h>

#include "sb_task.h"

void sb_err_set(struct sb_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}
