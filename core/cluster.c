/*
 * cluster: one call that fills a snapshot with the nodes, pods and Warning
 * events a view needs. Depends on kube_client and model; never prints.
 */
#include "config.h"
#include "cluster.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

#include "agent_client.h"

int cluster_fetch(struct kube_client *c, const char *ns, unsigned want,
                  struct kube_snapshot **out, struct kerr *err)
{
    int rc = 0;
    struct kube_snapshot *snap = kube_snapshot_new();
    struct kube_list_opts all = { 0 };
    struct kube_list_opts scoped = { .ns = (ns && *ns) ? ns : NULL };
    struct kube_list_opts warnings = scoped;
    warnings.field_selector = "type=Warning";

    *out = NULL;
    if ((want & CLUSTER_WANT_NODES) && (rc = kube_list(c, KUBE_KIND_NODE, &all, snap, err)) < 0)
        goto out;
    if ((want & CLUSTER_WANT_PODS) && (rc = kube_list(c, KUBE_KIND_POD, &scoped, snap, err)) < 0)
        goto out;
    if ((want & CLUSTER_WANT_EVENTS) &&
        (rc = kube_list(c, KUBE_KIND_EVENT, &warnings, snap, err)) < 0)
        goto out;
    *out = snap;
    snap = NULL;
out:
    kube_snapshot_free(&snap);
    return rc;
}

int cluster_fetch_agents(struct kube_client *c, struct kube_config *cfg,
                         const struct kube_snapshot *snap, struct agent_fleet **out,
                         struct kerr *err)
{
    int rc = 0;
    struct agent_client *ac = NULL;
    struct agent_endpoint *eps = NULL;
    size_t n = 0;
    struct agent_fleet *fleet = NULL;
    *out = NULL;
    if ((rc = agent_client_new(cfg, NULL, &ac, err)) < 0)
        goto out;
    if ((rc = agent_discover(ac, c, &eps, &n, err)) < 0)
        goto out;
    if (n == 0)
        goto out;
    fleet = agent_fleet_new(0);
    if ((rc = agent_poll_all(ac, eps, n, snap, (int64_t)time(NULL), fleet, err)) < 0)
        goto out;
    *out = fleet;
    fleet = NULL;
out:
    agent_fleet_free(&fleet);
    agent_endpoints_free(&eps, n);
    agent_client_free(&ac);
    return rc;
}

int cluster_exit_status(int rc)
{
    return rc < 0 ? 2 : 0;
}
