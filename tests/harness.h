/*
 * harness: support for cmocka tests that run real processes on loopback.
 *
 * harness_sim_start() runs ./armortop-sim on an ephemeral 127.0.0.1 port with a
 * temporary kubeconfig and waits for its ready line; harness_run() runs a
 * program with an argument vector and captures stdout, stderr and the exit
 * status. Paths come from $ARMORTOP_BIN_DIR (default ".") and
 * $ARMORTOP_CORPUS (default "../shared/corpus"). Tests only use loopback.
 */
#ifndef ARMORTOP_TESTS_HARNESS_H
#define ARMORTOP_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct harness_sim {
    pid_t pid;
    int port;
    char url[128];         /* http(s)://127.0.0.1:PORT */
    char dir[256];         /* private temp dir, removed by harness_sim_stop */
    char kubeconfig[300];  /* <dir>/kubeconfig */
    char token[128];       /* bearer token the sim accepts */
};

/* Start armortop-sim with extra args (NULL-terminated vector, may be NULL).
 * Adds --port 0 --kubeconfig-out <dir>/kubeconfig. Returns 0, or -1 (message on stderr). */
int harness_sim_start(struct harness_sim *sim, const char *const *extra_args);
/* SIGTERM (then SIGKILL after 2 s), reap, remove the temp dir. Safe to call twice. */
void harness_sim_stop(struct harness_sim *sim);
/* SIGKILL at once (a server dying), reap; keeps the temp dir. */
void harness_sim_kill(struct harness_sim *sim);

struct harness_result {
    int status;      /* exit code, or 128+signal */
    char *out;       /* owned, NUL-terminated */
    size_t out_len;
    char *err;       /* owned, NUL-terminated */
    size_t err_len;
};

/* Run argv[0] (a path; "armortop" and "armortop-sim" resolve in $ARMORTOP_BIN_DIR)
 * with env additions ("K=V", NULL-terminated, may be NULL). Waits up to timeout_s.
 * Returns 0 when it ran (see res->status), -1 when it could not start or timed out. */
int harness_run(const char *const *argv, const char *const *env_add, int timeout_s,
                struct harness_result *res);
void harness_result_free(struct harness_result *res);

/* HTTP request to the sim with curl(1)-free plain sockets: method, path, optional body.
 * Sends the sim's bearer token. Returns the HTTP status, or -1. body_out (may be NULL)
 * receives the owned response body. */
int harness_http(const struct harness_sim *sim, const char *method, const char *path,
                 const char *body, char **body_out);

/* $ARMORTOP_BIN_DIR/<name>, in a static buffer per call site is NOT used: caller buffer. */
const char *harness_bin(const char *name, char *buf, size_t len);
/* Corpus directory, or NULL when absent (tests then skip with a message). */
const char *harness_corpus_dir(void);
/* Read a whole file; owned result or NULL. */
char *harness_read_file(const char *path, size_t *len);
/* Is an executable on $PATH? */
bool harness_have_program(const char *name);

#endif
