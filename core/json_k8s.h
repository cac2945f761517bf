/*
 * json_k8s: decode Kubernetes API JSON (list pages, single objects, watch
 * event lines, Status bodies) into the model structs of model.h. cJSON is used
 * only inside json_*.c and every tree is deleted before the function returns.
 * Malformed input returns KERR_PARSE with a message naming what was wrong;
 * nothing is half-added to the snapshot on error.
 */
#ifndef ARMORTOP_CORE_JSON_K8S_H
#define ARMORTOP_CORE_JSON_K8S_H

#include <stddef.h>
#include <stdint.h>

#include "kerr.h"
#include "kube_client.h"
#include "model.h"

struct kube_list_meta {
    char *resource_version;  /* owned, may be NULL */
    char *continue_token;    /* owned, NULL or "" when this was the last page */
    int64_t remaining;       /* metadata.remainingItemCount, -1 if absent */
};
void kube_list_meta_done(struct kube_list_meta *meta);

/* Decode one list page ({"kind":"PodList","items":[...],"metadata":{...}}) and
 * append its items to snap. */
int json_k8s_decode_list(enum kube_kind kind, const char *body, size_t len,
                         struct kube_snapshot *snap, struct kube_list_meta *meta,
                         struct kerr *err);

/* Decode one object of the kind into *out (zeroed first; caller owns contents). */
int json_k8s_decode_pod(const char *body, size_t len, struct kube_pod *out, struct kerr *err);
int json_k8s_decode_node(const char *body, size_t len, struct kube_node *out, struct kerr *err);
int json_k8s_decode_event(const char *body, size_t len, struct kube_event *out,
                          struct kerr *err);

/* Decode one watch line {"type":..,"object":{..}}. */
int json_k8s_decode_watch_event(enum kube_kind kind, const char *line, size_t len,
                                struct kube_watch_event *ev, struct kerr *err);

/* If body is a metav1.Status, copy its message (and reason, code) out.
 * Returns 0 when it was a Status, KERR_PARSE otherwise. Outputs may be NULL. */
int json_k8s_decode_status(const char *body, size_t len, char **message, char **reason,
                           int *code);

#endif
