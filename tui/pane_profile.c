/*
 * pane_profile: one profile cluster-wide: mode(s), on how many nodes, hash
 * agreement and drift; the nodes where it is loaded (mode, hash) and where it
 * is missing; the pods using it (declared or actually confined by it) with
 * their status; its recent denials; and its source text with line numbers
 * when an agent keeps it (the screen asks the agents for it when the pane
 * opens: GET /v1/profiles/{name}). Scroll with the list keys.
 *
 * Pane card
 *   model:    tmodel profile_rows, fleet (per-node inventory), pod_rows,
 *             denial_rows, extra->sources
 *   actions:  l/L/u/m/e (the screen's profile actions on this profile),
 *             d (its denials); list actions scroll
 *   parent:   profiles (enter), denials (P), denial details (P)
 *   private:  the profile name
 *   key:      line number
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane_lines.h"
#include "strbuf.h"
#include "theme_parse.h"

struct profile_priv {
    char name[256];
    size_t n;
};

static void profile_init(struct pane *p, const struct pane_req *arg)
{
    struct profile_priv *pv = p->priv;
    plines_init(p);
    if (arg)
        snprintf(pv->name, sizeof pv->name, "%s", arg->profile);
}

static const struct profile_row *find_row(const struct tmodel *m, const char *name)
{
    for (size_t i = 0; i < m->profile_row_count; i++)
        if (!m->profile_rows[i].ns && strcmp(m->profile_rows[i].name, name) == 0)
            return &m->profile_rows[i];
    return NULL;
}

static void profile_recalc(struct pane *p, const struct tmodel *m)
{
    struct profile_priv *pv = p->priv;
    char buf[1024], age[32];
    pv->n = 0;
    snprintf(p->title, sizeof p->title, "Profile %s", pv->name);
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    const struct profile_row *pr = find_row(m, pv->name);
    if (!pr) {
        snprintf(p->empty, sizeof p->empty,
                 "%s is neither loaded on a node with an agent nor used by a pod", pv->name);
        return;
    }
    if (m->fleet) {
        snprintf(buf, sizeof buf, "%s   on %zu of %zu nodes   hash %s", pr->modes ? pr->modes : "-",
                 pr->loaded_count, pr->node_total,
                 pr->hash_variants > 1 ? "differs" : pr->hash_variants ? "agrees" : "-");
        plines_add(p, &pv->n, "profile", TE_DETAIL_LABEL, buf,
                   pr->loaded_count < pr->node_total ? TE_STATUS_MISMATCH : TE_NORMAL);
    } else {
        plines_add(p, &pv->n, "profile", TE_DETAIL_LABEL,
                   "no agent data: where it is loaded is unknown", TE_DIM);
    }
    if (pr->drift)
        plines_add(p, &pv->n, "drift", TE_DETAIL_LABEL, pr->drift, TE_STATUS_MISMATCH);

    /* where it is loaded, and where not */
    struct strbuf sb;
    strbuf_init(&sb);
    bool first = true;
    for (size_t i = 0; m->fleet && i < m->fleet->node_count; i++) {
        const struct agent_node *a = &m->fleet->nodes[i];
        const struct agent_node_profile *np = a->has_data ? agent_node_find_profile(a, pv->name)
                                                          : NULL;
        if (!np)
            continue;
        snprintf(buf, sizeof buf, "%-16s %-9s %.12s%s", a->node, np->mode ? np->mode : "?",
                 np->hash ? np->hash : "-", a->state == AGENT_STATE_OK ? "" : "  (stale)");
        plines_add1(p, &pv->n, first ? "loaded on" : "", TE_DETAIL_LABEL, buf, TE_NORMAL);
        first = false;
    }
    if (m->fleet && first)
        plines_add(p, &pv->n, "loaded on", TE_DETAIL_LABEL, "no node", TE_STATUS_BLOCKED);
    if (pr->missing_count) {
        for (size_t i = 0; i < pr->missing_count; i++) {
            if (i)
                strbuf_puts(&sb, ", ");
            strbuf_puts(&sb, pr->missing_nodes[i]);
        }
        plines_add(p, &pv->n, "missing on", TE_DETAIL_LABEL, strbuf_str(&sb), TE_STATUS_BLOCKED);
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL,
                   "load it there: l asks for the file (:load PATH) and loads it on these nodes",
                   TE_DETAIL_HINT);
    }

    /* pods using it */
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    size_t shown = 0, users = 0;
    for (size_t i = 0; i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        bool is_decl = r->declared.type == AA_TYPE_LOCALHOST && r->declared.profile &&
                       strcmp(r->declared.profile, pv->name) == 0;
        bool is_act = r->actual && r->actual->profile && strcmp(r->actual->profile, pv->name) == 0;
        if (!is_decl && !is_act)
            continue;
        users++;
        if (shown >= 20)
            continue;
        snprintf(buf, sizeof buf, "%s/%s %s  on %s  %s%s", r->pod->ns, r->pod->name, r->ctr->name,
                 r->pod->node_name ? r->pod->node_name : "-", aa_status_name(r->status),
                 is_decl ? "" : "  (not declared: runs under it)");
        plines_add(p, &pv->n, shown == 0 ? "used by" : "", TE_DETAIL_LABEL, buf,
                   tmodel_status_te(r->status));
        shown++;
    }
    if (users == 0)
        plines_add(p, &pv->n, "used by", TE_DETAIL_LABEL, "no pod", TE_DIM);
    else if (users > shown) {
        snprintf(buf, sizeof buf, "... and %zu more", users - shown);
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL, buf, TE_DIM);
    }

    /* recent denials */
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    size_t nd = 0, total = 0;
    for (size_t i = 0; i < m->denial_row_count; i++) {
        const struct denial_row *r = &m->denial_rows[i];
        if (!r->rec->profile || strcmp(r->rec->profile, pv->name) != 0)
            continue;
        total++;
        if (nd >= 10)
            continue;
        snprintf(buf, sizeof buf, "%s ago  %s  %s %s %s  %s%s%s", 
                 tmodel_age(m->now, r->rec->time, age, sizeof age), r->rec->node,
                 r->rec->operation ? r->rec->operation : "-", r->rec->name ? r->rec->name : "-",
                 r->rec->denied_mask ? r->rec->denied_mask : "", r->pod ? r->pod->ns : "",
                 r->pod ? "/" : "", r->pod ? r->pod->name : "");
        plines_add(p, &pv->n, nd == 0 ? "denials" : "", TE_DETAIL_LABEL, buf, TE_STATUS_BLOCKED);
        nd++;
    }
    if (total == 0)
        plines_add(p, &pv->n, "denials", TE_DETAIL_LABEL,
                   m->fleet ? "none received" : "no agent data", TE_DIM);
    else if (total > nd) {
        snprintf(buf, sizeof buf, "... %zu in all (d lists them)", total);
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL, buf, TE_DIM);
    }

    /* source text */
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    const struct tsource *src = tui_extra_source(m->extra, pv->name);
    if (!m->fleet || pr->loaded_count == 0) {
        plines_add(p, &pv->n, "source", TE_DETAIL_LABEL, "not loaded on any node with an agent",
                   TE_DIM);
    } else if (!src) {
        plines_add(p, &pv->n, "source", TE_DETAIL_LABEL, "reading it from the agents...", TE_DIM);
    } else if (!src->text) {
        snprintf(buf, sizeof buf, "%s",
                 src->error ? src->error
                            : "no agent keeps its source (loaded outside armortop-agent)");
        plines_add(p, &pv->n, "source", TE_DETAIL_LABEL, buf, TE_DIM);
    } else {
        snprintf(buf, sizeof buf, "from %s", src->node);
        plines_add(p, &pv->n, "source", TE_DETAIL_LABEL, buf, TE_DIM);
        const char *s = src->text;
        for (int ln = 1; *s; ln++) {
            size_t len = strcspn(s, "\n");
            char lab[16];
            snprintf(lab, sizeof lab, "%9d", ln);
            snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf - 1 ? len : sizeof buf - 1),
                     s);
            for (char *c = buf; *c; c++)
                if (*c == '\t')
                    *c = ' ';
            plines_add1(p, &pv->n, lab, TE_DIM, buf, TE_NORMAL);
            s += len;
            if (*s == '\n')
                s++;
        }
    }
    strbuf_done(&sb);
}

static unsigned profile_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    struct profile_priv *pv = p->priv;
    switch (act) {
    case ACT_PROFILE_LOAD:
    case ACT_PROFILE_LOAD_ALL:
    case ACT_PROFILE_UNLOAD:
    case ACT_PROFILE_MODE:
    case ACT_PROFILE_EDIT:
        memset(&p->req, 0, sizeof p->req);
        snprintf(p->req.profile, sizeof p->req.profile, "%s", pv->name);
        return R_TARGET;
    case ACT_DENIALS_OF:
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_DENIALS;
        snprintf(p->req.filter, sizeof p->req.filter, "%s", pv->name);
        return R_SWITCH;
    case ACT_ENTER:
        return R_NONE;
    default:
        return R_UNHANDLED;
    }
}

const struct pane_ops pane_profile_ops = {
    .name = "profile",
    .priv_size = sizeof(struct profile_priv),
    .init = profile_init,
    .recalc = profile_recalc,
    .on_action = profile_action,
    .is_width_dependent = true,
};
