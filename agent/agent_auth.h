/*
 * agent_auth: who may call the agent's API, and what they may do.
 *
 * Two backends, tried in this order:
 *  - a static token file (lines "token,role[,name]", role read|admin), for
 *    local use and tests;
 *  - the Kubernetes way (TECHNOTES §7, kubelet and kube-rbac-proxy): the
 *    bearer token is checked with a TokenReview (optionally with audiences),
 *    then the user, groups, uid and extra it names are checked with a
 *    SubjectAccessReview on the virtual resource armortop.io/apparmorprofiles
 *    with the endpoint as subresource (see agent_auth_attributes()). Answers
 *    are cached by SHA-256 of the token / of the review (allowed 5 min,
 *    denied 30 s, token reviews for the token's lifetime up to 2 min,
 *    rejected tokens 10 s), in bounded caches. Calls to the API server time
 *    out after 5 s and at most 4 run at once; an error there means 401
 *    (TokenReview) or 403 (SubjectAccessReview), never "allowed".
 * Or, for loopback tests only, no authentication at all.
 *
 * agent_auth_authorize() is the one seam the HTTP layer calls: it gets the
 * request's credentials (and, when known, its method and path), the verb and
 * the virtual resource, and answers with an HTTP status and a reason.
 *
 * Depends on libc, pthreads, xalloc, kerr, core/kubeconfig, kube_client,
 * kube_authn and agent_log. No HTTP library types cross this header.
 * Thread-safe after setup (load / enable_kube before the server starts).
 * Never logs a token: only the first 12 hex digits of its SHA-256.
 */
#ifndef ARMORTOP_AGENT_AGENT_AUTH_H
#define ARMORTOP_AGENT_AGENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kerr;
struct agent_auth;

/* AGENT_ROLE_RBAC: a Kubernetes user, whose rights RBAC decides per request. */
enum agent_role { AGENT_ROLE_NONE = 0, AGENT_ROLE_READ, AGENT_ROLE_ADMIN, AGENT_ROLE_RBAC };

/* The credentials of one request (borrowed header values, NULL when absent). */
struct agent_auth_request {
    const char *authorization;           /* "Authorization" */
    const char *x_armortop_authorization; /* "X-Armortop-Authorization" (the pods proxy strips
                                            Authorization, so clients repeat it here) */
    /* Optional (NULL = unknown): lets Kubernetes authorization tell list from get
     * and name the profile. path is the decoded URL path without the query. */
    const char *method;
    const char *path;
};

/* Who a request turned out to be (filled on 200 and 403). */
struct agent_identity {
    char name[128];      /* token name from the file, the Kubernetes user name, or
                          * "anonymous" without auth */
    enum agent_role role;
    char reason[384];    /* on 401/403: why, fit for the JSON error (never a token) */
};

/*
 * Load a token file: one "token,role[,name]" per line; blank lines and lines
 * starting with '#' are skipped; surrounding spaces are trimmed; role is
 * "read" or "admin"; name defaults to "token-<line>". Tokens must be 8..512
 * printable non-space bytes and unique. The file must not be readable by
 * "other" (mode & 004), since it holds secrets.
 * Returns an owned table (free with agent_auth_free), or NULL with err set
 * (KERR_NOTFOUND, KERR_IO, KERR_CONFIG with "file:line: reason").
 */
struct agent_auth *agent_auth_load(const char *path, struct kerr *err);

/* An empty table (no static tokens): for Kubernetes-only authentication. */
struct agent_auth *agent_auth_new(void);

/* A table that lets everyone in as admin "anonymous" (--insecure-no-auth). */
struct agent_auth *agent_auth_new_insecure(void);

/* Kubernetes authentication and authorization; see the top of this file. */
struct agent_auth_kube_opts {
    const char *kubeconfig;              /* NULL = the in-cluster service account */
    const char *const *audiences;        /* --authn-audience values, borrowed, may be NULL */
    size_t audience_count;
    long timeout_ms;                     /* per API call; 0 = 5000 */
    size_t cache_max_count;              /* per cache; 0 = 4096 */
};

/* Turn on the Kubernetes backend (loads the config; does not touch the network).
 * Copies what it needs from o. Errors: as kubeconfig_load / kube_client_new. */
int agent_auth_enable_kube(struct agent_auth *auth, const struct agent_auth_kube_opts *o,
                           struct kerr *err);
bool agent_auth_has_kube(const struct agent_auth *auth);
/* The API server URL in use (borrowed), or NULL without the Kubernetes backend. */
const char *agent_auth_kube_server(const struct agent_auth *auth);
/* "none", "token", "kubernetes" or "token+kubernetes", for /v1/status. */
const char *agent_auth_mode_name(const struct agent_auth *auth);

/* Tests: replace the caches' monotonic millisecond clock (NULL = the real one). */
typedef int64_t (*agent_auth_clock_fn)(void *ud);
void agent_auth_set_clock(struct agent_auth *auth, agent_auth_clock_fn fn, void *ud);

/* The SubjectAccessReview attributes of a request (group armortop.io, resource
 * apparmorprofiles, and these): verb GET/HEAD → get, or list on a collection
 * (/v1/profiles, /v1/containers, /v1/denials[/summary]); PUT → update; DELETE →
 * delete; POST …/mode → update (a mode switch changes an existing profile);
 * other POST → create; PATCH → patch. subresource per endpoint: profiles,
 * containers, denials, status, metrics. name: the profile name when the path
 * has one. method or path NULL: fallback_verb / fallback_resource, no name. */
struct agent_auth_attrs {
    char verb[16];
    char subresource[16];
    char *name; /* owned, NULL when none */
};
void agent_auth_attributes(const char *method, const char *path, const char *fallback_verb,
                           const char *fallback_resource, struct agent_auth_attrs *out);
void agent_auth_attrs_done(struct agent_auth_attrs *a);

/* Number of tokens loaded (0 for the insecure table). */
unsigned agent_auth_token_count(const struct agent_auth *auth);
bool agent_auth_is_insecure(const struct agent_auth *auth);

/* Free and set *auth to NULL. Accepts NULL. */
void agent_auth_free(struct agent_auth **auth);

/* True for the verbs that change state (create, update, patch, delete). */
bool agent_auth_verb_is_write(const char *verb);

/*
 * Decide a request: 200 allowed, 401 no or unknown credentials (token in
 * "Bearer <t>" form in Authorization, else in X-Armortop-Authorization; with
 * the Kubernetes backend also: the TokenReview said no or failed), 403 known
 * caller without the right (a read token on a write verb; the
 * SubjectAccessReview said no or failed). resource is the endpoint
 * ("profiles", "denials", ...), used with verb when req has no method/path.
 * who (may be NULL) receives the identity and, on 401/403, the reason.
 * The static backend never blocks; the Kubernetes one may wait for the API
 * server for a few seconds on a cache miss (bounded by the 5 s timeouts).
 * Write decisions are logged with the user name, reads at debug level.
 */
int agent_auth_authorize(const struct agent_auth *auth, const struct agent_auth_request *req,
                         const char *verb, const char *resource, struct agent_identity *who);

const char *agent_role_name(enum agent_role role);

#endif
