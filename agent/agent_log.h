/*
 * agent_log: the agent's logger. Lines go to stderr as
 * "armortop-agent: <UTC time> <level>: <message>", one write per line, from any
 * thread. Debug lines only appear with -v. Also the sink for core's log
 * (core_set_log_fn). Depends on libc and core/log.h only.
 */
#ifndef ARMORTOP_AGENT_AGENT_LOG_H
#define ARMORTOP_AGENT_AGENT_LOG_H

#include <stdbool.h>

#include "log.h"

/* 0 = info and above, 1 = debug too. Set once at start, before threads. */
void agent_log_set_verbosity(int verbosity);

/* Would agent_log() write at this level? (Callers skip building messages.) */
bool agent_log_enabled(enum core_log_level level);
void agent_log(enum core_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* core_log_fn-compatible sink; ud unused. */
void agent_log_core_sink(enum core_log_level level, const char *msg, void *ud);

#endif
