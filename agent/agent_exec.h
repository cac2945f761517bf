/*
 * agent_exec: run a program (apparmor_parser) with an argument vector, never
 * through a shell, with a deadline, capturing stdout and stderr.
 *
 * fork + execve with a fixed minimal environment; the child gets signals
 * unblocked and default dispositions, every fd above 2 closed, and optionally
 * a working directory, in its own process group. On expiry the group is killed
 * (SIGKILL) and the child reaped.
 * Depends on libc, xalloc, kerr. Blocks the calling thread up to timeout_ms.
 */
#ifndef ARMORTOP_AGENT_AGENT_EXEC_H
#define ARMORTOP_AGENT_AGENT_EXEC_H

#include <stdbool.h>
#include <stddef.h>

struct kerr;

struct agent_exec_result {
    int status;          /* exit code; 128+signal when killed; -1 before it ran */
    bool is_timed_out;   /* killed because the deadline passed */
    char *out;           /* owned, NUL-terminated (also when empty) */
    size_t out_len;
    bool is_out_truncated; /* more than out_max bytes came; the rest was discarded */
    char *err;           /* owned, NUL-terminated */
    size_t err_len;
    bool is_err_truncated;
};

/*
 * Run argv[0] (an absolute path) with argv (NULL-terminated, borrowed) in
 * directory cwd (NULL: inherit). Captures up to out_max / err_max bytes.
 * Returns 0 when the program ran (see res->status, res->is_timed_out), or
 * -KERR_EXEC when it could not be started (fork/pipe failure; an execve
 * failure shows as status 127 and a message on res->err), -KERR_INVAL.
 * res is always initialised; free with agent_exec_result_done().
 */
int agent_exec(const char *const *argv, const char *cwd, int timeout_ms, size_t out_max,
               size_t err_max, struct agent_exec_result *res, struct kerr *err);

void agent_exec_result_done(struct agent_exec_result *res);

#endif
