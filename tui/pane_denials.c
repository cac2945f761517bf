/*
 * pane_denials: AppArmor denials from armortop-agent on every node, live and
 * newest first. Grouped (the default) by (profile, operation, name) with a
 * count, the nodes and pods involved and the age of the newest record; or the
 * raw records (r toggles). p pauses the stream (the screen freezes a copy of
 * the denials; the header says PAUSED).
 *
 * Pane card
 *   model:    tmodel denial_rows (newest first; a frozen copy while paused)
 *   actions:  enter (denial details: record, pod, node, suggested rule),
 *             toggle-raw, pause (screen); list actions
 *   parent:   top level (view 4); pods → denials-of (d, raw, filtered by pod);
 *             profiles → denials-of (d, filtered by profile)
 *   private:  raw or grouped
 *   key:      group "profile\toperation\tname", or "node/cursor" when raw
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane.h"
#include "theme_parse.h"
#include "xalloc.h"

enum { C_AGE, C_COUNT, C_NODE, C_PROFILE, C_OP, C_NAME, C_DENIED, C_POD, C_COMM, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_AGE] = { "AGE", 3, 5, true, false, false },
    [C_COUNT] = { "COUNT", 5, 6, true, true, false },
    [C_NODE] = { "NODE", 8, 16, false, false, false, false, 3 },
    [C_PROFILE] = { "PROFILE", 12, 30, false, false, false, true },
    [C_OP] = { "OPERATION", 9, 10, false, false, false },
    [C_NAME] = { "NAME", 10, 0, false, false, true, true },
    [C_DENIED] = { "DENIED", 6, 12, false, false, false, true },
    [C_POD] = { "POD", 12, 40, false, false, false, true, 2 },
    [C_COMM] = { "COMM", 4, 16, false, false, false, false, 4 },
};

struct denials_priv {
    bool is_raw;
};

static void denials_init(struct pane *p, const struct pane_req *arg)
{
    struct denials_priv *pv = p->priv;
    table_init(&p->table, cols, C__COUNT);
    if (arg)
        pv->is_raw = arg->is_raw;
}

/* The group key of a record: "profile\toperation\tname". */
static void group_key(const struct agent_denial_record *d, char *buf, size_t len)
{
    snprintf(buf, len, "%s\t%s\t%s", d->profile ? d->profile : "-",
             d->operation ? d->operation : "-", d->name ? d->name : "-");
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct group {
    const char *key;          /* arena copy */
    const struct denial_row *newest;
    size_t count;
    size_t nodes, pods;       /* distinct-ish (first differs) */
    const char *other_node, *other_pod;
};

static void pod_name(const struct denial_row *r, char *buf, size_t len)
{
    if (r->pod)
        snprintf(buf, len, "%s/%s", r->pod->ns, r->pod->name);
    else
        snprintf(buf, len, "-");
}

static void add_raw(struct pane *p, const struct tmodel *m)
{
    struct table *t = &p->table;
    char key[128], age[32], pod[512];
    for (size_t i = 0; i < m->denial_row_count; i++) {
        const struct denial_row *r = &m->denial_rows[i];
        const struct agent_denial_record *d = r->rec;
        snprintf(key, sizeof key, "%s/%llu", d->node, (unsigned long long)d->cursor);
        size_t row = table_add_row(t, r, key);
        table_set_copy(t, row, C_AGE, tmodel_age(m->now, d->time, age, sizeof age), TE_DIM);
        table_set(t, row, C_COUNT, "", TE_DIM);
        table_set(t, row, C_NODE, d->node, TE_NORMAL);
        table_set(t, row, C_PROFILE, d->profile ? d->profile : "-", TE_NORMAL);
        table_set(t, row, C_OP, d->operation ? d->operation : "-", TE_NORMAL);
        table_set(t, row, C_NAME, d->name ? d->name : "-", d->name ? TE_NORMAL : TE_DIM);
        table_set(t, row, C_DENIED, d->denied_mask ? d->denied_mask : "-", TE_STATUS_BLOCKED);
        pod_name(r, pod, sizeof pod);
        if (r->pod && r->ctr)
            snprintf(pod + strlen(pod), sizeof pod - strlen(pod), " %s", r->ctr->name);
        table_set_copy(t, row, C_POD, pod, r->pod ? TE_NORMAL : TE_DIM);
        table_set(t, row, C_COMM, d->comm ? d->comm : "-", TE_DIM);
    }
}

/* Newest first by the second of the newest record (records from kmsg and
 * syslog-style logs carry no milliseconds), then the bigger group, then by key. */
static int cmp_group(const void *a, const void *b)
{
    const struct group *x = *(const struct group *const *)a;
    const struct group *y = *(const struct group *const *)b;
    int64_t tx = x->newest->rec->time, ty = y->newest->rec->time;
    if (tx != ty)
        return tx < ty ? 1 : -1;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->key, y->key);
}

static void add_grouped(struct pane *p, const struct tmodel *m)
{
    struct table *t = &p->table;
    size_t cap = 64;
    while (cap < m->denial_row_count * 2)
        cap *= 2;
    struct group *slots = xcalloc(cap, sizeof *slots);
    struct group **order = xcalloc(m->denial_row_count + 1, sizeof *order);
    size_t ngroups = 0;
    char key[768], age[32], pod[512];
    for (size_t i = 0; i < m->denial_row_count; i++) {
        const struct denial_row *r = &m->denial_rows[i];
        group_key(r->rec, key, sizeof key);
        size_t h = (size_t)hash_str(key) & (cap - 1);
        while (slots[h].key && strcmp(slots[h].key, key) != 0)
            h = (h + 1) & (cap - 1);
        struct group *g = &slots[h];
        if (!g->key) {
            g->key = table_strdup(t, key);
            g->newest = r; /* rows are newest first */
            g->nodes = g->pods = 1;
            order[ngroups++] = g;
        } else {
            if (!g->other_node && strcmp(r->rec->node, g->newest->rec->node) != 0) {
                g->other_node = r->rec->node;
                g->nodes++;
            }
            if (!g->other_pod && r->pod != g->newest->pod) {
                g->other_pod = r->pod ? r->pod->name : "-";
                g->pods++;
            }
        }
        g->count++;
    }
    qsort(order, ngroups, sizeof *order, cmp_group);
    for (size_t i = 0; i < ngroups; i++) {
        const struct group *g = order[i];
        const struct agent_denial_record *d = g->newest->rec;
        size_t row = table_add_row(t, g->newest, g->key);
        table_set_copy(t, row, C_AGE, tmodel_age(m->now, d->time, age, sizeof age), TE_DIM);
        table_setf(t, row, C_COUNT, TE_STATUS_BLOCKED, "%zu", g->count);
        if (g->nodes > 1)
            table_setf(t, row, C_NODE, TE_NORMAL, "%s +", d->node);
        else
            table_set(t, row, C_NODE, d->node, TE_NORMAL);
        table_set(t, row, C_PROFILE, d->profile ? d->profile : "-", TE_NORMAL);
        table_set(t, row, C_OP, d->operation ? d->operation : "-", TE_NORMAL);
        table_set(t, row, C_NAME, d->name ? d->name : "-", d->name ? TE_NORMAL : TE_DIM);
        table_set(t, row, C_DENIED, d->denied_mask ? d->denied_mask : "-", TE_STATUS_BLOCKED);
        pod_name(g->newest, pod, sizeof pod);
        if (g->pods > 1)
            table_setf(t, row, C_POD, TE_NORMAL, "%s +", pod);
        else
            table_set_copy(t, row, C_POD, pod, g->newest->pod ? TE_NORMAL : TE_DIM);
        table_set(t, row, C_COMM, d->comm ? d->comm : "-", TE_DIM);
    }
    free(order);
    free(slots);
}

static void denials_recalc(struct pane *p, const struct tmodel *m)
{
    struct denials_priv *pv = p->priv;
    bool is_paused = m && m->extra && m->extra->is_paused;
    char kept[96] = "";
    if (m && m->fleet && m->fleet->denials_evicted > 0)
        /* the window is bounded: say so, and how much went past it */
        snprintf(kept, sizeof kept, "; newest %zu kept, %llu older dropped", m->fleet->denial_count,
                 (unsigned long long)m->fleet->denials_evicted);
    snprintf(p->title, sizeof p->title, "Denials (%s%s%s)",
             pv->is_raw ? "records, newest first" : "grouped by profile, operation, name", kept,
             is_paused ? "; PAUSED" : "");
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    if (!m->fleet) {
        snprintf(p->empty, sizeof p->empty,
                 "no agent data: denials are read on each node by armortop-agent, and no "
                 "agent pod runs in this cluster (label app.kubernetes.io/name=armortop-agent"
                 ")");
        return;
    }
    snprintf(p->empty, sizeof p->empty, "no denials%s", is_paused ? " (paused)" : " yet");
    if (pv->is_raw)
        add_raw(p, m);
    else
        add_grouped(p, m);
}

static unsigned denials_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    struct denials_priv *pv = p->priv;
    const struct denial_row *r = pane_selected_ref(p);
    switch (act) {
    case ACT_TOGGLE_RAW:
        pv->is_raw = !pv->is_raw;
        p->model_gen = 0; /* redo the rows */
        snprintf(p->msg, sizeof p->msg, "%s", pv->is_raw ? "raw records" : "grouped");
        return R_RECALC | R_REDRAW;
    case ACT_ENTER:
        if (!r)
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_DENIAL;
        p->req.is_raw = pv->is_raw;
        if (pv->is_raw)
            snprintf(p->req.group, sizeof p->req.group, "%s/%llu", r->rec->node,
                     (unsigned long long)r->rec->cursor);
        else
            group_key(r->rec, p->req.group, sizeof p->req.group);
        return R_PUSH;
    case ACT_PROFILE_OF:
        if (!r || !r->rec->profile)
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_PROFILE;
        snprintf(p->req.profile, sizeof p->req.profile, "%s", r->rec->profile);
        return R_PUSH;
    default:
        return R_UNHANDLED;
    }
}

const struct pane_ops pane_denials_ops = {
    .name = "denials",
    .priv_size = sizeof(struct denials_priv),
    .init = denials_init,
    .recalc = denials_recalc,
    .is_prebuildable = true, /* a big list: built on the refresh worker */
    .on_action = denials_action,
};
