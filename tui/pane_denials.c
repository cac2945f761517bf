/*
 * pane_denials: AppArmor denials, newest first, down to pod, container,
 * process and path. They come from armortop-agent on each node; until core
 * has an agent client the pane explains that there is no agent data.
 *
 * Pane card
 *   model:    tmodel agent denials (empty for now)
 *   actions:  list actions
 *   parent:   top level (view 4); pods → denials-of (d) sets a filter
 *   private:  none
 *   key:      "<time>/<node>/<pid>"
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pane.h"
#include "theme_parse.h"

enum { C_AGE, C_NODE, C_PROFILE, C_OP, C_NAME, C_DENIED, C_POD, C_COMM, C__COUNT };

static const struct tcol cols[C__COUNT] = {
    [C_AGE] = { "AGE", 3, 5, true, false, false },
    [C_NODE] = { "NODE", 4, 20, false, false, false },
    [C_PROFILE] = { "PROFILE", 7, 30, false, false, false },
    [C_OP] = { "OPERATION", 9, 12, false, false, false },
    [C_NAME] = { "NAME", 4, 0, false, false, true },
    [C_DENIED] = { "DENIED", 6, 8, false, false, false },
    [C_POD] = { "POD", 3, 40, false, false, false },
    [C_COMM] = { "COMM", 4, 16, false, false, false },
};

static void denials_init(struct pane *p, const struct pane_req *arg)
{
    (void)arg;
    table_init(&p->table, cols, C__COUNT);
}

static void denials_recalc(struct pane *p, const struct tmodel *m)
{
    struct table *t = &p->table;
    char key[512], age[32], pod[512];
    snprintf(p->title, sizeof p->title, "Denials");
    if (!m || !m->agent.has_data) {
        snprintf(p->empty, sizeof p->empty,
                 "no agent data: denials are read on each node by armortop-agent, "
                 "which is not connected yet");
        return;
    }
    snprintf(p->empty, sizeof p->empty, "no denials");
    for (size_t i = 0; i < m->agent.denial_count; i++) {
        const struct agent_denial *d = &m->agent.denials[i];
        snprintf(key, sizeof key, "%lld/%s/%d", (long long)d->time, d->node, d->pid);
        size_t row = table_add_row(t, d, key);
        table_set_copy(t, row, C_AGE, tmodel_age(m->now, d->time, age, sizeof age), TE_DIM);
        table_set(t, row, C_NODE, d->node, TE_NORMAL);
        table_set(t, row, C_PROFILE, d->profile, TE_NORMAL);
        table_set(t, row, C_OP, d->operation, TE_NORMAL);
        table_set(t, row, C_NAME, d->name, TE_NORMAL);
        table_set(t, row, C_DENIED, d->denied, TE_STATUS_BLOCKED);
        snprintf(pod, sizeof pod, "%s/%s", d->ns ? d->ns : "-", d->pod ? d->pod : "-");
        table_set_copy(t, row, C_POD, pod, d->pod ? TE_NORMAL : TE_DIM);
        table_set(t, row, C_COMM, d->comm, TE_DIM);
    }
}

const struct pane_ops pane_denials_ops = {
    .name = "denials",
    .init = denials_init,
    .recalc = denials_recalc,
};
