/*
 * sim_nodes: the simulated nodes of armortop-sim.
 *
 * Each of the first --agents Linux nodes gets a state directory
 * (<state>/nodes/<node>/{apparmorfs,proc,audit.log,tokens,agent.log,offset}),
 * a fake apparmorfs preloaded with the profiles its pods use (plus planted
 * drift), a fake /proc with one process per running container of the pods
 * scheduled there, and a real armortop-agent process started with an argument
 * vector, supervised (restart with backoff) and killed at exit (SIGTERM, then
 * SIGKILL; PR_SET_PDEATHSIG covers a sim that dies). sim_kernel plays the
 * kernel on the apparmorfs writes; a denial thread appends audit lines
 * (sim_denials) for pids of the fake /proc. Each node has an `endpoint`
 * ("http://127.0.0.1:PORT" while its agent is up, "" otherwise): the seam
 * where in-process lightweight agents plug in: the next --lite-agents Linux
 * nodes get an agent pod whose proxy requests sim_lite answers (no endpoint,
 * no directory, no process; their profiles are the base set without drift).
 *
 * Planted truth (documented in armortop-sim(1), served at /sim/truth):
 *  - drift "missing": profile k8s-restricted-net (used by no pod) is loaded on
 *    every agent node but the last two (the last one when there are two);
 *  - drift "hash": k8s-nginx has a different sha256 on the first agent node;
 *  - drift "mode": payments-wr is in complain mode on the second agent node
 *    (the first when there is one), enforce elsewhere;
 *  - mismatches: the first two running containers (generator order) on agent
 *    nodes that declare Localhost k8s-deny-write run as
 *    "cri-containerd.apparmor.d (enforce)" and "unconfined" (as if created
 *    before the profile was loaded);
 *  - missing: k8s-missing-* and k8s-legacy are never loaded.
 * Drift and mismatches are planted on real-agent nodes only; lite nodes all
 * hold the same inventory (every generator profile, the runtime and host
 * ones and k8s-restricted-net, in enforce mode), and their containers carry
 * the labels their declarations resolve to. /sim/truth covers both.
 * Locking: st->mu (held by callers of the pod hook) before nodes->mu.
 * Depends on libc, pthreads, core (aafs, strbuf, xalloc) and the sim modules.
 */
#ifndef ARMORTOP_SIM_SIM_NODES_H
#define ARMORTOP_SIM_SIM_NODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_gen.h"
#include "sim_store.h"
#include "strbuf.h"

#define SIM_DRIFT_PROFILE "k8s-restricted-net"
#define SIM_HASH_DRIFT_PROFILE "k8s-nginx"
#define SIM_COMPLAIN_PROFILE "payments-wr"
#define SIM_MISMATCH_PROFILE "k8s-deny-write"
#define SIM_RUNTIME_PROFILE "cri-containerd.apparmor.d"

/* Default of --agents. "auto" (all Linux nodes, up to 8) is what a cluster would
 * look like, but agent pods in the store change every pod count and list that
 * the older tests (test_sim, test_once, test_kube_client) assert, so the default
 * stays 0 until they filter namespace armortop-system; then make it
 * SIM_AGENTS_AUTO. */
#define SIM_AGENTS_AUTO (-1)
#define SIM_DEFAULT_AGENTS 0
/* --agents all: every Linux node. */
#define SIM_AGENTS_ALL (-2)
/* --lite-agents all: every Linux node without a real agent. */
#define SIM_LITE_ALL (-1)

struct sim_auth;

struct sim_nodes_opts {
    long agents;           /* SIM_AGENTS_AUTO = all Linux nodes up to 8, SIM_AGENTS_ALL */
    long lite_agents;      /* in-process agents on the next Linux nodes; SIM_LITE_ALL */
    const struct sim_auth *auth; /* the sim's users, for lite agents (borrowed) */
    const char *agent_bin; /* NULL = armortop-agent next to /proc/self/exe */
    const char *state_dir; /* NULL = a mkdtemp under /tmp, removed at the end */
    double denial_rate;    /* lines per second, cluster-wide */
    const char *admin_token, *read_token;
    const char *agent_kube_token; /* the agents' service-account token for --kubeconfig */
    const char *features;  /* features file for the agents */
    const char *parser;    /* apparmor_parser */
    bool is_verbose;
    uint64_t seed;
};

struct sim_nodes;

/* Build the node state for the workload in g (after sim_gen_populate; before
 * serving). Never fails hard: problems are warned about on stderr and leave
 * nodes without agents. Returns NULL only when the state directory cannot be
 * made. */
struct sim_nodes *sim_nodes_new(struct sim_gen *g, const struct sim_nodes_opts *o);
/* Before serving: start the kernel watcher, load the agent pods into st and
 * hook pod changes of g. */
void sim_nodes_prepare(struct sim_nodes *n, struct sim_gen *g, struct sim_store *st);
/* Once the API server listens at api_url (ca_pem: its CA for https, or NULL):
 * write <state>/kubeconfig for the agents (when they support --kubeconfig, they
 * get it: TokenReview and SubjectAccessReview against this server), start them
 * and wait for their ready lines (up to 10 s), then supervise them. */
void sim_nodes_start_agents(struct sim_nodes *n, const char *api_url, const char *ca_pem);
/* Start the denial generator (after the agents listen). */
void sim_nodes_start_denials(struct sim_nodes *n);
/* Stop everything, kill and reap the agents, remove a temporary state dir. */
void sim_nodes_free(struct sim_nodes **n);

/* Endpoint ("http://127.0.0.1:PORT") of the agent of node_name into buf;
 * false when the node has no live agent. */
bool sim_nodes_endpoint(struct sim_nodes *n, const char *node_name, char *buf, size_t len);
/* Is node_name served by a lite (in-process) agent? */
bool sim_nodes_is_lite(struct sim_nodes *n, const char *node_name);
/* Answer an agent API request for a lite node (see sim_lite_serve). Returns
 * 0 when node_name is not a lite node. */
unsigned sim_nodes_lite_serve(struct sim_nodes *n, const char *node_name, const char *method,
                              const char *path_query, const char *token_header,
                              const char **content_type, struct strbuf *out);
/* JSON fragments for /sim/stats (an object body without braces, "" when no
 * nodes) and /sim/truth (a whole object; st->mu must NOT be held). */
void sim_nodes_stats_json(struct sim_nodes *n, struct strbuf *out);
void sim_nodes_truth_json(struct sim_nodes *n, struct sim_store *st, struct sim_gen *g,
                          struct strbuf *out);
/* Write count DENIED lines to node_name's log now (deterministic choice of
 * pids/events/formats); out receives a JSON report. Returns the HTTP status
 * (200, 404 unknown node or no state, 409 no confined process). */
unsigned sim_nodes_write_denials(struct sim_nodes *n, const char *node_name, unsigned count,
                                 struct strbuf *out);
/* Agent faults for issue 7's fault-injection tests (POST /sim/agent). The pods
 * proxy applies them to every request for the node's agent: HANG accepts and
 * never answers (until the fault is cleared or the client goes away), GARBAGE
 * answers 200 with bytes that are not JSON, HUGE answers 200 with a valid
 * JSON body of SIM_AGENT_HUGE_BYTES. */
enum sim_agent_fault {
    SIM_AGENT_FAULT_NONE,
    SIM_AGENT_FAULT_HANG,
    SIM_AGENT_FAULT_GARBAGE,
    SIM_AGENT_FAULT_HUGE,
    SIM_AGENT_FAULT__KEEP, /* sim_nodes_agent_control: leave the fault as it is */
};
#define SIM_AGENT_HUGE_BYTES ((size_t)10 << 20)
/* The node's current fault (NONE for unknown nodes and lite nodes). */
enum sim_agent_fault sim_nodes_agent_fault(struct sim_nodes *n, const char *node_name);
const char *sim_agent_fault_name(enum sim_agent_fault f);
/* Control one node's real agent: fault ("none", "hang", "garbage", "huge"; NULL
 * keeps it), action (NULL, or "kill": SIGKILL, restarted by the supervisor
 * after BACKOFF_MIN; "term": SIGTERM, likewise; "stop": SIGKILL and hold it
 * down; "start": release the hold and start it now; "pause"/"resume":
 * SIGSTOP/SIGCONT, a process that accepts connections and never answers), ring
 * (> 0: --ring for the agent's next start; 0 keeps it). kill/term/stop return
 * once the process is reaped. out receives the node's state as JSON. Returns
 * the HTTP status (200, 400 bad value, 404 no such node with a real agent,
 * 409 nothing to signal). */
unsigned sim_nodes_agent_control(struct sim_nodes *n, const char *node_name, const char *fault,
                                 const char *action, unsigned long ring, struct strbuf *out);
/* Number of nodes with state, and the state directory. */
size_t sim_nodes_count(const struct sim_nodes *n);
const char *sim_nodes_state_dir(const struct sim_nodes *n);

#endif
