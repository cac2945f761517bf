/*
 * pane_profiles: AppArmor profiles. With agent data (later): every profile
 * loaded on any node, its mode, how many nodes have it and whether their
 * hashes agree. Without it (now): the Localhost profiles pods *reference*,
 * how many containers use each, and the nodes where a container is blocked
 * because the profile is missing there; MODE/LOADED/HASH show "—".
 *
 * Pane card
 *   model:    tmodel pod_rows (declared Localhost, blocked), agent profiles
 *   actions:  enter (the pods using the profile); list actions
 *   parent:   top level (view 3)
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

enum { C_NAME, C_USED, C_BLOCKED, C_MISSING, C_MODE, C_LOADED, C_HASH, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_NAME] = { "PROFILE", 7, 48, false, false, false },
    [C_USED] = { "CONTAINERS", 10, 10, true, true, false },
    [C_BLOCKED] = { "BLOCKED", 7, 7, true, true, false },
    [C_MISSING] = { "MISSING ON (blocked pods)", 12, 60, false, false, true },
    [C_MODE] = { "MODE", 4, 10, false, false, false },
    [C_LOADED] = { "LOADED", 6, 9, true, false, false },
    [C_HASH] = { "HASH", 4, 12, false, false, false, false, 1 },
};

struct prof_acc {
    const char *name;
    size_t used, blocked;
    struct strbuf missing;
};

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
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
             m && m->agent.has_data ? "Profiles"
                                    : "Profiles referenced by pods (no agent data: loaded "
                                      "state unknown)");
    if (!m || !m->snap) {
        snprintf(p->empty, sizeof p->empty, "waiting for the first refresh...");
        return;
    }
    snprintf(p->empty, sizeof p->empty,
             "no pod references a Localhost profile, and no agent data (armortop-agent "
             "reports the profiles loaded on each node)");
    /* Collect the referenced names, sorted and distinct. */
    size_t n = 0;
    const char **names = xcalloc(m->pod_row_count ? m->pod_row_count : 1, sizeof *names);
    for (size_t i = 0; i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        if (r->declared.type == AA_TYPE_LOCALHOST && r->declared.profile &&
            r->declared.profile[0])
            names[n++] = r->declared.profile;
    }
    qsort(names, n, sizeof *names, cmp_str_ptr);
    size_t nd = 0;
    for (size_t i = 0; i < n; i++)
        if (nd == 0 || strcmp(names[nd - 1], names[i]) != 0)
            names[nd++] = names[i];
    struct prof_acc *acc = xcalloc(nd ? nd : 1, sizeof *acc);
    for (size_t i = 0; i < nd; i++) {
        acc[i].name = names[i];
        strbuf_init(&acc[i].missing);
    }
    for (size_t i = 0; i < m->pod_row_count; i++) {
        const struct pod_row *r = &m->pod_rows[i];
        if (r->declared.type != AA_TYPE_LOCALHOST || !r->declared.profile ||
            !r->declared.profile[0])
            continue;
        const char *key = r->declared.profile;
        const char **hit = bsearch(&key, names, nd, sizeof *names, cmp_str_ptr);
        if (!hit)
            continue;
        struct prof_acc *a = &acc[hit - names];
        a->used++;
        if (r->status == AA_STATUS_BLOCKED) {
            a->blocked++;
            const char *node = r->pod->node_name ? r->pod->node_name : "?";
            if (!strstr(strbuf_str(&a->missing), node)) {
                if (a->missing.len)
                    strbuf_puts(&a->missing, ", ");
                strbuf_puts(&a->missing, node);
            }
        }
    }
    for (size_t i = 0; i < nd; i++) {
        struct prof_acc *a = &acc[i];
        size_t row = table_add_row(t, a->name, a->name);
        table_set(t, row, C_NAME, a->name, a->blocked ? TE_STATUS_BLOCKED : TE_NORMAL);
        table_setf(t, row, C_USED, TE_NORMAL, "%zu", a->used);
        table_setf(t, row, C_BLOCKED, a->blocked ? TE_STATUS_BLOCKED : TE_DIM, "%zu",
                   a->blocked);
        if (a->missing.len)
            table_set_copy(t, row, C_MISSING, strbuf_str(&a->missing), TE_STATUS_BLOCKED);
        else
            table_set(t, row, C_MISSING, "—", TE_DIM);
        table_set(t, row, C_MODE, "—", TE_DIM);
        table_set(t, row, C_LOADED, "—", TE_DIM);
        table_set(t, row, C_HASH, "—", TE_DIM);
        strbuf_done(&a->missing);
    }
    free(acc);
    free(names);
}

static unsigned profiles_action(struct pane *p, enum action_id act, const struct tmodel *m)
{
    (void)m;
    const char *name = pane_selected_ref(p);
    if (act != ACT_ENTER)
        return R_UNHANDLED;
    if (!name)
        return R_NONE;
    memset(&p->req, 0, sizeof p->req);
    p->req.kind = PANE_PODS;
    snprintf(p->req.filter, sizeof p->req.filter, "%s", name);
    return R_PUSH;
}

const struct pane_ops pane_profiles_ops = {
    .name = "profiles",
    .init = profiles_init,
    .recalc = profiles_recalc,
    .on_action = profiles_action,
};
