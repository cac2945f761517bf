/*
 * confinement: the kubelet's AppArmor semantics over the model. It resolves the
 * profile a container declares (kubelet GetProfile order: container field,
 * deprecated annotation, pod field, else the runtime's choice), detects
 * containers blocked because their profile is not loaded on the node (container
 * status, legacy pod rejection, Warning events), and computes the container
 * status (ok, mismatch, unconfined, complain, blocked, unknown, n/a).
 *
 * Depends only on libc and model.h. Pure functions over borrowed snapshot data:
 * no allocation in the results (strings are borrowed from the pod/event or
 * static, or held in fixed buffers), no I/O, no printing.
 */
#ifndef ARMORTOP_CORE_CONFINEMENT_H
#define ARMORTOP_CORE_CONFINEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* Where the declared profile came from. */
#define AA_SOURCE_LIST(_)                                                                          \
    _(AA_SOURCE_UNSET, "unset")                                                                    \
    _(AA_SOURCE_CONTAINER, "container")                                                            \
    _(AA_SOURCE_ANNOTATION, "annotation")                                                          \
    _(AA_SOURCE_POD, "pod")

#define AA_SOURCE_ENUM_(id, name) id,
enum aa_source { AA_SOURCE_LIST(AA_SOURCE_ENUM_) AA_SOURCE__COUNT };
#undef AA_SOURCE_ENUM_

/* "unset", "container", "annotation", "pod". Static, never NULL. */
const char *aa_source_name(enum aa_source src);

/* "RuntimeDefault", "Localhost", "Unconfined" for those; NULL for AA_TYPE_UNSET
 * and AA_TYPE_INVALID (the JSON views print null). */
const char *aa_type_name(enum aa_type type);

struct aa_declared {
    bool is_applicable; /* false for Windows pods: nothing else is meaningful */
    enum aa_type type;  /* UNSET, RUNTIME_DEFAULT, LOCALHOST, UNCONFINED or INVALID */
    /* Localhost profile name, borrowed from the pod; "" for the annotation
     * `localhost/` (empty name), NULL for a Localhost field without
     * localhostProfile (both set invalid_reason); NULL for other types. */
    const char *profile;
    enum aa_source source;
    bool is_privileged; /* the container's securityContext.privileged */
    /* The first invalid value met while resolving (even when the kubelet ignored
     * it, e.g. an unknown annotation value), as a static explanation; NULL if none. */
    const char *invalid_reason;
    const char *invalid_raw; /* that value as written (borrowed), may be NULL */
    /* A valid annotation and the container's field are both set and disagree
     * (the API server rejects this on create since 1.30; can exist on older
     * pods or static pods). The field wins. */
    bool has_conflict;
    const char *annotation; /* the container's annotation value (borrowed), may be NULL */
};

/* Resolve the declared profile of ctr (which must belong to pod) into *out,
 * following the kubelet: 1) ctr->aa_field; 2) the annotation for ctr->name
 * (runtime/default, unconfined, localhost/<name>; any other value is ignored by
 * the kubelet and falls through, but recorded in invalid_reason); 3) the pod's
 * field; 4) unset. Windows pods: is_applicable = false, type UNSET. An invalid
 * field in effect gives type AA_TYPE_INVALID with its source, except a Localhost
 * field without a name, which gives LOCALHOST with profile NULL (as GetProfile
 * returns it).
 * All pointers in *out are borrowed from pod/ctr or static. Cannot fail. */
void aa_declared_resolve(const struct kube_pod *pod, const struct kube_container *ctr,
                         struct aa_declared *out);

/* Short human text of the declared profile into buf (always NUL-terminated):
 * "Localhost k8s-deny-write (pod)", "RuntimeDefault (container)",
 * "unset (runtime default)", "unset (privileged: unconfined)",
 * "invalid \"Foo\" (container)", "n/a". Returns buf. */
const char *aa_declared_format(const struct aa_declared *d, char *buf, size_t len);

/* ---- blocked containers ---------------------------------------------------- */

enum aa_block_cause {
    AA_BLOCK_NONE = 0,
    AA_BLOCK_STATUS,   /* Waiting CreateContainerError/CreateContainerConfigError, profile not found
                        */
    AA_BLOCK_REJECTED, /* pod phase Failed, reason AppArmor (kubelet admission, all containers) */
    AA_BLOCK_EVENT,    /* only a Warning event says so (container not running) */
};

struct aa_blocked {
    bool is_blocked;
    enum aa_block_cause cause;
    char profile[256];   /* the missing profile's name, "" when not stated */
    const char *reason;  /* "CreateContainerError", "AppArmor", "Failed" (borrowed), or NULL */
    const char *message; /* the status/pod/event message (borrowed), or NULL */
    /* the newest matching Warning event, also when the block came from the status */
    const struct kube_event *event; /* borrowed from the snapshot, may be NULL */
    int event_count;
    int64_t event_last_seen; /* unix seconds, 0 when no event */
};

/* Is ctr of pod blocked by AppArmor? Looks at the container's state, the pod's
 * phase/reason, and the Warning events in snap (snap may be NULL: no events)
 * about this pod (involvedObject namespace/name, uid when both have one) whose
 * fieldPath, when present, names this container (spec.containers{n},
 * spec.initContainers{n}, spec.ephemeralContainers{n}); without a fieldPath a
 * "profile not found X" event applies to the containers declaring Localhost X.
 * An event alone blocks only a container that is not running. Fills *out
 * (borrowed pointers into pod/snap). Linear in the events; for many pods use
 * aa_blocked_check_events() with a prefiltered list. Cannot fail. */
void aa_blocked_check(const struct kube_pod *pod, const struct kube_container *ctr,
                      const struct kube_snapshot *snap, struct aa_blocked *out);

/* Same, against an explicit list of events (borrowed pointers, may be NULL when
 * count is 0). */
void aa_blocked_check_events(const struct kube_pod *pod, const struct kube_container *ctr,
                             const struct kube_event *const *events, size_t count,
                             struct aa_blocked *out);

/* Does ev look like an AppArmor block (Warning; reason Failed with "apparmor
 * profile not found", or reason AppArmor)? For prefiltering events. */
bool aa_event_is_apparmor(const struct kube_event *ev);

/* Copy the profile name that follows "apparmor profile not found " (or the
 * legacy `profile "<name>" is not loaded`) in msg into buf (NUL-terminated).
 * Returns true when found. msg may be NULL. */
bool aa_extract_missing_profile(const char *msg, char *buf, size_t len);

/* ---- container status ------------------------------------------------------ */

#define AA_STATUS_LIST(_)                                                                          \
    _(AA_STATUS_OK, "ok", "actual confinement matches the declared profile")                       \
    _(AA_STATUS_MISMATCH, "mismatch", "actual confinement differs from declared")                  \
    _(AA_STATUS_UNCONFINED, "unconfined", "runs unconfined, as declared")                          \
    _(AA_STATUS_COMPLAIN, "complain", "its profile is in complain mode")                           \
    _(AA_STATUS_BLOCKED, "blocked", "its profile is not loaded on its node")                       \
    _(AA_STATUS_UNKNOWN, "unknown", "no agent data")                                               \
    _(AA_STATUS_NA, "n/a", "not applicable (Windows)")

#define AA_STATUS_ENUM_(id, name, help) id,
enum aa_status { AA_STATUS_LIST(AA_STATUS_ENUM_) AA_STATUS__COUNT };
#undef AA_STATUS_ENUM_

/* Static name ("ok", ..., "n/a") and help text; never NULL. */
const char *aa_status_name(enum aa_status st);
const char *aa_status_help(enum aa_status st);

/* What the kernel applied to the container's process, from an agent. */
struct aa_actual {
    const char *label; /* e.g. "k8s-deny-write", "a//&b" (stacked), "unconfined";
                        * a trailing " (enforce)" is accepted when mode is NULL */
    const char *mode;  /* "enforce", "complain", "kill", "unconfined", or NULL */
};

/* Status of a container: n/a (not applicable), blocked, unknown (actual NULL),
 * else compare actual with the declared profile: Localhost X is ok iff the
 * label is X (or a stack containing X) in enforce; RuntimeDefault and unset
 * non-privileged are ok iff the label is a runtime default profile
 * (cri-containerd.apparmor.d, crio-default, docker-default) in enforce;
 * declared Unconfined (or unset privileged) running unconfined → unconfined;
 * the expected profile in complain mode → complain; anything else → mismatch.
 * blocked may be NULL (not blocked). Cannot fail. */
enum aa_status aa_status_compute(const struct aa_declared *d, const struct aa_blocked *blocked,
                                 const struct aa_actual *actual);

#endif
