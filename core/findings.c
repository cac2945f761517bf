/*
 * findings: derives cluster problems from the pod rows of views.c (declared
 * profile, block state) — one finding per problem per container — and sorts
 * them most severe first. Messages are written for an operator in a hurry: what
 * is wrong and, where obvious, what to do.
 *
 * Depends on libc, model, confinement, views (row builder) and xalloc. Must
 * not print or touch the network.
 */
#include "config.h"
#include "findings.h"

#include <stdlib.h>
#include <string.h>

#include "views.h"
#include "xalloc.h"

#define SEV_NAME_(id, name) name,
static const char *const sev_names[] = {FINDING_SEVERITY_LIST(SEV_NAME_)};
#undef SEV_NAME_
#define KIND_NAME_(id, name, help) name,
static const char *const kind_names[] = {FINDING_KIND_LIST(KIND_NAME_)};
#undef KIND_NAME_
#define KIND_HELP_(id, name, help) help,
static const char *const kind_helps[] = {FINDING_KIND_LIST(KIND_HELP_)};
#undef KIND_HELP_

const char *finding_severity_name(enum finding_severity sev)
{
    return (unsigned)sev < FINDING_SEVERITY__COUNT ? sev_names[sev] : "unknown";
}

const char *finding_kind_name(enum finding_kind kind)
{
    return (unsigned)kind < FINDING_KIND__COUNT ? kind_names[kind] : "unknown";
}

const char *finding_kind_help(enum finding_kind kind)
{
    return (unsigned)kind < FINDING_KIND__COUNT ? kind_helps[kind] : "unknown";
}

static struct finding *add(struct finding_list *l, enum finding_severity sev,
                           enum finding_kind kind, const struct pod_row *r)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xreallocarray(l->items, l->cap, sizeof *l->items);
    }
    struct finding *f = &l->items[l->count++];
    memset(f, 0, sizeof *f);
    f->severity = sev;
    f->kind = kind;
    f->ns = r->pod->ns;
    f->pod = r->pod->name;
    f->container = r->ctr->name;
    f->node = r->pod->node_name;
    return f;
}

static void row_findings(struct finding_list *l, const struct pod_row *r)
{
    const struct aa_declared *d = &r->declared;
    struct finding *f;
    if (!d->is_applicable)
        return;
    if (r->blocked) {
        const struct aa_blocked *b = r->blocked;
        f = add(l, FINDING_CRITICAL, FINDING_PROFILE_NOT_LOADED, r);
        const char *prof =
            b->profile[0] ? b->profile : (d->profile && *d->profile ? d->profile : NULL);
        f->profile = xstrdup_or_null(prof);
        const char *node = r->pod->node_name ? r->pod->node_name : "its node";
        if (b->cause == AA_BLOCK_REJECTED)
            f->message = xasprintf("pod rejected by the kubelet on %s: %s", node,
                                   b->message ? b->message : "Cannot enforce AppArmor");
        else if (prof)
            f->message = xasprintf("profile %s is not loaded on %s; container cannot start (%s)",
                                   prof, node, b->reason ? b->reason : "blocked");
        else
            f->message = xasprintf("AppArmor profile not loaded on %s; container cannot start (%s)",
                                   node, b->reason ? b->reason : "blocked");
        if (b->event && b->event_count > 1) {
            char *m = xasprintf("%s; event x%d", f->message, b->event_count);
            free(f->message);
            f->message = m;
        }
    }
    if (d->invalid_reason) {
        f = add(l, FINDING_WARNING, FINDING_INVALID_VALUE, r);
        f->profile = xstrdup_or_null(d->type == AA_TYPE_LOCALHOST ? d->profile : NULL);
        f->message =
            xasprintf("%s: \"%s\"", d->invalid_reason, d->invalid_raw ? d->invalid_raw : "");
    }
    if (d->type == AA_TYPE_UNCONFINED) {
        f = add(l, FINDING_WARNING, FINDING_DECLARED_UNCONFINED, r);
        f->message =
            xasprintf("declared Unconfined (%s): runs without AppArmor", aa_source_name(d->source));
    }
    if (d->type == AA_TYPE_UNSET && d->is_privileged) {
        f = add(l, FINDING_WARNING, FINDING_PRIVILEGED_UNCONFINED, r);
        f->message = xstrdup("privileged container with no AppArmor profile runs unconfined; "
                             "set appArmorProfile RuntimeDefault or Localhost");
    }
    if (d->has_conflict) {
        f = add(l, FINDING_WARNING, FINDING_ANNOTATION_CONFLICT, r);
        f->profile = xstrdup_or_null(d->type == AA_TYPE_LOCALHOST ? d->profile : NULL);
        f->message = xasprintf("annotation \"%s\" disagrees with securityContext.appArmorProfile "
                               "(%s); the field wins",
                               d->annotation ? d->annotation : "",
                               aa_type_name(d->type) ? aa_type_name(d->type) : "invalid");
    }
}

static int strcmp_null(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

/* rows are already sorted by ns/pod/container; severity first, then original
 * order (kept by comparing addresses of a copy index). */
struct keyed {
    struct finding f;
    size_t seq;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *ka = a, *kb = b;
    if (ka->f.severity != kb->f.severity)
        return ka->f.severity < kb->f.severity ? -1 : 1;
    int c = strcmp_null(ka->f.ns, kb->f.ns);
    if (!c)
        c = strcmp_null(ka->f.pod, kb->f.pod);
    if (c)
        return c;
    return ka->seq < kb->seq ? -1 : ka->seq > kb->seq;
}

int findings_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                   struct finding_list **out)
{
    struct pod_row *rows = NULL;
    size_t n = 0;
    struct finding_list *l = xcalloc(1, sizeof *l);
    pod_rows_build(snap, opts, &rows, &n);
    for (size_t i = 0; i < n; i++)
        row_findings(l, &rows[i]);
    if (l->count > 1) {
        struct keyed *k = xcalloc(l->count, sizeof *k);
        for (size_t i = 0; i < l->count; i++) {
            k[i].f = l->items[i];
            k[i].seq = i;
        }
        qsort(k, l->count, sizeof *k, cmp_keyed);
        for (size_t i = 0; i < l->count; i++)
            l->items[i] = k[i].f;
        free(k);
    }
    pod_rows_free(&rows, n);
    *out = l;
    return 0;
}

void findings_free(struct finding_list **list)
{
    if (!list || !*list)
        return;
    struct finding_list *l = *list;
    for (size_t i = 0; i < l->count; i++) {
        free(l->items[i].profile);
        free(l->items[i].message);
    }
    free(l->items);
    free(l);
    *list = NULL;
}
