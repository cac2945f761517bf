/*
 * findings: cluster-wide problems derived from the model, most severe first.
 * Without agent data these are: containers blocked because their profile is
 * not loaded on their node (critical), invalid AppArmor values (warning),
 * containers declared Unconfined (warning), privileged containers with no
 * profile, which run unconfined (warning), and annotations that disagree with
 * the container's field (warning). Windows pods yield none. With agent data
 * (view_opts.agents): Localhost profiles not loaded on the pod's node and
 * declared≠actual (critical); profile drift across the nodes that have agent
 * data (missing on some, modes or hashes differ; one finding per profile),
 * complain mode in use, nodes with AppArmor disabled, nodes without an agent
 * (Windows nodes excepted) and unhealthy agents (warning).
 *
 * Depends on libc, model.h and confinement.h. Must not print or touch the
 * network.
 */
#ifndef ARMORTOP_CORE_FINDINGS_H
#define ARMORTOP_CORE_FINDINGS_H

#include <stddef.h>

#include "model.h"

#define FINDING_SEVERITY_LIST(_)                                                                   \
    _(FINDING_CRITICAL, "critical")                                                                \
    _(FINDING_WARNING, "warning")                                                                  \
    _(FINDING_INFO, "info")

#define FINDING_SEVERITY_ENUM_(id, name) id,
enum finding_severity { FINDING_SEVERITY_LIST(FINDING_SEVERITY_ENUM_) FINDING_SEVERITY__COUNT };
#undef FINDING_SEVERITY_ENUM_

#define FINDING_KIND_LIST(_)                                                                       \
    _(FINDING_PROFILE_NOT_LOADED, "profile-not-loaded",                                            \
      "container blocked: its profile is not loaded on its node")                                  \
    _(FINDING_INVALID_VALUE, "invalid-apparmor-value",                                             \
      "an AppArmor field or annotation has an invalid value")                                      \
    _(FINDING_DECLARED_UNCONFINED, "declared-unconfined", "the container is declared Unconfined")  \
    _(FINDING_PRIVILEGED_UNCONFINED, "privileged-unconfined",                                      \
      "privileged container without a profile runs unconfined")                                    \
    _(FINDING_ANNOTATION_CONFLICT, "annotation-field-conflict",                                    \
      "the deprecated annotation disagrees with the field")                                         \
    _(FINDING_PROFILE_MISSING, "profile-missing",                                                  \
      "a container's Localhost profile is not loaded on its node (agent inventory)")               \
    _(FINDING_MISMATCH, "confinement-mismatch",                                                    \
      "the kernel confines the container differently from what it declares")                       \
    _(FINDING_COMPLAIN_IN_USE, "complain-mode",                                                    \
      "a running container's profile is in complain mode: nothing is enforced")                    \
    _(FINDING_PROFILE_DRIFT, "profile-drift",                                                      \
      "a profile is loaded on some nodes only, or with different modes or hashes")                 \
    _(FINDING_APPARMOR_DISABLED, "apparmor-disabled", "AppArmor is disabled on a node")            \
    _(FINDING_AGENT_MISSING, "agent-missing", "no armortop-agent runs on a node")                  \
    _(FINDING_AGENT_UNHEALTHY, "agent-unhealthy",                                                  \
      "a node's agent is unreachable, refuses our credentials, or its data is stale")

#define FINDING_KIND_ENUM_(id, name, help) id,
enum finding_kind { FINDING_KIND_LIST(FINDING_KIND_ENUM_) FINDING_KIND__COUNT };
#undef FINDING_KIND_ENUM_

struct finding {
    enum finding_severity severity;
    enum finding_kind kind;
    const char *ns;        /* borrowed from the snapshot, may be NULL */
    const char *pod;       /* borrowed, may be NULL */
    const char *container; /* borrowed, may be NULL */
    const char *node;      /* borrowed (snapshot or opts->agents), may be NULL */
    char *profile;         /* owned, may be NULL */
    char *message;         /* owned, never NULL */
    /* profile-drift only: "missing", "mode" or "hash" (static), and the nodes
     * concerned (lacking it / with the odd mode or hash): owned array of
     * borrowed names; NULL/0 otherwise */
    const char *drift;
    const char **nodes;
    size_t node_count;
};

struct finding_list {
    struct finding *items; /* owned; NULL when count is 0 */
    size_t count;
    size_t cap;
};

/* Static names; "unknown" when out of range. */
const char *finding_severity_name(enum finding_severity sev);
const char *finding_kind_name(enum finding_kind kind);
const char *finding_kind_help(enum finding_kind kind);

struct view_opts;

/* Compute the findings of snap (pods of opts->ns only when opts and opts->ns are
 * set), sorted by severity, then namespace, pod, container. Returns an owned list
 * in *out (free with findings_free; borrowed strings point into snap and
 * opts->agents, which must outlive it). Returns 0 (cannot fail; aborts on out-of-memory via xalloc). */
int findings_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                   struct finding_list **out);
struct pod_row;
struct profile_row;
/* The same from pod rows (and profile rows, used with opts->agents) the caller
 * already built with the same snap and opts: a caller that shows them anyway
 * saves building them twice. rows/profile_rows borrowed; profile_rows NULL =
 * build them here when needed. Findings borrow strings from snap, not from rows. */
int findings_build_rows(const struct kube_snapshot *snap, const struct view_opts *opts,
                        const struct pod_row *rows, size_t count,
                        const struct profile_row *profile_rows, size_t profile_count,
                        struct finding_list **out);
void findings_free(struct finding_list **list);

#endif
