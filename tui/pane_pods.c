/*
 * pane_pods: one row per container of every kind of every pod.
 *
 * Pane card
 *   model:    tmodel pod_rows (declared profile and source, blocked, status,
 *             the agent's actual label for ACTUAL: "—" without agent data)
 *   actions:  enter (pod details), denials-of, profile-of; list actions
 *   parent:   top level (view 1), or nodes → pods of one node (req.node)
 *   private:  the node it is limited to, "" for all
 *   key:      "<pod uid>/<kind>/<container>", so the selection survives refreshes
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "confinement.h"
#include "pane.h"
#include "theme_parse.h"

enum { C_NS, C_POD, C_CTR, C_KIND, C_NODE, C_DECLARED, C_ACTUAL, C_STATUS, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_NS] = { "NAMESPACE", 9, 20, false, false, false, true },
    [C_POD] = { "POD", 12, 48, false, false, false, true },
    [C_CTR] = { "CONTAINER", 9, 20, false, false, false, true },
    [C_KIND] = { "KIND", 4, 9, false, false, false, true, 3 },
    [C_NODE] = { "NODE", 4, 24, false, false, false, false, 2 },
    [C_DECLARED] = { "DECLARED", 12, 48, false, false, true, true },
    [C_ACTUAL] = { "ACTUAL", 10, 36, false, false, false, true },
    [C_STATUS] = { "STATUS", 6, 10, false, false, false },
};

struct pods_priv {
    char node[256]; /* only pods on this node, "" = all */
};

static void pods_init(struct pane *p, const struct pane_req *arg)
{
    struct pods_priv *pv = p->priv;
    table_init(&p->table, cols, C__COUNT);
    if (arg)
        snprintf(pv->node, sizeof pv->node, "%s", arg->node);
}

static void pods_recalc(struct pane *p, const struct tmodel *m)
{
    struct pods_priv *pv = p->priv;
    struct table *t = &p->table;
    char buf[512];
    if (pv->node[0])
        snprintf(p->title, sizeof p->title, "Pods on %s", pv->node);
    else if (m && m->ns)
        snprintf(p->title, sizeof p->title, "Pods (namespace %s)", m->ns);
    else
        snprintf(p->title, sizeof p->title, "Pods (all namespaces)");
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    snprintf(p->empty, sizeof p->empty, "%s", pv->node[0] ? "no pods on this node" : "no pods");
    for (size_t i = 0; i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        const char *node = r->pod->node_name;
        if (pv->node[0] && (!node || strcmp(node, pv->node) != 0))
            continue;
        snprintf(buf, sizeof buf, "%s/%s/%s", r->pod->uid ? r->pod->uid : r->pod->name,
                 view_kind_name(r->ctr->kind), r->ctr->name);
        size_t row = table_add_row(t, r, buf);
        table_set(t, row, C_NS, r->pod->ns, TE_NORMAL);
        table_set(t, row, C_POD, r->pod->name, TE_NORMAL);
        table_set(t, row, C_CTR, r->ctr->name, TE_NORMAL);
        /* only init and ephemeral containers are marked: most rows stay quiet */
        table_set(t, row, C_KIND,
                  r->ctr->kind == KCTR_INIT        ? "init"
                  : r->ctr->kind == KCTR_EPHEMERAL ? "ephem"
                                                   : "",
                  TE_DIM);
        table_set(t, row, C_NODE, node ? node : "—", node ? TE_NORMAL : TE_DIM);
        aa_declared_format(&r->declared, buf, sizeof buf);
        table_set_copy(t, row, C_DECLARED, buf,
                       r->declared.invalid_reason ? TE_STATUS_MISMATCH : TE_NORMAL);
        if (r->actual) {
            const struct agent_node_container *a = r->actual;
            int te = tmodel_status_te(r->status);
            if (r->status == AA_STATUS_UNKNOWN || r->status == AA_STATUS_NA)
                te = TE_NORMAL;
            table_set(t, row, C_ACTUAL, a->label ? a->label : a->profile ? a->profile : "?", te);
        } else if (r->agent && r->agent->has_data) {
            table_set(t, row, C_ACTUAL, r->ctr->state == KSTATE_RUNNING ? "not seen" : "—",
                      TE_DIM);
        } else {
            table_set(t, row, C_ACTUAL, "—", TE_DIM);
        }
        table_set(t, row, C_STATUS, aa_status_name(r->status), tmodel_status_te(r->status));
    }
}

static unsigned pods_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    const struct pod_row *r = pane_selected_ref(p);
    switch (act) {
    case ACT_ENTER:
        if (!r)
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_DETAIL;
        snprintf(p->req.ns, sizeof p->req.ns, "%s", r->pod->ns);
        snprintf(p->req.pod, sizeof p->req.pod, "%s", r->pod->name);
        snprintf(p->req.container, sizeof p->req.container, "%s", r->ctr->name);
        return R_PUSH;
    case ACT_DENIALS_OF:
        if (!r)
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_DENIALS;
        p->req.is_raw = true;
        snprintf(p->req.filter, sizeof p->req.filter, "%s", r->pod->name);
        return R_SWITCH;
    case ACT_PROFILE_OF:
        if (!r)
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_PROFILES;
        if (r->declared.type == AA_TYPE_LOCALHOST && r->declared.profile)
            snprintf(p->req.filter, sizeof p->req.filter, "%s", r->declared.profile);
        else
            snprintf(p->msg, sizeof p->msg, "%s/%s declares no Localhost profile", r->pod->name,
                     r->ctr->name);
        return p->req.filter[0] ? R_SWITCH : R_REDRAW;
    case ACT_PROFILE_LOAD:
    case ACT_PROFILE_LOAD_ALL:
        memset(&p->req, 0, sizeof p->req);
        if (r && r->declared.type == AA_TYPE_LOCALHOST && r->declared.profile)
            snprintf(p->req.profile, sizeof p->req.profile, "%s", r->declared.profile);
        if (r && r->pod->node_name && act == ACT_PROFILE_LOAD)
            snprintf(p->req.node, sizeof p->req.node, "%s", r->pod->node_name);
        return R_TARGET;
    default:
        return R_UNHANDLED;
    }
}

const struct pane_ops pane_pods_ops = {
    .name = "pods",
    .priv_size = sizeof(struct pods_priv),
    .init = pods_init,
    .recalc = pods_recalc,
    .is_prebuildable = true, /* a big list: built on the refresh worker */
    .on_action = pods_action,
};
