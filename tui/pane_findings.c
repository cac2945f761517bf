/*
 * pane_findings: cluster-wide problems, worst first (core/findings.c order:
 * severity, namespace, pod, container).
 *
 * Pane card
 *   model:    tmodel findings
 *   actions:  enter (the finding's pod); list actions
 *   parent:   top level (view 5)
 *   private:  none
 *   key:      "<kind>/<ns>/<pod>/<container>"
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pane.h"
#include "theme_parse.h"

enum { C_SEV, C_KIND, C_WHERE, C_NODE, C_PROFILE, C_MSG, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_SEV] = { "SEVERITY", 8, 8, false, false, false, false },
    [C_KIND] = { "FINDING", 7, 26, false, false, false, false, 3 },
    [C_WHERE] = { "NAMESPACE/POD/CONTAINER", 16, 64, false, false, false, false },
    [C_NODE] = { "NODE", 4, 20, false, false, false, false, 1 },
    [C_PROFILE] = { "PROFILE", 7, 30, false, false, false, false, 2 },
    [C_MSG] = { "MESSAGE", 36, 0, false, false, true, true },
};

static int sev_te(enum finding_severity s)
{
    return s == FINDING_CRITICAL ? TE_SEV_CRITICAL : s == FINDING_WARNING ? TE_SEV_WARNING
                                                                          : TE_SEV_INFO;
}

static void findings_init(struct pane *p, const struct pane_req *arg)
{
    (void)arg;
    table_init(&p->table, cols, C__COUNT);
}

static void findings_recalc(struct pane *p, const struct tmodel *m)
{
    struct table *t = &p->table;
    char key[768];
    snprintf(p->title, sizeof p->title, "Findings (worst first)");
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    snprintf(p->empty, sizeof p->empty,
             "no findings: no blocked, unconfined or invalid AppArmor settings seen "
             "(agent checks such as drift and denials need armortop-agent)");
    for (size_t i = 0; m->findings && i < m->findings->count; i++) {
        const struct finding *f = &m->findings->items[i];
        snprintf(key, sizeof key, "%s/%s/%s/%s", finding_kind_name(f->kind), f->ns ? f->ns : "",
                 f->pod ? f->pod : "", f->container ? f->container : "");
        size_t row = table_add_row(t, f, key);
        table_set(t, row, C_SEV, finding_severity_name(f->severity), sev_te(f->severity));
        table_set(t, row, C_KIND, finding_kind_name(f->kind), TE_NORMAL);
        if (f->pod)
            table_setf(t, row, C_WHERE, TE_NORMAL, "%s/%s%s%s", f->ns ? f->ns : "-", f->pod,
                       f->container ? "/" : "", f->container ? f->container : "");
        else
            table_set(t, row, C_WHERE, "—", TE_DIM);
        table_set(t, row, C_NODE, f->node ? f->node : "—", f->node ? TE_NORMAL : TE_DIM);
        table_set(t, row, C_PROFILE, f->profile ? f->profile : "—",
                  f->profile ? TE_NORMAL : TE_DIM);
        table_set(t, row, C_MSG, f->message, TE_NORMAL);
    }
}

static unsigned findings_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    const struct finding *f = pane_selected_ref(p);
    if (act != ACT_ENTER)
        return R_UNHANDLED;
    if (!f || !f->pod || !f->ns)
        return R_NONE;
    memset(&p->req, 0, sizeof p->req);
    p->req.kind = PANE_DETAIL;
    snprintf(p->req.ns, sizeof p->req.ns, "%s", f->ns);
    snprintf(p->req.pod, sizeof p->req.pod, "%s", f->pod);
    snprintf(p->req.container, sizeof p->req.container, "%s", f->container ? f->container : "");
    return R_PUSH;
}

const struct pane_ops pane_findings_ops = {
    .name = "findings",
    .init = findings_init,
    .recalc = findings_recalc,
    .is_prebuildable = true, /* a big list: built on the refresh worker */
    .on_action = findings_action,
};
