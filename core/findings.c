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

#include "strbuf.h"
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

/* armortop-agent's own pods run Unconfined by design (deploy/daemonset.yaml):
 * they read every process's label and load policy. */
static bool is_agent_pod(const struct pod_row *r)
{
    const char *ap = r->agent ? r->agent->agent_pod : NULL;
    size_t nl = r->pod->ns ? strlen(r->pod->ns) : 0;
    return ap && r->pod->ns && r->pod->name && strncmp(ap, r->pod->ns, nl) == 0 &&
           ap[nl] == '/' && strcmp(ap + nl + 1, r->pod->name) == 0;
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
    if (d->type == AA_TYPE_UNCONFINED && !is_agent_pod(r)) {
        f = add(l, FINDING_WARNING, FINDING_DECLARED_UNCONFINED, r);
        f->message =
            xasprintf("declared Unconfined (%s): runs without AppArmor", aa_source_name(d->source));
    }
    if (d->type == AA_TYPE_UNSET && d->is_privileged) {
        f = add(l, FINDING_WARNING, FINDING_PRIVILEGED_UNCONFINED, r);
        f->message = xstrdup("privileged container with no AppArmor profile runs unconfined; "
                             "set appArmorProfile RuntimeDefault or Localhost");
    }
    if (r->agent && r->agent->has_data && d->type == AA_TYPE_LOCALHOST && d->profile &&
        *d->profile && !r->blocked && !agent_node_find_profile(r->agent, d->profile) &&
        !r->pod->is_terminating && !(r->ctr->has_status && r->ctr->state == KSTATE_TERMINATED)) {
        f = add(l, FINDING_CRITICAL, FINDING_PROFILE_MISSING, r);
        f->profile = xstrdup(d->profile);
        f->message = xasprintf("profile %s is not loaded on %s%s", d->profile, r->agent->node,
                               r->actual ? " (the container runs, but a restart will fail)"
                                         : "; the container cannot start there");
    }
    /* an invalid declaration (reported above) has nothing to compare with */
    bool is_decl_invalid = d->type == AA_TYPE_INVALID ||
                           (d->type == AA_TYPE_LOCALHOST && (!d->profile || !*d->profile));
    if (r->status == AA_STATUS_MISMATCH && r->actual && !is_decl_invalid) {
        char buf[300];
        f = add(l, FINDING_CRITICAL, FINDING_MISMATCH, r);
        f->profile = xstrdup_or_null(d->type == AA_TYPE_LOCALHOST ? d->profile : NULL);
        f->message = xasprintf("declared %s, but the kernel shows \"%s\"",
                               aa_declared_format(d, buf, sizeof buf),
                               r->actual->label ? r->actual->label : "?");
    }
    if (r->status == AA_STATUS_COMPLAIN) {
        f = add(l, FINDING_WARNING, FINDING_COMPLAIN_IN_USE, r);
        f->profile = xstrdup_or_null(r->actual && r->actual->profile ? r->actual->profile
                                                                      : d->profile);
        f->message = xasprintf("runs under %s in complain mode: violations are logged, not blocked",
                               f->profile ? f->profile : "its profile");
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

static struct finding *add_plain(struct finding_list *l, enum finding_severity sev,
                                 enum finding_kind kind, const char *node)
{
    if (l->count == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xreallocarray(l->items, l->cap, sizeof *l->items);
    }
    struct finding *f = &l->items[l->count++];
    memset(f, 0, sizeof *f);
    f->severity = sev;
    f->kind = kind;
    f->node = node;
    return f;
}

static bool node_is_windows(const struct kube_node *n)
{
    return n->os && strcmp(n->os, "windows") == 0;
}

/* Node and profile findings from agent data. */
static void agent_findings(struct finding_list *l, const struct kube_snapshot *snap,
                           const struct view_opts *opts, const struct profile_row *given,
                           size_t given_count)
{
    const struct agent_fleet *fl = opts->agents;
    struct finding *f;
    for (size_t i = 0; snap && i < snap->nodes.count; i++) {
        const struct kube_node *nd = &snap->nodes.items[i];
        if (!nd->name || node_is_windows(nd))
            continue;
        const struct agent_node *a = agent_fleet_find(fl, nd->name);
        if (!a || a->state == AGENT_STATE_NONE) {
            f = add_plain(l, FINDING_WARNING, FINDING_AGENT_MISSING, nd->name);
            f->message = xasprintf("no armortop-agent on %s: its profiles, real confinement and "
                                   "denials are unknown",
                                   nd->name);
            continue;
        }
        if (a->state != AGENT_STATE_OK) {
            f = add_plain(l, FINDING_WARNING, FINDING_AGENT_UNHEALTHY, a->node);
            if (a->state == AGENT_STATE_UNAUTHORIZED)
                f->message = xasprintf("agent: unauthorized (%s)%s", a->error ? a->error : "",
                                       a->has_data ? "; showing older data" : "");
            else if (a->state == AGENT_STATE_STALE)
                f->message = xasprintf("agent data is stale (last good poll %llds ago): %s",
                                       (long long)(opts->now > a->fetched_at
                                                       ? opts->now - a->fetched_at
                                                       : 0),
                                       a->error ? a->error : "poll failed");
            else
                f->message = xasprintf("agent %s: %s", agent_state_name(a->state),
                                       a->error ? a->error : "no answer");
        }
        if (a->has_data && !agent_node_is_aa_effective(a)) {
            f = add_plain(l, FINDING_WARNING, FINDING_APPARMOR_DISABLED, a->node);
            f->message = xasprintf("AppArmor is disabled on %s (%s): no container there is "
                                   "confined",
                                   a->node, a->aa_reason ? a->aa_reason : "reason unknown");
        }
    }
    struct profile_row *built = NULL;
    const struct profile_row *rows = given;
    size_t n = given_count;
    if (!given) {
        profile_rows_build(snap, opts, &built, &n);
        rows = built;
    }
    for (size_t i = 0; i < n; i++) {
        const struct profile_row *r = &rows[i];
        for (int kind = 0; kind < 3; kind++) {
            const char *const *nodes = kind == 0   ? r->missing_nodes
                                       : kind == 1 ? r->mode_odd_nodes
                                                   : r->hash_odd_nodes;
            size_t count = kind == 0 ? r->missing_count
                                     : kind == 1 ? r->mode_odd_count : r->hash_odd_count;
            bool on = kind == 0 ? r->is_missing_somewhere
                                : kind == 1 ? r->is_mode_drift : r->is_hash_drift;
            if (!on || count == 0)
                continue;
            f = add_plain(l, FINDING_WARNING, FINDING_PROFILE_DRIFT, count == 1 ? nodes[0] : NULL);
            f->profile = r->ns ? xasprintf(":%s:%s", r->ns, r->name) : xstrdup(r->name);
            f->drift = kind == 0 ? "missing" : kind == 1 ? "mode" : "hash";
            f->nodes = xcalloc(count, sizeof *f->nodes);
            memcpy(f->nodes, nodes, count * sizeof *f->nodes);
            f->node_count = count;
            struct strbuf sb;
            strbuf_init(&sb);
            for (size_t k = 0; k < count && k < 8; k++)
                strbuf_printf(&sb, "%s%s", k ? ", " : "", nodes[k]);
            if (count > 8)
                strbuf_printf(&sb, ", +%zu more", count - 8);
            if (kind == 0)
                f->message = xasprintf("loaded on %zu of %zu nodes; missing on %s",
                                       r->loaded_count, r->node_total, strbuf_str(&sb));
            else if (kind == 1)
                f->message = xasprintf("mode differs from the other nodes (%s) on %s", r->modes,
                                       strbuf_str(&sb));
            else
                f->message = xasprintf("%zu different hashes: the policy differs on %s",
                                       r->hash_variants, strbuf_str(&sb));
            strbuf_done(&sb);
        }
    }
    if (built)
        profile_rows_free(&built, n);
}

int findings_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                   struct finding_list **out)
{
    struct pod_row *rows = NULL;
    size_t n = 0;
    pod_rows_build(snap, opts, &rows, &n);
    findings_build_rows(snap, opts, rows, n, NULL, 0, out);
    pod_rows_free(&rows, n);
    return 0;
}

int findings_build_rows(const struct kube_snapshot *snap, const struct view_opts *opts,
                        const struct pod_row *rows, size_t n,
                        const struct profile_row *profile_rows, size_t profile_count,
                        struct finding_list **out)
{
    struct finding_list *l = xcalloc(1, sizeof *l);
    for (size_t i = 0; i < n; i++)
        row_findings(l, &rows[i]);
    if (opts && opts->agents)
        agent_findings(l, snap, opts, profile_rows, profile_count);
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
        free(l->items[i].nodes);
    }
    free(l->items);
    free(l);
    *list = NULL;
}
