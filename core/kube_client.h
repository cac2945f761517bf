/*
 * kube_client: the Kubernetes REST client. libcurl lives only in core/http.c;
 * this module builds URLs, pages through lists (limit/continue, restarting on
 * 410 Gone), streams watches (newline-delimited events, resuming from the last
 * resourceVersion, relisting on 410), and maps HTTP failures to KERR_* codes
 * with the server and the Kubernetes Status message. Each list page is decoded
 * by core/json_k8s.c straight into the model and its JSON freed: no response
 * larger than one page is ever held in memory.
 *
 * One connection pool per client; HTTP/2 where the server offers it over TLS.
 * Functions block on the network (the TUI calls them from a worker thread).
 */
#ifndef ARMORTOP_CORE_KUBE_CLIENT_H
#define ARMORTOP_CORE_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"
#include "kubeconfig.h"
#include "model.h"
#include "strbuf.h"

struct kube_client;

enum kube_kind { KUBE_KIND_NODE, KUBE_KIND_POD, KUBE_KIND_EVENT };

/* Test seam: called by kube_list() after each page has been decoded into the
 * snapshot (page_no counts from 1 and restarts with the list; continue_token is
 * the token the next request will send, borrowed, NULL on the last page). The
 * integration tests use it to expire the continue token between pages. */
typedef void (*kube_page_hook_fn)(void *ud, enum kube_kind kind, int page_no,
                                  const char *continue_token);

struct kube_client_opts {
    long timeout_ms;         /* whole request (not watches); 0 = 30000 */
    long connect_timeout_ms; /* 0 = 5000 */
    size_t page_limit;       /* list page size; 0 = 500 */
    size_t max_body_len;     /* largest single response accepted; 0 = 64 MiB */
    const char *user_agent;  /* NULL = "armortop/<version>" */
    int watch_timeout_s;     /* longest single watch request in kube_sync; 0 = 300 */
    kube_page_hook_fn page_hook; /* may be NULL; see kube_page_hook_fn */
    void *page_hook_ud;
};

/* How long the API server asked us to wait (429 or 5xx with Retry-After): ms
 * left before requests go out again, 0 when not throttled. */
long kube_client_throttle_ms(const struct kube_client *c);

/* What kube_client_new checks before it builds anything (the server URL), without
 * starting libcurl: for callers that make their clients later. 0 or -KERR_CONFIG. */
int kube_client_check_config(const struct kube_config *cfg, struct kerr *err);

/* cfg is borrowed and must outlive the client. Errors: KERR_CONFIG (bad server URL). */
int kube_client_new(struct kube_config *cfg, const struct kube_client_opts *opts,
                    struct kube_client **out, struct kerr *err);
void kube_client_free(struct kube_client **c);
/* The server URL, borrowed. */
const char *kube_client_server(const struct kube_client *c);

/* GET path (which starts with '/', query included) into body. 2xx → 0.
 * Non-2xx → negative KERR_* (401 UNAUTHORIZED, 403 FORBIDDEN, 410 GONE, 5xx
 * SERVER, other HTTP), with err->http_status, err->where = server URL and
 * err->msg = the Status message when the body is a Kubernetes Status. */
int kube_client_get(struct kube_client *c, const char *path, struct strbuf *body,
                    struct kerr *err);

/* POST json_body (application/json, borrowed; may hold secrets: it is never
 * logged) to path and read the answer into resp. Status handling, credentials
 * and timeout as kube_client_get(): 2xx (200 or 201) → 0, else a negative
 * KERR_* with err filled. Blocks. */
int kube_client_post(struct kube_client *c, const char *path, const char *json_body,
                     struct strbuf *resp, struct kerr *err);

struct kube_list_opts {
    const char *ns;              /* NULL or "" = all namespaces */
    const char *field_selector;  /* may be NULL */
    const char *label_selector;  /* may be NULL */
    size_t limit;                /* 0 = client default */
};

/* Build the request path (query included) for a list page or a watch of kind:
 * /api/v1/nodes, /api/v1/pods or /api/v1/namespaces/{ns}/pods (events alike),
 * then limit (when > 0), continue, fieldSelector, labelSelector, or for a watch
 * watch=1&allowWatchBookmarks=true&resourceVersion&timeoutSeconds (when > 0),
 * every value percent-encoded. opts may be NULL; NULL strings are left out.
 * Owned result. Pure: no network. */
char *kube_path_build(enum kube_kind kind, const struct kube_list_opts *opts, size_t limit,
                      const char *continue_token, bool is_watch, const char *resource_version,
                      int timeout_s);

/* List every object of a kind into snap (replacing that kind's items), page by
 * page. On a 410 for an expired continue token, clears that kind and restarts
 * the list once from the beginning. Stores the list resourceVersion in
 * snap->{nodes,pods,events}_rv. Blocks on the network.
 * On any error the kind is left empty and its rv NULL, so a half list is never
 * mistaken for a complete one. Errors: as kube_client_get(), plus KERR_PARSE
 * for a malformed page (err->msg names the page number and path). */
int kube_list(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
              struct kube_snapshot *snap, struct kerr *err);

/* Watch events as decoded by json_k8s. */
enum kube_watch_type { KWATCH_ADDED, KWATCH_MODIFIED, KWATCH_DELETED, KWATCH_BOOKMARK, KWATCH_ERROR };

struct kube_watch_event {
    enum kube_watch_type type;
    enum kube_kind kind;
    char *resource_version;  /* of the object (or bookmark); owned, may be NULL */
    /* exactly one of these is filled for ADDED/MODIFIED/DELETED */
    struct kube_pod pod;
    struct kube_node node;
    struct kube_event event;
    /* ERROR: the Status */
    int error_code;          /* e.g. 410 */
    char *error_reason;      /* e.g. "Expired", may be NULL */
    char *error_message;     /* may be NULL */
};
void kube_watch_event_done(struct kube_watch_event *ev);

/* Apply one ADDED/MODIFIED/DELETED event to snap (insert, replace or remove the
 * object, matched by UID, else namespace/name), stealing the event's object.
 * BOOKMARK and ERROR only update the kind's rv / are ignored. Implemented in model.c. */
void kube_snapshot_apply(struct kube_snapshot *snap, struct kube_watch_event *ev);

/* Called for each event; the callback may steal the embedded object by
 * zeroing it. Return non-zero to stop the watch (kube_watch then returns 0). */
typedef int (*kube_watch_fn)(void *ud, struct kube_watch_event *ev);

/* One watch request from resource_version (NULL = now), for at most timeout_s
 * (sent as timeoutSeconds; the client gives up timeout_s + 30 s later, or when
 * no byte arrives for that long). Each line is decoded and passed to fn, which
 * is not called for ERROR events. Updates *last_rv (owned string, replaced)
 * from every event and bookmark before fn sees it.
 * Returns 0 when the server ended the stream or fn stopped it; KERR_GONE for
 * HTTP 410 or an ERROR event with code 410 (caller must relist); KERR_PARSE for
 * a malformed line; other codes as kube_client_get(). Blocks. */
int kube_watch(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
               const char *resource_version, int timeout_s, kube_watch_fn fn, void *ud,
               char **last_rv, struct kerr *err);

/* Keep one kind of snap current: if it has no rv, list; then watch from the rv,
 * applying events with kube_snapshot_apply(); a stream the server ends normally
 * is re-watched from the last rv seen (no relist); on 410 (HTTP or ERROR event)
 * relist and re-watch. Each watch request lasts at most opts.watch_timeout_s.
 * Transient failures (5xx, 429, connection refused/reset, truncation, timeouts,
 * malformed data) are retried with a backoff of 100 ms doubling to 5 s; other
 * errors (401, 403, TLS, config, credential plugin) return at once.
 * Runs for at most duration_s seconds in total (duration_s <= 0: until *stop),
 * and returns early when *stop becomes true (stop may be NULL; it is polled
 * about once a second during a watch). Adds the number of relists after a 410
 * to *relists when non-NULL. Returns 0 when the time ran out or *stop was set
 * after a successful step; the last error when the time ran out while failing.
 * Blocks for the whole duration; snap is modified in place (not thread-safe
 * against readers). */
int kube_sync(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
              struct kube_snapshot *snap, int duration_s, volatile bool *stop,
              int *relists, struct kerr *err);

#endif
