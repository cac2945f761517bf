/*
 * log: forwards core's messages to the installed sink. Depends only on libc.
 */
#include "config.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

static core_log_fn log_fn;
static void *log_ud;

void core_set_log_fn(core_log_fn fn, void *ud)
{
    log_fn = fn;
    log_ud = ud;
}

void core_log(enum core_log_level level, const char *fmt, ...)
{
    if (!log_fn)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_fn(level, buf, log_ud);
}
