/*
 * cluster: what armortop reads from the API server for a view, in one call.
 * Lists nodes (cluster-scoped), pods and Warning events (namespaced or all)
 * page by page into a fresh snapshot. Blocks on the network; the TUI calls it
 * from a worker, `armortop --once` directly. Depends on kube_client and
 * agent_client.
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

/* One-shot agent data for a snapshot: discover the armortop-agent pods
 * through c (see agent_discover), poll each once through the API server's pods
 * proxy with cfg's credentials (see agent_poll_all), and return a new fleet in
 * *out (owned; agent_fleet_free). When the cluster runs no agent pod at all,
 * *out is NULL and 0 is returned: agents are not deployed, and the views keep
 * saying "no agent data" instead of flagging every node. Per-node failures
 * are recorded in the fleet, not returned. Errors (listing the agent pods,
 * producing credentials): negative KERR_*, *out NULL. cfg and c borrowed.
 * Blocks on the network. */
struct agent_fleet;
int cluster_fetch_agents(struct kube_client *c, struct kube_config *cfg,
                         const struct kube_snapshot *snap, struct agent_fleet **out,
                         struct kerr *err);

/* Exit status for armortop --once from a core error: 2 when the cluster could
 * not be reached, authenticated to, or answered with something unusable. */
int cluster_exit_status(int rc);

#endif
