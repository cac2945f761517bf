/*
 * pane_nodes: one row per node: its agent (state and data age), AppArmor
 * on/off, profiles in enforce/complain, drift, pods, unconfined containers,
 * denials in the last 5 minutes with a sparkline, and the AppArmor trouble
 * the API server already shows (containers blocked on it, the profiles they
 * miss). Agent columns show "—" without agent data.
 *
 * Pane card
 *   model:    tmodel node_rows (agent columns), pod_rows (blocked ones), denial_rows
 *   actions:  enter (node details: agent, profiles, pods; Enter again lists the pods)
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

enum { C_NAME, C_READY, C_AGENT, C_AA, C_PROFILES, C_DRIFT, C_PODS, C_UNCONF, C_BLOCKED,
       C_DENIALS, C_MISSING, C_KUBELET, C_RUNTIME, C_KERNEL, C_AGE, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_NAME] = { "NAME", 4, 32, false, false, false },
    [C_READY] = { "READY", 5, 8, false, false, false, false, 6 },
    [C_AGENT] = { "AGENT", 5, 16, false, false, false, true },
    [C_AA] = { "AA", 2, 3, false, false, false },
    [C_PROFILES] = { "ENF/CMP", 7, 9, true, false, false },
    [C_DRIFT] = { "DRIFT", 5, 5, true, true, false, false, 3 },
    [C_PODS] = { "PODS", 4, 5, true, true, false },
    [C_UNCONF] = { "UNCONF", 6, 6, true, true, false, false, 4 },
    [C_BLOCKED] = { "BLOCKED", 7, 7, true, true, false, false, 5 },
    [C_DENIALS] = { "DENIALS/5m", 10, 14, false, true, false },
    [C_MISSING] = { "MISSING PROFILES", 16, 60, false, false, true, true, 2 },
    [C_KUBELET] = { "KUBELET", 7, 12, false, false, false, true, 7 },
    [C_RUNTIME] = { "RUNTIME", 7, 24, false, false, false, true, 9 },
    [C_KERNEL] = { "KERNEL", 6, 20, false, false, false, true, 10 },
    [C_AGE] = { "AGE", 3, 5, true, false, false, false, 8 },
};

#define NODE_SPARK 5 /* one bucket per minute */

static int cmp_node_name(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct node_row *)elem)->node->name);
}

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
    /* denials of the last 5 minutes per node, one bucket a minute */
    unsigned *node_spark = xcalloc(m->node_row_count * NODE_SPARK + 1, sizeof *node_spark);
    for (size_t k = 0; k < m->denial_row_count; k++) {
        const struct agent_denial_record *d = m->denial_rows[k].rec;
        int64_t from = m->now - 300;
        if (d->time && d->time < from)
            continue;
        const struct node_row *hit = bsearch(d->node, m->node_rows, m->node_row_count,
                                             sizeof *m->node_rows, cmp_node_name);
        if (!hit)
            continue;
        int64_t b = d->time ? (d->time - from) / 60 : NODE_SPARK - 1;
        b = b < 0 ? 0 : b >= NODE_SPARK ? NODE_SPARK - 1 : b;
        node_spark[(size_t)(hit - m->node_rows) * NODE_SPARK + (size_t)b]++;
    }
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
        const struct agent_node *a = nr->agent;
        if (!m->fleet) {
            table_set(t, row, C_AGENT, "—", TE_DIM);
        } else if (!a || a->state == AGENT_STATE_NONE) {
            table_set(t, row, C_AGENT, "none", TE_STATUS_UNKNOWN);
        } else {
            int te = a->state == AGENT_STATE_OK ? TE_STATUS_OK
                     : a->state == AGENT_STATE_STALE ? TE_STALE
                                                     : TE_STATUS_BLOCKED;
            if (a->fetched_at)
                table_setf(t, row, C_AGENT, te, "%s %s", agent_state_name(a->state),
                           tmodel_age(m->now, a->fetched_at, age, sizeof age));
            else
                table_set(t, row, C_AGENT, agent_state_name(a->state), te);
        }
        if (a && a->has_data) {
            bool on = agent_node_is_aa_effective(a);
            table_set(t, row, C_AA, on ? "on" : "off", on ? TE_STATUS_OK : TE_STATUS_BLOCKED);
            table_setf(t, row, C_PROFILES, TE_NORMAL, "%zu/%zu", nr->enforce_count,
                       nr->complain_count);
            table_setf(t, row, C_DRIFT, nr->drift_count ? TE_STATUS_MISMATCH : TE_DIM, "%zu",
                       nr->drift_count);
            table_setf(t, row, C_UNCONF, nr->unconfined_count ? TE_STATUS_UNCONFINED : TE_DIM,
                       "%zu", nr->unconfined_count);
            char spark[64];
            const unsigned *sp = &node_spark[i * NODE_SPARK];
            unsigned total = 0;
            for (int k = 0; k < NODE_SPARK; k++)
                total += sp[k];
            table_setf(t, row, C_DENIALS, total ? TE_STATUS_BLOCKED : TE_DIM, "%4u %s", total,
                       tmodel_sparkline(sp, NODE_SPARK, m->extra ? m->extra->is_utf8 : true,
                                        spark, sizeof spark));
        } else {
            table_set(t, row, C_AA, "—", TE_DIM);
            table_set(t, row, C_PROFILES, "—", TE_DIM);
            table_set(t, row, C_DRIFT, "—", TE_DIM);
            table_set(t, row, C_UNCONF, "—", TE_DIM);
            table_set(t, row, C_DENIALS, "—", TE_DIM);
        }
        table_setf(t, row, C_PODS, TE_NORMAL, "%zu", nr->pod_count);
        table_setf(t, row, C_BLOCKED, blocked ? TE_STATUS_BLOCKED : TE_DIM, "%zu", blocked);
        if (missing.len)
            table_set_copy(t, row, C_MISSING, strbuf_str(&missing), TE_STATUS_BLOCKED);
        else
            table_set(t, row, C_MISSING, "—", TE_DIM);
        table_set(t, row, C_KUBELET, n->kubelet_version ? n->kubelet_version : "—", TE_NORMAL);
        table_set(t, row, C_RUNTIME, n->container_runtime ? n->container_runtime : "—", TE_DIM);
        table_set(t, row, C_KERNEL, n->kernel_version ? n->kernel_version : "—", TE_DIM);
        table_set_copy(t, row, C_AGE, tmodel_age(m->now, n->created, age, sizeof age), TE_DIM);
    }
    free(node_spark);
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
    p->req.kind = PANE_NODE;
    snprintf(p->req.node, sizeof p->req.node, "%s", nr->node->name);
    return R_PUSH;
}

const struct pane_ops pane_nodes_ops = {
    .name = "nodes",
    .init = nodes_init,
    .recalc = nodes_recalc,
    .is_prebuildable = true, /* a big list: built on the refresh worker */
    .on_action = nodes_action,
};
