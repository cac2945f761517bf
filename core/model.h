/*
 * model: compact, immutable snapshots of the Kubernetes objects armortop reads
 * (nodes, pods with all three container kinds, events), decoded page by page
 * from the API (core/json_k8s.c) so that no JSON tree outlives its page.
 *
 * Ownership: a `struct kube_snapshot` owns everything inside it; free it with
 * kube_snapshot_free(). Strings are owned by their struct and never NULL unless
 * documented "may be NULL". Depends only on libc; no curl, cJSON or curses here.
 */
#ifndef ARMORTOP_CORE_MODEL_H
#define ARMORTOP_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- AppArmor profile as written in an object ---------------------------- */

enum aa_type {
    AA_TYPE_UNSET = 0,       /* nothing written */
    AA_TYPE_RUNTIME_DEFAULT, /* RuntimeDefault, runtime/default */
    AA_TYPE_LOCALHOST,       /* Localhost + localhostProfile, localhost/<name> */
    AA_TYPE_UNCONFINED,      /* Unconfined, unconfined */
    AA_TYPE_INVALID,         /* written but not a valid value; see raw */
};

struct aa_spec {
    enum aa_type type;
    char *localhost; /* profile name for AA_TYPE_LOCALHOST, may be NULL otherwise */
    char *raw;       /* the value as written (field type or annotation), may be NULL */
};

/* ---- containers ----------------------------------------------------------- */

enum kube_ctr_kind { KCTR_CONTAINER = 0, KCTR_INIT, KCTR_EPHEMERAL };

enum kube_ctr_state { KSTATE_UNKNOWN = 0, KSTATE_WAITING, KSTATE_RUNNING, KSTATE_TERMINATED };

struct kube_container {
    char *name;
    char *image;
    enum kube_ctr_kind kind;
    bool is_privileged;       /* securityContext.privileged == true */
    struct aa_spec aa_field;  /* securityContext.appArmorProfile */
    /* from status.{,init,ephemeral}ContainerStatuses[], matched by name */
    bool has_status;
    char *container_id;       /* "containerd://<hex>", may be NULL */
    enum kube_ctr_state state;
    char *state_reason;       /* e.g. "CreateContainerError", may be NULL */
    char *state_message;      /* may be NULL */
    bool is_ready;
    int restart_count;
};

/* One `container.apparmor.security.beta.kubernetes.io/<container>` annotation. */
struct aa_annotation {
    char *container; /* the part after the '/' */
    char *value;     /* as written */
};

struct kube_pod {
    char *ns;
    char *name;
    char *uid;
    char *resource_version;
    char *node_name;       /* spec.nodeName, may be NULL (unscheduled) */
    char *phase;           /* status.phase, may be NULL */
    char *reason;          /* status.reason, may be NULL (e.g. "AppArmor") */
    char *message;         /* status.message, may be NULL */
    char *owner_kind;      /* first ownerReference kind, may be NULL */
    char *owner_name;      /* may be NULL */
    int64_t created;       /* creationTimestamp, seconds since the epoch, 0 if absent */
    bool is_windows;       /* spec.os.name == "windows" */
    bool is_terminating;   /* metadata.deletionTimestamp set */
    struct aa_spec aa_pod; /* spec.securityContext.appArmorProfile */
    struct aa_annotation *aa_annotations;
    size_t aa_annotation_count;
    struct kube_container *containers; /* containers, then init, then ephemeral */
    size_t container_count;
};

struct kube_node {
    char *name;
    char *uid;
    char *resource_version;
    bool is_ready;
    bool is_unschedulable;
    char *kubelet_version;   /* may be NULL */
    char *os_image;          /* may be NULL */
    char *kernel_version;    /* may be NULL */
    char *container_runtime; /* containerRuntimeVersion, may be NULL */
    char *internal_ip;       /* may be NULL */
    char *os;                /* labels kubernetes.io/os, may be NULL */
    int64_t created;
};

struct kube_event {
    char *ns;
    char *name;
    char *uid;
    char *resource_version;
    char *involved_kind;     /* may be NULL */
    char *involved_ns;       /* may be NULL */
    char *involved_name;     /* may be NULL */
    char *involved_uid;      /* may be NULL */
    char *involved_field;    /* involvedObject.fieldPath, e.g. spec.containers{app}; may be NULL */
    char *reason;            /* may be NULL */
    char *message;           /* may be NULL */
    char *type;              /* Normal / Warning, may be NULL */
    int count;
    int64_t last_seen;       /* lastTimestamp or eventTime, seconds, 0 if absent */
};

/* A growable array of T, owning its items. */
#define KUBE_VEC(T) struct { T *items; size_t count; size_t cap; }

struct kube_snapshot {
    KUBE_VEC(struct kube_node) nodes;
    KUBE_VEC(struct kube_pod) pods;
    KUBE_VEC(struct kube_event) events;
    char *nodes_rv;  /* list resourceVersion of each kind, may be NULL */
    char *pods_rv;
    char *events_rv;
};

struct kube_snapshot *kube_snapshot_new(void);
void kube_snapshot_free(struct kube_snapshot **snap);

/* Release what an embedded object owns (not the struct itself). */
void kube_pod_done(struct kube_pod *pod);
void kube_node_done(struct kube_node *node);
void kube_event_done(struct kube_event *ev);
void aa_spec_done(struct aa_spec *spec);

/* Append a zeroed slot and return it (borrowed; valid until the next append). */
struct kube_pod *kube_snapshot_add_pod(struct kube_snapshot *snap);
struct kube_node *kube_snapshot_add_node(struct kube_snapshot *snap);
struct kube_event *kube_snapshot_add_event(struct kube_snapshot *snap);

/* Drop all items of one kind (used when a list restarts after 410). */
void kube_snapshot_clear_pods(struct kube_snapshot *snap);
void kube_snapshot_clear_nodes(struct kube_snapshot *snap);
void kube_snapshot_clear_events(struct kube_snapshot *snap);

/* Lookups: linear or indexed; borrowed results, NULL when absent. */
const struct kube_pod *kube_snapshot_find_pod(const struct kube_snapshot *snap, const char *ns,
                                              const char *name);
const struct kube_node *kube_snapshot_find_node(const struct kube_snapshot *snap,
                                                const char *name);

#endif
