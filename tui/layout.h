/*
 * layout: where each part of the screen goes, as a pure function of the
 * terminal size (NeoMutt-style: tested by serialising the geometry, no
 * terminal needed). From top to bottom: header (2 lines, 1 on short screens,
 * none on tiny ones; in kiosk mode on a screen of at least 24x80 the
 * large-type banner of LAYOUT_BANNER_H lines), the pane title bar, the pane
 * body, the status line. No curses.
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
    bool has_banner;   /* the header is the kiosk's large-type banner */
};

#define LAYOUT_MIN_COLS 20
#define LAYOUT_MIN_ROWS 4
/* The kiosk banner: one line of context and data age, 3 lines of big digits,
 * one line of labels; only from LAYOUT_BANNER_MIN_ROWS x _COLS up. */
#define LAYOUT_BANNER_H 5
#define LAYOUT_BANNER_MIN_ROWS 24
#define LAYOUT_BANNER_MIN_COLS 80

/* Compute the layout of a rows x cols terminal into *out. Negative sizes count
 * as 0. Never fails. */
void layout_compute(int rows, int cols, struct layout *out);

/* The same for kiosk mode: when the terminal has at least
 * LAYOUT_BANNER_MIN_ROWS rows and LAYOUT_BANNER_MIN_COLS columns the header is
 * the LAYOUT_BANNER_H-line banner (has_banner set) and the body gets the rest;
 * smaller terminals get exactly layout_compute()'s geometry. Never fails. */
void layout_compute_kiosk(int rows, int cols, struct layout *out);

/* Serialise as lines "name y,x hxw" (e.g. "body 3,0 19x80"), one per area,
 * after a first line "screen RxC" (with " too-small" or " banner"), into
 * buf (always NUL-terminated). Returns buf. */
const char *layout_serialize(const struct layout *l, char *buf, size_t len);

#endif
