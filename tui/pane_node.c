/*
 * pane_node: one node: its agent (state, age, error, version, restarts),
 * AppArmor (on/off and why), the profiles loaded there (mode, hash; drift
 * against the other nodes marked) and the pods on it with their status.
 * Enter opens the node's pods as a list (to drill into one).
 *
 * Pane card
 *   model:    tmodel node_rows, fleet, profile_rows (drift), pod_rows
 *   actions:  enter (the node's pods); list actions scroll
 *   parent:   nodes (enter)
 *   private:  the node name
 *   key:      line number
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pane_lines.h"
#include "theme_parse.h"

struct node_priv {
    char node[256];
    size_t n;
};

static void node_init(struct pane *p, const struct pane_req *arg)
{
    struct node_priv *pv = p->priv;
    plines_init(p);
    if (arg)
        snprintf(pv->node, sizeof pv->node, "%s", arg->node);
}

static const struct profile_row *find_prow(const struct tmodel *m, const char *name)
{
    for (size_t i = 0; i < m->profile_row_count; i++)
        if (!m->profile_rows[i].ns && strcmp(m->profile_rows[i].name, name) == 0)
            return &m->profile_rows[i];
    return NULL;
}

static bool in_list(const char **list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static void node_recalc(struct pane *p, const struct tmodel *m)
{
    struct node_priv *pv = p->priv;
    char buf[1024], age[32];
    pv->n = 0;
    snprintf(p->title, sizeof p->title, "Node %s", pv->node);
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    const struct kube_node *kn = kube_snapshot_find_node(m->snap, pv->node);
    if (!kn) {
        snprintf(p->empty, sizeof p->empty, "node %s is gone", pv->node);
        return;
    }
    snprintf(buf, sizeof buf, "%s   kubelet %s   %s   kernel %s", kn->is_ready ? "Ready" : "NotReady",
             kn->kubelet_version ? kn->kubelet_version : "-",
             kn->container_runtime ? kn->container_runtime : "-",
             kn->kernel_version ? kn->kernel_version : "-");
    plines_add(p, &pv->n, "node", TE_DETAIL_LABEL, buf, kn->is_ready ? TE_NORMAL : TE_STATUS_BLOCKED);
    const struct agent_node *a = m->fleet ? agent_fleet_find(m->fleet, pv->node) : NULL;
    if (!m->fleet) {
        plines_add(p, &pv->n, "agent", TE_DETAIL_LABEL, "no agent data", TE_DIM);
    } else if (!a || a->state == AGENT_STATE_NONE) {
        plines_add(p, &pv->n, "agent", TE_DETAIL_LABEL,
                   "none: no armortop-agent pod runs on this node", TE_STATUS_UNKNOWN);
    } else {
        snprintf(buf, sizeof buf, "%s, data %s old%s%s%s%s   restarts %u",
                 agent_state_name(a->state), tmodel_age(m->now, a->fetched_at, age, sizeof age),
                 a->version ? "   version " : "", a->version ? a->version : "",
                 a->agent_pod ? "   pod " : "", a->agent_pod ? a->agent_pod : "", a->restart_count);
        plines_add(p, &pv->n, "agent", TE_DETAIL_LABEL, buf,
                   a->state == AGENT_STATE_OK ? TE_STATUS_OK : TE_STALE);
        if (a->error)
            plines_add(p, &pv->n, "", TE_DETAIL_LABEL, a->error, TE_ERROR);
        if (a->note)
            plines_add(p, &pv->n, "", TE_DETAIL_LABEL, a->note, TE_DIM);
    }
    if (a && a->has_data) {
        bool on = agent_node_is_aa_effective(a);
        snprintf(buf, sizeof buf, "%s%s%s", on ? "on" : "off", a->aa_reason ? ": " : "",
                 a->aa_reason ? a->aa_reason : "");
        plines_add(p, &pv->n, "apparmor", TE_DETAIL_LABEL, buf, on ? TE_STATUS_OK : TE_STATUS_BLOCKED);
        plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
        for (size_t i = 0; i < a->profile_count; i++) {
            const struct agent_node_profile *np = &a->profiles[i];
            const struct profile_row *pr = find_prow(m, np->name);
            const char *odd = "";
            if (pr && in_list(pr->mode_odd_nodes, pr->mode_odd_count, pv->node))
                odd = "  (mode differs from the other nodes)";
            else if (pr && in_list(pr->hash_odd_nodes, pr->hash_odd_count, pv->node))
                odd = "  (hash differs from the other nodes)";
            snprintf(buf, sizeof buf, "%-28s %-9s %.12s%s", np->name, np->mode ? np->mode : "?",
                     np->hash ? np->hash : "-", odd);
            plines_add1(p, &pv->n, i == 0 ? "profiles" : "", TE_DETAIL_LABEL, buf,
                        odd[0] ? TE_STATUS_MISMATCH
                        : np->mode && strcmp(np->mode, "complain") == 0 ? TE_STATUS_COMPLAIN
                                                                          : TE_NORMAL);
        }
        if (a->profile_count == 0)
            plines_add(p, &pv->n, "profiles", TE_DETAIL_LABEL, "none loaded", TE_DIM);
        /* profiles loaded elsewhere but not here */
        bool first = true;
        for (size_t i = 0; i < m->profile_row_count; i++) {
            const struct profile_row *pr = &m->profile_rows[i];
            if (!in_list(pr->missing_nodes, pr->missing_count, pv->node))
                continue;
            plines_add(p, &pv->n, first ? "missing" : "", TE_DETAIL_LABEL, pr->name,
                       TE_STATUS_BLOCKED);
            first = false;
        }
    }
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    size_t np = 0;
    for (size_t i = 0; i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        if (!r->pod->node_name || strcmp(r->pod->node_name, pv->node) != 0)
            continue;
        snprintf(buf, sizeof buf, "%s/%s %s   %s", r->pod->ns, r->pod->name, r->ctr->name,
                 aa_status_name(r->status));
        plines_add(p, &pv->n, np++ == 0 ? "pods" : "", TE_DETAIL_LABEL, buf,
                   tmodel_status_te(r->status));
    }
    if (np == 0)
        plines_add(p, &pv->n, "pods", TE_DETAIL_LABEL, "none", TE_DIM);
    else
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL, "Enter lists them to open one", TE_DIM);
}

static unsigned node_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    struct node_priv *pv = p->priv;
    if (act != ACT_ENTER)
        return R_UNHANDLED;
    memset(&p->req, 0, sizeof p->req);
    p->req.kind = PANE_PODS;
    snprintf(p->req.node, sizeof p->req.node, "%s", pv->node);
    return R_PUSH;
}

const struct pane_ops pane_node_ops = {
    .name = "node",
    .priv_size = sizeof(struct node_priv),
    .init = node_init,
    .recalc = node_recalc,
    .on_action = node_action,
    .is_width_dependent = true,
};
