/*
 * tmodel: what the panes read — one immutable snapshot from the worker plus
 * everything derived from it once per refresh (pod rows with declared/blocked
 * status, node rows, findings, header counts), and the agent data (actual
 * labels, per-node profiles, denials), which is empty until core grows an
 * agent client: panes show "no agent data" / "—" from it honestly.
 *
 * Built by the refresh worker on its thread (tmodel_build into a fresh,
 * zeroed model) and handed whole to the screen manager, which swaps it in
 * and owns it (tmodel_free; the old one goes back to the worker to be
 * freed). Panes get a const pointer in recalc and must not keep pointers
 * into it past the next recalc. No curses, no network.
 */
#ifndef ARMORTOP_TUI_TMODEL_H
#define ARMORTOP_TUI_TMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "model.h"
#include "views.h"

/* What the screen keeps across refreshes and lends to the panes (borrowed
 * by the model; owned by the screen): profile source texts fetched from the
 * agents, the results of the last profile action, the denial stream's pause. */
struct tsource {
    char *name;   /* profile */
    char *node;   /* where it was read */
    char *text;   /* source text, NULL = the agent keeps none */
    char *error;  /* why it could not be read, may be NULL */
};

struct taction_line {
    char *node;
    bool is_ok;
    char *text; /* "ok", "HTTP 400: apparmor_parser rejected the profile", ... */
    char *diagnostics; /* parser diagnostics, may be NULL */
    long line;         /* line the parser complains about, -1 unknown */
};

struct taction_result {
    char *title;        /* "unload k8s-nginx from 3 nodes" */
    char **plan;        /* what will happen, before the answer (pods that become unconfined) */
    size_t plan_count;
    bool is_asked;      /* waiting for y/n */
    bool is_sent;       /* sent to the agents; lines fill in as they answer */
    bool is_done;       /* all nodes answered */
    bool has_conflict;  /* some node answered 409 (in use): force is possible */
    struct taction_line *lines;
    size_t count;
};

struct tui_extra {
    struct tsource *sources;
    size_t source_count;
    struct taction_result action; /* the last one; title NULL = none yet */
    bool is_paused;               /* the denial stream is frozen */
    bool is_utf8;                 /* the terminal shows UTF-8 (sparklines) */
};

/* Find the cached source of a profile; NULL when none. */
const struct tsource *tui_extra_source(const struct tui_extra *x, const char *name);

#define TMODEL_SPARK_N 10 /* denials/5m sparkline buckets (30 s each) */

struct tmodel_counts {
    size_t pods, containers;
    size_t confined, unconfined, complain, blocked, na; /* pods, by worst container */
    size_t mismatch;    /* pods with a container whose actual differs (agents) */
    size_t nodes, nodes_ready;
    size_t agents_up, agents_total; /* nodes whose agent answered / nodes (agents) */
    size_t profiles;                /* distinct profiles (agents: loaded anywhere) */
    uint64_t denials_5m;            /* denial records in the last 5 minutes */
    unsigned spark[TMODEL_SPARK_N]; /* the same, per 30 s, oldest first */
};

struct tmodel {
    struct kube_snapshot *snap; /* owned */
    struct pod_row *pod_rows;   /* owned (pod_rows_free) */
    size_t pod_row_count;
    struct node_row *node_rows; /* owned */
    size_t node_row_count;
    struct finding_list *findings; /* owned */
    struct agent_fleet *fleet;     /* owned, NULL = agents not deployed / not polled */
    const struct agent_fleet *denial_fleet; /* where denials come from: fleet, or a frozen
                                             * copy while paused (borrowed) */
    struct agent_fleet *frozen; /* owned, may be NULL: the worker's copy of the paused
                                 * denials, which denial_fleet borrows in a model built
                                 * off the UI thread (the screen's copy may go meanwhile) */
    struct profile_row *profile_rows; /* owned (profile_rows_free) */
    size_t profile_row_count;
    struct denial_row *denial_rows;   /* owned, newest first */
    size_t denial_row_count;
    const struct tui_extra *extra;    /* borrowed from the screen, may be NULL */
    struct tmodel_counts counts;
    const char *ns;   /* namespace shown, NULL = all (borrowed from the screen) */
    int64_t now;      /* unix seconds used for ages (ARMORTOP_NOW pins it) */
    unsigned generation; /* bumps on every new snapshot */
};

/* Take ownership of snap and fleet (may be NULL) and derive everything. ns
 * borrowed. denial_fleet (borrowed, may be NULL = fleet) is where the denial
 * rows come from (a frozen copy while the stream is paused). */
void tmodel_build(struct tmodel *m, struct kube_snapshot *snap, struct agent_fleet *fleet,
                  const struct agent_fleet *denial_fleet, const char *ns, int64_t now);
/* Rebuild only the denial rows and counts from another denial fleet (pause / resume). */
void tmodel_set_denial_fleet(struct tmodel *m, const struct agent_fleet *denial_fleet);

/* A sparkline of n values into buf: UTF-8 blocks, or ASCII " .:-=+*#" when
 * !is_utf8. Empty values show the lowest glyph. */
const char *tmodel_sparkline(const unsigned *v, size_t n, bool is_utf8, char *buf, size_t len);

/* Free what the model owns and zero it (generation kept). */
void tmodel_free(struct tmodel *m);

/* Short age "42s", "5m", "3h", "12d" of then relative to now; "-" when then is 0. */
const char *tmodel_age(int64_t now, int64_t then, char *buf, size_t len);

/* Theme element (enum theme_element) of a container status. */
int tmodel_status_te(enum aa_status st);

#endif
