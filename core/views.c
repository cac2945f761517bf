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
#include <time.h>

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
    const struct agent_fleet *agents = opts ? opts->agents : NULL;
    const struct agent_node *node_agent = NULL;
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
            if (agents && p->node_name) {
                if (!node_agent || strcmp(node_agent->node, p->node_name) != 0)
                    node_agent = agent_fleet_find(agents, p->node_name);
                if (node_agent && node_agent->has_data) {
                    row->agent = node_agent;
                    row->actual = agent_node_find_container(node_agent, row->ctr->container_id);
                } else {
                    row->agent = node_agent;
                }
            }
            struct aa_actual act = {0};
            if (row->actual) {
                /* the label carries " (mode)" when confined; the status splits it */
                act.label = row->actual->label ? row->actual->label : row->actual->profile;
                act.mode = row->actual->label ? NULL : row->actual->mode;
            }
            row->status = aa_status_compute(&row->declared, row->blocked,
                                            row->actual && act.label ? &act : NULL);
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

static void node_rows_add_agents(const struct kube_snapshot *snap, const struct view_opts *opts,
                                 struct node_row *rows, size_t n);

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
    if (opts && opts->agents)
        node_rows_add_agents(snap, opts, out, snap->nodes.count);
    return 0;
}

/* ---- profiles across nodes ------------------------------------------------------ */

/* A node's entry counts for cluster-wide comparisons when it has agent data
 * and (when the snapshot lists nodes) is still a node of the cluster. */
static bool fleet_node_counts(const struct kube_snapshot *snap, const struct agent_node *n)
{
    if (!n->has_data)
        return false;
    if (!snap || snap->nodes.count == 0)
        return true;
    return kube_snapshot_find_node(snap, n->node) != NULL;
}

struct prof_ent {
    const char *ns, *name;
    size_t node;                          /* fleet index, or SIZE_MAX for a declaration */
    const struct agent_node_profile *pr;  /* NULL for a declaration */
    const struct pod_row *row;            /* declarations only */
};

static int cmp_prof_ent(const void *a, const void *b)
{
    const struct prof_ent *x = a, *y = b;
    int c = strcmp_null(x->ns, y->ns);
    if (!c)
        c = strcmp_null(x->name, y->name);
    if (!c)
        c = x->node < y->node ? -1 : x->node > y->node;
    if (!c && x->row != y->row)
        c = x->row < y->row ? -1 : 1;
    return c;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp_null(*(const char *const *)a, *(const char *const *)b);
}

static bool is_mode(const char *m, const char *want)
{
    return m && strcmp(m, want) == 0;
}

static void put_node_list(struct strbuf *sb, const char *const *nodes, size_t n)
{
    for (size_t k = 0; k < n && k < 5; k++)
        strbuf_printf(sb, "%s%s", k ? ", " : "", nodes[k]);
    if (n > 5)
        strbuf_printf(sb, ", +%zu more", n - 5);
}

/* The nodes of a profile group (entries sorted by fleet index, declarations
 * last) whose mode or hash differs from the most common value; ties go to the
 * value of the first node. Owned array of borrowed names. */
static void odd_nodes(const struct agent_fleet *f, const struct prof_ent *ents, size_t n,
                      bool is_hash, const char ***out, size_t *count)
{
    const char *best = NULL;
    size_t best_n = 0;
    *out = NULL;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ents[i].pr)
            continue;
        const char *v = is_hash ? ents[i].pr->hash : ents[i].pr->mode;
        size_t c = 0;
        for (size_t j = 0; j < n; j++) {
            if (ents[j].pr &&
                strcmp_null(is_hash ? ents[j].pr->hash : ents[j].pr->mode, v) == 0)
                c++;
        }
        if (c > best_n) {
            best_n = c;
            best = v;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!ents[i].pr || strcmp_null(is_hash ? ents[i].pr->hash : ents[i].pr->mode, best) == 0)
            continue;
        if (!*out)
            *out = xcalloc(n, sizeof **out);
        (*out)[(*count)++] = f->nodes[ents[i].node].node;
    }
}

/* Build the rows; when drift is non-NULL (fleet->node_count slots, zeroed) add
 * one per drifting profile to each node whose state differs from the most
 * common one. */
static void profiles_aggregate(const struct kube_snapshot *snap, const struct view_opts *opts,
                               struct profile_row **rows_out, size_t *count_out, size_t *drift)
{
    const struct agent_fleet *f = opts ? opts->agents : NULL;
    struct prof_ent *ents = NULL;
    size_t nents = 0, cap = 0;
    struct pod_row *prow = NULL;
    size_t nprow = 0;
    bool *counts = NULL;
    size_t node_total = 0;
    struct profile_row *rows = NULL;
    size_t nrows = 0;
    const char **hashes = NULL, **modes = NULL;
    size_t *present = NULL;

    *rows_out = NULL;
    *count_out = 0;
    if (f && f->node_count) {
        counts = xcalloc(f->node_count, sizeof *counts);
        present = xcalloc(f->node_count, sizeof *present);
        for (size_t i = 0; i < f->node_count; i++) {
            counts[i] = fleet_node_counts(snap, &f->nodes[i]);
            if (!counts[i])
                continue;
            node_total++;
            const struct agent_node *n = &f->nodes[i];
            for (size_t j = 0; j < n->profile_count; j++) {
                if (nents == cap) {
                    cap = cap ? cap * 2 : 256;
                    ents = xreallocarray(ents, cap, sizeof *ents);
                }
                ents[nents++] = (struct prof_ent){.ns = n->profiles[j].ns,
                                                  .name = n->profiles[j].name,
                                                  .node = i,
                                                  .pr = &n->profiles[j]};
            }
        }
    }
    pod_rows_build(snap, opts, &prow, &nprow);
    for (size_t i = 0; i < nprow; i++) {
        const struct aa_declared *d = &prow[i].declared;
        if (!d->is_applicable || d->type != AA_TYPE_LOCALHOST || !d->profile || !*d->profile)
            continue;
        if (nents == cap) {
            cap = cap ? cap * 2 : 256;
            ents = xreallocarray(ents, cap, sizeof *ents);
        }
        ents[nents++] = (struct prof_ent){.ns = NULL, .name = d->profile, .node = SIZE_MAX,
                                          .row = &prow[i]};
    }
    if (nents == 0)
        goto out;
    qsort(ents, nents, sizeof *ents, cmp_prof_ent);
    rows = xcalloc(nents, sizeof *rows); /* upper bound */
    hashes = xcalloc(nents, sizeof *hashes);
    modes = xcalloc(nents, sizeof *modes);
    for (size_t g = 0; g < nents;) {
        size_t e = g;
        while (e < nents && strcmp_null(ents[e].ns, ents[g].ns) == 0 &&
               strcmp_null(ents[e].name, ents[g].name) == 0)
            e++;
        struct profile_row *r = &rows[nrows++];
        r->name = ents[g].name;
        r->ns = ents[g].ns;
        r->node_total = node_total;
        size_t nh = 0, nm = 0;
        const struct kube_pod *last_pod = NULL;
        for (size_t k = g; k < e; k++) {
            const struct prof_ent *x = &ents[k];
            if (x->pr) {
                r->loaded_count++;
                present[x->node] = g + 1; /* marks "has it" for this group */
                if (is_mode(x->pr->mode, "enforce"))
                    r->enforce_count++;
                else if (is_mode(x->pr->mode, "complain"))
                    r->complain_count++;
                else
                    r->other_mode_count++;
                if (x->pr->hash)
                    hashes[nh++] = x->pr->hash;
                modes[nm++] = x->pr->mode ? x->pr->mode : "?";
            } else {
                r->container_count++;
                if (x->row->pod != last_pod)
                    r->pod_count++;
                last_pod = x->row->pod;
            }
        }
        /* distinct hashes and modes; the most common of each */
        if (nh) {
            qsort(hashes, nh, sizeof *hashes, cmp_str_ptr);
            for (size_t k = 0; k < nh;) {
                size_t m = k;
                while (m < nh && strcmp(hashes[m], hashes[k]) == 0)
                    m++;
                r->hash_variants++;
                k = m;
            }
        }
        size_t mode_variants = 0;
        if (nm) {
            qsort(modes, nm, sizeof *modes, cmp_str_ptr);
            for (size_t k = 0; k < nm;) {
                size_t m = k;
                while (m < nm && strcmp(modes[m], modes[k]) == 0)
                    m++;
                mode_variants++;
                k = m;
            }
        }
        struct strbuf sb;
        strbuf_init(&sb);
        for (size_t k = 0; k < nm; k++) {
            if (k && strcmp(modes[k], modes[k - 1]) == 0)
                continue;
            if (sb.len)
                strbuf_putc(&sb, ',');
            strbuf_puts(&sb, modes[k]);
        }
        r->modes = sb.len ? strbuf_take(&sb) : xstrdup("-");
        strbuf_done(&sb);
        r->is_missing_somewhere = r->loaded_count > 0 && r->loaded_count < node_total;
        r->is_mode_drift = mode_variants > 1;
        r->is_hash_drift = r->hash_variants > 1;
        /* nodes lacking it: all data nodes when it is loaded somewhere, else
         * those that run a pod declaring it */
        if (f && node_total > r->loaded_count) {
            r->missing_nodes = xcalloc(node_total, sizeof *r->missing_nodes);
            for (size_t i = 0; i < f->node_count; i++) {
                if (!counts[i] || present[i] == g + 1)
                    continue;
                bool wanted = r->loaded_count > 0;
                for (size_t k = g; !wanted && k < e; k++) {
                    const struct prof_ent *x = &ents[k];
                    wanted = !x->pr && x->row->pod->node_name &&
                             strcmp(x->row->pod->node_name, f->nodes[i].node) == 0;
                }
                if (wanted)
                    r->missing_nodes[r->missing_count++] = f->nodes[i].node;
            }
            if (r->missing_count == 0) {
                free(r->missing_nodes);
                r->missing_nodes = NULL;
            }
        }
        if (r->is_mode_drift)
            odd_nodes(f, ents + g, e - g, false, &r->mode_odd_nodes, &r->mode_odd_count);
        if (r->is_hash_drift)
            odd_nodes(f, ents + g, e - g, true, &r->hash_odd_nodes, &r->hash_odd_count);
        if (r->is_missing_somewhere || r->is_mode_drift || r->is_hash_drift) {
            strbuf_init(&sb);
            if (r->is_missing_somewhere) {
                strbuf_printf(&sb, "loaded on %zu of %zu nodes (missing on ", r->loaded_count,
                              node_total);
                put_node_list(&sb, r->missing_nodes, r->missing_count);
                strbuf_putc(&sb, ')');
            }
            if (r->is_mode_drift) {
                strbuf_printf(&sb, "%smodes differ (enforce on %zu, complain on %zu%s; odd: ",
                              sb.len ? "; " : "", r->enforce_count, r->complain_count,
                              r->other_mode_count ? ", other on some" : "");
                put_node_list(&sb, r->mode_odd_nodes, r->mode_odd_count);
                strbuf_putc(&sb, ')');
            }
            if (r->is_hash_drift) {
                strbuf_printf(&sb, "%s%zu different hashes (odd: ", sb.len ? "; " : "",
                              r->hash_variants);
                put_node_list(&sb, r->hash_odd_nodes, r->hash_odd_count);
                strbuf_putc(&sb, ')');
            }
            r->drift = strbuf_take(&sb);
            strbuf_done(&sb);
            if (drift) {
                bool maj_present = r->loaded_count * 2 >= node_total;
                for (size_t i = 0; i < f->node_count; i++) {
                    if (!counts[i])
                        continue;
                    bool has = present[i] == g + 1;
                    bool odd = has != maj_present;
                    for (size_t k = 0; has && !odd && k < r->mode_odd_count; k++)
                        odd = strcmp(r->mode_odd_nodes[k], f->nodes[i].node) == 0;
                    for (size_t k = 0; has && !odd && k < r->hash_odd_count; k++)
                        odd = strcmp(r->hash_odd_nodes[k], f->nodes[i].node) == 0;
                    if (odd)
                        drift[i]++;
                }
            }
        }
        /* denials naming it (also its hats: "name//hat") */
        for (size_t k = 0; f && k < f->denial_count; k++) {
            const struct agent_denial_record *d = agent_fleet_denial(f, k);
            if (!d->profile || !r->name)
                continue;
            size_t nl = strlen(r->name);
            if (strncmp(d->profile, r->name, nl) == 0 &&
                (d->profile[nl] == '\0' || strncmp(d->profile + nl, "//", 2) == 0))
                r->denial_count++;
        }
        g = e;
    }
out:
    if (nrows) {
        *rows_out = rows;
        *count_out = nrows;
    } else {
        free(rows);
    }
    free(hashes);
    free(modes);
    free(present);
    free(counts);
    free(ents);
    /* rows borrow profile names from the snapshot through prow's pods, not from prow */
    pod_rows_free(&prow, nprow);
}

int profile_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                       struct profile_row **rows, size_t *count)
{
    profiles_aggregate(snap, opts, rows, count, NULL);
    return 0;
}

void profile_rows_free(struct profile_row **rows, size_t count)
{
    if (!rows || !*rows)
        return;
    for (size_t i = 0; i < count; i++) {
        free((*rows)[i].missing_nodes);
        free((*rows)[i].mode_odd_nodes);
        free((*rows)[i].hash_odd_nodes);
        free((*rows)[i].modes);
        free((*rows)[i].drift);
    }
    free(*rows);
    *rows = NULL;
}

static void node_rows_add_agents(const struct kube_snapshot *snap, const struct view_opts *opts,
                                 struct node_row *rows, size_t n)
{
    const struct agent_fleet *f = opts->agents;
    size_t *drift = f->node_count ? xcalloc(f->node_count, sizeof *drift) : NULL;
    struct profile_row *prof = NULL;
    size_t nprof = 0;
    struct pod_row *prow = NULL;
    size_t nprow = 0;
    profiles_aggregate(snap, opts, &prof, &nprof, drift);
    profile_rows_free(&prof, nprof);
    pod_rows_build(snap, opts, &prow, &nprow);
    for (size_t i = 0; i < n; i++) {
        struct node_row *r = &rows[i];
        const struct agent_node *a = agent_fleet_find(f, r->node->name);
        r->agent = a;
        if (!a)
            continue;
        r->denial_count = a->denial_count;
        if (!a->has_data)
            continue;
        for (size_t j = 0; j < a->profile_count; j++) {
            if (is_mode(a->profiles[j].mode, "enforce"))
                r->enforce_count++;
            else if (is_mode(a->profiles[j].mode, "complain"))
                r->complain_count++;
        }
        r->drift_count = drift ? drift[(size_t)(a - f->nodes)] : 0;
    }
    for (size_t i = 0; i < nprow; i++) {
        const struct pod_row *pr = &prow[i];
        if (!pr->actual || !pr->pod->node_name)
            continue;
        const char *lab = pr->actual->label, *mode = pr->actual->mode;
        bool unconf = (lab && strcmp(lab, "unconfined") == 0) || is_mode(mode, "unconfined");
        if (!unconf)
            continue;
        struct node_row *r =
            bsearch(pr->pod->node_name, rows, n, sizeof *rows, cmp_node_row_key);
        if (r)
            r->unconfined_count++;
    }
    pod_rows_free(&prow, nprow);
    free(drift);
}

/* ---- denials -------------------------------------------------------------------- */

static int cmp_pod_uid(const void *a, const void *b)
{
    const struct kube_pod *pa = *(const struct kube_pod *const *)a;
    const struct kube_pod *pb = *(const struct kube_pod *const *)b;
    return strcmp_null(pa->uid, pb->uid);
}

static int cmp_pod_uid_key(const void *key, const void *elem)
{
    return strcmp_null(key, (*(const struct kube_pod *const *)elem)->uid);
}

struct keyed_denial {
    struct denial_row row;
    size_t seq;
};

static int cmp_keyed_denial(const void *a, const void *b)
{
    const struct keyed_denial *x = a, *y = b;
    int64_t tx = x->row.rec->time * 1000 + x->row.rec->time_ms;
    int64_t ty = y->row.rec->time * 1000 + y->row.rec->time_ms;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int denial_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                      struct denial_row **rows, size_t *count)
{
    const struct agent_fleet *f = opts ? opts->agents : NULL;
    const struct kube_pod **by_uid = NULL;
    size_t npods = 0, n = 0;
    struct denial_row *out = NULL;
    *rows = NULL;
    *count = 0;
    if (!f || f->denial_count == 0)
        return 0;
    if (snap && snap->pods.count) {
        by_uid = xcalloc(snap->pods.count, sizeof *by_uid);
        for (size_t i = 0; i < snap->pods.count; i++) {
            if (snap->pods.items[i].uid)
                by_uid[npods++] = &snap->pods.items[i];
        }
        if (npods > 1)
            qsort(by_uid, npods, sizeof *by_uid, cmp_pod_uid);
    }
    out = xcalloc(f->denial_count, sizeof *out);
    for (size_t i = 0; i < f->denial_count; i++) {
        const struct agent_denial_record *d = agent_fleet_denial(f, i);
        struct denial_row r = {.rec = d};
        if (d->pod_uid && npods) {
            const struct kube_pod *const *pp =
                bsearch(d->pod_uid, by_uid, npods, sizeof *by_uid, cmp_pod_uid_key);
            r.pod = pp ? *pp : NULL;
        }
        if (r.pod && d->container_id) {
            for (size_t c = 0; c < r.pod->container_count && !r.ctr; c++) {
                const char *id = r.pod->containers[c].container_id;
                const char *hex = id && strstr(id, "://") ? strstr(id, "://") + 3 : id;
                if (hex && strcmp(hex, d->container_id) == 0)
                    r.ctr = &r.pod->containers[c];
            }
        }
        if (opts && opts->ns && *opts->ns && !(r.pod && ns_selected(opts, r.pod->ns)))
            continue;
        out[n++] = r;
    }
    free(by_uid);
    if (n == 0) {
        free(out);
        return 0;
    }
    /* newest first across nodes; the ring order (arrival) breaks ties */
    struct keyed_denial *k = xcalloc(n, sizeof *k);
    for (size_t i = 0; i < n; i++) {
        k[i].row = out[i];
        k[i].seq = i;
    }
    qsort(k, n, sizeof *k, cmp_keyed_denial);
    for (size_t i = 0; i < n; i++)
        out[i] = k[i].row;
    free(k);
    *rows = out;
    *count = n;
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

/* C0, DEL, C1 and the bidirectional formatting characters: printed as '?' so
 * names from the cluster cannot drive the terminal (same rule as tui/text.c). */
static bool cp_is_unsafe(unsigned c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x61c || c == 0x200e || c == 0x200f ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static int cp_width(unsigned c)
{
    if (c == 0)
        return 0;
    if (cp_is_unsafe(c))
        return 1; /* shown as '?' */
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
        for (const char *p = s; *p;) {
            unsigned cp;
            size_t n = utf8_next(p, &cp);
            if ((cp == 0xfffd && n == 1) || cp_is_unsafe(cp))
                strbuf_putc(sb, '?');
            else
                strbuf_append(sb, p, n);
            p += n;
        }
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
            if ((cp == 0xfffd && n == 1) || cp_is_unsafe(cp))
                strbuf_putc(sb, '?'); /* never a broken sequence nor a control */
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
    /* With agent data an ACTUAL column (the kernel's label) comes before STATUS. */
    static const char *const titles[] = {"NAMESPACE", "POD",      "CONTAINER", "KIND",
                                         "NODE",      "DECLARED", "STATUS"};
    static const size_t min_w[] = {9, 11, 9, 5, 7, 20, 7}; /* fits 80 columns */
    static const char *const titles_a[] = {"NAMESPACE", "POD",      "CONTAINER", "KIND",
                                           "NODE",      "DECLARED", "ACTUAL",    "STATUS"};
    static const size_t min_w_a[] = {9, 11, 9, 5, 7, 20, 10, 7};
    bool has_agents = opts && opts->agents;
    struct table t = {.ncols = has_agents ? 8 : 7,
                      .titles = has_agents ? titles_a : titles,
                      .min_w = has_agents ? min_w_a : min_w};
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
        if (has_agents) {
            const struct agent_node_container *a = r->actual;
            cell[6] = dup_or_dash(a ? (a->label ? a->label : a->profile) : NULL);
            cell[7] = xstrdup(aa_status_name(r->status));
        } else {
            cell[6] = xstrdup(aa_status_name(r->status));
        }
    }
    table_render(&t, opts ? opts->width : 0, out);
    table_done(&t);
    pod_rows_free(&rows, n);
}

static void agent_cell(const struct agent_node *a, int64_t now, char *buf, size_t len)
{
    char age[32];
    if (!a) {
        snprintf(buf, len, "none");
        return;
    }
    switch (a->state) {
    case AGENT_STATE_OK:
        snprintf(buf, len, "ok");
        return;
    case AGENT_STATE_STALE:
        format_age(now, a->fetched_at, age, sizeof age);
        snprintf(buf, len, "stale %s", age);
        return;
    default:
        snprintf(buf, len, "%s", agent_state_name(a->state));
        return;
    }
}

static void render_nodes_table(const struct kube_snapshot *snap, const struct view_opts *opts,
                               struct strbuf *out)
{
    static const char *const titles[] = {"NAME",   "READY",    "KUBELET",     "RUNTIME",
                                         "KERNEL", "OS-IMAGE", "INTERNAL-IP", "PODS",
                                         "AGE",    "AGENT",    "APPARMOR",    "PROFILES",
                                         "DRIFT",  "UNCONF",   "DENIALS"};
    static const size_t min_w[] = {8, 5, 7, 7, 6, 8, 11, 4, 3, 5, 8, 8, 5, 6, 7};
    bool has_agents = opts && opts->agents;
    struct table t = {.ncols = has_agents ? 15 : 11, .titles = titles, .min_w = min_w};
    struct node_row *rows;
    size_t n;
    char age[32], buf[64];
    int64_t now = opts ? opts->now : 0;
    node_rows_build(snap, opts, &rows, &n);
    for (size_t i = 0; i < n; i++) {
        const struct kube_node *nd = rows[i].node;
        const struct agent_node *a = rows[i].agent;
        bool has_data = a && a->has_data;
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
        format_age(now, nd->created, age, sizeof age);
        cell[8] = xstrdup(age);
        if (!has_agents) {
            cell[9] = xstrdup("-");
            cell[10] = xstrdup("-");
            continue;
        }
        agent_cell(a, now, buf, sizeof buf);
        cell[9] = xstrdup(buf);
        cell[10] = xstrdup(!has_data                      ? "-"
                           : agent_node_is_aa_effective(a) ? "enabled"
                                                           : "disabled");
        cell[11] = has_data ? xasprintf("%zu/%zu", rows[i].enforce_count, rows[i].complain_count)
                            : xstrdup("-");
        cell[12] = has_data ? xasprintf("%zu", rows[i].drift_count) : xstrdup("-");
        cell[13] = has_data ? xasprintf("%zu", rows[i].unconfined_count) : xstrdup("-");
        cell[14] = a ? xasprintf("%llu", (unsigned long long)rows[i].denial_count) : xstrdup("-");
    }
    table_render(&t, opts ? opts->width : 0, out);
    table_done(&t);
    free(rows);
}

static void render_profiles_table(const struct kube_snapshot *snap, const struct view_opts *opts,
                                  struct strbuf *out)
{
    static const char *const titles[] = {"PROFILE", "MODE", "NODES", "HASH",
                                         "PODS",    "DENIALS", "DRIFT"};
    static const size_t min_w[] = {12, 7, 5, 6, 4, 7, 10};
    struct table t = {.ncols = 7, .titles = titles, .min_w = min_w};
    struct profile_row *rows;
    size_t n;
    profile_rows_build(snap, opts, &rows, &n);
    for (size_t i = 0; i < n; i++) {
        const struct profile_row *r = &rows[i];
        char **cell = table_add_row(&t);
        cell[0] = r->ns ? xasprintf(":%s:%s", r->ns, r->name) : xstrdup(r->name);
        cell[1] = xstrdup(r->modes);
        cell[2] = xasprintf("%zu/%zu", r->loaded_count, r->node_total);
        cell[3] = r->hash_variants == 0   ? xstrdup("-")
                  : r->hash_variants == 1 ? xstrdup("agree")
                                          : xasprintf("%zu variants", r->hash_variants);
        cell[4] = xasprintf("%zu", r->pod_count);
        cell[5] = xasprintf("%llu", (unsigned long long)r->denial_count);
        cell[6] = r->drift                                   ? xstrdup(r->drift)
                  : r->loaded_count == 0 && r->node_total > 0 ? xstrdup("not loaded anywhere")
                                                              : xstrdup("-");
    }
    table_render(&t, opts ? opts->width : 0, out);
    table_done(&t);
    profile_rows_free(&rows, n);
}

static void format_time(int64_t t, char *buf, size_t len)
{
    if (t <= 0) {
        snprintf(buf, len, "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void render_denials_table(const struct kube_snapshot *snap, const struct view_opts *opts,
                                 struct strbuf *out)
{
    static const char *const titles[] = {"TIME",    "NODE", "NAMESPACE", "POD",  "CONTAINER",
                                         "PROFILE", "OPERATION", "NAME", "DENIED", "PID", "COMM"};
    static const size_t min_w[] = {8, 4, 9, 6, 9, 7, 9, 8, 6, 3, 4};
    struct table t = {.ncols = 11, .titles = titles, .min_w = min_w};
    struct denial_row *rows;
    size_t n;
    char tb[40];
    denial_rows_build(snap, opts, &rows, &n);
    for (size_t i = 0; i < n; i++) {
        const struct agent_denial_record *d = rows[i].rec;
        char **cell = table_add_row(&t);
        format_time(d->time, tb, sizeof tb);
        cell[0] = xstrdup(tb);
        cell[1] = dup_or_dash(d->node);
        cell[2] = dup_or_dash(rows[i].pod ? rows[i].pod->ns : NULL);
        cell[3] = dup_or_dash(rows[i].pod ? rows[i].pod->name : NULL);
        cell[4] = dup_or_dash(rows[i].ctr ? rows[i].ctr->name : NULL);
        cell[5] = dup_or_dash(d->profile);
        cell[6] = dup_or_dash(d->operation);
        cell[7] = dup_or_dash(d->name);
        cell[8] = dup_or_dash(d->denied_mask);
        cell[9] = d->pid >= 0 ? xasprintf("%lld", (long long)d->pid) : xstrdup("-");
        cell[10] = dup_or_dash(d->comm);
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
        if (opts && opts->agents) {
            if (view == VIEW_PROFILES)
                render_profiles_table(snap, opts, out);
            else
                render_denials_table(snap, opts, out);
            return 0;
        }
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
