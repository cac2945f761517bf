/*
 * pane_detail: the drill-down of one pod: for each container what it
 * declares (and where that came from) against what actually runs, and for a
 * blocked container why — the node that has not loaded the profile, where the
 * profile evidently is loaded (nodes running pods that use it), the event with
 * its count and age, and the fix — then the pod's Warning events.
 *
 * Pane card
 *   model:    tmodel snapshot (pod, events), pod_rows (declared, blocked),
 *             agent data (actual labels; empty for now)
 *   actions:  enter on a "pod" line of another pod: none; list actions scroll
 *   parent:   pods (enter), findings (enter)
 *   private:  ns / pod / container it shows (from the request)
 *   key:      line number (the view scrolls, it does not reorder)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confinement.h"
#include "pane.h"
#include "text.h"
#include "theme_parse.h"
#include "xalloc.h"

enum { C_LABEL, C_TEXT, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_LABEL] = { "", 10, 10, false, false, false },
    [C_TEXT] = { "", 10, 0, false, false, true },
};

struct detail_priv {
    char ns[128], pod[256], container[128];
    size_t nlines;
};

static void detail_init(struct pane *p, const struct pane_req *arg)
{
    struct detail_priv *pv = p->priv;
    table_init(&p->table, cols, C__COUNT);
    p->has_column_header = false;
    if (arg) {
        snprintf(pv->ns, sizeof pv->ns, "%s", arg->ns);
        snprintf(pv->pod, sizeof pv->pod, "%s", arg->pod);
        snprintf(pv->container, sizeof pv->container, "%s", arg->container);
    }
}

static void line1(struct pane *p, const char *label, int label_te, const char *text, int te)
{
    struct detail_priv *pv = p->priv;
    char key[32];
    snprintf(key, sizeof key, "%zu", pv->nlines++);
    size_t row = table_add_row(&p->table, NULL, key);
    table_set_copy(&p->table, row, C_LABEL, label ? label : "", label_te);
    table_set_copy(&p->table, row, C_TEXT, text ? text : "", te);
}

/* One labelled line, word-wrapped to the pane's width (continuation lines
 * indented under the text, unlabelled). */
static void line(struct pane *p, const char *label, int label_te, const char *text, int te)
{
    int width = p->width_hint - 2 - cols[C_LABEL].max_w - 1;
    if (!text || width < 20) {
        line1(p, label, label_te, text, te);
        return;
    }
    char buf[1024];
    const char *s = text;
    bool first = true;
    do {
        size_t len = 0, brk = 0;
        int w = 0;
        while (s[len] && len + 8 < sizeof buf) {
            unsigned cp;
            size_t n = text_utf8_next(s + len, &cp);
            int cw = text_cp_width(cp);
            if (w + cw > width)
                break;
            w += cw;
            len += n;
            if (s[len] == ' ')
                brk = len;
        }
        if (!s[len] || brk == 0)
            brk = len ? len : strlen(s);
        memcpy(buf, s, brk);
        buf[brk] = '\0';
        line1(p, first ? label : "", label_te, buf, te);
        first = false;
        s += brk;
        while (*s == ' ')
            s++;
    } while (*s);
}

static int cmp_event_newest(const void *a, const void *b)
{
    const struct kube_event *ea = *(const struct kube_event *const *)a;
    const struct kube_event *eb = *(const struct kube_event *const *)b;
    return ea->last_seen < eb->last_seen ? 1 : ea->last_seen > eb->last_seen ? -1 : 0;
}

/* Nodes where a pod that uses profile runs (so it is loaded there). */
static void loaded_elsewhere(const struct tmodel *m, const char *profile, char *buf, size_t len,
                             size_t *count)
{
    const char *seen[8];
    size_t n = 0, o = 0;
    *count = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        if (r->declared.type != AA_TYPE_LOCALHOST || !r->declared.profile ||
            strcmp(r->declared.profile, profile) != 0 || r->ctr->state != KSTATE_RUNNING ||
            !r->pod->node_name)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup = dup || strcmp(seen[k], r->pod->node_name) == 0;
        if (dup)
            continue;
        if (n < 8)
            seen[n++] = r->pod->node_name;
        (*count)++;
        if (*count <= 4 && o < len)
            o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", r->pod->node_name);
    }
    if (*count > 4 && o < len)
        snprintf(buf + o, len - o, ", ...");
}

static void container_lines(struct pane *p, const struct tmodel *m, const struct pod_row *r)
{
    char buf[1024], decl[512], age[32];
    const struct kube_pod *pod = r->pod;
    const char *node = pod->node_name ? pod->node_name : "(unscheduled)";
    snprintf(buf, sizeof buf, "%s (%s)   %s", r->ctr->name, view_kind_name(r->ctr->kind),
             aa_status_name(r->status));
    line(p, "container", TE_DETAIL_LABEL, buf, tmodel_status_te(r->status));
    aa_declared_format(&r->declared, decl, sizeof decl);
    if (r->declared.type == AA_TYPE_LOCALHOST)
        snprintf(buf, sizeof buf, "Localhost \"%s\" (from the %s%s)",
                 r->declared.profile ? r->declared.profile : "", aa_source_name(r->declared.source),
                 r->declared.source == AA_SOURCE_ANNOTATION ? "" : " field");
    else
        snprintf(buf, sizeof buf, "%s", decl);
    line(p, "declared", TE_DETAIL_LABEL, buf, TE_NORMAL);
    if (r->declared.invalid_reason) {
        snprintf(buf, sizeof buf, "%s%s%s%s", r->declared.invalid_reason,
                 r->declared.invalid_raw ? ": \"" : "",
                 r->declared.invalid_raw ? r->declared.invalid_raw : "",
                 r->declared.invalid_raw ? "\"" : "");
        line(p, "invalid", TE_DETAIL_LABEL, buf, TE_STATUS_MISMATCH);
    }
    if (r->declared.has_conflict && r->declared.annotation) {
        snprintf(buf, sizeof buf, "annotation says \"%s\"; the field wins", r->declared.annotation);
        line(p, "conflict", TE_DETAIL_LABEL, buf, TE_STATUS_MISMATCH);
    }
    if (r->declared.is_applicable && r->declared.type == AA_TYPE_UNCONFINED)
        line(p, "note", TE_DETAIL_LABEL,
             "declared Unconfined: runs without AppArmor; set appArmorProfile to RuntimeDefault "
             "or Localhost to confine it",
             TE_STATUS_UNCONFINED);
    else if (r->declared.is_applicable && r->declared.type == AA_TYPE_UNSET &&
             r->declared.is_privileged)
        line(p, "note", TE_DETAIL_LABEL,
             "privileged with no profile: the runtime runs it unconfined; set appArmorProfile "
             "to RuntimeDefault or Localhost",
             TE_STATUS_UNCONFINED);
    if (r->actual) {
        snprintf(buf, sizeof buf, "%s%s%s   pid %lld",
                 r->actual->label ? r->actual->label : r->actual->profile ? r->actual->profile : "?",
                 r->actual->runtime ? "   runtime " : "", r->actual->runtime ? r->actual->runtime : "",
                 (long long)r->actual->pid);
        line(p, "actual", TE_DETAIL_LABEL, buf, tmodel_status_te(r->status));
    } else if (r->agent && r->agent->has_data) {
        snprintf(buf, sizeof buf, "— (the agent on %s sees no process of this container)", node);
        line(p, "actual", TE_DETAIL_LABEL, buf, TE_DIM);
    } else {
        line(p, "actual", TE_DETAIL_LABEL,
             "— (no agent data: armortop-agent reads the label on the node)", TE_DIM);
    }
    if (r->ctr->state_reason) {
        snprintf(buf, sizeof buf, "%s%s", r->ctr->state == KSTATE_WAITING ? "Waiting: " : "",
                 r->ctr->state_reason);
        line(p, "state", TE_DETAIL_LABEL, buf, TE_NORMAL);
    }
    if (r->status != AA_STATUS_BLOCKED || !r->blocked)
        return;
    const struct aa_blocked *b = r->blocked;
    const char *prof = b->profile[0] ? b->profile : r->declared.profile;
    if (b->cause == AA_BLOCK_REJECTED)
        snprintf(buf, sizeof buf, "the kubelet on %s rejected the pod: %s", node,
                 b->message ? b->message : "Cannot enforce AppArmor");
    else
        snprintf(buf, sizeof buf, "%s has not loaded \"%s\": the container cannot start", node,
                 prof ? prof : "?");
    line(p, "why", TE_DETAIL_LABEL, buf, TE_STATUS_BLOCKED);
    const struct profile_row *pr = NULL;
    for (size_t i = 0; m->fleet && prof && i < m->profile_row_count; i++)
        if (!m->profile_rows[i].ns && strcmp(m->profile_rows[i].name, prof) == 0)
            pr = &m->profile_rows[i];
    if (pr && pr->node_total) {
        size_t o = (size_t)snprintf(buf, sizeof buf, "\"%s\" is loaded on %zu of %zu nodes with an agent",
                                    prof, pr->loaded_count, pr->node_total);
        for (size_t i = 0; i < pr->missing_count && o < sizeof buf; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? ", " : "; missing on ",
                                  pr->missing_nodes[i]);
        line(p, "", TE_DETAIL_LABEL, buf, TE_NORMAL);
    } else if (prof && *prof) {
        size_t count;
        char nodes[512];
        loaded_elsewhere(m, prof, nodes, sizeof nodes, &count);
        if (count)
            snprintf(buf, sizeof buf, "\"%s\" is loaded on %zu node%s running pods that use it: %s",
                     prof, count, count == 1 ? "" : "s", nodes);
        else
            snprintf(buf, sizeof buf, "no running pod uses \"%s\": it may be loaded nowhere", prof);
        line(p, "", TE_DETAIL_LABEL, buf, TE_NORMAL);
    }
    if (b->event) {
        snprintf(buf, sizeof buf, "%s ago (x%d): %s  %s",
                 tmodel_age(m->now, b->event_last_seen, age, sizeof age), b->event_count,
                 b->event->reason ? b->event->reason : "", b->event->message ? b->event->message : "");
        line(p, "event", TE_DETAIL_LABEL, buf, TE_NORMAL);
    } else if (b->message) {
        snprintf(buf, sizeof buf, "%s: %s", b->reason ? b->reason : "", b->message);
        line(p, "message", TE_DETAIL_LABEL, buf, TE_NORMAL);
    }
    if (prof && *prof) {
        snprintf(buf, sizeof buf, "load \"%s\" on %s (l), or on every node (L): :load PATH", prof,
                 node);
        line(p, "fix", TE_DETAIL_LABEL, buf, TE_DETAIL_HINT);
    }
}

static void detail_recalc(struct pane *p, const struct tmodel *m)
{
    struct detail_priv *pv = p->priv;
    char buf[1024], age[32];
    pv->nlines = 0;
    snprintf(p->title, sizeof p->title, "Pod %s/%s", pv->ns, pv->pod);
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    const struct kube_pod *pod = kube_snapshot_find_pod(m->snap, pv->ns, pv->pod);
    if (!pod) {
        snprintf(p->empty, sizeof p->empty, "pod %s/%s is gone (deleted since)", pv->ns, pv->pod);
        return;
    }
    snprintf(p->title, sizeof p->title, "Pod %s/%s on %s", pod->ns, pod->name,
             pod->node_name ? pod->node_name : "(unscheduled)");
    snprintf(buf, sizeof buf, "%s%s%s%s   created %s ago%s%s%s%s", pod->phase ? pod->phase : "?",
             pod->reason ? " (" : "", pod->reason ? pod->reason : "", pod->reason ? ")" : "",
             tmodel_age(m->now, pod->created, age, sizeof age),
             pod->owner_kind ? "   owner " : "", pod->owner_kind ? pod->owner_kind : "",
             pod->owner_kind ? "/" : "", pod->owner_name ? pod->owner_name : "");
    line(p, "pod", TE_DETAIL_LABEL, buf, TE_NORMAL);
    if (pod->is_windows)
        line(p, "", TE_DETAIL_LABEL, "Windows pod: AppArmor does not apply", TE_DIM);
    /* containers: the requested one first, then the others in spec order */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < m->pod_row_count; i++) {
            const struct pod_row *r = &m->pod_rows[i];
            if (r->pod != pod)
                continue;
            bool is_req = pv->container[0] && strcmp(r->ctr->name, pv->container) == 0;
            if ((pass == 0) != is_req)
                continue;
            line(p, "", TE_NORMAL, "", TE_NORMAL);
            container_lines(p, m, r);
        }
    }
    /* the pod's Warning events, newest first */
    size_t n = 0;
    const struct kube_event **evs = NULL;
    for (size_t i = 0; i < m->snap->events.count; i++) {
        const struct kube_event *e = &m->snap->events.items[i];
        if (e->involved_name && e->involved_ns && strcmp(e->involved_name, pod->name) == 0 &&
            strcmp(e->involved_ns, pod->ns) == 0) {
            evs = xreallocarray(evs, n + 1, sizeof *evs);
            evs[n++] = e;
        }
    }
    /* its denials, newest first */
    size_t nd = 0;
    for (size_t i = 0; i < m->denial_row_count; i++) {
        const struct denial_row *dr = &m->denial_rows[i];
        if (dr->pod != pod)
            continue;
        if (nd == 0)
            line(p, "", TE_NORMAL, "", TE_NORMAL);
        if (nd++ >= 8)
            continue;
        snprintf(buf, sizeof buf, "%s ago  %s  %s %s %s  (%s)",
                 tmodel_age(m->now, dr->rec->time, age, sizeof age),
                 dr->ctr ? dr->ctr->name : "-", dr->rec->operation ? dr->rec->operation : "-",
                 dr->rec->name ? dr->rec->name : "-",
                 dr->rec->denied_mask ? dr->rec->denied_mask : "",
                 dr->rec->profile ? dr->rec->profile : "-");
        line(p, nd == 1 ? "denials" : "", TE_DETAIL_LABEL, buf, TE_STATUS_BLOCKED);
    }
    if (nd > 8) {
        snprintf(buf, sizeof buf, "... %zu in all (d lists them)", nd);
        line(p, "", TE_DETAIL_LABEL, buf, TE_DIM);
    }
    line(p, "", TE_NORMAL, "", TE_NORMAL);
    if (n == 0) {
        line(p, "events", TE_DETAIL_LABEL, "no Warning events", TE_DIM);
    } else {
        qsort(evs, n, sizeof *evs, cmp_event_newest);
        for (size_t i = 0; i < n; i++) {
            snprintf(buf, sizeof buf, "%s ago (x%d) %s: %s",
                     tmodel_age(m->now, evs[i]->last_seen, age, sizeof age), evs[i]->count,
                     evs[i]->reason ? evs[i]->reason : "", evs[i]->message ? evs[i]->message : "");
            line(p, i == 0 ? "events" : "", TE_DETAIL_LABEL, buf, TE_NORMAL);
        }
    }
    free(evs);
}

static unsigned detail_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    struct detail_priv *pv = p->priv;
    if (act != ACT_PROFILE_LOAD && act != ACT_PROFILE_LOAD_ALL && act != ACT_DENIALS_OF)
        return act == ACT_ENTER ? R_NONE : R_UNHANDLED;
    memset(&p->req, 0, sizeof p->req);
    if (act == ACT_DENIALS_OF) {
        p->req.kind = PANE_DENIALS;
        p->req.is_raw = true;
        snprintf(p->req.filter, sizeof p->req.filter, "%s", pv->pod);
        return R_SWITCH;
    }
    /* the profile of the container shown first (the requested one, else the
     * first blocked or Localhost one), on the pod's node */
    const struct pod_row *best = NULL;
    for (size_t i = 0; m && i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        if (strcmp(r->pod->ns, pv->ns) != 0 || strcmp(r->pod->name, pv->pod) != 0 ||
            r->declared.type != AA_TYPE_LOCALHOST || !r->declared.profile)
            continue;
        if (!best || (pv->container[0] && strcmp(r->ctr->name, pv->container) == 0) ||
            (r->status == AA_STATUS_BLOCKED && best->status != AA_STATUS_BLOCKED))
            best = r;
    }
    if (best) {
        snprintf(p->req.profile, sizeof p->req.profile, "%s", best->declared.profile);
        if (act == ACT_PROFILE_LOAD && best->pod->node_name)
            snprintf(p->req.node, sizeof p->req.node, "%s", best->pod->node_name);
    }
    return R_TARGET;
}

const struct pane_ops pane_detail_ops = {
    .on_action = detail_action,
    .name = "detail",
    .priv_size = sizeof(struct detail_priv),
    .init = detail_init,
    .recalc = detail_recalc,
    .is_width_dependent = true,
};
