/*
 * agent_client: core's client for armortop-agent, the per-node daemon. It
 * finds the agents (pods labelled app.kubernetes.io/name=armortop-agent in any
 * namespace, mapped to nodes by spec.nodeName), reaches each one through the
 * API server's pods proxy (or a direct URL, for tests and local use), and
 * polls GET /v1/status, /v1/profiles, /v1/containers and
 * /v1/denials?since=<cursor> into a `struct agent_fleet` (model.h), which keeps
 * per-node state across polls: last good data with its age, the error of the
 * last failed poll, and the denial cursor.
 *
 * Concurrency: agent_poll_all() polls up to max_parallel nodes at once (K = 16
 * by default) with a small pool of threads that share one http client (one
 * libcurl connection pool, locked by http.c); each node's four requests run in
 * sequence on one thread, each bounded by timeout_ms. Results are merged into
 * the fleet on the calling thread after the pool joins, so the fleet is only
 * ever touched by the caller.
 *
 * Authentication. Through the pods proxy each request carries the user's API
 * credentials exactly as kube_client sends them (bearer token, client
 * certificate, basic auth) plus the user's bearer token again in
 * `X-Armortop-Authorization: Bearer <token>`, because the API server's proxy
 * strips Authorization before forwarding. A kubeconfig without a bearer token
 * (client certificates, an exec plugin that returns only a certificate) gives
 * the agents no token: they answer 401 and the node shows "unauthorized".
 * Direct endpoints send opts.token (or the kubeconfig's token) in Authorization.
 *
 * Denial cursors: per node, no duplicates and no gaps: the cursor only moves
 * past records received; records the agent lost are counted from its
 * `dropped`; an agent restart (the agent says `reset`, its `next` goes below
 * our cursor, or its start time moves forward) resets the cursor to 0 and is
 * noted on the node. A failing node keeps its last data (state stale,
 * unreachable before any success, unauthorized on 401/403); nothing is
 * dropped silently.
 *
 * Depends on core/http (never curl directly), json_agent (cJSON), kube_client,
 * kubeconfig, model, kerr, xalloc, pthreads. Never prints. Blocks on the
 * network (the TUI calls it from its worker thread).
 */
#ifndef ARMORTOP_CORE_AGENT_CLIENT_H
#define ARMORTOP_CORE_AGENT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "actions.h"
#include "kerr.h"
#include "kube_client.h"
#include "kubeconfig.h"
#include "model.h"

/* The label that marks agent pods, and the selector used to list them. */
#define AGENT_POD_LABEL "app.kubernetes.io/name"
#define AGENT_POD_LABEL_VALUE "armortop-agent"

/* Where one node's agent answers: requests go to base_url + path_prefix + "/v1/...". */
struct agent_endpoint {
    char *node;            /* node name, never NULL */
    char *base_url;        /* "http://127.0.0.1:PORT" or the API server URL, no trailing '/' */
    char *path_prefix;     /* "" (direct) or "/api/v1/namespaces/NS/pods/NAME:PORT/proxy" */
    bool is_via_apiserver; /* send the kubeconfig's credentials + X-Armortop-Authorization */
    char *pod;             /* "ns/name" of the agent pod, may be NULL (direct) */
};

/* An owned direct endpoint (tests, local agents): base_url like
 * "http://127.0.0.1:8443" (a trailing '/' is dropped). */
struct agent_endpoint *agent_endpoint_direct_new(const char *node, const char *base_url);
void agent_endpoint_done(struct agent_endpoint *ep);
/* Free an array of count endpoints; accepts NULL; sets *eps = NULL. */
void agent_endpoints_free(struct agent_endpoint **eps, size_t count);

struct agent_client_opts {
    long timeout_ms;             /* per request; 0 = 5000 */
    long connect_timeout_ms;     /* 0 = 3000 */
    unsigned max_parallel;       /* nodes polled at once; 0 = 16 */
    size_t denial_page;          /* limit= per /v1/denials request; 0 = 1000 */
    size_t max_denials_per_poll; /* per node and poll (the rest comes next poll); 0 = 10000 */
    const char *token;           /* bearer token for direct endpoints (copied), may be NULL */
};

struct agent_client;

/* Create a client. cfg (borrowed, must outlive the client) gives TLS settings
 * and credentials for endpoints reached through the API server; NULL for
 * direct endpoints only. opts may be NULL. *out owned (agent_client_free).
 * Errors: as http_client_new(). Does not block. */
int agent_client_new(struct kube_config *cfg, const struct agent_client_opts *opts,
                     struct agent_client **out, struct kerr *err);
void agent_client_free(struct agent_client **ac);

/* List the agent pods cluster-wide (labelSelector) through kc and build one
 * endpoint per node reached through kc's server pods proxy: the Ready pod,
 * else a Running one, else any non-terminating one. Port: the container port
 * named "https" (proxied as "https:NAME:PORT", so the API server speaks TLS to
 * the agent), else the first one (plain "NAME:PORT"), else 9443. *eps owned (NULL when *count
 * is 0; agent_endpoints_free), sorted by node. ac may be NULL (defaults).
 * Errors: as kube_client_get(), KERR_PARSE. Blocks. */
int agent_discover(const struct agent_client *ac, struct kube_client *kc,
                   struct agent_endpoint **eps, size_t *count, struct kerr *err);

/* Poll every endpoint once (bounded concurrency, see above) and merge into
 * fleet (borrowed, updated in place). snap may be NULL; when given, every node
 * of snap without an endpoint gets an entry in state NONE (or STALE, keeping
 * its data, when it had an agent before). now is unix seconds (0 = time()).
 * Per-node failures are not errors: they are recorded on the node. Returns 0,
 * or KERR_EXEC/KERR_IO when the kubeconfig's credentials cannot be produced
 * (nothing polled). Blocks. */
int agent_poll_all(struct agent_client *ac, const struct agent_endpoint *eps, size_t count,
                   const struct kube_snapshot *snap, int64_t now, struct agent_fleet *fleet,
                   struct kerr *err);

/* ---- one profile on one node: read and change ----------------------------------
 *
 * Through the same endpoint, credentials and X-Armortop-Authorization as the
 * polls. Every mutation first asks the read-only gate, actions_check() (core/
 * actions.h), with gate (NULL is refused): under --readonly or --kiosk
 * nothing is sent. Each returns 0 on 2xx, else a negative KERR_* (the gate's
 * -KERR_FORBIDDEN with http_status 0; -KERR_HTTP for 400/404/409, ...), with
 * err saying "HTTP 400 Bad Request: apparmor_parser rejected the profile" and
 * out holding what the agent answered. Names are checked (no "/..", no
 * control characters). Block on the network; call them from one thread at a
 * time per client (credentials are resolved on the calling thread). */
struct agent_reply {
    long http_status;     /* 0 when nothing was sent or no answer came */
    char *error;          /* the agent's "error", or why the request failed; may be NULL */
    char *diagnostics;    /* apparmor_parser's messages, may be NULL */
    long line;            /* the line the parser complains about, -1 unknown */
    size_t process_count; /* 409 (in use): processes confined by the profile */
    char *source;         /* GET: the source text the agent keeps, may be NULL */
    char *mode;           /* GET: the loaded mode, may be NULL */
};
/* Free the strings, zero, line = -1. Accepts NULL. Initialise with
 * `struct agent_reply r = { .line = -1 }` or agent_reply_done(&r) on zeroed memory. */
void agent_reply_done(struct agent_reply *r);

/* The endpoint of node in eps, or NULL. */
const struct agent_endpoint *agent_endpoint_find(const struct agent_endpoint *eps, size_t count,
                                                 const char *node);

/* GET /v1/profiles/{name}: mode and source text (when the agent has it). */
int agent_profile_get(struct agent_client *ac, const struct agent_endpoint *ep, const char *name,
                      struct agent_reply *out, struct kerr *err);
/* PUT /v1/profiles/{name} with text (len bytes): load or replace. 400 carries
 * the parser's diagnostics and line. */
int agent_profile_put(struct agent_client *ac, const struct actions_ctx *gate,
                      const struct agent_endpoint *ep, const char *name, const char *text,
                      size_t len, struct agent_reply *out, struct kerr *err);
/* DELETE /v1/profiles/{name}[?force=1]: unload. 409 while containers use it
 * (out->process_count), unless force. */
int agent_profile_delete(struct agent_client *ac, const struct actions_ctx *gate,
                         const struct agent_endpoint *ep, const char *name, bool force,
                         struct agent_reply *out, struct kerr *err);
/* POST /v1/profiles/{name}/mode {"mode": "enforce"|"complain"}. */
int agent_profile_set_mode(struct agent_client *ac, const struct actions_ctx *gate,
                           const struct agent_endpoint *ep, const char *name, const char *mode,
                           struct agent_reply *out, struct kerr *err);

#endif
