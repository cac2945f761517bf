/*
 * pane_results: a profile action in place: what it will do (the nodes, the
 * pods that would become unconfined by an unload) while the screen asks for
 * confirmation, then each node's answer as it comes: ok, or the agent's
 * error with apparmor_parser's message and line.
 *
 * Pane card
 *   model:    tmodel extra->action (owned by the screen)
 *   actions:  list actions scroll; Esc returns
 *   parent:   any pane where l/L/u/m/e or :load was used
 *   private:  none
 *   key:      line number
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pane_lines.h"
#include "theme_parse.h"

struct results_priv {
    size_t n;
};

static void results_init(struct pane *p, const struct pane_req *arg)
{
    (void)arg;
    plines_init(p);
}

static void results_recalc(struct pane *p, const struct tmodel *m)
{
    struct results_priv *pv = p->priv;
    const struct taction_result *a = m && m->extra ? &m->extra->action : NULL;
    char buf[1200];
    pv->n = 0;
    snprintf(p->title, sizeof p->title, "%s", a && a->title ? a->title : "Profile action");
    snprintf(p->empty, sizeof p->empty, "no profile action yet");
    if (!a || !a->title)
        return;
    for (size_t i = 0; i < a->plan_count; i++)
        plines_add(p, &pv->n, i == 0 ? "plan" : "", TE_DETAIL_LABEL, a->plan[i],
                   strstr(a->plan[i], "unconfined") ? TE_STATUS_UNCONFINED : TE_NORMAL);
    if (a->is_asked) {
        plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
        plines_add(p, &pv->n, "confirm", TE_DETAIL_LABEL, "y goes ahead; n or Esc cancels",
                   TE_DETAIL_HINT);
        return;
    }
    if (!a->is_sent)
        return;
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    size_t ok = 0;
    for (size_t i = 0; i < a->count; i++) {
        const struct taction_line *l = &a->lines[i];
        ok += l->is_ok;
        snprintf(buf, sizeof buf, "%-16s %s", l->node, l->text ? l->text : "");
        plines_add(p, &pv->n, i == 0 ? "result" : "", TE_DETAIL_LABEL, buf,
                   l->is_ok ? TE_STATUS_OK : TE_STATUS_BLOCKED);
        if (l->line >= 0) {
            snprintf(buf, sizeof buf, "%16s line %ld", "", l->line);
            plines_add(p, &pv->n, "", TE_DETAIL_LABEL, buf, TE_STATUS_BLOCKED);
        }
        if (l->diagnostics && *l->diagnostics)
            plines_add(p, &pv->n, "", TE_DETAIL_LABEL, l->diagnostics, TE_DIM);
    }
    if (!a->is_done) {
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL, "waiting for the agents...", TE_DIM);
        return;
    }
    snprintf(buf, sizeof buf, "%zu of %zu node%s ok", ok, a->count, a->count == 1 ? "" : "s");
    plines_add1(p, &pv->n, "", TE_NORMAL, "", TE_NORMAL);
    plines_add(p, &pv->n, "done", TE_DETAIL_LABEL, buf,
               ok == a->count ? TE_STATUS_OK : TE_STATUS_BLOCKED);
    if (a->has_conflict)
        plines_add(p, &pv->n, "", TE_DETAIL_LABEL,
                   "in use by running containers: F unloads anyway (they become unconfined)",
                   TE_DETAIL_HINT);
}

const struct pane_ops pane_results_ops = {
    .name = "results",
    .priv_size = sizeof(struct results_priv),
    .init = results_init,
    .recalc = results_recalc,
    .is_width_dependent = true,
};
