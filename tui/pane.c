/*
 * pane: the framework half of panes (see pane.h): allocation, recalc then
 * filter/sort, selection kept by key across refreshes, list navigation, and
 * the shadow panes the refresh worker builds (pane_spec, pane_adopt).
 * Pure: no curses, so tests drive panes over a model without a terminal.
 */
#include "config.h"
#include "pane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

/* Only the UI thread creates live panes; shadows (pane_from_spec) get id 0. */
static unsigned long next_id;

static struct pane *pane_alloc(const struct pane_ops *ops, const struct pane_req *arg)
{
    struct pane *p = xcalloc(1, sizeof *p);
    p->ops = ops;
    if (ops->priv_size)
        p->priv = xcalloc(1, ops->priv_size);
    p->sort_col = -1;
    p->has_column_header = true;
    filter_init(&p->filter);
    if (arg)
        p->req = *arg;
    if (ops->init)
        ops->init(p, arg);
    return p;
}

struct pane *pane_new(const struct pane_ops *ops, const struct pane_req *arg)
{
    struct pane *p = pane_alloc(ops, arg);
    p->id = ++next_id;
    if (arg && arg->filter[0])
        pane_set_filter(p, arg->filter);
    return p;
}

void pane_free(struct pane **pp)
{
    if (!pp || !*pp)
        return;
    struct pane *p = *pp;
    if (p->ops->done)
        p->ops->done(p);
    table_done(&p->table);
    filter_done(&p->filter);
    free(p->sel_key);
    free(p->priv);
    free(p);
    *pp = NULL;
}

void pane_select(struct pane *p, long pos)
{
    size_t n = p->table.nview;
    if (pos < 0 || n == 0)
        pos = 0;
    if (n > 0 && (size_t)pos >= n)
        pos = (long)n - 1;
    p->sel = (size_t)pos;
    free(p->sel_key);
    p->sel_key = NULL;
    if (n > 0) {
        const char *k = p->table.rows[p->table.view[p->sel]].key;
        p->sel_key = k ? xstrdup(k) : NULL;
    }
}

static void restore_selection(struct pane *p)
{
    long pos = table_find_key(&p->table, p->sel_key);
    if (pos >= 0) {
        p->sel = (size_t)pos;
        return;
    }
    /* The row went away (or the filter hid it): stay at the same position but
     * keep remembering the old key, so it is found again when it comes back. */
    char *keep = p->sel_key;
    p->sel_key = NULL;
    pane_select(p, (long)p->sel);
    if (keep) {
        free(p->sel_key);
        p->sel_key = keep;
    }
}

void pane_reapply(struct pane *p, bool is_narrow)
{
    table_apply(&p->table, &p->filter, p->sort_col, p->is_sort_desc, is_narrow);
    restore_selection(p);
}

void pane_refresh(struct pane *p, const struct tmodel *m)
{
    table_clear(&p->table);
    p->empty[0] = '\0';
    p->ops->recalc(p, m);
    table_finish(&p->table);
    p->model_gen = m ? m->generation : 0;
    pane_reapply(p, false);
}

int pane_set_filter(struct pane *p, const char *text)
{
    bool is_narrow = filter_narrows(&p->filter, text);
    int rc = filter_set(&p->filter, text);
    if (rc != 0) {
        strncpy(p->msg, p->filter.err, sizeof p->msg - 1);
        p->msg[sizeof p->msg - 1] = '\0';
        is_narrow = false;
    }
    if (p->table.ncols > 0)
        pane_reapply(p, is_narrow && rc == 0);
    return rc;
}

int pane_sort_by(struct pane *p, const char *name)
{
    bool is_desc = false;
    if (name && *name == '-') {
        is_desc = true;
        name++;
    }
    if (!name || !*name || strcasecmp(name, "none") == 0) {
        p->sort_col = -1;
        p->is_sort_desc = false;
        pane_reapply(p, false);
        return 0;
    }
    size_t n = strlen(name);
    for (int c = 0; c < p->table.ncols; c++) {
        if (strncasecmp(p->table.cols[c].title, name, n) == 0) {
            p->sort_col = c;
            p->is_sort_desc = is_desc;
            pane_reapply(p, false);
            return 0;
        }
    }
    return -1;
}

const void *pane_selected_ref(const struct pane *p)
{
    if (p->table.nview == 0 || p->sel >= p->table.nview)
        return NULL;
    return p->table.rows[p->table.view[p->sel]].ref;
}

unsigned pane_list_action(struct pane *p, enum action_id act)
{
    long page = p->page_rows > 1 ? p->page_rows : 1;
    long n = (long)p->table.nview;
    switch (act) {
    case ACT_MOVE_UP:
        pane_select(p, (long)p->sel - 1);
        return R_REDRAW;
    case ACT_MOVE_DOWN:
        pane_select(p, (long)p->sel + 1);
        return R_REDRAW;
    case ACT_PAGE_UP:
        pane_select(p, (long)p->sel - page);
        p->top = p->top > (size_t)page ? p->top - (size_t)page : 0;
        return R_REDRAW;
    case ACT_PAGE_DOWN:
        pane_select(p, (long)p->sel + page);
        if (p->top + (size_t)page < (size_t)(n > 0 ? n : 0))
            p->top += (size_t)page;
        return R_REDRAW;
    case ACT_FIRST:
        pane_select(p, 0);
        return R_REDRAW;
    case ACT_LAST:
        pane_select(p, n - 1);
        return R_REDRAW;
    case ACT_SORT_NEXT:
        if (p->table.ncols == 0)
            return R_NONE;
        p->sort_col = p->sort_col + 1 >= p->table.ncols ? -1 : p->sort_col + 1;
        pane_reapply(p, false);
        return R_REDRAW;
    case ACT_SORT_REVERSE:
        if (p->sort_col < 0)
            p->sort_col = 0;
        p->is_sort_desc = !p->is_sort_desc;
        pane_reapply(p, false);
        return R_REDRAW;
    default:
        return R_UNHANDLED;
    }
}

const struct pane_ops *pane_ops_of(enum pane_kind kind)
{
    switch (kind) {
    case PANE_PODS:
        return &pane_pods_ops;
    case PANE_NODES:
        return &pane_nodes_ops;
    case PANE_PROFILES:
        return &pane_profiles_ops;
    case PANE_DENIALS:
        return &pane_denials_ops;
    case PANE_FINDINGS:
        return &pane_findings_ops;
    case PANE_DETAIL:
        return &pane_detail_ops;
    case PANE_HELP:
        return &pane_help_ops;
    case PANE_PROFILE:
        return &pane_profile_ops;
    case PANE_DENIAL:
        return &pane_denial_ops;
    case PANE_RESULTS:
        return &pane_results_ops;
    case PANE_NODE:
        return &pane_node_ops;
    }
    return &pane_pods_ops;
}

/* ---- rows built on the refresh worker ---------------------------------------- */

bool pane_spec_of(const struct pane *p, bool is_utf8, bool is_paused, struct pane_spec *out)
{
    memset(out, 0, sizeof *out); /* padding too: pane_spec_equal compares bytes */
    out->is_utf8 = is_utf8;
    out->is_paused = is_paused;
    if (!p || !p->ops->is_prebuildable || p->ops->priv_size > sizeof out->priv)
        return false;
    out->id = p->id;
    out->ops = p->ops;
    out->req = p->req;
    if (p->ops->priv_size)
        memcpy(out->priv, p->priv, p->ops->priv_size);
    out->width_hint = p->width_hint;
    if (p->filter.text)
        snprintf(out->filter, sizeof out->filter, "%s", p->filter.text);
    out->sort_col = p->sort_col;
    out->is_sort_desc = p->is_sort_desc;
    return true;
}

bool pane_spec_equal(const struct pane_spec *a, const struct pane_spec *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

struct pane *pane_from_spec(const struct pane_spec *spec)
{
    /* init() may derive priv from the request; the spec's priv is what the
     * live pane holds now, so it wins */
    struct pane *p = pane_alloc(spec->ops, &spec->req);
    if (spec->ops->priv_size)
        memcpy(p->priv, spec->priv, spec->ops->priv_size);
    p->width_hint = spec->width_hint;
    p->sort_col = spec->sort_col;
    p->is_sort_desc = spec->is_sort_desc;
    if (spec->filter[0])
        filter_set(&p->filter, spec->filter);
    return p;
}

bool pane_adopt(struct pane *p, struct pane *shadow, const struct pane_spec *spec,
                bool is_utf8, bool is_paused, unsigned gen)
{
    struct pane_spec cur;
    if (!shadow || !spec->id || p->id != spec->id || !pane_spec_of(p, is_utf8, is_paused, &cur))
        return false;
    /* the rows depend on these (req only feeds init, and actions reuse it as
     * their output); filter and sort only on the view */
    if (cur.ops != spec->ops ||
        memcmp(cur.priv, spec->priv, sizeof cur.priv) != 0 || cur.is_utf8 != spec->is_utf8 ||
        cur.is_paused != spec->is_paused ||
        (p->ops->is_width_dependent && cur.width_hint != spec->width_hint))
        return false;
    struct table t = p->table;
    p->table = shadow->table;
    shadow->table = t;
    if (p->ops->priv_size) /* recalc may note things in priv */
        memcpy(p->priv, shadow->priv, p->ops->priv_size);
    memcpy(p->title, shadow->title, sizeof p->title);
    memcpy(p->empty, shadow->empty, sizeof p->empty);
    memcpy(p->clip, shadow->clip, sizeof p->clip);
    p->model_gen = gen;
    bool is_same_view = strcmp(cur.filter, spec->filter) == 0 &&
                        strlen(cur.filter) + 1 < sizeof cur.filter &&
                        cur.sort_col == spec->sort_col && cur.is_sort_desc == spec->is_sort_desc;
    if (is_same_view)
        restore_selection(p); /* the shadow's view is ours: find our row in it */
    else
        pane_reapply(p, false); /* typed or sorted meanwhile: one pass, as a keystroke */
    return true;
}
