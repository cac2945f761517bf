/*
 * model: the snapshot container (growable vectors of nodes, pods, events), the
 * release functions for every model struct, lookups, and the application of
 * watch events to a snapshot (kube_snapshot_apply, declared in kube_client.h).
 *
 * Depends only on libc and xalloc. Must not parse JSON, touch the network or
 * print: decoding lives in json_k8s.c, and the snapshot only stores results.
 * Lookups are linear for now; an index can be added behind the same functions.
 */
#include "config.h"
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "kube_client.h"
#include "xalloc.h"

struct kube_snapshot *kube_snapshot_new(void)
{
    return xcalloc(1, sizeof(struct kube_snapshot));
}

void aa_spec_done(struct aa_spec *spec)
{
    if (!spec)
        return;
    free(spec->localhost);
    free(spec->raw);
    memset(spec, 0, sizeof *spec);
}

static void container_done(struct kube_container *c)
{
    free(c->name);
    free(c->image);
    aa_spec_done(&c->aa_field);
    free(c->container_id);
    free(c->state_reason);
    free(c->state_message);
    memset(c, 0, sizeof *c);
}

void kube_pod_done(struct kube_pod *pod)
{
    if (!pod)
        return;
    free(pod->ns);
    free(pod->name);
    free(pod->uid);
    free(pod->resource_version);
    free(pod->node_name);
    free(pod->phase);
    free(pod->reason);
    free(pod->message);
    free(pod->owner_kind);
    free(pod->owner_name);
    aa_spec_done(&pod->aa_pod);
    for (size_t i = 0; i < pod->aa_annotation_count; i++) {
        free(pod->aa_annotations[i].container);
        free(pod->aa_annotations[i].value);
    }
    free(pod->aa_annotations);
    for (size_t i = 0; i < pod->container_count; i++)
        container_done(&pod->containers[i]);
    free(pod->containers);
    memset(pod, 0, sizeof *pod);
}

void kube_node_done(struct kube_node *node)
{
    if (!node)
        return;
    free(node->name);
    free(node->uid);
    free(node->resource_version);
    free(node->kubelet_version);
    free(node->os_image);
    free(node->kernel_version);
    free(node->container_runtime);
    free(node->internal_ip);
    free(node->os);
    memset(node, 0, sizeof *node);
}

void kube_event_done(struct kube_event *ev)
{
    if (!ev)
        return;
    free(ev->ns);
    free(ev->name);
    free(ev->uid);
    free(ev->resource_version);
    free(ev->involved_kind);
    free(ev->involved_ns);
    free(ev->involved_name);
    free(ev->involved_uid);
    free(ev->involved_field);
    free(ev->reason);
    free(ev->message);
    free(ev->type);
    memset(ev, 0, sizeof *ev);
}

void kube_snapshot_clear_pods(struct kube_snapshot *snap)
{
    for (size_t i = 0; i < snap->pods.count; i++)
        kube_pod_done(&snap->pods.items[i]);
    snap->pods.count = 0;
}

void kube_snapshot_clear_nodes(struct kube_snapshot *snap)
{
    for (size_t i = 0; i < snap->nodes.count; i++)
        kube_node_done(&snap->nodes.items[i]);
    snap->nodes.count = 0;
}

void kube_snapshot_clear_events(struct kube_snapshot *snap)
{
    for (size_t i = 0; i < snap->events.count; i++)
        kube_event_done(&snap->events.items[i]);
    snap->events.count = 0;
}

void kube_snapshot_free(struct kube_snapshot **snap)
{
    if (!snap || !*snap)
        return;
    struct kube_snapshot *s = *snap;
    kube_snapshot_clear_pods(s);
    kube_snapshot_clear_nodes(s);
    kube_snapshot_clear_events(s);
    free(s->pods.items);
    free(s->nodes.items);
    free(s->events.items);
    free(s->nodes_rv);
    free(s->pods_rv);
    free(s->events_rv);
    free(s);
    *snap = NULL;
}

/* Grow a vector so one more item fits; returns the new zeroed slot. */
static void *vec_push(void **items, size_t *count, size_t *cap, size_t size)
{
    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        *items = xreallocarray(*items, ncap, size);
        *cap = ncap;
    }
    char *slot = (char *)*items + *count * size;
    memset(slot, 0, size);
    (*count)++;
    return slot;
}

struct kube_pod *kube_snapshot_add_pod(struct kube_snapshot *snap)
{
    return vec_push((void **)&snap->pods.items, &snap->pods.count, &snap->pods.cap,
                    sizeof(struct kube_pod));
}

struct kube_node *kube_snapshot_add_node(struct kube_snapshot *snap)
{
    return vec_push((void **)&snap->nodes.items, &snap->nodes.count, &snap->nodes.cap,
                    sizeof(struct kube_node));
}

struct kube_event *kube_snapshot_add_event(struct kube_snapshot *snap)
{
    return vec_push((void **)&snap->events.items, &snap->events.count, &snap->events.cap,
                    sizeof(struct kube_event));
}

static bool str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static bool str_eq_null(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

const struct kube_pod *kube_snapshot_find_pod(const struct kube_snapshot *snap, const char *ns,
                                              const char *name)
{
    if (!snap || !ns || !name)
        return NULL;
    for (size_t i = 0; i < snap->pods.count; i++) {
        const struct kube_pod *p = &snap->pods.items[i];
        if (str_eq(p->name, name) && str_eq(p->ns, ns))
            return p;
    }
    return NULL;
}

const struct kube_node *kube_snapshot_find_node(const struct kube_snapshot *snap, const char *name)
{
    if (!snap || !name)
        return NULL;
    for (size_t i = 0; i < snap->nodes.count; i++) {
        if (str_eq(snap->nodes.items[i].name, name))
            return &snap->nodes.items[i];
    }
    return NULL;
}

void kube_watch_event_done(struct kube_watch_event *ev)
{
    if (!ev)
        return;
    free(ev->resource_version);
    kube_pod_done(&ev->pod);
    kube_node_done(&ev->node);
    kube_event_done(&ev->event);
    free(ev->error_reason);
    free(ev->error_message);
    memset(ev, 0, sizeof *ev);
}

/* Index of the item matched by UID (when both have one), else by ns/name; -1 if none. */
static long find_index(const void *items, size_t count, size_t size, size_t off_uid, size_t off_ns,
                       size_t off_name, const void *obj)
{
    const char *uid = *(char *const *)((const char *)obj + off_uid);
    const char *ns = off_ns != (size_t)-1 ? *(char *const *)((const char *)obj + off_ns) : NULL;
    const char *name = *(char *const *)((const char *)obj + off_name);
    for (size_t i = 0; i < count; i++) {
        const char *it = (const char *)items + i * size;
        const char *iuid = *(char *const *)(it + off_uid);
        if (uid && iuid) {
            if (strcmp(uid, iuid) == 0)
                return (long)i;
            continue;
        }
        const char *ins = off_ns != (size_t)-1 ? *(char *const *)(it + off_ns) : NULL;
        if (str_eq_null(ns, ins) && str_eq(name, *(char *const *)(it + off_name)))
            return (long)i;
    }
    return -1;
}

static void set_rv(char **slot, const char *rv)
{
    if (!rv)
        return;
    free(*slot);
    *slot = xstrdup(rv);
}

/* Generic insert/replace/delete on one vector. done_fn releases an item. */
static void apply_vec(void **items, size_t *count, size_t *cap, size_t size, void *obj,
                      enum kube_watch_type type, size_t off_uid, size_t off_ns, size_t off_name,
                      void (*done_fn)(void *))
{
    long idx = find_index(*items, *count, size, off_uid, off_ns, off_name, obj);
    if (type == KWATCH_DELETED) {
        if (idx >= 0) {
            char *it = (char *)*items + (size_t)idx * size;
            done_fn(it);
            /* keep order: views sort anyway, but stable order helps tests and diffs */
            memmove(it, it + size, (*count - (size_t)idx - 1) * size);
            (*count)--;
        }
        done_fn(obj);
        return;
    }
    void *slot;
    if (idx >= 0) {
        slot = (char *)*items + (size_t)idx * size;
        done_fn(slot);
    } else {
        slot = vec_push(items, count, cap, size);
    }
    memcpy(slot, obj, size);
    memset(obj, 0, size); /* stolen */
}

static void pod_done_v(void *p)
{
    kube_pod_done(p);
}
static void node_done_v(void *p)
{
    kube_node_done(p);
}
static void event_done_v(void *p)
{
    kube_event_done(p);
}

void kube_snapshot_apply(struct kube_snapshot *snap, struct kube_watch_event *ev)
{
    if (!snap || !ev)
        return;
    char **rv_slot = ev->kind == KUBE_KIND_POD    ? &snap->pods_rv
                     : ev->kind == KUBE_KIND_NODE ? &snap->nodes_rv
                                                  : &snap->events_rv;
    switch (ev->type) {
    case KWATCH_ERROR:
        return;
    case KWATCH_BOOKMARK:
        set_rv(rv_slot, ev->resource_version);
        return;
    case KWATCH_ADDED:
    case KWATCH_MODIFIED:
    case KWATCH_DELETED:
        break;
    }
    switch (ev->kind) {
    case KUBE_KIND_POD:
        if (!ev->pod.name)
            return;
        apply_vec((void **)&snap->pods.items, &snap->pods.count, &snap->pods.cap,
                  sizeof(struct kube_pod), &ev->pod, ev->type, offsetof(struct kube_pod, uid),
                  offsetof(struct kube_pod, ns), offsetof(struct kube_pod, name), pod_done_v);
        break;
    case KUBE_KIND_NODE:
        if (!ev->node.name)
            return;
        apply_vec((void **)&snap->nodes.items, &snap->nodes.count, &snap->nodes.cap,
                  sizeof(struct kube_node), &ev->node, ev->type, offsetof(struct kube_node, uid),
                  (size_t)-1, offsetof(struct kube_node, name), node_done_v);
        break;
    case KUBE_KIND_EVENT:
        if (!ev->event.name)
            return;
        apply_vec((void **)&snap->events.items, &snap->events.count, &snap->events.cap,
                  sizeof(struct kube_event), &ev->event, ev->type, offsetof(struct kube_event, uid),
                  offsetof(struct kube_event, ns), offsetof(struct kube_event, name), event_done_v);
        break;
    }
    set_rv(rv_slot, ev->resource_version);
}

/* ---- agent data --------------------------------------------------------------- */

#define AGENT_STATE_NAME_(id, name, help) name,
static const char *const agent_state_names[] = {AGENT_STATE_LIST(AGENT_STATE_NAME_)};
#undef AGENT_STATE_NAME_
#define AGENT_STATE_HELP_(id, name, help) help,
static const char *const agent_state_helps[] = {AGENT_STATE_LIST(AGENT_STATE_HELP_)};
#undef AGENT_STATE_HELP_

const char *agent_state_name(enum agent_state st)
{
    return (unsigned)st < AGENT_STATE__COUNT ? agent_state_names[st] : "unknown";
}

const char *agent_state_help(enum agent_state st)
{
    return (unsigned)st < AGENT_STATE__COUNT ? agent_state_helps[st] : "unknown";
}

void agent_node_profile_done(struct agent_node_profile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->mode);
    free(p->hash);
    free(p->attach);
    free(p->ns);
    memset(p, 0, sizeof *p);
}

void agent_node_container_done(struct agent_node_container *c)
{
    if (!c)
        return;
    free(c->container_id);
    free(c->pod_uid);
    free(c->label);
    free(c->profile);
    free(c->mode);
    free(c->runtime);
    memset(c, 0, sizeof *c);
}

void agent_denial_record_done(struct agent_denial_record *r)
{
    if (!r)
        return;
    free(r->node);
    free(r->event);
    free(r->profile);
    free(r->operation);
    free(r->rule_class);
    free(r->name);
    free(r->target);
    free(r->requested_mask);
    free(r->denied_mask);
    free(r->comm);
    free(r->pod_uid);
    free(r->container_id);
    free(r->label);
    free(r->attributed_by);
    free(r->aa_namespace);
    free(r->info);
    memset(r, 0, sizeof *r);
}

void agent_node_clear_profiles(struct agent_node *n)
{
    for (size_t i = 0; i < n->profile_count; i++)
        agent_node_profile_done(&n->profiles[i]);
    free(n->profiles);
    n->profiles = NULL;
    n->profile_count = 0;
}

void agent_node_clear_containers(struct agent_node *n)
{
    for (size_t i = 0; i < n->container_count; i++)
        agent_node_container_done(&n->containers[i]);
    free(n->containers);
    n->containers = NULL;
    n->container_count = 0;
}

void agent_node_done(struct agent_node *n)
{
    if (!n)
        return;
    agent_node_clear_profiles(n);
    agent_node_clear_containers(n);
    free(n->node);
    free(n->endpoint);
    free(n->agent_pod);
    free(n->error);
    free(n->aa_reason);
    free(n->version);
    free(n->note);
    memset(n, 0, sizeof *n);
}

struct agent_fleet *agent_fleet_new(size_t denial_cap)
{
    struct agent_fleet *f = xcalloc(1, sizeof *f);
    f->denial_cap = denial_cap ? denial_cap : 10000;
    f->ring = xcalloc(f->denial_cap, sizeof *f->ring);
    return f;
}

void agent_fleet_free(struct agent_fleet **fp)
{
    if (!fp || !*fp)
        return;
    struct agent_fleet *f = *fp;
    for (size_t i = 0; i < f->node_count; i++)
        agent_node_done(&f->nodes[i]);
    free(f->nodes);
    for (size_t i = 0; i < f->denial_cap; i++)
        agent_denial_record_done(&f->ring[i]);
    free(f->ring);
    free(f);
    *fp = NULL;
}

static int cmp_str_null(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_agent_node_key(const void *key, const void *elem)
{
    return cmp_str_null(key, ((const struct agent_node *)elem)->node);
}

const struct agent_node *agent_fleet_find(const struct agent_fleet *f, const char *node)
{
    if (!f || !node || f->node_count == 0)
        return NULL;
    return bsearch(node, f->nodes, f->node_count, sizeof *f->nodes, cmp_agent_node_key);
}

struct agent_node *agent_fleet_get(struct agent_fleet *f, const char *node)
{
    size_t lo = 0, hi = f->node_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_str_null(f->nodes[mid].node, node);
        if (c == 0)
            return &f->nodes[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (f->node_count == f->node_cap) {
        f->node_cap = f->node_cap ? f->node_cap * 2 : 16;
        f->nodes = xreallocarray(f->nodes, f->node_cap, sizeof *f->nodes);
    }
    memmove(&f->nodes[lo + 1], &f->nodes[lo], (f->node_count - lo) * sizeof *f->nodes);
    f->node_count++;
    struct agent_node *n = &f->nodes[lo];
    memset(n, 0, sizeof *n);
    n->node = xstrdup(node);
    n->state = AGENT_STATE_NONE;
    n->revision = -1;
    return n;
}

void agent_fleet_push_denial_take(struct agent_fleet *f, struct agent_denial_record *rec)
{
    struct agent_denial_record *slot = &f->ring[f->ring_next];
    if (f->denial_count == f->denial_cap) {
        agent_denial_record_done(slot);
        f->denials_evicted++;
    } else {
        f->denial_count++;
    }
    *slot = *rec;
    memset(rec, 0, sizeof *rec);
    f->ring_next = (f->ring_next + 1) % f->denial_cap;
}

const struct agent_denial_record *agent_fleet_denial(const struct agent_fleet *f, size_t i)
{
    if (!f || i >= f->denial_count)
        return NULL;
    size_t idx = (f->ring_next + f->denial_cap - 1 - i) % f->denial_cap;
    return &f->ring[idx];
}

static const char *container_hex(const char *id)
{
    const char *p = id ? strstr(id, "://") : NULL;
    return p ? p + 3 : id;
}

static int cmp_ctr_key(const void *key, const void *elem)
{
    return cmp_str_null(key, ((const struct agent_node_container *)elem)->container_id);
}

const struct agent_node_container *agent_node_find_container(const struct agent_node *node,
                                                             const char *status_id)
{
    const char *hex = container_hex(status_id);
    if (!node || !hex || !*hex || node->container_count == 0)
        return NULL;
    return bsearch(hex, node->containers, node->container_count, sizeof *node->containers,
                   cmp_ctr_key);
}

static int cmp_profile(const void *a, const void *b)
{
    const struct agent_node_profile *pa = a, *pb = b;
    int c = cmp_str_null(pa->ns, pb->ns);
    return c ? c : cmp_str_null(pa->name, pb->name);
}

static int cmp_container(const void *a, const void *b)
{
    const struct agent_node_container *ca = a, *cb = b;
    return cmp_str_null(ca->container_id, cb->container_id);
}

void agent_node_sort(struct agent_node *node)
{
    if (node->profile_count > 1)
        qsort(node->profiles, node->profile_count, sizeof *node->profiles, cmp_profile);
    if (node->container_count > 1)
        qsort(node->containers, node->container_count, sizeof *node->containers, cmp_container);
}

const struct agent_node_profile *agent_node_find_profile(const struct agent_node *node,
                                                         const char *name)
{
    if (!node || !name || node->profile_count == 0)
        return NULL;
    struct agent_node_profile key = {.name = (char *)name, .ns = NULL};
    return bsearch(&key, node->profiles, node->profile_count, sizeof *node->profiles,
                   cmp_profile);
}

static void dup_profile(struct agent_node_profile *d, const struct agent_node_profile *s)
{
    d->name = xstrdup_or_null(s->name);
    d->mode = xstrdup_or_null(s->mode);
    d->hash = xstrdup_or_null(s->hash);
    d->attach = xstrdup_or_null(s->attach);
    d->ns = xstrdup_or_null(s->ns);
}

static void dup_container(struct agent_node_container *d, const struct agent_node_container *s)
{
    *d = *s;
    d->container_id = xstrdup_or_null(s->container_id);
    d->pod_uid = xstrdup_or_null(s->pod_uid);
    d->label = xstrdup_or_null(s->label);
    d->profile = xstrdup_or_null(s->profile);
    d->mode = xstrdup_or_null(s->mode);
    d->runtime = xstrdup_or_null(s->runtime);
}

static void dup_denial(struct agent_denial_record *d, const struct agent_denial_record *s)
{
    *d = *s;
    d->node = xstrdup_or_null(s->node);
    d->event = xstrdup_or_null(s->event);
    d->profile = xstrdup_or_null(s->profile);
    d->operation = xstrdup_or_null(s->operation);
    d->rule_class = xstrdup_or_null(s->rule_class);
    d->name = xstrdup_or_null(s->name);
    d->target = xstrdup_or_null(s->target);
    d->requested_mask = xstrdup_or_null(s->requested_mask);
    d->denied_mask = xstrdup_or_null(s->denied_mask);
    d->comm = xstrdup_or_null(s->comm);
    d->pod_uid = xstrdup_or_null(s->pod_uid);
    d->container_id = xstrdup_or_null(s->container_id);
    d->label = xstrdup_or_null(s->label);
    d->attributed_by = xstrdup_or_null(s->attributed_by);
    d->aa_namespace = xstrdup_or_null(s->aa_namespace);
    d->info = xstrdup_or_null(s->info);
}

struct agent_fleet *agent_fleet_dup(const struct agent_fleet *f)
{
    if (!f)
        return NULL;
    struct agent_fleet *d = agent_fleet_new(f->denial_cap);
    d->polled_at = f->polled_at;
    d->denials_evicted = f->denials_evicted;
    if (f->node_count) {
        d->nodes = xcalloc(f->node_count, sizeof *d->nodes);
        d->node_cap = d->node_count = f->node_count;
    }
    for (size_t i = 0; i < f->node_count; i++) {
        const struct agent_node *s = &f->nodes[i];
        struct agent_node *n = &d->nodes[i];
        *n = *s;
        n->node = xstrdup_or_null(s->node);
        n->endpoint = xstrdup_or_null(s->endpoint);
        n->agent_pod = xstrdup_or_null(s->agent_pod);
        n->error = xstrdup_or_null(s->error);
        n->aa_reason = xstrdup_or_null(s->aa_reason);
        n->version = xstrdup_or_null(s->version);
        n->note = xstrdup_or_null(s->note);
        n->profiles = s->profile_count ? xcalloc(s->profile_count, sizeof *n->profiles) : NULL;
        for (size_t j = 0; j < s->profile_count; j++)
            dup_profile(&n->profiles[j], &s->profiles[j]);
        n->containers =
            s->container_count ? xcalloc(s->container_count, sizeof *n->containers) : NULL;
        for (size_t j = 0; j < s->container_count; j++)
            dup_container(&n->containers[j], &s->containers[j]);
    }
    /* same slots, same order */
    for (size_t i = 0; i < f->denial_cap; i++) {
        if (f->ring[i].node)
            dup_denial(&d->ring[i], &f->ring[i]);
    }
    d->denial_count = f->denial_count;
    d->ring_next = f->ring_next;
    return d;
}

bool agent_node_is_aa_effective(const struct agent_node *n)
{
    return n && n->has_data && (n->is_aa_enabled || n->profile_count > 0);
}
