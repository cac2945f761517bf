/*
 * sim_store: the simulated API server's object store and change history.
 *
 * Objects (nodes, pods, events, namespaces) are immutable, reference-counted
 * versions: a pre-serialised JSON string plus the few fields that selectors,
 * sorting and Table rows need. A change publishes a new version with a new
 * resourceVersion and records it in a bounded history ring that watches replay
 * from. Each kind is kept sorted by namespace/name so that paged lists can
 * continue after the last key. One mutex guards everything; a condition
 * variable wakes watches on every change. Depends on libc, pthreads and
 * core/xalloc, core/strbuf; it knows nothing about HTTP.
 */
#ifndef ARMORTOP_SIM_SIM_STORE_H
#define ARMORTOP_SIM_SIM_STORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_KIND_LIST(_)                                                                           \
    _(SIM_KIND_NODE, "nodes", "Node", "NodeList", false)                                           \
    _(SIM_KIND_POD, "pods", "Pod", "PodList", true)                                                \
    _(SIM_KIND_EVENT, "events", "Event", "EventList", true)                                        \
    _(SIM_KIND_NAMESPACE, "namespaces", "Namespace", "NamespaceList", false)

#define SIM_KIND_ENUM_(id, res, kind, list, nsd) id,
enum sim_kind { SIM_KIND_LIST(SIM_KIND_ENUM_) SIM_KIND__COUNT };
#undef SIM_KIND_ENUM_

/* Fields kept beside the JSON. The selector name is "" for fields that are not
 * selectable (they feed Table rows). */
#define SIM_FIELD_LIST(_)                                                                          \
    _(SIM_F_NAMESPACE, "metadata.namespace")                                                       \
    _(SIM_F_NAME, "metadata.name")                                                                 \
    _(SIM_F_UID, "")                                                                               \
    _(SIM_F_LABELS, "")  /* "k=v\n" per label */                                                   \
    _(SIM_F_CREATED, "") /* RFC 3339 */                                                            \
    _(SIM_F_NODE_NAME, "spec.nodeName")                                                            \
    _(SIM_F_PHASE, "status.phase")                                                                 \
    _(SIM_F_IO_KIND, "involvedObject.kind")                                                        \
    _(SIM_F_IO_NAME, "involvedObject.name")                                                        \
    _(SIM_F_IO_NAMESPACE, "involvedObject.namespace")                                              \
    _(SIM_F_IO_UID, "involvedObject.uid")                                                          \
    _(SIM_F_REASON, "reason")                                                                      \
    _(SIM_F_TYPE, "type")                                                                          \
    _(SIM_F_T_READY, "")     /* pods: "1/2" */                                                     \
    _(SIM_F_T_STATUS, "")    /* pods/nodes: Running */                                             \
    _(SIM_F_T_RESTARTS, "")  /* pods */                                                            \
    _(SIM_F_T_IP, "")        /* pods: podIP */                                                     \
    _(SIM_F_T_ROLES, "")     /* nodes */                                                           \
    _(SIM_F_T_VERSION, "")   /* nodes: kubelet version */                                          \
    _(SIM_F_T_LAST_SEEN, "") /* events: lastTimestamp */                                           \
    _(SIM_F_T_MESSAGE, "")   /* events */

#define SIM_F_ENUM_(id, sel) id,
enum sim_field { SIM_FIELD_LIST(SIM_F_ENUM_) SIM_F__COUNT };
#undef SIM_F_ENUM_

/* Resource name ("pods"), Kind ("Pod"), list kind ("PodList"), namespaced. */
const char *sim_kind_resource(enum sim_kind k);
const char *sim_kind_name(enum sim_kind k);
const char *sim_kind_list_name(enum sim_kind k);
bool sim_kind_is_namespaced(enum sim_kind k);
/* Kind for a resource name ("pods", "po"...), or -1. */
int sim_kind_from_resource(const char *res);
/* Field selector name -> field, or -1. */
int sim_field_from_selector(const char *sel);

/* One immutable version of an object. Fields are never NULL ("" when absent). */
struct sim_obj {
    atomic_int refs;
    uint8_t kind;     /* enum sim_kind */
    uint32_t gen_idx; /* generator state index (pods) */
    uint64_t rv;
    const char *f[SIM_F__COUNT];
    char *strs; /* arena behind f[] */
    char *json; /* the object, serialised, NUL-terminated */
    size_t json_len;
};

/* Build a version: copies the field strings (NULL means ""), takes ownership of
 * json (malloc'd, json_len bytes plus a NUL). Returns it with one reference. */
struct sim_obj *sim_obj_new(enum sim_kind kind, uint64_t rv, const char *const *fields, char *json,
                            size_t json_len);
struct sim_obj *sim_obj_ref(struct sim_obj *o);
/* Drop a reference; frees on the last one. Accepts NULL. */
void sim_obj_unref(struct sim_obj *o);

enum sim_change_type { SIM_ADDED, SIM_MODIFIED, SIM_DELETED };
const char *sim_change_type_name(enum sim_change_type t);

struct sim_change {
    uint8_t type;         /* enum sim_change_type */
    struct sim_obj *obj;  /* owned reference; obj->rv is the change's rv */
    struct sim_obj *prev; /* owned reference to the version it replaced; NULL for ADDED */
};

struct sim_objvec {
    struct sim_obj **v; /* owned references, sorted by namespace then name */
    size_t count, cap;
};

struct sim_store {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* broadcast on every change and on shutdown */
    uint64_t rv;         /* last resourceVersion issued */
    uint64_t compact_rv; /* resourceVersions below this are expired */
    uint64_t lost_rv;    /* newest rv of a change dropped from the history */
    struct sim_objvec objs[SIM_KIND__COUNT];
    struct sim_change *ring; /* history, oldest at ring_head */
    size_t ring_cap, ring_head, ring_count;
    bool is_shutdown;
};

/* Embedded store; ring_cap is the history length in changes (> 0). */
void sim_store_init(struct sim_store *st, size_t ring_cap);
void sim_store_done(struct sim_store *st);

/* The following require st->mu held. */
uint64_t sim_store_next_rv(struct sim_store *st);
/* Index of the first object whose key is > (ns, name) (or >= when inclusive). */
size_t sim_store_lower_bound(const struct sim_store *st, enum sim_kind k, const char *ns,
                             const char *name, bool inclusive);
/* Borrowed object with this key, or NULL. */
struct sim_obj *sim_store_find(const struct sim_store *st, enum sim_kind k, const char *ns,
                               const char *name);
/* Insert or replace (takes ownership of obj) and record the change; broadcasts.
 * Initial objects are loaded with record=false. */
void sim_store_put(struct sim_store *st, struct sim_obj *obj, bool record);
/* Bulk loading before serving: append without ordering or history, then sort
 * every kind once (keys must be unique). */
void sim_store_load(struct sim_store *st, struct sim_obj *obj);
void sim_store_sort(struct sim_store *st);
/* Remove the object with obj's key, record DELETED with obj (takes ownership). */
void sim_store_delete(struct sim_store *st, struct sim_obj *obj);
/* Forget the history: every rv issued so far becomes expired. */
void sim_store_compact(struct sim_store *st);
/* Is a new watch or continue token at rv expired? */
bool sim_store_rv_expired(const struct sim_store *st, uint64_t rv);
/* Has a live watch that has seen everything up to rv missed a dropped change? */
bool sim_store_watch_lost(const struct sim_store *st, uint64_t rv);
/* Order of two objects by namespace, then name. */
int sim_obj_key_cmp(const struct sim_obj *a, const struct sim_obj *b);

/* A key of a kind changed after some rv, and its version as of that rv. */
struct sim_touched {
    const struct sim_obj *key; /* borrowed: any version with this key */
    struct sim_obj *at_rv;     /* borrowed: the version at rv, NULL when absent then */
    uint64_t first_rv;         /* first change after rv */
};
/* Keys of kind k changed after rv (rv must not be expired), sorted by key, into a
 * new array (*out, caller frees; pointers borrowed from the ring, valid while st->mu
 * is held). Returns the count. */
size_t sim_store_touched_since(const struct sim_store *st, enum sim_kind k, uint64_t rv,
                               struct sim_touched **out);
/* Borrowed i-th change of the ring, 0 = oldest. */
const struct sim_change *sim_store_change_at(const struct sim_store *st, size_t i);

#endif
