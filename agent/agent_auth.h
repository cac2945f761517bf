/*
 * agent_auth: who may call the agent's API, and what they may do.
 *
 * Today: a static token file (lines "token,role[,name]", role read|admin) or,
 * for loopback tests only, no authentication at all. The seam for the
 * Kubernetes way (TokenReview + SubjectAccessReview, TECHNOTES §7) is
 * agent_auth_authorize(): it gets the request's credentials, the verb
 * (kube-rbac-proxy style: get, list, create, update, delete) and the virtual
 * resource, and answers with an HTTP status. A later backend only has to
 * implement that function's contract.
 *
 * Depends on libc, xalloc, kerr. No HTTP library types cross this header.
 * Thread-safe after load: the token table is immutable.
 */
#ifndef ARMORTOP_AGENT_AGENT_AUTH_H
#define ARMORTOP_AGENT_AGENT_AUTH_H

#include <stdbool.h>

struct kerr;
struct agent_auth;

enum agent_role { AGENT_ROLE_NONE = 0, AGENT_ROLE_READ, AGENT_ROLE_ADMIN };

/* The credentials of one request (borrowed header values, NULL when absent). */
struct agent_auth_request {
    const char *authorization;           /* "Authorization" */
    const char *x_armortop_authorization; /* "X-Armortop-Authorization" (the pods proxy strips
                                            Authorization, so clients repeat it here) */
};

/* Who a request turned out to be (filled on 200 and 403). */
struct agent_identity {
    char name[128];      /* token name from the file, "anonymous" without auth */
    enum agent_role role;
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

/* A table that lets everyone in as admin "anonymous" (--insecure-no-auth). */
struct agent_auth *agent_auth_new_insecure(void);

/* Number of tokens loaded (0 for the insecure table). */
unsigned agent_auth_token_count(const struct agent_auth *auth);
bool agent_auth_is_insecure(const struct agent_auth *auth);

/* Free and set *auth to NULL. Accepts NULL. */
void agent_auth_free(struct agent_auth **auth);

/* True for the verbs that change state (create, update, patch, delete). */
bool agent_auth_verb_is_write(const char *verb);

/*
 * Decide a request: 200 allowed, 401 no or unknown credentials (token in
 * "Bearer <t>" form in Authorization, else in X-Armortop-Authorization), 403
 * known caller without the right (a read token on a write verb). resource is
 * the virtual resource ("profiles", "denials", ...; unused by the static
 * backend, kept for SubjectAccessReview). who (may be NULL) receives the
 * identity. Never blocks (a future TokenReview backend will, and must cache).
 */
int agent_auth_authorize(const struct agent_auth *auth, const struct agent_auth_request *req,
                         const char *verb, const char *resource, struct agent_identity *who);

const char *agent_role_name(enum agent_role role);

#endif
