/*
 * pane_nodes: one row per node, with the AppArmor trouble the API server
 * already shows (containers blocked on it, the profiles they miss) and the
 * agent columns (AGENT, APPARMOR, PROFILES) that stay "—" until agent data.
 *
 * Pane card
 *   model:    tmodel node_rows, pod_rows (blocked ones), agent data (empty)
 *   actions:  enter (the node's pods); list actions
 *   parent:   top level (view 2)
 *   private:  none
 *   key:      node name
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane.h"
#include "strbuf.h"
#include "theme_parse.h"
#include "xalloc.h"

enum { C_NAME, C_READY, C_PODS, C_BLOCKED, C_MISSING, C_AGENT, C_AA, C_PROFILES, C_KUBELET,
       C_RUNTIME, C_KERNEL, C_AGE, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_NAME] = { "NAME", 4, 32, false, false, false },
    [C_READY] = { "READY", 5, 8, false, false, false },
    [C_PODS] = { "PODS", 4, 7, true, true, false },
    [C_BLOCKED] = { "BLOCKED", 7, 7, true, true, false },
    [C_MISSING] = { "MISSING PROFILES", 24, 60, false, false, true, false },
    [C_AGENT] = { "AGENT", 5, 10, false, false, false, false, 1 },
    [C_AA] = { "APPARMOR", 8, 10, false, false, false, false, 2 },
    [C_PROFILES] = { "PROFILES", 8, 8, true, true, false, false, 3 },
    [C_KUBELET] = { "KUBELET", 7, 12, false, false, false, true, 4 },
    [C_RUNTIME] = { "RUNTIME", 7, 24, false, false, false, true, 5 },
    [C_KERNEL] = { "KERNEL", 6, 20, false, false, false, true, 6 },
    [C_AGE] = { "AGE", 3, 5, true, false, false, false, 7 },
};

static void nodes_init(struct pane *p, const struct pane_req *arg)
{
    (void)arg;
    table_init(&p->table, cols, C__COUNT);
}

static void nodes_recalc(struct pane *p, const struct tmodel *m)
{
    struct table *t = &p->table;
    snprintf(p->title, sizeof p->title, "Nodes");
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    snprintf(p->empty, sizeof p->empty, "no nodes");
    struct strbuf missing;
    strbuf_init(&missing);
    char age[32];
    /* Blocked containers are few: collect them once, not once per node. */
    size_t nblocked = 0;
    for (size_t k = 0; k < m->pod_row_count; k++)
        nblocked += m->pod_rows[k].status == AA_STATUS_BLOCKED;
    const struct pod_row **blocked_rows =
        xcalloc(nblocked ? nblocked : 1, sizeof *blocked_rows);
    for (size_t k = 0, j = 0; k < m->pod_row_count; k++)
        if (m->pod_rows[k].status == AA_STATUS_BLOCKED)
            blocked_rows[j++] = &m->pod_rows[k];
    for (size_t i = 0; i < m->node_row_count; i++) {
        const struct node_row *nr = &m->node_rows[i];
        const struct kube_node *n = nr->node;
        size_t blocked = 0;
        strbuf_reset(&missing);
        for (size_t k = 0; k < nblocked; k++) {
            const struct pod_row *r = blocked_rows[k];
            if (!r->pod->node_name ||
                strcmp(r->pod->node_name, n->name) != 0)
                continue;
            blocked++;
            const char *prof = r->blocked && r->blocked->profile[0] ? r->blocked->profile
                                                                     : r->declared.profile;
            if (!prof || !*prof)
                continue;
            /* distinct names only */
            const char *s = strbuf_str(&missing);
            size_t pl = strlen(prof);
            bool seen = false;
            for (const char *q = s; (q = strstr(q, prof)) != NULL; q += pl)
                if ((q == s || q[-1] == ' ') && (q[pl] == ',' || q[pl] == '\0'))
                    seen = true;
            if (!seen) {
                if (missing.len)
                    strbuf_puts(&missing, ", ");
                strbuf_puts(&missing, prof);
            }
        }
        size_t row = table_add_row(t, nr, n->name);
        table_set(t, row, C_NAME, n->name, TE_NORMAL);
        table_set(t, row, C_READY, n->is_ready ? "Ready" : "NotReady",
                  n->is_ready ? TE_STATUS_OK : TE_STATUS_BLOCKED);
        table_setf(t, row, C_PODS, TE_NORMAL, "%zu", nr->pod_count);
        table_setf(t, row, C_BLOCKED, blocked ? TE_STATUS_BLOCKED : TE_DIM, "%zu", blocked);
        if (missing.len)
            table_set_copy(t, row, C_MISSING, strbuf_str(&missing), TE_STATUS_BLOCKED);
        else
            table_set(t, row, C_MISSING, "—", TE_DIM);
        table_set(t, row, C_AGENT, "—", TE_DIM);
        table_set(t, row, C_AA, "—", TE_DIM);
        table_set(t, row, C_PROFILES, "—", TE_DIM);
        table_set(t, row, C_KUBELET, n->kubelet_version ? n->kubelet_version : "—", TE_NORMAL);
        table_set(t, row, C_RUNTIME, n->container_runtime ? n->container_runtime : "—", TE_DIM);
        table_set(t, row, C_KERNEL, n->kernel_version ? n->kernel_version : "—", TE_DIM);
        table_set_copy(t, row, C_AGE, tmodel_age(m->now, n->created, age, sizeof age), TE_DIM);
    }
    strbuf_done(&missing);
    free(blocked_rows);
}

static unsigned nodes_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    const struct node_row *nr = pane_selected_ref(p);
    if (act != ACT_ENTER)
        return R_UNHANDLED;
    if (!nr)
        return R_NONE;
    memset(&p->req, 0, sizeof p->req);
    p->req.kind = PANE_PODS;
    snprintf(p->req.node, sizeof p->req.node, "%s", nr->node->name);
    return R_PUSH;
}

const struct pane_ops pane_nodes_ops = {
    .name = "nodes",
    .init = nodes_init,
    .recalc = nodes_recalc,
    .on_action = nodes_action,
};
