/*
 * log: core's only way to say something. core never writes to stdout/stderr;
 * it calls the sink installed with core_set_log_fn() (default: discard).
 * The agent installs a stderr/syslog sink, the TUI a status-line sink.
 */
#ifndef ARMORTOP_CORE_LOG_H
#define ARMORTOP_CORE_LOG_H

enum core_log_level { CORE_LOG_DEBUG, CORE_LOG_INFO, CORE_LOG_WARN, CORE_LOG_ERROR };

typedef void (*core_log_fn)(enum core_log_level level, const char *msg, void *ud);

/* Install the sink (NULL = discard). Not thread-safe against concurrent logging. */
void core_set_log_fn(core_log_fn fn, void *ud);
void core_log(enum core_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
