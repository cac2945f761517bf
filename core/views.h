/*
 * views: the row models of armortop's views (nodes, pods, profiles, denials,
 * findings) built from a snapshot, and their headless renderings as aligned
 * text tables or JSON (`armortop --once VIEW [-o table|json]`). The TUI panes
 * reuse the row builders; the renderers only produce text in a strbuf — the
 * caller prints it.
 *
 * Depends on libc, model.h, confinement.h, findings.h and strbuf/kerr. Must not
 * print, include curses or touch the network. Rows borrow from the snapshot:
 * they are valid until the snapshot is freed.
 *
 * JSON of the pods view (one array, one object per container of every kind):
 *   {"namespace", "pod", "container", "kind": "container"|"init"|"ephemeral",
 *    "node": string|null, "privileged": bool,
 *    "declared": {"type": "RuntimeDefault"|"Localhost"|"Unconfined"|null,
 *                 "profile": string|null, "source": "container"|"annotation"|"pod"|"unset",
 *                 "invalid": string            (only when an invalid value was seen),
 *                 "raw": string|null          (that value as written; with "invalid")},
 *    "actual": null (no agent data for this container) |
 *              {"label": string|null (profile part), "mode": string|null, "pid": int|null,
 *               "raw": string|null (the label as the kernel shows it)},
 *    "status": "ok"|...|"n/a",
 *    "blocked": {"profile": string|null, "reason": string|null, "message": string|null}
 *                                               (only for blocked rows)}
 * Invalid values, decided for operators and the simulator's expectations:
 *  - an invalid value *in effect* (container or pod field whose type is not
 *    RuntimeDefault/Localhost/Unconfined) gives "type": null, "profile": null and
 *    the real "source" ("container" or "pod"): source != "unset" with a null type
 *    means "set, but to something invalid"; "invalid" says why and "raw" holds
 *    the type as written ("Bogus"). "type" stays within its enum so scripts that
 *    switch on it keep working (the simulator's expect annotation for this case
 *    is "<raw>|null|<source>": compare it with raw when type is null);
 *  - a Localhost field without localhostProfile gives "type": "Localhost",
 *    "profile": null (what GetProfile returns); the annotation `localhost/` gives
 *    "type": "Localhost", "profile": "" (an empty name); both plus "invalid";
 *  - an invalid annotation value is ignored by the kubelet: type/profile/source
 *    are what the kubelet resolves after it (pod field or unset), plus "invalid".
 * Windows pods: type null, profile null, source "unset", status "n/a".
 *
 * JSON of the nodes view: {"name", "ready", "kubelet", "runtime", "kernel",
 *   "os_image", "internal_ip", "pods",
 *   "agent": null (agents not polled) | {"state": "none"|"ok"|"stale"|"unreachable"|
 *            "unauthorized", "error": string|null, "fetched_at": unix s|null,
 *            "age_s": int|null, "endpoint": string|null, "version": string|null,
 *            "revision": int|null, "restarts": int, "note": string|null},
 *   "apparmor": null (no agent data) | {"enabled": bool (agent_node_is_aa_effective),
 *               "kernel_reports_enabled": bool, "reason": string|null},
 *   "profiles": null | {"total", "enforce", "complain"}, "drift": int|null,
 *   "unconfined": int|null, "denials": int|null}
 *
 * JSON of the profiles view: {"name", "namespace": string|null, "modes": [string],
 *   "nodes_loaded", "nodes_total", "missing_on": [node], "hash": "agree"|"N variants"|null,
 *   "hash_variants", "pods", "containers", "denials",
 *   "drift": [string] ("missing", "mode", "hash"), "note": string|null}
 *
 * JSON of the findings view: {"severity", "kind", "namespace", "pod", "container",
 *   "node", "profile", "message"} (strings may be null), plus for kind
 *   "profile-drift": "drift": "missing"|"mode"|"hash" and "nodes": [node] (the
 *   nodes lacking the profile / with the odd mode or hash; "node" is set when
 *   there is exactly one).
 *
 * JSON of the denials view (newest first): {"node", "time": ISO-8601 UTC|null,
 *   "cursor", "event", "profile", "operation", "class", "name", "target",
 *   "requested_mask", "denied_mask", "pid": int|null, "comm", "namespace",
 *   "pod", "container" (null when not attributed), "pod_uid", "container_id",
 *   "label", "attributed_by", "aa_namespace", "info"} (strings may be null)
 */
#ifndef ARMORTOP_CORE_VIEWS_H
#define ARMORTOP_CORE_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "confinement.h"
#include "findings.h"
#include "kerr.h"
#include "model.h"
#include "strbuf.h"

#define VIEW_LIST(_)                                                                               \
    _(VIEW_NODES, "nodes")                                                                         \
    _(VIEW_PODS, "pods")                                                                           \
    _(VIEW_PROFILES, "profiles")                                                                   \
    _(VIEW_DENIALS, "denials")                                                                     \
    _(VIEW_FINDINGS, "findings")

#define VIEW_ENUM_(id, name) id,
enum view_id { VIEW_LIST(VIEW_ENUM_) VIEW__COUNT };
#undef VIEW_ENUM_

/* Parse a view name ("pods", ...; exact, lower case). 0, or KERR_INVAL (negative)
 * for NULL or an unknown name (*out unchanged). */
int view_parse(const char *name, enum view_id *out);
/* Static name of a view; "unknown" for an out-of-range id. */
const char *view_name(enum view_id id);

struct view_opts {
    const char *ns; /* NULL = all namespaces (borrowed) */
    int64_t now;    /* unix seconds, for ages */
    int width;      /* table width hint in columns, 0 = natural (no truncation) */
    /* Agent data (borrowed, may be NULL = agents not polled: actual is null,
     * status unknown, profiles/denials print "no agent data", no agent
     * findings). Nodes missing from it are "no agent". */
    const struct agent_fleet *agents;
};

/* "container", "init", "ephemeral". Static. */
const char *view_kind_name(enum kube_ctr_kind kind);

/* ---- pods ------------------------------------------------------------------- */

struct pod_row {
    const struct kube_pod *pod;       /* borrowed from the snapshot */
    const struct kube_container *ctr; /* borrowed from the snapshot */
    struct aa_declared declared;      /* pointers borrowed from the snapshot */
    struct aa_blocked *blocked;       /* owned by the row array; NULL unless blocked */
    enum aa_status status;
    /* agent data (opts->agents): the pod's node entry (NULL: no agent data at
     * all, or the node has none), and this container's entry in the node's
     * /v1/containers matched by container ID (NULL when not found or no data) */
    const struct agent_node *agent;
    const struct agent_node_container *actual;
};

/* One row per container of every kind of every pod in snap (only namespace
 * opts->ns when set; opts may be NULL), sorted by namespace, pod name, then
 * container kind (containers, init, ephemeral) and spec order. *rows is an owned
 * array (NULL when *count is 0) to release with pod_rows_free(). No agent data
 * yet: status is n/a, blocked or unknown. Returns 0 (cannot fail but aborts on
 * out-of-memory through xalloc). */
int pod_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                   struct pod_row **rows, size_t *count);
/* Free rows from pod_rows_build (count as returned); sets *rows to NULL. NULL ok. */
void pod_rows_free(struct pod_row **rows, size_t count);

/* ---- nodes ------------------------------------------------------------------ */

struct node_row {
    const struct kube_node *node; /* borrowed */
    size_t pod_count;             /* pods in the snapshot scheduled on it */
    /* with opts->agents only (else NULL / 0): */
    const struct agent_node *agent; /* the node's agent entry, NULL = no agent */
    size_t enforce_count;           /* profiles loaded in enforce mode */
    size_t complain_count;          /* ... in complain mode */
    size_t drift_count;      /* profiles whose state here (absent, mode, hash) is not the
                              * most common one among nodes with agent data */
    size_t unconfined_count; /* containers here that run unconfined (agent's label) */
    uint64_t denial_count;   /* denial records received from this node */
};

/* Nodes sorted by name, with pod counts (pods of opts->ns only when set) and,
 * with opts->agents, the agent columns.
 * *rows owned (NULL when *count is 0), free with free(). Returns 0. */
int node_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                    struct node_row **rows, size_t *count);

/* ---- profiles (agent data) --------------------------------------------------- */

/* One AppArmor profile cluster-wide: loaded on some node, or declared
 * (Localhost) by a pod of the selected namespaces. */
struct profile_row {
    const char *name;       /* borrowed from the fleet or the snapshot */
    const char *ns;         /* AppArmor policy namespace, NULL = root (borrowed) */
    size_t node_total;      /* nodes with agent data */
    size_t loaded_count;    /* of those, nodes that have it loaded */
    size_t enforce_count;   /* nodes loading it in enforce / complain / another mode */
    size_t complain_count;
    size_t other_mode_count;
    size_t hash_variants;   /* distinct hashes among the nodes that have it (0: no hash) */
    size_t container_count; /* containers declaring it (Localhost) */
    size_t pod_count;       /* pods with such a container */
    uint64_t denial_count;  /* records in the fleet's ring naming it */
    bool is_missing_somewhere; /* loaded on some nodes with data, not all */
    bool is_mode_drift;        /* loaded in different modes */
    bool is_hash_drift;        /* loaded with different hashes */
    const char **missing_nodes; /* owned array of borrowed names: nodes with data lacking it
                                 * (only when loaded somewhere, or declared by a pod there) */
    size_t missing_count;
    /* nodes whose mode / hash differs from the most common one among the nodes
     * that have it (ties: the value of the first such node by name); owned
     * arrays of borrowed names, NULL when no drift of that kind */
    const char **mode_odd_nodes;
    size_t mode_odd_count;
    const char **hash_odd_nodes;
    size_t hash_odd_count;
    char *modes;            /* owned: "enforce", "enforce,complain", "-" when not loaded */
    char *drift;            /* owned human note, NULL when no drift */
};

/* Rows sorted by namespace (root first) then name. Without opts->agents only
 * the declared profiles appear (node_total 0). *rows owned; free with
 * profile_rows_free(rows, count). Returns 0. */
int profile_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                       struct profile_row **rows, size_t *count);
void profile_rows_free(struct profile_row **rows, size_t count);

/* ---- denials (agent data) ---------------------------------------------------- */

struct denial_row {
    const struct agent_denial_record *rec; /* borrowed from opts->agents */
    const struct kube_pod *pod;             /* by the record's pod UID, may be NULL */
    const struct kube_container *ctr;       /* by its container ID, may be NULL */
};

/* The fleet's denial records, newest first (by record time; arrival order
 * breaks ties); with opts->ns only those
 * attributed to pods of that namespace. *rows owned (free()). Returns 0. */
int denial_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                      struct denial_row **rows, size_t *count);

/* ---- rendering -------------------------------------------------------------- */

/* Append the view as JSON (one array, ending in a newline) to out. snap and out
 * are borrowed. Profiles and denials need agent data: "[]". Returns 0, or
 * KERR_INVAL for a bad view id (err filled). Implemented in json_views.c. */
int view_render_json(enum view_id view, const struct kube_snapshot *snap,
                     const struct view_opts *opts, struct strbuf *out, struct kerr *err);

/* Append the view as an aligned text table (header line, one line per row, each
 * ending in '\n'; columns separated by two spaces; no trailing blanks) to out.
 * With opts->width > 0 every line fits in that many columns: wide columns are
 * shrunk and cells cut with '~', never inside a UTF-8 sequence. Profiles and
 * denials print "no agent data". Returns 0, or KERR_INVAL for a bad view id. */
int view_render_table(enum view_id view, const struct kube_snapshot *snap,
                      const struct view_opts *opts, struct strbuf *out, struct kerr *err);

/* Display width of a UTF-8 string in columns (one per code point; East Asian
 * wide and fullwidth code points count two, combining marks zero). */
size_t view_str_width(const char *s);

#endif
