/*
 * pane_denial: one denial group (profile, operation, name) or one record:
 * the newest record in full (time, node, pid, comm, masks, class, info,
 * label), its pod and container and node, how many times it happened (in the
 * last 5 minutes, on how many nodes and pods), and the rule that would allow
 * it as aa-logprof would suggest (core/suggest), which `y` copies to the
 * clipboard with OSC 52 (not in kiosk).
 *
 * Pane card
 *   model:    tmodel denial_rows (newest first), core/suggest
 *   actions:  y (copy: the screen writes p->clip), P (open the profile),
 *             p (pause, screen); list actions scroll
 *   parent:   denials (enter)
 *   private:  the group key or "node/cursor", raw or not
 *   key:      line number
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pane_lines.h"
#include "suggest.h"
#include "theme_parse.h"

struct denial_priv {
    char key[768];
    bool is_raw;
    size_t n;
    char profile[256];
};

static void denial_init(struct pane *p, const struct pane_req *arg)
{
    struct denial_priv *pv = p->priv;
    plines_init(p);
    if (arg) {
        snprintf(pv->key, sizeof pv->key, "%s", arg->group);
        pv->is_raw = arg->is_raw;
    }
}

static bool matches(const struct denial_priv *pv, const struct agent_denial_record *d)
{
    char k[768];
    if (pv->is_raw)
        snprintf(k, sizeof k, "%s/%llu", d->node, (unsigned long long)d->cursor);
    else
        snprintf(k, sizeof k, "%s\t%s\t%s", d->profile ? d->profile : "-",
                 d->operation ? d->operation : "-", d->name ? d->name : "-");
    return strcmp(k, pv->key) == 0;
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static void denial_recalc(struct pane *p, const struct tmodel *m)
{
    struct denial_priv *pv = p->priv;
    char buf[1400], age[32];
    pv->n = 0;
    p->clip[0] = '\0';
    snprintf(p->title, sizeof p->title, "Denial");
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    const struct denial_row *newest = NULL;
    size_t count = 0, recent = 0, nodes = 0, pods = 0;
    const char *seen_nodes[16];
    const void *seen_pods[16];
    for (size_t i = 0; i < m->denial_row_count; i++) {
        const struct denial_row *r = &m->denial_rows[i];
        if (!matches(pv, r->rec))
            continue;
        if (!newest)
            newest = r;
        count++;
        if (!r->rec->time || r->rec->time >= m->now - 300)
            recent++;
        bool dup = false;
        for (size_t k = 0; k < nodes && k < 16; k++)
            dup = dup || strcmp(seen_nodes[k], r->rec->node) == 0;
        if (!dup && nodes < 16)
            seen_nodes[nodes++] = r->rec->node;
        dup = false;
        for (size_t k = 0; k < pods && k < 16; k++)
            dup = dup || seen_pods[k] == (const void *)r->pod;
        if (!dup && pods < 16)
            seen_pods[pods++] = r->pod;
    }
    if (!newest) {
        snprintf(p->empty, sizeof p->empty,
                 "the record is no longer held (the denial ring keeps the newest ones)");
        return;
    }
    const struct agent_denial_record *d = newest->rec;
    snprintf(pv->profile, sizeof pv->profile, "%s", d->profile ? d->profile : "");
    snprintf(p->title, sizeof p->title, "Denial %s %s %s", or_dash(d->profile),
             or_dash(d->operation), or_dash(d->name));
    snprintf(buf, sizeof buf, "%s  %s  %s  %s  %s", or_dash(d->profile), or_dash(d->event),
             or_dash(d->operation), or_dash(d->name), or_dash(d->denied_mask));
    plines_add(p, &pv->n, "denial", TE_DETAIL_LABEL, buf, TE_STATUS_BLOCKED);
    if (!pv->is_raw) {
        snprintf(buf, sizeof buf, "count %zu (%zu in 5m) on %zu node%s, %zu pod%s; last %s ago",
                 count, recent, nodes, nodes == 1 ? "" : "s", pods, pods == 1 ? "" : "s",
                 tmodel_age(m->now, d->time, age, sizeof age));
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL, buf, TE_NORMAL);
    }
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    char when[64] = "-";
    if (d->time) {
        time_t t = (time_t)d->time;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    snprintf(buf, sizeof buf, "%s (%s ago)   node %s   cursor %llu", when,
             tmodel_age(m->now, d->time, age, sizeof age), d->node,
             (unsigned long long)d->cursor);
    plines_add(p, &pv->n, "time", TE_DETAIL_LABEL, buf, TE_NORMAL);
    snprintf(buf, sizeof buf, "pid %lld   comm %s", (long long)d->pid, or_dash(d->comm));
    plines_add(p, &pv->n, "process", TE_DETAIL_LABEL, buf, TE_NORMAL);
    snprintf(buf, sizeof buf, "requested %s   denied %s   class %s", or_dash(d->requested_mask),
             or_dash(d->denied_mask), or_dash(d->rule_class));
    plines_add(p, &pv->n, "access", TE_DETAIL_LABEL, buf, TE_NORMAL);
    if (d->target)
        plines_add(p, &pv->n, "target", TE_DETAIL_LABEL, d->target, TE_NORMAL);
    if (d->info)
        plines_add(p, &pv->n, "info", TE_DETAIL_LABEL, d->info, TE_NORMAL);
    if (d->label)
        plines_add(p, &pv->n, "label", TE_DETAIL_LABEL, d->label, TE_NORMAL);
    if (newest->pod) {
        snprintf(buf, sizeof buf, "%s/%s%s%s   on %s", newest->pod->ns, newest->pod->name,
                 newest->ctr ? "   container " : "", newest->ctr ? newest->ctr->name : "",
                 or_dash(newest->pod->node_name));
        plines_add(p, &pv->n, "pod", TE_DETAIL_LABEL, buf, TE_NORMAL);
    } else {
        snprintf(buf, sizeof buf, "not attributed to a pod%s%s", d->pod_uid ? " (uid " : "",
                 d->pod_uid ? d->pod_uid : "");
        if (d->pod_uid)
            strncat(buf, ")", sizeof buf - strlen(buf) - 1);
        plines_add(p, &pv->n, "pod", TE_DETAIL_LABEL, buf, TE_DIM);
    }
    const struct agent_node *an = m->fleet ? agent_fleet_find(m->fleet, d->node) : NULL;
    if (an) {
        snprintf(buf, sizeof buf, "%s   agent %s%s%s", an->node, agent_state_name(an->state),
                 an->version ? " " : "", an->version ? an->version : "");
        plines_add(p, &pv->n, "node", TE_DETAIL_LABEL, buf, TE_NORMAL);
    }
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    struct suggestion sg;
    if (suggest_rule(d, NULL, &sg) == 0) {
        plines_add(p, &pv->n, "allow with", TE_DETAIL_LABEL, sg.rule, TE_DETAIL_HINT);
        snprintf(p->clip, sizeof p->clip, "%s", sg.rule);
        if (sg.note[0])
            plines_add(p, &pv->n, "", TE_DETAIL_LABEL, sg.note, TE_DIM);
        snprintf(buf, sizeof buf, "y copies it; add it to %s (P opens it, e edits it there)",
                 or_dash(d->profile));
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL, buf, TE_DIM);
    } else {
        plines_add(p, &pv->n, "allow with", TE_DETAIL_LABEL, sg.note, TE_DIM);
    }
}

static unsigned denial_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    struct denial_priv *pv = p->priv;
    switch (act) {
    case ACT_PROFILE_OF:
        if (!pv->profile[0])
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_PROFILE;
        snprintf(p->req.profile, sizeof p->req.profile, "%s", pv->profile);
        return R_PUSH;
    case ACT_ENTER:
        return R_NONE;
    default:
        return R_UNHANDLED;
    }
}

const struct pane_ops pane_denial_ops = {
    .name = "denial",
    .priv_size = sizeof(struct denial_priv),
    .init = denial_init,
    .recalc = denial_recalc,
    .on_action = denial_action,
    .is_width_dependent = true,
};
