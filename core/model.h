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

/* ---- agent data (armortop-agent, one per node) -----------------------------
 *
 * What core/agent_client.c polls from each node's agent, kept across polls in
 * a `struct agent_fleet` (owned by whoever polls; agent_fleet_free). Plain
 * strings and numbers: no curl or cJSON types. Strings are owned by their
 * struct and may be NULL unless documented otherwise.
 */

#define AGENT_STATE_LIST(_)                                                                        \
    _(AGENT_STATE_NONE, "none", "no armortop-agent pod on this node")                              \
    _(AGENT_STATE_OK, "ok", "the agent answered the last poll")                                    \
    _(AGENT_STATE_STALE, "stale", "the last poll failed; the data shown is from an earlier one")   \
    _(AGENT_STATE_UNREACHABLE, "unreachable", "the agent has not answered yet")                    \
    _(AGENT_STATE_UNAUTHORIZED, "unauthorized",                                                    \
      "the agent or the API server refused our credentials (401/403)")

#define AGENT_STATE_ENUM_(id, name, help) id,
enum agent_state { AGENT_STATE_LIST(AGENT_STATE_ENUM_) AGENT_STATE__COUNT };
#undef AGENT_STATE_ENUM_

/* "none", "ok", "stale", "unreachable", "unauthorized"; help text. Static. */
const char *agent_state_name(enum agent_state st);
const char *agent_state_help(enum agent_state st);

/* One loaded profile, from GET /v1/profiles. */
struct agent_node_profile {
    char *name;   /* never NULL */
    char *mode;   /* "enforce", "complain", "kill", "unconfined", ...; may be NULL */
    char *hash;   /* sha256/sha1 hex of the compiled policy, may be NULL */
    char *attach; /* attachment path, may be NULL */
    char *ns;     /* AppArmor policy namespace, NULL for the root one */
};

/* One container's real confinement, from GET /v1/containers. */
struct agent_node_container {
    char *container_id; /* runtime ID (hex, no "containerd://"), never NULL */
    char *pod_uid;      /* may be NULL */
    int64_t pid;        /* a process of the container, -1 unknown */
    char *label;        /* e.g. "k8s-deny-write (enforce)", "unconfined"; may be NULL */
    char *profile;      /* the label without its mode, may be NULL */
    char *mode;         /* "enforce", "complain", "unconfined", "mixed"...; may be NULL */
    char *runtime;      /* "containerd", "cri-o", "docker"; may be NULL */
};

/* One AppArmor record, from GET /v1/denials. */
struct agent_denial_record {
    char *node;           /* the node it came from, never NULL */
    uint64_t cursor;      /* the agent's cursor (per node, per agent run) */
    int64_t time;         /* unix seconds, 0 unknown */
    int time_ms;          /* milliseconds part */
    char *event;          /* "DENIED", "AUDIT", ...; may be NULL */
    char *profile;        /* may be NULL */
    char *operation;      /* may be NULL */
    char *rule_class;     /* "file", "net", ... (class=); may be NULL */
    char *name;           /* path or object name, may be NULL */
    char *target;         /* name2 (link/rename target), may be NULL */
    char *requested_mask; /* may be NULL */
    char *denied_mask;    /* may be NULL */
    int64_t pid;          /* -1 unknown */
    char *comm;           /* may be NULL */
    char *pod_uid;        /* attribution by pid, may be NULL */
    char *container_id;   /* hex, may be NULL */
    char *label;          /* the process's label when attributed, may be NULL */
    char *attributed_by;  /* "pid" or "profile", may be NULL */
    char *aa_namespace;   /* AppArmor namespace, may be NULL */
    char *info;           /* may be NULL */
};

/* Everything known about one node's agent. */
struct agent_node {
    char *node;            /* node name, never NULL */
    char *endpoint;        /* how it is reached (URL), for messages; may be NULL */
    char *agent_pod;       /* "namespace/name" of the agent's pod, NULL for direct endpoints */
    enum agent_state state;
    char *error;           /* why the last poll failed; NULL after a good poll */
    bool has_data;         /* the fields below come from a good poll (maybe an old one) */
    int64_t fetched_at;    /* unix seconds of the last good poll, 0 = never */
    int64_t attempted_at;  /* unix seconds of the last poll attempt, 0 = never */
    /* GET /v1/status */
    bool is_aa_enabled;
    char *aa_reason;       /* why AppArmor is (not) enabled, may be NULL */
    char *version;         /* agent version, may be NULL */
    int64_t revision;      /* policy revision, -1 unknown */
    int64_t agent_started; /* unix seconds the agent started (now - uptime_s), 0 unknown */
    /* GET /v1/profiles: sorted by ns (root first), name */
    struct agent_node_profile *profiles;
    size_t profile_count;
    /* GET /v1/containers: sorted by container_id */
    struct agent_node_container *containers;
    size_t container_count;
    /* GET /v1/denials?since=cursor */
    uint64_t denial_cursor;   /* last cursor received; 0 = from the agent's beginning */
    uint64_t denial_count;    /* records received from this node since polling began */
    uint64_t denials_dropped; /* records the agent reported lost (its ring overflowed) */
    unsigned restart_count;   /* agent restarts seen (the cursor was reset to 0) */
    char *note;               /* the latest notable event (restart, drops), may be NULL */
};

/* Is AppArmor in effect on the node? The agent's own verdict (aa_is_enabled),
 * or loaded policy in the apparmorfs it reads (an agent in a container without
 * the kernel interface, or pointed at another apparmorfs, still sees the
 * policy). false without data. */
bool agent_node_is_aa_effective(const struct agent_node *n);

/* All agents, plus a bounded ring of the newest denial records cluster-wide. */
struct agent_fleet {
    struct agent_node *nodes; /* sorted by node name; owned */
    size_t node_count;
    size_t node_cap;
    struct agent_denial_record *ring; /* owned; denial_cap slots */
    size_t denial_cap;    /* ring capacity (>= 1) */
    size_t denial_count;  /* records held (<= denial_cap) */
    size_t ring_next;     /* slot the next record goes to */
    uint64_t denials_evicted; /* records pushed out of the ring by newer ones */
    int64_t polled_at;    /* unix seconds of the last agent_poll_all, 0 = never */
};

/* A fleet with a denial ring of denial_cap records (0 = 10000). Owned. */
struct agent_fleet *agent_fleet_new(size_t denial_cap);
/* Free; accepts NULL and *f == NULL; sets *f = NULL. */
void agent_fleet_free(struct agent_fleet **f);
/* A deep copy (for handing an immutable snapshot to another thread). Owned. */
struct agent_fleet *agent_fleet_dup(const struct agent_fleet *f);

/* The node's entry, or NULL (borrowed; valid until the fleet changes). */
const struct agent_node *agent_fleet_find(const struct agent_fleet *f, const char *node);
/* The node's entry, created (state NONE, zeroed) when absent. Borrowed; valid
 * until the next call that adds a node. */
struct agent_node *agent_fleet_get(struct agent_fleet *f, const char *node);

/* Append a record to the ring, evicting the oldest when full. Takes ownership
 * of rec's strings (rec is zeroed). */
void agent_fleet_push_denial_take(struct agent_fleet *f, struct agent_denial_record *rec);
/* The i-th record, newest first (i < denial_count); borrowed. */
const struct agent_denial_record *agent_fleet_denial(const struct agent_fleet *f, size_t i);

/* The container whose ID a pod status containerID ("containerd://<hex>",
 * "cri-o://<hex>", "docker://<hex>" or bare hex) names; NULL when absent or
 * status_id is NULL/empty. Binary search: node->containers must be sorted. */
const struct agent_node_container *agent_node_find_container(const struct agent_node *node,
                                                             const char *status_id);
/* The loaded profile called name in the root namespace (ns NULL), or NULL. */
const struct agent_node_profile *agent_node_find_profile(const struct agent_node *node,
                                                         const char *name);
/* Sort node->profiles / node->containers as the lookups need. */
void agent_node_sort(struct agent_node *node);

/* Release what an embedded object owns (not the struct itself); zeroes it. */
void agent_node_profile_done(struct agent_node_profile *p);
void agent_node_container_done(struct agent_node_container *c);
void agent_denial_record_done(struct agent_denial_record *r);
void agent_node_done(struct agent_node *n);
void agent_node_clear_profiles(struct agent_node *n);
void agent_node_clear_containers(struct agent_node *n);

#endif
