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
