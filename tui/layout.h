/*
 * layout: where each part of the screen goes, as a pure function of the
 * terminal size (NeoMutt-style: tested by serialising the geometry, no
 * terminal needed). From top to bottom: header (2 lines, 1 on short screens,
 * none on tiny ones), the pane title bar, the pane body, the status line.
 * No curses.
 */
#ifndef ARMORTOP_TUI_LAYOUT_H
#define ARMORTOP_TUI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

struct rect {
    int y, x, h, w; /* h or w 0: not shown */
};

struct layout {
    int rows, cols;
    struct rect header;
    struct rect title;
    struct rect body;
    struct rect status;
    bool is_too_small; /* below 20x4: only a message is drawn */
};

#define LAYOUT_MIN_COLS 20
#define LAYOUT_MIN_ROWS 4

/* Compute the layout of a rows x cols terminal into *out. Negative sizes count
 * as 0. Never fails. */
void layout_compute(int rows, int cols, struct layout *out);

/* Serialise as lines "name y,x hxw" (e.g. "body 3,0 19x80"), one per area, into
 * buf (always NUL-terminated). Returns buf. */
const char *layout_serialize(const struct layout *l, char *buf, size_t len);

#endif
