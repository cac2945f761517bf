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
 *    "actual": null (no agent data yet), "status": "ok"|...|"n/a",
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
};

/* Nodes sorted by name, with pod counts (pods of opts->ns only when set).
 * *rows owned (NULL when *count is 0), free with free(). Returns 0. */
int node_rows_build(const struct kube_snapshot *snap, const struct view_opts *opts,
                    struct node_row **rows, size_t *count);

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
