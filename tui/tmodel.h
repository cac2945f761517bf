/*
 * tmodel: what the panes read — one immutable snapshot from the worker plus
 * everything derived from it once per refresh (pod rows with declared/blocked
 * status, node rows, findings, header counts), and the agent data (actual
 * labels, per-node profiles, denials), which is empty until core grows an
 * agent client: panes show "no agent data" / "—" from it honestly.
 *
 * Built and owned by the screen manager (tmodel_build/tmodel_free); panes
 * get a const pointer in recalc and must not keep pointers into it past the
 * next recalc. No curses, no network.
 */
#ifndef ARMORTOP_TUI_TMODEL_H
#define ARMORTOP_TUI_TMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "model.h"
#include "views.h"

/* Agent data: per-node profile inventory, container labels, denials. Empty
 * (has_data false, counts 0) until core has an agent client. */
struct agent_profile {
    const char *name;
    const char *mode; /* "enforce", "complain" */
    const char *hash;
    size_t node_count; /* nodes that have it loaded */
};

struct agent_denial {
    int64_t time;
    const char *node, *profile, *operation, *name, *denied, *comm;
    const char *ns, *pod, *container; /* may be NULL */
    int pid;
};

struct agent_data {
    bool has_data;
    size_t agents_up;      /* nodes whose agent answered */
    struct agent_profile *profiles;
    size_t profile_count;
    struct agent_denial *denials;
    size_t denial_count;
};

struct tmodel_counts {
    size_t pods, containers;
    size_t confined, unconfined, complain, blocked, na; /* pods, by worst container */
    size_t nodes, nodes_ready;
};

struct tmodel {
    struct kube_snapshot *snap; /* owned */
    struct pod_row *pod_rows;   /* owned (pod_rows_free) */
    size_t pod_row_count;
    struct node_row *node_rows; /* owned */
    size_t node_row_count;
    struct finding_list *findings; /* owned */
    struct agent_data agent;       /* empty for now */
    struct tmodel_counts counts;
    const char *ns;   /* namespace shown, NULL = all (borrowed from the screen) */
    int64_t now;      /* unix seconds used for ages (ARMORTOP_NOW pins it) */
    unsigned generation; /* bumps on every new snapshot */
};

/* Take ownership of snap and derive everything. ns borrowed. */
void tmodel_build(struct tmodel *m, struct kube_snapshot *snap, const char *ns, int64_t now);
/* Free what the model owns and zero it (generation kept). */
void tmodel_free(struct tmodel *m);

/* Short age "42s", "5m", "3h", "12d" of then relative to now; "-" when then is 0. */
const char *tmodel_age(int64_t now, int64_t then, char *buf, size_t len);

/* Theme element (enum theme_element) of a container status. */
int tmodel_status_te(enum aa_status st);

#endif
