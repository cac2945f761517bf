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

struct kube_client_opts {
    long timeout_ms;         /* whole request (not watches); 0 = 30000 */
    long connect_timeout_ms; /* 0 = 5000 */
    size_t page_limit;       /* list page size; 0 = 500 */
    size_t max_body_len;     /* largest single response accepted; 0 = 64 MiB */
    const char *user_agent;  /* NULL = "armortop/<version>" */
};

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

enum kube_kind { KUBE_KIND_NODE, KUBE_KIND_POD, KUBE_KIND_EVENT };

struct kube_list_opts {
    const char *ns;              /* NULL or "" = all namespaces */
    const char *field_selector;  /* may be NULL */
    const char *label_selector;  /* may be NULL */
    size_t limit;                /* 0 = client default */
};

/* List every object of a kind into snap (replacing that kind's items), page by
 * page. On a 410 for an expired continue token, clears that kind and restarts
 * the list once from the beginning. Stores the list resourceVersion in
 * snap->{nodes,pods,events}_rv. */
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

/* One watch request from resource_version (NULL = now), for at most timeout_s.
 * Updates *last_rv (owned string, replaced) from every event and bookmark.
 * Returns 0 when the server ended the stream or fn stopped it; KERR_GONE for
 * HTTP 410 or an ERROR event with code 410 (caller must relist). */
int kube_watch(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
               const char *resource_version, int timeout_s, kube_watch_fn fn, void *ud,
               char **last_rv, struct kerr *err);

/* Keep one kind of snap current: if it has no rv, list; then watch from the rv,
 * applying events with kube_snapshot_apply(); on 410 relist and re-watch.
 * Runs for at most duration_s seconds in total (for tests and workers), and
 * returns early when *stop becomes true (stop may be NULL). Counts relists in
 * *relists when non-NULL. */
int kube_sync(struct kube_client *c, enum kube_kind kind, const struct kube_list_opts *opts,
              struct kube_snapshot *snap, int duration_s, volatile bool *stop,
              int *relists, struct kerr *err);

#endif
