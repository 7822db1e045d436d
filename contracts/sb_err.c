#include "sb_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void sb_err_set(struct sb_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void sb_err_add(struct sb_err *err, const char *fmt, ...)
{
    size_t n = strnlen(err->msg, sizeof err->msg);
    if (n + 1 >= sizeof err->msg) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + n, sizeof err->msg - n, fmt, ap);
    va_end(ap);
}
