/*
 * draw: the dumb half of panes: turning a pane's row buffer into curses
 * cells, and small text helpers for the screen manager. Only files that draw
 * include this (it pulls in curses through tui/curses.h).
 */
#ifndef ARMORTOP_TUI_DRAW_H
#define ARMORTOP_TUI_DRAW_H

#include <stdbool.h>

#include "curses.h"
#include "layout.h"
#include "pane.h"

struct draw_target {
    WINDOW *win;
    struct rect r;
};

/* Draw s fitted to width columns at y,x in element te. */
void draw_str(WINDOW *w, int y, int x, int width, const char *s, int te, bool is_right);
/* Draw s as is at y,x clipped to width; returns the columns used. */
int draw_clip(WINDOW *w, int y, int x, int width, const char *s, int te);
/* Fill width columns with blanks (or the repeated UTF-8 character ch, 1 column). */
void draw_fill(WINDOW *w, int y, int x, int width, int te, const char *ch);

/* The generic drawing of a pane's table: column header, visible rows only,
 * selection, empty-state text. Keeps the selection in view (adjusts p->top)
 * and sets p->page_rows. */
void pane_draw_table(struct pane *p, struct draw_target *d);

/* The row of the body at screen line y, or -1 (for mouse clicks). */
long pane_row_at(const struct pane *p, const struct rect *body, int y);

#endif
