/*
 * views: row builders for the pods and nodes views, and the text-table
 * renderer of every view (the JSON renderer is json_views.c). A table is built
 * as a matrix of borrowed or owned cell strings, measured in display columns
 * (UTF-8 aware), shrunk to the width hint, then written to a strbuf.
 *
 * Depends on libc, model, confinement, findings, strbuf, kerr and xalloc.
 * Must not print, include curses, or allocate per cell more than it frees.
 */
#include "config.h"
#include "views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define VIEW_NAME_(id, name) name,
static const char *const view_names[] = {VIEW_LIST(VIEW_NAME_)};
#undef VIEW_NAME_

int view_parse(const char *name, enum view_id *out)
{
    if (!name)
        return -KERR_INVAL;
    for (int i = 0; i < VIEW__COUNT; i++) {
        if (strcmp(name, view_names[i]) == 0) {
            *out = (enum view_id)i;
            return 0;
        }
    }
    return -KERR_INVAL;
}

const char *view_name(enum view_id id)
{
    if ((unsigned)id >= VIEW__COUNT)
        return "unknown";
    return view_names[id];
}

const char *view_kind_name(enum kube_ctr_kind kind)
{
    switch (kind) {
    case KCTR_CONTAINER:
        return "container";
    case KCTR_INIT:
        return "init";
    case KCTR_EPHEMERAL:
        return "ephemeral";
    }
    return "container";
}

/* ---- rows -------------------------------------------------------------------- */

static int strcmp_null(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_pod_ptr(const void *a, const void *b)
{
    const struct kube_pod *pa = *(const struct kube_pod *const *)a;
    const struct kube_pod *pb = *(const struct kube_pod *const *)b;
    int c = strcmp_null(pa->ns, pb->ns);
    return c ? c : strcmp_null(pa->name, pb->name);
}

/* AppArmor events sorted by involved namespace/name for per-pod lookup. */
static int cmp_event_ptr(const void *a, const void *b)
{
    const struct kube_event *ea = *(const struct kube_event *const *)a;
    const struct kube_event *eb = *(const struct kube_event *const *)b;
    int c = strcmp_null(ea->involved_ns, eb->involved_ns);
    return c ? c : strcmp_null(ea->involved_name, eb->involved_name);
}

static bool ns_selected(const struct view_opts *opts, const char *ns)
{
    return !opts || !opts->ns || !*opts->ns || (ns && strcmp(opts->ns, ns) == 0);
}

/* First index in evs[0..n) whose involved ns/name is >= the pod's. */
static size_t events_lower_bound(const struct kube_event **evs, size_t n,
                                 const struct kube_pod *pod)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp_null(evs[mid]->involved_ns, pod->ns);
        if (c == 0)
            c = strcmp_null(evs[mid]->involved_name, pod->name);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int pod_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                   struct pod_row **rows, size_t *count)
{
    const struct kube_pod **pods = NULL;
    const struct kube_event **evs = NULL;
    size_t npods = 0, nevs = 0, nrows = 0;
    struct pod_row *out = NULL;

    *rows = NULL;
    *count = 0;
    if (!snap)
        goto out;
    for (size_t i = 0; i < snap->pods.count; i++) {
        const struct kube_pod *p = &snap->pods.items[i];
        if (ns_selected(opts, p->ns) && p->container_count > 0) {
            if (!pods)
                pods = xcalloc(snap->pods.count, sizeof *pods);
            pods[npods++] = p;
            nrows += p->container_count;
        }
    }
    if (nrows == 0)
        goto out;
    qsort(pods, npods, sizeof *pods, cmp_pod_ptr);

    for (size_t i = 0; i < snap->events.count; i++) {
        const struct kube_event *ev = &snap->events.items[i];
        if (!aa_event_is_apparmor(ev))
            continue;
        if (!evs)
            evs = xcalloc(snap->events.count, sizeof *evs);
        evs[nevs++] = ev;
    }
    if (nevs > 1)
        qsort(evs, nevs, sizeof *evs, cmp_event_ptr);

    out = xcalloc(nrows, sizeof *out);
    size_t r = 0;
    for (size_t i = 0; i < npods; i++) {
        const struct kube_pod *p = pods[i];
        size_t lo = nevs ? events_lower_bound(evs, nevs, p) : 0, hi = lo;
        while (hi < nevs && strcmp_null(evs[hi]->involved_ns, p->ns) == 0 &&
               strcmp_null(evs[hi]->involved_name, p->name) == 0)
            hi++;
        for (size_t c = 0; c < p->container_count; c++) {
            struct pod_row *row = &out[r++];
            struct aa_blocked b;
            row->pod = p;
            row->ctr = &p->containers[c];
            aa_declared_resolve(p, row->ctr, &row->declared);
            aa_blocked_check_events(p, row->ctr, evs ? evs + lo : NULL, hi - lo, &b);
            if (b.is_blocked) {
                row->blocked = xmalloc(sizeof *row->blocked);
                *row->blocked = b;
            }
            row->status = aa_status_compute(&row->declared, row->blocked, NULL);
        }
    }
    *rows = out;
    *count = nrows;
out:
    free(pods);
    free(evs);
    return 0;
}

void pod_rows_free(struct pod_row **rows, size_t count)
{
    if (!rows || !*rows)
        return;
    for (size_t i = 0; i < count; i++)
        free((*rows)[i].blocked);
    free(*rows);
    *rows = NULL;
}

static int cmp_node_row(const void *a, const void *b)
{
    const struct node_row *na = a, *nb = b;
    return strcmp_null(na->node->name, nb->node->name);
}

static int cmp_node_row_key(const void *key, const void *elem)
{
    const struct node_row *n = elem;
    return strcmp_null(key, n->node->name);
}

int node_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                    struct node_row **rows, size_t *count)
{
    *rows = NULL;
    *count = 0;
    if (!snap || snap->nodes.count == 0)
        return 0;
    struct node_row *out = xcalloc(snap->nodes.count, sizeof *out);
    for (size_t i = 0; i < snap->nodes.count; i++)
        out[i].node = &snap->nodes.items[i];
    qsort(out, snap->nodes.count, sizeof *out, cmp_node_row);
    for (size_t i = 0; i < snap->pods.count; i++) {
        const struct kube_pod *p = &snap->pods.items[i];
        if (!p->node_name || !ns_selected(opts, p->ns))
            continue;
        struct node_row *n =
            bsearch(p->node_name, out, snap->nodes.count, sizeof *out, cmp_node_row_key);
        if (n)
            n->pod_count++;
    }
    *rows = out;
    *count = snap->nodes.count;
    return 0;
}

/* ---- UTF-8 width ------------------------------------------------------------- */

/* Decode one code point at s; returns its byte length (>= 1; invalid bytes count
 * as one byte of width one). */
static size_t utf8_next(const char *s, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n;
    unsigned c;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xe0) == 0xc0) {
        n = 2;
        c = u[0] & 0x1f;
    } else if ((u[0] & 0xf0) == 0xe0) {
        n = 3;
        c = u[0] & 0x0f;
    } else if ((u[0] & 0xf8) == 0xf0) {
        n = 4;
        c = u[0] & 0x07;
    } else {
        *cp = 0xfffd;
        return 1;
    }
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3f);
    }
    *cp = c;
    return n;
}

static int cp_width(unsigned c)
{
    if (c == 0)
        return 0;
    if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) || c == 0xfe0f ||
        (c >= 0x20d0 && c <= 0x20ff))
        return 0;
    if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf && c != 0x303f) ||
        (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) ||
        (c >= 0x20000 && c <= 0x3fffd))
        return 2;
    return 1;
}

size_t view_str_width(const char *s)
{
    size_t w = 0;
    if (!s)
        return 0;
    while (*s) {
        unsigned cp;
        s += utf8_next(s, &cp);
        w += (size_t)cp_width(cp);
    }
    return w;
}

/* Append at most max columns of s (cut with '~' when it does not fit), padded
 * with spaces to pad columns (pad 0: no padding). */
static void put_cell(struct strbuf *sb, const char *s, size_t max, size_t pad)
{
    size_t w = view_str_width(s);
    size_t used = 0;
    if (w <= max) {
        strbuf_puts(sb, s);
        used = w;
    } else if (max > 0) {
        /* copy whole code points up to max - 1 columns, then '~' */
        const char *p = s;
        while (*p) {
            unsigned cp;
            size_t n = utf8_next(p, &cp);
            int cw = cp_width(cp);
            if (used + (size_t)cw > max - 1)
                break;
            if (cp == 0xfffd && n == 1)
                strbuf_putc(sb, '?'); /* never emit a broken sequence */
            else
                strbuf_append(sb, p, n);
            used += (size_t)cw;
            p += n;
        }
        strbuf_putc(sb, '~');
        used++;
    }
    while (used < pad) {
        strbuf_putc(sb, ' ');
        used++;
    }
}

/* ---- generic table ---------------------------------------------------------- */

struct table {
    size_t ncols;
    const char *const *titles;
    const size_t *min_w; /* columns never shrunk below this (title width at most) */
    char **cells;        /* nrows * ncols, owned strings (NULL prints "") */
    size_t nrows;
    size_t cap;
};

static char **table_add_row(struct table *t)
{
    if (t->nrows == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->cells = xreallocarray(t->cells, t->cap * t->ncols, sizeof *t->cells);
    }
    char **row = &t->cells[t->nrows * t->ncols];
    memset(row, 0, t->ncols * sizeof *row);
    t->nrows++;
    return row;
}

static void table_done(struct table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

static void table_render(const struct table *t, int width_hint, struct strbuf *out)
{
    size_t *w = xcalloc(t->ncols, sizeof *w);
    const size_t sep = 2;
    for (size_t c = 0; c < t->ncols; c++)
        w[c] = view_str_width(t->titles[c]);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            size_t cw = view_str_width(t->cells[r * t->ncols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
    }
    if (width_hint > 0) {
        size_t limit = (size_t)width_hint;
        size_t total = sep * (t->ncols - 1);
        for (size_t c = 0; c < t->ncols; c++)
            total += w[c];
        /* shrink the widest shrinkable column one column at a time */
        while (total > limit) {
            size_t best = t->ncols;
            for (size_t c = 0; c < t->ncols; c++) {
                size_t floor = t->min_w ? t->min_w[c] : 4;
                size_t tw = view_str_width(t->titles[c]);
                if (floor < tw)
                    floor = tw; /* titles stay whole; the line cut below still applies */
                if (w[c] > floor && (best == t->ncols || w[c] > w[best]))
                    best = c;
            }
            if (best == t->ncols)
                break;
            w[best]--;
            total--;
        }
    }
    /* each line is also cut hard at the hint (when the floors did not fit) */
    struct strbuf line;
    strbuf_init(&line);
    for (size_t r = 0; r <= t->nrows; r++) {
        strbuf_reset(&line);
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = r == 0 ? t->titles[c] : t->cells[(r - 1) * t->ncols + c];
            if (!s)
                s = "";
            bool last = c + 1 == t->ncols;
            put_cell(&line, s, w[c], last ? 0 : w[c]);
            if (!last)
                strbuf_puts(&line, "  ");
        }
        /* no trailing blanks */
        while (line.len > 0 && line.buf[line.len - 1] == ' ')
            line.buf[--line.len] = '\0';
        if (width_hint > 0 && view_str_width(strbuf_str(&line)) > (size_t)width_hint) {
            char *full = strbuf_take(&line);
            put_cell(&line, full, (size_t)width_hint, 0);
            free(full);
        }
        strbuf_append(out, strbuf_str(&line), line.len);
        strbuf_putc(out, '\n');
    }
    strbuf_done(&line);
    free(w);
}

static char *dup_or_dash(const char *s)
{
    return xstrdup(s && *s ? s : "-");
}

static void format_age(int64_t now, int64_t then, char *buf, size_t len)
{
    if (then <= 0 || now <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    int64_t d = now - then;
    if (d < 0)
        d = 0;
    if (d < 120)
        snprintf(buf, len, "%llds", (long long)d);
    else if (d < 7200)
        snprintf(buf, len, "%lldm", (long long)(d / 60));
    else if (d < 2 * 86400)
        snprintf(buf, len, "%lldh", (long long)(d / 3600));
    else
        snprintf(buf, len, "%lldd", (long long)(d / 86400));
}

/* ---- per-view tables ---------------------------------------------------------- */

static void render_pods_table(const struct kube_snapshot *snap, const struct view_opts *opts,
                              struct strbuf *out)
{
    static const char *const titles[] = {"NAMESPACE", "POD",      "CONTAINER", "KIND",
                                         "NODE",      "DECLARED", "STATUS"};
    static const size_t min_w[] = {9, 11, 9, 5, 7, 20, 7}; /* fits 80 columns */
    struct table t = {.ncols = 7, .titles = titles, .min_w = min_w};
    struct pod_row *rows;
    size_t n;
    char buf[600];
    pod_rows_build(snap, opts, &rows, &n);
    for (size_t i = 0; i < n; i++) {
        const struct pod_row *r = &rows[i];
        char **cell = table_add_row(&t);
        cell[0] = dup_or_dash(r->pod->ns);
        cell[1] = dup_or_dash(r->pod->name);
        cell[2] = dup_or_dash(r->ctr->name);
        cell[3] = xstrdup(view_kind_name(r->ctr->kind));
        cell[4] = xstrdup(r->pod->node_name ? r->pod->node_name : "<none>");
        cell[5] = xstrdup(aa_declared_format(&r->declared, buf, sizeof buf));
        cell[6] = xstrdup(aa_status_name(r->status));
    }
    table_render(&t, opts ? opts->width : 0, out);
    table_done(&t);
    pod_rows_free(&rows, n);
}

static void render_nodes_table(const struct kube_snapshot *snap, const struct view_opts *opts,
                               struct strbuf *out)
{
    static const char *const titles[] = {"NAME",   "READY",    "KUBELET",     "RUNTIME",
                                         "KERNEL", "OS-IMAGE", "INTERNAL-IP", "PODS",
                                         "AGE",    "AGENT",    "APPARMOR"};
    static const size_t min_w[] = {8, 5, 7, 7, 6, 8, 11, 4, 3, 5, 8};
    struct table t = {.ncols = 11, .titles = titles, .min_w = min_w};
    struct node_row *rows;
    size_t n;
    char age[32];
    node_rows_build(snap, opts, &rows, &n);
    for (size_t i = 0; i < n; i++) {
        const struct kube_node *nd = rows[i].node;
        char **cell = table_add_row(&t);
        cell[0] = dup_or_dash(nd->name);
        cell[1] =
            xstrdup(nd->is_ready ? (nd->is_unschedulable ? "Ready,NoSched" : "Ready") : "NotReady");
        cell[2] = dup_or_dash(nd->kubelet_version);
        cell[3] = dup_or_dash(nd->container_runtime);
        cell[4] = dup_or_dash(nd->kernel_version);
        cell[5] = dup_or_dash(nd->os_image);
        cell[6] = dup_or_dash(nd->internal_ip);
        cell[7] = xasprintf("%zu", rows[i].pod_count);
        format_age(opts ? opts->now : 0, nd->created, age, sizeof age);
        cell[8] = xstrdup(age);
        cell[9] = xstrdup("-");
        cell[10] = xstrdup("-");
    }
    table_render(&t, opts ? opts->width : 0, out);
    table_done(&t);
    free(rows);
}

static void render_findings_table(const struct kube_snapshot *snap, const struct view_opts *opts,
                                  struct strbuf *out)
{
    static const char *const titles[] = {"SEVERITY",  "KIND", "NAMESPACE", "POD",
                                         "CONTAINER", "NODE", "PROFILE",   "MESSAGE"};
    static const size_t min_w[] = {8, 10, 9, 10, 9, 4, 7, 20};
    struct table t = {.ncols = 8, .titles = titles, .min_w = min_w};
    struct finding_list *fl = NULL;
    findings_build(snap, opts, &fl);
    for (size_t i = 0; fl && i < fl->count; i++) {
        const struct finding *f = &fl->items[i];
        char **cell = table_add_row(&t);
        cell[0] = xstrdup(finding_severity_name(f->severity));
        cell[1] = xstrdup(finding_kind_name(f->kind));
        cell[2] = dup_or_dash(f->ns);
        cell[3] = dup_or_dash(f->pod);
        cell[4] = dup_or_dash(f->container);
        cell[5] = dup_or_dash(f->node);
        cell[6] = dup_or_dash(f->profile);
        cell[7] = dup_or_dash(f->message);
    }
    table_render(&t, opts ? opts->width : 0, out);
    table_done(&t);
    findings_free(&fl);
}

int view_render_table(enum view_id view, const struct kube_snapshot *snap,
                      const struct view_opts *opts, struct strbuf *out, struct kerr *err)
{
    switch (view) {
    case VIEW_PODS:
        render_pods_table(snap, opts, out);
        return 0;
    case VIEW_NODES:
        render_nodes_table(snap, opts, out);
        return 0;
    case VIEW_FINDINGS:
        render_findings_table(snap, opts, out);
        return 0;
    case VIEW_PROFILES:
    case VIEW_DENIALS:
        if (opts && opts->width > 0)
            put_cell(out, "no agent data", (size_t)opts->width, 0);
        else
            strbuf_puts(out, "no agent data");
        strbuf_putc(out, '\n');
        return 0;
    case VIEW__COUNT:
        break;
    }
    return kerr_set(err, KERR_INVAL, "unknown view %d", (int)view);
}
