/*
 * fuzz_watch: json_k8s watch-stream lines ({"type":..,"object":{..}}) of each
 * kind, and their application to a snapshot (kube_snapshot_apply), as a watch
 * stream would deliver them. The input is split at newlines; each line is one
 * event applied to the same snapshot, so sequences (ADDED then DELETED...) are
 * exercised. Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include "../../core/json_k8s.h"
#include "../../core/kerr.h"
#include "../../core/kube_client.h"
#include "../../core/model.h"
#include "fuzz.h"

FUZZ_TARGET(fuzz_watch)
{
    static const enum kube_kind kinds[] = {KUBE_KIND_NODE, KUBE_KIND_POD, KUBE_KIND_EVENT};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct kube_snapshot *snap = kube_snapshot_new();
        size_t off = 0;
        while (off < size) {
            const uint8_t *nl = memchr(data + off, '\n', size - off);
            size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
            struct kube_watch_event ev;
            struct kerr err;
            memset(&ev, 0, sizeof ev);
            kerr_clear(&err);
            if (json_k8s_decode_watch_event(kinds[k], (const char *)data + off, len, &ev, &err) ==
                0)
                kube_snapshot_apply(snap, &ev);
            kube_watch_event_done(&ev);
            off += len + 1;
        }
        kube_snapshot_free(&snap);
    }
    return 0;
}
