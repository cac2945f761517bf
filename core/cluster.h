/*
 * cluster: what armortop reads from the API server for a view, in one call.
 * Lists nodes (cluster-scoped), pods and Warning events (namespaced or all)
 * page by page into a fresh snapshot. Blocks on the network; the TUI calls it
 * from a worker, `armortop --once` directly. Depends on kube_client only.
 */
#ifndef ARMORTOP_CORE_CLUSTER_H
#define ARMORTOP_CORE_CLUSTER_H

#include "kerr.h"
#include "kube_client.h"
#include "model.h"

enum cluster_want {
    CLUSTER_WANT_NODES = 1 << 0,
    CLUSTER_WANT_PODS = 1 << 1,
    CLUSTER_WANT_EVENTS = 1 << 2, /* Warning events only: what blocked detection needs */
    CLUSTER_WANT_ALL = 7,
};

/* Fetch the wanted kinds into *out (a new snapshot owned by the caller).
 * ns NULL or "" = all namespaces. On error *out is NULL and err says which
 * list failed. */
int cluster_fetch(struct kube_client *c, const char *ns, unsigned want,
                  struct kube_snapshot **out, struct kerr *err);

/* Exit status for armortop --once from a core error: 2 when the cluster could
 * not be reached, authenticated to, or answered with something unusable. */
int cluster_exit_status(int rc);

#endif
