/*
 * pane: a view in the body of the screen, as a struct plus a const ops table
 * (htop/tig style). The framework (pane.c) owns the row buffer, filter, sort
 * and selection common to every list; a pane's ops supply:
 *   - name, priv_size: the framework allocates the private state;
 *   - init(arg): optional, reads the drill-down request that created it;
 *   - recalc(model): pure — fills p->table with cells {text, element} from
 *     the model, sets the title and the empty-state text; no curses;
 *   - draw: optional; NULL uses the generic table drawing (pane_draw.c);
 *   - on_action: pane-specific actions; returns R_* flags, or R_UNHANDLED so
 *     the generic list handling (move, page, sort) applies;
 *   - done: optional, frees what priv owns.
 * Panes never call each other: to drill down they fill p->req and return
 * R_PUSH; to jump to another view, R_SWITCH. The screen manager acts on it.
 */
#ifndef ARMORTOP_TUI_PANE_H
#define ARMORTOP_TUI_PANE_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"
#include "filter.h"
#include "table.h"
#include "tmodel.h"

/* Handler result flags. */
enum {
    R_NONE = 0,
    R_REDRAW = 1 << 0,   /* repaint */
    R_RECALC = 1 << 1,   /* rebuild rows (filter/sort/data changed) */
    R_REFETCH = 1 << 2,  /* ask the worker for fresh data now */
    R_QUIT = 1 << 3,
    R_PUSH = 1 << 4,     /* push the pane described in p->req */
    R_POP = 1 << 5,      /* back to the parent pane */
    R_SWITCH = 1 << 6,   /* switch to top-level view p->req.view */
    R_UNHANDLED = 1 << 7,
    R_TARGET = 1 << 8,   /* p->req names the profile (and node) of a profile action */
};

enum pane_kind { PANE_PODS, PANE_NODES, PANE_PROFILES, PANE_DENIALS, PANE_FINDINGS, PANE_DETAIL,
                 PANE_HELP, PANE_PROFILE, PANE_DENIAL, PANE_RESULTS, PANE_NODE };

/* A drill-down or jump request (strings empty when unused). */
struct pane_req {
    enum pane_kind kind;
    char ns[128];
    char pod[256];
    char container[128];
    char node[256];
    char filter[256];  /* initial filter of the target pane */
    char profile[256]; /* profile details / the target of a profile action */
    char group[768];   /* denial details: the group key (profile\toperation\tname) */
    bool is_raw;       /* denial details: one record (group holds its key) */
};

struct pane;
struct draw_target; /* defined in draw.h (curses) */

struct pane_ops {
    const char *name;
    size_t priv_size;
    void (*init)(struct pane *p, const struct pane_req *arg);
    void (*recalc)(struct pane *p, const struct tmodel *m);
    void (*draw)(struct pane *p, struct draw_target *d);
    unsigned (*on_action)(struct pane *p, enum action_id act, const struct tmodel *m);
    void (*done)(struct pane *p);
    bool is_width_dependent; /* recalc wraps text to width_hint: redo it on resize */
    /* recalc reads only the model, priv (plain data, no pointers; init fills
     * it from the request) and of m->extra only is_utf8/is_paused: its rows
     * may be built on the refresh
     * worker's thread from a pane_spec (the big lists, so a new snapshot never
     * stalls the keyboard) */
    bool is_prebuildable;
};

struct pane {
    const struct pane_ops *ops;
    unsigned long id;      /* unique per pane_new, 0 for a worker-built shadow */
    void *priv;
    struct table table;
    struct filter filter;
    int sort_col;          /* -1 = natural order */
    bool is_sort_desc;
    bool has_column_header;
    size_t sel;            /* position in table.view */
    size_t top;            /* first visible view position */
    char *sel_key;         /* key of the selected row, owned, may be NULL */
    int page_rows;         /* data rows visible at the last draw */
    int width_hint;        /* body width in columns (for panes that wrap text) */
    unsigned model_gen;    /* model generation of the last recalc */
    char title[640];
    char empty[512];       /* text when there are no rows */
    struct pane_req req;   /* for R_PUSH / R_SWITCH */
    char msg[256];         /* a message for the status line, "" none */
    char clip[1200];       /* what `y` copies (the suggested rule), "" none */
};

/* Create a pane (owned; free with pane_free). arg may be NULL. */
struct pane *pane_new(const struct pane_ops *ops, const struct pane_req *arg);
void pane_free(struct pane **p);

/* Rebuild rows from the model (recalc), re-apply filter and sort, and keep
 * the selection on the same key. Pure. */
void pane_refresh(struct pane *p, const struct tmodel *m);
/* Re-apply filter/sort only (is_narrow: the filter only got stricter). */
void pane_reapply(struct pane *p, bool is_narrow);
/* Set the filter text (live, as typed); returns 0 or -1 (bad regex, p->msg). */
int pane_set_filter(struct pane *p, const char *text);
/* Generic list actions: move, page, first/last, sort. R_UNHANDLED otherwise. */
unsigned pane_list_action(struct pane *p, enum action_id act);
/* Sort by the column whose title starts with name (case-insensitive; a
 * leading '-' sorts descending; "" or "none" = natural order). Returns 0, or
 * -1 when no column matches. */
int pane_sort_by(struct pane *p, const char *name);
/* Select view position pos (clamped) and remember its key. */
void pane_select(struct pane *p, long pos);
/* The model reference of the selected row, or NULL. */
const void *pane_selected_ref(const struct pane *p);

/* What a pane's rows are built from, as plain data that can cross to the
 * refresh worker: the worker builds a shadow pane from it over the new model
 * (pane_from_spec + pane_refresh) and the screen adopts the finished table
 * (pane_adopt). Compare with pane_spec_equal (memcmp-safe: always zeroed
 * before filling). */
#define PANE_SPEC_PRIV_MAX 1024
struct pane_spec {
    unsigned long id;           /* the live pane; 0 = none (nothing to build) */
    const struct pane_ops *ops;
    struct pane_req req;
    unsigned char priv[PANE_SPEC_PRIV_MAX];
    int width_hint;
    bool is_utf8, is_paused;    /* the m->extra bits recalc may read */
    char filter[512];           /* the filter text ("" none; a longer one is cut, which
                                 * only makes pane_adopt re-apply it) */
    int sort_col;
    bool is_sort_desc;
};

/* Describe p into *out (zeroed first). Returns false (out->id 0, only the
 * extra bits set) when p's rows cannot be built off the UI thread
 * (!ops->is_prebuildable). */
bool pane_spec_of(const struct pane *p, bool is_utf8, bool is_paused, struct pane_spec *out);
bool pane_spec_equal(const struct pane_spec *a, const struct pane_spec *b);
/* A shadow pane (owned, id 0) configured as spec says, with no rows yet:
 * the worker then calls pane_refresh(shadow, model). Pure, any thread. */
struct pane *pane_from_spec(const struct pane_spec *spec);
/* Take the rows shadow built from spec over the model of generation gen
 * into p (is_utf8, is_paused: the screen's state now); their tables are
 * swapped, so freeing shadow frees p's old rows. Only when p is still what
 * spec describes (same ops, priv, extra bits and, for
 * width-dependent panes, width); then p's own filter, sort and selected row
 * (by key) carry over, re-applied only if they changed since spec was
 * taken. Returns false (p untouched) otherwise: refresh it yourself. */
bool pane_adopt(struct pane *p, struct pane *shadow, const struct pane_spec *spec,
                bool is_utf8, bool is_paused, unsigned gen);

/* The pane types. */
extern const struct pane_ops pane_pods_ops;
extern const struct pane_ops pane_nodes_ops;
extern const struct pane_ops pane_profiles_ops;
extern const struct pane_ops pane_denials_ops;
extern const struct pane_ops pane_findings_ops;
extern const struct pane_ops pane_detail_ops;
extern const struct pane_ops pane_help_ops;
extern const struct pane_ops pane_profile_ops;
extern const struct pane_ops pane_denial_ops;
extern const struct pane_ops pane_results_ops;
extern const struct pane_ops pane_node_ops;

const struct pane_ops *pane_ops_of(enum pane_kind kind);

#endif
