/*
 * pane_lines: the body of the text drill-downs (profile, denial, results):
 * labelled lines {label, text} word-wrapped to the pane's width, one table
 * row each, keyed by line number so the view scrolls but never reorders.
 * Pure: no curses.
 */
#ifndef ARMORTOP_TUI_PANE_LINES_H
#define ARMORTOP_TUI_PANE_LINES_H

#include <stddef.h>

#include "pane.h"

/* Columns and header-less set-up for a text pane. */
void plines_init(struct pane *p);
/* Append a labelled line (wrapped to p->width_hint); *n counts lines. */
void plines_add(struct pane *p, size_t *n, const char *label, int label_te, const char *text,
                int te);
/* The same, unwrapped (source text: one row per line, cut by the table). */
void plines_add1(struct pane *p, size_t *n, const char *label, int label_te, const char *text,
                 int te);

#endif
