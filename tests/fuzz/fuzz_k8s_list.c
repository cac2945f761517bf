/*
 * fuzz_k8s_list: json_k8s list pages, single objects and Status bodies as a
 * Kubernetes API server (or a man in the middle) could send them. Every input
 * is decoded as a list of each kind, as a single pod/node/event and as a
 * Status. Invariant: a failed list decode adds nothing to the snapshot.
 * Build and run: tests/fuzz/run.sh (seeds: tests/fuzz/corpus/fuzz_k8s_list,
 * tests/fixtures, ../shared/corpus/k8s-api when present).
 */
#include "config.h"

#include "../../core/json_k8s.h"
#include "../../core/kerr.h"
#include "../../core/model.h"
#include "fuzz.h"

FUZZ_TARGET(fuzz_k8s_list)
{
    const char *body = (const char *)data;
    static const enum kube_kind kinds[] = {KUBE_KIND_NODE, KUBE_KIND_POD, KUBE_KIND_EVENT};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct kube_snapshot *snap = kube_snapshot_new();
        struct kube_list_meta meta;
        struct kerr err;
        memset(&meta, 0, sizeof meta);
        kerr_clear(&err);
        int rc = json_k8s_decode_list(kinds[k], body, size, snap, &meta, &err);
        if (rc != 0 && (snap->nodes.count || snap->pods.count || snap->events.count))
            FUZZ_FAIL("failed list decode left items in the snapshot");
        kube_list_meta_done(&meta);
        kube_snapshot_free(&snap);
        if (snap)
            FUZZ_FAIL("kube_snapshot_free did not clear the pointer");
    }
    struct kerr err;
    kerr_clear(&err);
    struct kube_pod pod;
    if (json_k8s_decode_pod(body, size, &pod, &err) == 0)
        kube_pod_done(&pod);
    struct kube_node node;
    if (json_k8s_decode_node(body, size, &node, &err) == 0)
        kube_node_done(&node);
    struct kube_event ev;
    if (json_k8s_decode_event(body, size, &ev, &err) == 0)
        kube_event_done(&ev);
    char *message = NULL, *reason = NULL;
    int code = 0;
    (void)json_k8s_decode_status(body, size, &message, &reason, &code);
    free(message);
    free(reason);
    return 0;
}
