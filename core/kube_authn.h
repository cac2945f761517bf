/*
 * kube_authn: delegated authentication and authorization against the
 * Kubernetes API server, the way the kubelet and kube-rbac-proxy do it
 * (TECHNOTES §7): a bearer token is checked with a TokenReview
 * (authentication.k8s.io/v1), then the caller's user, groups, uid and extra
 * are checked with a SubjectAccessReview (authorization.k8s.io/v1) on
 * resource attributes. Also a small, bounded, thread-safe decision cache with
 * an injectable clock, keyed by SHA-256 digests (so no raw token is ever kept
 * in it), and the helpers to compute those keys and a token's lifetime.
 *
 * Depends on libc, pthreads, core/kube_client (HTTP), json_authn.c (cJSON,
 * request bodies and response decoding), strbuf, kerr, xalloc. Never prints,
 * never logs a token. The network calls block for at most the client's
 * timeout (the agent uses 5 s).
 */
#ifndef ARMORTOP_CORE_KUBE_AUTHN_H
#define ARMORTOP_CORE_KUBE_AUTHN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kerr.h"

struct kube_client;

#define KUBE_AUTHN_TOKEN_REVIEW_PATH "/apis/authentication.k8s.io/v1/tokenreviews"
#define KUBE_AUTHN_SAR_PATH "/apis/authorization.k8s.io/v1/subjectaccessreviews"

/* One key of user.extra with its values; all owned. */
struct kube_user_extra {
    char *key;
    char **values;
    size_t value_count;
};

/* A user as a TokenReview reports it; all strings owned, may be NULL/empty. */
struct kube_user {
    char *username;
    char *uid;
    char **groups;
    size_t group_count;
    struct kube_user_extra *extra;
    size_t extra_count;
};
/* Free the contents and zero *u. Accepts an already-empty user. */
void kube_user_done(struct kube_user *u);
/* Deep copy src into *dst (which is overwritten, not freed). */
void kube_user_copy(struct kube_user *dst, const struct kube_user *src);

/* TokenReview status; all owned. */
struct kube_token_review {
    bool is_authenticated;
    struct kube_user user;
    char **audiences;
    size_t audience_count;
    char *error; /* status.error, may be NULL */
};
void kube_token_review_done(struct kube_token_review *tr);

/* resourceAttributes of a SubjectAccessReview; borrowed; NULL or "" = left out. */
struct kube_resource_attributes {
    const char *namespace;
    const char *verb;
    const char *group;
    const char *version;
    const char *resource;
    const char *subresource;
    const char *name;
};

/* SubjectAccessReview status; all owned. */
struct kube_access_review {
    bool is_allowed;
    bool is_denied;         /* an authorizer said no explicitly */
    char *reason;           /* may be NULL */
    char *evaluation_error; /* may be NULL */
};
void kube_access_review_done(struct kube_access_review *ar);

/* ---- JSON (implemented in json_authn.c) ---------------------------------- */

/* {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":…
 *  [,"audiences":[…]]}}. audiences may be NULL when audience_count is 0.
 * Returns an owned string (it holds the token: explicit_bzero before free). */
char *json_authn_token_review_request(const char *token, const char *const *audiences,
                                      size_t audience_count);
/* Decode a TokenReview response's status into *out (zeroed first; caller owns it).
 * Errors: KERR_PARSE when the text is not JSON, not a TokenReview, or has no
 * status object; *out is then left empty. A missing "authenticated" means false. */
int json_authn_token_review_parse(const char *text, size_t len, struct kube_token_review *out,
                                  struct kerr *err);
/* {"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{
 *  "resourceAttributes":{…},"user":…,"groups":[…],"uid":…,"extra":{…}}}, keys in a
 * fixed order so equal inputs give byte-equal output (used as a cache key).
 * Returns an owned string. */
char *json_authn_sar_request(const struct kube_user *user,
                             const struct kube_resource_attributes *ra);
/* Decode a SubjectAccessReview response's status. Errors: KERR_PARSE. */
int json_authn_sar_parse(const char *text, size_t len, struct kube_access_review *out,
                         struct kerr *err);
/* The "exp" claim of a JWT (unverified: only used to shorten a cache lifetime).
 * Returns 0 with *exp_unix_s, or KERR_PARSE when token is not a JWT with a
 * numeric exp. */
int json_authn_jwt_expiry(const char *token, int64_t *exp_unix_s);

/* ---- network ---------------------------------------------------------------- */

/* POST a TokenReview for token (with the audiences, may be none) and decode the
 * answer into *out. Returns 0 on a decoded answer (authenticated or not), else
 * a negative KERR_* from kube_client_post (transport, 401/403 for the agent's
 * own credentials, 5xx) or KERR_PARSE; err then says which. Blocks. */
int kube_authn_token_review(struct kube_client *c, const char *token, const char *const *audiences,
                            size_t audience_count, struct kube_token_review *out, struct kerr *err);
/* POST a SubjectAccessReview for user on ra and decode it. Like the above. */
int kube_authn_access_review(struct kube_client *c, const struct kube_user *user,
                             const struct kube_resource_attributes *ra,
                             struct kube_access_review *out, struct kerr *err);

/* ---- keys and lifetimes ------------------------------------------------------ */

#define KUBE_AUTHN_KEY_LEN 32

/* SHA-256 of len bytes. */
void kube_authn_sha256(const void *data, size_t len, unsigned char out[KUBE_AUTHN_KEY_LEN]);
/* Cache key of a token review: SHA-256 over a domain tag, the audiences and the token. */
void kube_authn_token_key(const char *token, const char *const *audiences, size_t audience_count,
                          unsigned char out[KUBE_AUTHN_KEY_LEN]);
/* First 12 hex digits of the token's SHA-256, for logs ("token sha256:1a2b…"). */
void kube_authn_token_fingerprint(const char *token, char out[13]);
/* How long a TokenReview answer for token may be cached: max_ms, shortened to the
 * token's remaining lifetime when it is a JWT with an exp claim (0 when expired). */
int64_t kube_authn_token_ttl_ms(const char *token, int64_t now_unix_s, int64_t max_ms);

/* ---- cache ------------------------------------------------------------------- */

/* A cached decision: ok (authenticated / allowed), the user (token reviews) and a
 * reason (the review's error / the SAR reason). All owned. */
struct kube_authn_decision {
    bool is_ok;
    struct kube_user user;
    char *reason;
};
void kube_authn_decision_done(struct kube_authn_decision *d);

/* Milliseconds on a monotonic clock. */
typedef int64_t (*kube_authn_clock_fn)(void *ud);

struct kube_authn_cache;

/* A cache of at most max_count entries (0 = 1024). clock may be NULL (the real
 * CLOCK_MONOTONIC); ud is borrowed. Owned; free with kube_authn_cache_free. */
struct kube_authn_cache *kube_authn_cache_new(size_t max_count, kube_authn_clock_fn clock,
                                              void *ud);
void kube_authn_cache_free(struct kube_authn_cache **c);
/* Look key up: true with a deep copy in *out (caller frees with
 * kube_authn_decision_done) when present and not expired. Thread-safe. */
bool kube_authn_cache_get(struct kube_authn_cache *c, const unsigned char key[KUBE_AUTHN_KEY_LEN],
                          struct kube_authn_decision *out);
/* Store a deep copy of d for ttl_ms (<= 0: not stored). When full, expired entries
 * go first, then the one closest to expiry. Thread-safe. */
void kube_authn_cache_put(struct kube_authn_cache *c, const unsigned char key[KUBE_AUTHN_KEY_LEN],
                          const struct kube_authn_decision *d, int64_t ttl_ms);
/* Entries held (expired ones included until evicted). */
size_t kube_authn_cache_count(struct kube_authn_cache *c);

#endif
