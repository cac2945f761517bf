/*
 * table: the row buffer every list pane fills in recalc and draws from.
 * A table is a fixed column set (titles, width policy, alignment), rows of
 * cells {text, theme element}, a per-row model reference and selection key,
 * and a "view": the filtered, sorted order of row indices that the pane
 * shows. Texts are either borrowed (from the snapshot, which outlives the
 * table's contents) or copied into the table's chunked arena, so building a
 * table does one allocation per 64 KiB of text, not one per cell.
 *
 * Pure: no curses (tests/unit/test_filter.c and test_layout.c use it
 * directly). Ownership: the table owns its arena, cells, rows and view.
 */
#ifndef ARMORTOP_TUI_TABLE_H
#define ARMORTOP_TUI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "filter.h"

struct tcol {
    const char *title;
    int min_w;       /* never narrower than this (the title's width if larger) */
    int max_w;       /* natural width is capped here; 0 = no cap */
    bool is_right;   /* right-aligned */
    bool is_numeric; /* sort as a number */
    bool is_flex;    /* takes the spare width */
    bool is_shrink_first; /* given up first (down to min_w) when space is short */
    int drop;        /* 0: always shown; else hidden when space is short, highest first */
};

struct tcell {
    const char *text; /* never NULL after table_finish() */
    unsigned char te; /* enum theme_element */
};

struct trow {
    const void *ref;  /* model object (borrowed), may be NULL */
    const char *key;  /* selection key (arena copy), may be NULL */
    const char *hay;  /* lower-cased cells joined by '\t' (arena), built by table_finish */
    unsigned char te; /* row-wide element (TE_NORMAL unless set) */
};

struct arena_block;

struct table {
    const struct tcol *cols;
    int ncols;
    struct tcell *cells; /* nrows * ncols */
    struct trow *rows;
    size_t nrows, cap;
    struct arena_block *arena;
    int *nat_w;          /* natural width per column, after table_finish */
    uint32_t *view;      /* indices into rows, filtered and sorted */
    size_t nview;
    size_t view_cap;
};

void table_init(struct table *t, const struct tcol *cols, int ncols);
void table_done(struct table *t);
/* Drop all rows and text (keeps the column set and capacity). */
void table_clear(struct table *t);

/* Append a row; key is copied (may be NULL), ref borrowed. Returns its index. */
size_t table_add_row(struct table *t, const void *ref, const char *key);
/* Set a cell: text borrowed (must outlive the table's contents), NULL = "". */
void table_set(struct table *t, size_t row, int col, const char *text, int te);
/* Set a cell to a copy of text. */
void table_set_copy(struct table *t, size_t row, int col, const char *text, int te);
/* Set a cell to formatted text (copied). */
void table_setf(struct table *t, size_t row, int col, int te, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void table_set_row_te(struct table *t, size_t row, int te);
/* Copy a string into the arena (valid until table_clear/done). */
const char *table_strdup(struct table *t, const char *s);

/* Finish after the last row: natural widths and haystacks. */
void table_finish(struct table *t);

/* Rebuild the view: rows matching f (NULL = all), sorted by column sort_col
 * (-1 = build order), descending when is_desc. When is_narrow, only rows
 * already in the view are considered (the filter got stricter). */
void table_apply(struct table *t, const struct filter *f, int sort_col, bool is_desc,
                 bool is_narrow);

const struct tcell *table_cell(const struct table *t, size_t row, int col);
/* Position in the view of the row with key, or -1. */
long table_find_key(const struct table *t, const char *key);

/* Fit the columns into avail columns (1 blank between columns): widths into
 * out[ncols]. In order, until it fits: shrink-first columns to their minimum;
 * the widest columns down to a comfortable 16; hide droppable columns (highest
 * drop first, starting over from natural widths); the widest down to their
 * minimum; hide columns from the right. Spare width goes to the flex column.
 * Hidden columns get 0. Returns the total width used. Pure. */
int table_fit_widths(const struct table *t, int avail, int *out);

#endif
