/*
 * sim_lite: armortop-sim's lightweight in-process agents (--lite-agents).
 *
 * A lite node has no directory, no fake /proc and no process: its state is a
 * compact array of container processes (pid, pod uid, container id, comm,
 * index of its profile), the profile inventory shared by every lite node
 * (lite nodes are read-only, so it never changes), and a small ring of denial
 * records fed by sim_nodes' denial generator in memory (no log file). The pods
 * proxy answers the agent API for them here, in the real agent's JSON shapes
 * (armortop-agent(8)): a record is kept as the parameters of its audit line,
 * and rendered by formatting that line (sim_denials) and reading it with
 * core/denial's parser, as the real agent does. Authentication as the real
 * agent configured by armortop-sim: the X-Armortop-Authorization bearer token
 * is looked up in the sim's users (what TokenReview answers) and authorised on
 * armortop.io/apparmorprofiles (what SubjectAccessReview answers): 401 without
 * a known token, 403 for a write by a reader. Mutations by an admin get 501:
 * lite agents are read-only.
 * Locking: one mutex per lite node, held only to copy or render that node.
 * Depends on libc, pthreads, core (denial, strbuf, xalloc), sim_auth,
 * sim_denials.
 */
#ifndef ARMORTOP_SIM_SIM_LITE_H
#define ARMORTOP_SIM_SIM_LITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_auth.h"
#include "sim_denials.h"
#include "strbuf.h"

#define SIM_LITE_UNCONFINED 0xffffu
#define SIM_LITE_RING 256

struct sim_lite_prof {
    char name[128];
    char mode[16];
    char sha[65];
};

/* One container process of a lite node. */
struct sim_lite_proc {
    int pid;
    uint32_t pod_idx;
    uint16_t prof; /* index in the shared inventory, or SIM_LITE_UNCONFINED */
    uint8_t ci;
    char comm[16];
    char uid[37];
    char cid[65];
};

struct sim_lite;

/* Lite nodes are the node indexes first..first+count-1; profs (borrowed, sorted
 * by name, must outlive the result) is their inventory. */
struct sim_lite *sim_lite_new(unsigned first, unsigned count, const struct sim_lite_prof *profs,
                              size_t nprofs, const struct sim_auth *auth, const char *admin_token,
                              const char *read_token);
void sim_lite_free(struct sim_lite **l);

bool sim_lite_has(const struct sim_lite *l, unsigned node_idx);
unsigned sim_lite_first(const struct sim_lite *l);
unsigned sim_lite_count(const struct sim_lite *l);
/* Index of a profile of the inventory, or SIM_LITE_UNCONFINED. */
uint16_t sim_lite_prof_index(const struct sim_lite *l, const char *name);

/* Set-up (before serving, no lock): append processes, then sort once. */
void sim_lite_add(struct sim_lite *l, unsigned node_idx, const struct sim_lite_proc *p, size_t n);
void sim_lite_sort_all(struct sim_lite *l);
/* Replace the processes of pod pod_idx on the node (n = 0 removes them). */
void sim_lite_set_pod(struct sim_lite *l, unsigned node_idx, uint32_t pod_idx,
                      const struct sim_lite_proc *p, size_t n);

/* One random audit record for the node (a process with a confined label;
 * DENIED, or ALLOWED in complain mode; 5% STATUS lines, counted only).
 * Returns false when the node has no confined process. */
bool sim_lite_random_denial(struct sim_lite *l, unsigned node_idx, uint64_t *rng, double uptime);
/* count DENIED records on processes in enforce mode (as POST /sim/denials);
 * report in out as for real nodes. Returns 200, or 409. */
unsigned sim_lite_write_denials(struct sim_lite *l, unsigned node_idx, unsigned count,
                                uint64_t *rng, double uptime, struct strbuf *out);
/* Totals for /sim/stats. */
void sim_lite_totals(struct sim_lite *l, unsigned long *lines, unsigned long *denied,
                     unsigned long *requests);
/* Processes of a node (for truth): copies into *out (owned), returns count. */
size_t sim_lite_procs(struct sim_lite *l, unsigned node_idx, struct sim_lite_proc **out);

/* Answer one agent API request for node_idx (named node_name). path_query is
 * the path after /proxy with its raw query; token_header is the
 * X-Armortop-Authorization value (NULL when absent). Returns the HTTP status,
 * with *content_type (static) and the body in out. */
unsigned sim_lite_serve(struct sim_lite *l, unsigned node_idx, const char *node_name,
                        const char *method, const char *path_query, const char *token_header,
                        const char **content_type, struct strbuf *out);

#endif
