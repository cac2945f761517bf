/*
 * harness: support for cmocka tests that run real processes on loopback.
 *
 * harness_sim_start() runs ./armortop-sim on an ephemeral 127.0.0.1 port with a
 * temporary kubeconfig and waits for its ready line; harness_run() runs a
 * program with an argument vector and captures stdout, stderr and the exit
 * status. harness_agent_start() runs ./armortop-agent on an ephemeral
 * 127.0.0.1 port in a private temp dir holding a fake apparmorfs, a log file,
 * a fake /proc and (optionally) a token file, and reads its ready line;
 * harness_agent_http() sends it one plain HTTP request and parses the JSON
 * answer. harness_write_file()/harness_append_file() fail the current cmocka
 * test on error. Paths come from $ARMORTOP_BIN_DIR (default ".") and
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
/* 20 when the programs run under valgrind ($HARNESS_VALGRIND, see tests/valgrind.sh), else 1:
 * a factor for the harness's own start-up and run deadlines. */
int harness_slow(void);

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

/* ---- armortop-agent on a fake apparmorfs ---- */

struct harness_agent {
    pid_t pid;             /* -1 when not running */
    int port;
    bool is_tls;           /* the ready line said https */
    char node[32];
    char url[64];          /* http(s)://127.0.0.1:PORT */
    char dir[256];         /* private temp dir, removed by harness_agent_stop */
    char aafs[320];        /* <dir>/aafs (aafs_init_fake) */
    char log[320];         /* <dir>/audit.log (empty), or opts->log */
    char proc[320];        /* <dir>/proc (empty; see harness_fake_process) */
    char tokens[320];      /* <dir>/tokens when opts->tokens, else "" */
    char kubeconfig[320];  /* <dir>/kubeconfig: a free name for the test to write */
    char err_path[320];    /* <dir>/agent.err: the agent's stderr, appended across launches */
};

struct harness_agent_opts {
    const char *node;        /* --node-name; NULL: "n1" */
    const char *tokens;      /* token file contents (--token-file); NULL: no token file */
    const char *kubeconfig;  /* --kubeconfig PATH, or NULL */
    const char *log;         /* --log PATH instead of <dir>/audit.log (left as it is), or NULL */
    int ring;                /* --ring N when > 0 */
    const char *tls_cert;    /* --tls-cert/--tls-key when both set */
    const char *tls_key;
    bool verbose;            /* -v */
    const char *const *extra; /* more arguments, NULL-terminated, may be NULL */
};

/* Make the private dir (fake apparmorfs, empty log, empty /proc, token file) without
 * starting the agent. opts may be NULL (all defaults). Returns 0 or -1. */
int harness_agent_prepare(struct harness_agent *ap, const struct harness_agent_opts *opts);
/* Start the agent on a prepared dir (again after harness_agent_halt(..., true)) and wait
 * up to 15 s for "armortop-agent: ready http(s)://127.0.0.1:PORT node NODE". The agent is
 * SIGKILLed if this process dies. Returns 0, or -1 (ready line and stderr on stderr). */
int harness_agent_launch(struct harness_agent *ap, const struct harness_agent_opts *opts);
/* harness_agent_prepare + harness_agent_launch. */
int harness_agent_start(struct harness_agent *ap, const struct harness_agent_opts *opts);
/* Send sig (0: SIGTERM), reap (SIGKILL after 10 s: status 999), remove the dir unless
 * keep_dir. Prints the agent's stderr when a SIGTERM stop did not exit 0. Returns the exit
 * status (128+signal when killed), or -1 when it was not running. */
int harness_agent_halt(struct harness_agent *ap, int sig, bool keep_dir);
/* SIGTERM, reap, remove the dir: harness_agent_halt(ap, SIGTERM, false). */
int harness_agent_stop(struct harness_agent *ap);

/* A container process in a fake /proc: <proc_dir>/<pid>/{attr/apparmor/current (label),
 * comm, status (Name: comm), cgroup (cgroup_line)}. */
void harness_fake_process(const char *proc_dir, int pid, const char *label,
                          const char *cgroup_line, const char *comm);

struct cJSON;
struct harness_resp {
    int status;          /* HTTP status, or -1 */
    char *body;          /* owned, NUL-terminated */
    struct cJSON *json;  /* parsed body when it is JSON, else NULL */
};
void harness_resp_free(struct harness_resp *r);

/* A TCP connection to 127.0.0.1:port; the fd, or -1. */
int harness_connect_loopback(int port);
/* Send head (and body_len bytes of body, may be NULL) on a fresh loopback connection to
 * port, read the whole answer (timeout_ms without data ends it), skip interim
 * "100 Continue" answers. Returns the status, or -1. res is always initialised. */
int harness_http_raw(int port, const char *head, const char *body, size_t body_len,
                     int timeout_ms, struct harness_resp *res);
/* One request to the agent with Content-Length and Connection: close; hdr: one extra
 * header line (no CRLF) or NULL; body may be NULL. 30 s read timeout. */
int harness_agent_http(const struct harness_agent *ap, const char *method, const char *path,
                       const char *hdr, const char *body, struct harness_resp *res);

/* Write (truncate) or append text; a failure fails the current cmocka test. */
void harness_write_file(const char *path, const char *text, mode_t mode);
void harness_append_file(const char *path, const char *text);

/* One HTTP request with libcurl (tests that need HTTPS or a full client): method to
 * url, with "Authorization: Bearer api_token" and "X-Armortop-Authorization: Bearer
 * x_token" when those are non-NULL, body (may be NULL) sent as is, timeout_s whole.
 * Returns the status, or -1 when no response came; *out (may be NULL) receives the
 * owned body ("" when none). The caller runs curl_global_init once. */
long harness_curl(const char *method, const char *url, const char *api_token,
                  const char *x_token, const char *body, long timeout_s, char **out);

/* $ARMORTOP_BIN_DIR/<name>, in a static buffer per call site is NOT used: caller buffer. */
const char *harness_bin(const char *name, char *buf, size_t len);
/* Corpus directory, or NULL when absent (tests then skip with a message). */
const char *harness_corpus_dir(void);
/* Remove a directory tree (no symlinks followed); "" is a no-op. */
void harness_remove_tree(const char *dir);
/* Read a whole file; owned result or NULL. */
char *harness_read_file(const char *path, size_t *len);
/* Is an executable on $PATH? */
bool harness_have_program(const char *name);

/* base64url without padding of in (JWT parts), cut to fit out_len. */
void harness_b64url(const char *in, char *out, size_t out_len);

#endif
