/*
 * pane_profiles: AppArmor profiles cluster-wide (core's profile_rows): every
 * profile loaded on a node with agent data or declared (Localhost) by a pod;
 * its mode(s), on how many nodes of how many it is loaded, whether their
 * hashes agree, the pods using it, containers blocked for want of it, its
 * denials in the last 5 minutes and a drift note ("missing on node-3").
 * Without agent data MODE/NODES/HASH show "—" and the note lists the nodes
 * where pods are blocked.
 *
 * Pane card
 *   model:    tmodel profile_rows, pod_rows (blocked), denial_rows
 *   actions:  enter (profile details); l/L/u/m/e name the selected profile
 *             for the screen's profile actions; list actions
 *   parent:   top level (view 3); pods → profile-of (p) sets a filter
 *   private:  none
 *   key:      profile name
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane.h"
#include "strbuf.h"
#include "theme_parse.h"
#include "xalloc.h"

enum { C_NAME, C_MODE, C_NODES, C_HASH, C_PODS, C_BLOCKED, C_DENIALS, C_NOTE, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_NAME] = { "PROFILE", 14, 40, false, false, false, true },
    [C_MODE] = { "MODE", 8, 16, false, false, false },
    [C_NODES] = { "NODES", 5, 7, true, false, false },
    [C_HASH] = { "HASH", 4, 11, false, false, false, false, 2 },
    [C_PODS] = { "PODS", 4, 5, true, true, false },
    [C_BLOCKED] = { "BLOCKED", 7, 7, true, true, false, false, 1 },
    [C_DENIALS] = { "DEN/5m", 6, 6, true, true, false },
    [C_NOTE] = { "NOTE", 4, 0, false, false, true, true },
};

static int cmp_row_name(const void *a, const void *b)
{
    const struct profile_row *x = *(const struct profile_row *const *)a;
    const struct profile_row *y = *(const struct profile_row *const *)b;
    return strcmp(x->name, y->name);
}

static int cmp_key_row(const void *key, const void *elem)
{
    return strcmp((const char *)key, (*(const struct profile_row *const *)elem)->name);
}

static void profiles_init(struct pane *p, const struct pane_req *arg)
{
    (void)arg;
    table_init(&p->table, cols, C__COUNT);
}

static void profiles_recalc(struct pane *p, const struct tmodel *m)
{
    struct table *t = &p->table;
    snprintf(p->title, sizeof p->title, "%s",
             m && m->fleet ? "Profiles"
                           : "Profiles referenced by pods (no agent data: loaded state unknown)");
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    snprintf(p->empty, sizeof p->empty, "%s",
             m->fleet ? "no profile loaded on any node, none referenced by pods"
                      : "no pod references a Localhost profile, and no agent data "
                        "(armortop-agent reports the profiles loaded on each node)");
    size_t n = m->profile_row_count;
    const struct profile_row **by_name = xcalloc(n ? n : 1, sizeof *by_name);
    for (size_t i = 0; i < n; i++)
        by_name[i] = &m->profile_rows[i];
    qsort(by_name, n, sizeof *by_name, cmp_row_name);
    size_t *blocked = xcalloc(n ? n : 1, sizeof *blocked);
    size_t *denials = xcalloc(n ? n : 1, sizeof *denials);
    struct strbuf *bnodes = xcalloc(n ? n : 1, sizeof *bnodes);
    for (size_t i = 0; i < n; i++)
        strbuf_init(&bnodes[i]);
    for (size_t i = 0; i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        if (r->status != AA_STATUS_BLOCKED || r->declared.type != AA_TYPE_LOCALHOST ||
            !r->declared.profile)
            continue;
        const struct profile_row **hit =
            bsearch(r->declared.profile, by_name, n, sizeof *by_name, cmp_key_row);
        if (!hit)
            continue;
        size_t k = (size_t)(*hit - m->profile_rows);
        blocked[k]++;
        const char *node = r->pod->node_name ? r->pod->node_name : "?";
        if (!strstr(strbuf_str(&bnodes[k]), node)) {
            if (bnodes[k].len)
                strbuf_puts(&bnodes[k], ", ");
            strbuf_puts(&bnodes[k], node);
        }
    }
    for (size_t i = 0; i < m->denial_row_count; i++) {
        const struct agent_denial_record *d = m->denial_rows[i].rec;
        if (!d->profile || (d->time && d->time < m->now - 300))
            continue;
        const struct profile_row **hit =
            bsearch(d->profile, by_name, n, sizeof *by_name, cmp_key_row);
        if (hit)
            denials[*hit - m->profile_rows]++;
    }
    for (size_t i = 0; i < n; i++) {
        const struct profile_row *pr = &m->profile_rows[i];
        size_t row = table_add_row(t, pr, pr->name);
        bool is_drift = pr->is_missing_somewhere || pr->is_mode_drift || pr->is_hash_drift;
        table_set(t, row, C_NAME, pr->name,
                  blocked[i] ? TE_STATUS_BLOCKED : is_drift ? TE_STATUS_MISMATCH : TE_NORMAL);
        if (m->fleet) {
            bool is_complain = pr->modes && strstr(pr->modes, "complain");
            table_set(t, row, C_MODE, pr->modes ? pr->modes : "-",
                      pr->is_mode_drift ? TE_STATUS_MISMATCH
                      : is_complain     ? TE_STATUS_COMPLAIN
                      : pr->loaded_count ? TE_NORMAL
                                         : TE_DIM);
            table_setf(t, row, C_NODES,
                       pr->loaded_count < pr->node_total ? TE_STATUS_MISMATCH : TE_NORMAL,
                       "%zu/%zu", pr->loaded_count, pr->node_total);
            if (pr->hash_variants > 1)
                table_setf(t, row, C_HASH, TE_STATUS_MISMATCH, "%zu variants", pr->hash_variants);
            else
                table_set(t, row, C_HASH, pr->hash_variants == 1 ? "agree" : "-",
                          pr->hash_variants == 1 ? TE_STATUS_OK : TE_DIM);
            table_setf(t, row, C_DENIALS, denials[i] ? TE_STATUS_BLOCKED : TE_DIM, "%zu",
                       denials[i]);
        } else {
            table_set(t, row, C_MODE, "—", TE_DIM);
            table_set(t, row, C_NODES, "—", TE_DIM);
            table_set(t, row, C_HASH, "—", TE_DIM);
            table_set(t, row, C_DENIALS, "—", TE_DIM);
        }
        table_setf(t, row, C_PODS, pr->pod_count ? TE_NORMAL : TE_DIM, "%zu", pr->pod_count);
        table_setf(t, row, C_BLOCKED, blocked[i] ? TE_STATUS_BLOCKED : TE_DIM, "%zu", blocked[i]);
        if (pr->drift)
            table_set_copy(t, row, C_NOTE, pr->drift, TE_STATUS_MISMATCH);
        else if (bnodes[i].len)
            table_setf(t, row, C_NOTE, TE_STATUS_BLOCKED, "blocked on %s", strbuf_str(&bnodes[i]));
        else
            table_set(t, row, C_NOTE, "", TE_DIM);
        strbuf_done(&bnodes[i]);
    }
    free(bnodes);
    free(denials);
    free(blocked);
    free(by_name);
}

static unsigned profiles_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    const struct profile_row *pr = pane_selected_ref(p);
    switch (act) {
    case ACT_ENTER:
        if (!pr)
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_PROFILE;
        snprintf(p->req.profile, sizeof p->req.profile, "%s", pr->name);
        return R_PUSH;
    case ACT_DENIALS_OF:
        if (!pr)
            return R_NONE;
        memset(&p->req, 0, sizeof p->req);
        p->req.kind = PANE_DENIALS;
        snprintf(p->req.filter, sizeof p->req.filter, "%s", pr->name);
        return R_SWITCH;
    case ACT_PROFILE_LOAD:
    case ACT_PROFILE_LOAD_ALL:
    case ACT_PROFILE_UNLOAD:
    case ACT_PROFILE_MODE:
    case ACT_PROFILE_EDIT:
        memset(&p->req, 0, sizeof p->req);
        if (pr)
            snprintf(p->req.profile, sizeof p->req.profile, "%s", pr->name);
        return R_TARGET;
    default:
        return R_UNHANDLED;
    }
}

const struct pane_ops pane_profiles_ops = {
    .name = "profiles",
    .init = profiles_init,
    .recalc = profiles_recalc,
    .is_prebuildable = true, /* a big list: built on the refresh worker */
    .on_action = profiles_action,
};
