/*
 * agent_log: stderr logger for armortop-agent (see agent_log.h). Each line is
 * formatted into one buffer and written with a single write(2), so lines from
 * different threads do not interleave. Depends on libc only.
 */
#include "config.h"
#include "agent_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_verbosity;

void agent_log_set_verbosity(int verbosity)
{
    log_verbosity = verbosity;
}

static const char *level_name(enum core_log_level level)
{
    switch (level) {
    case CORE_LOG_DEBUG: return "debug";
    case CORE_LOG_INFO: return "info";
    case CORE_LOG_WARN: return "warning";
    case CORE_LOG_ERROR: return "error";
    }
    return "?";
}

static void emit(enum core_log_level level, const char *msg)
{
    if (level == CORE_LOG_DEBUG && log_verbosity < 1)
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "armortop-agent: %04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_name(level));
    if (n < 0)
        return;
    size_t len = (size_t)n;
    /* Copy the message, turning control characters into '?' so a log line stays one line. */
    for (const unsigned char *p = (const unsigned char *)msg; *p && len < sizeof line - 2; p++)
        line[len++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

bool agent_log_enabled(enum core_log_level level)
{
    return level != CORE_LOG_DEBUG || log_verbosity >= 1;
}

void agent_log(enum core_log_level level, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    /* before formatting: a debug line is a few microseconds per unreadable log line */
    if (!agent_log_enabled(level))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(level, msg);
}

void agent_log_core_sink(enum core_log_level level, const char *msg, void *ud)
{
    (void)ud;
    /* core's own warnings are detail for the operator; keep them at debug unless errors. */
    emit(level == CORE_LOG_ERROR ? CORE_LOG_WARN : CORE_LOG_DEBUG, msg);
}
