/*
 * text: display width of UTF-8 strings and fitting them into a number of
 * terminal columns without splitting a character, for the panes' cells.
 * Wide (East Asian) characters count two columns, combining marks zero;
 * control characters are shown as '?' so data from the cluster can never move
 * the cursor. Pure (uses wcwidth(), so the caller sets an UTF-8 LC_CTYPE);
 * no curses.
 */
#ifndef ARMORTOP_TUI_TEXT_H
#define ARMORTOP_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Display width in columns of s (NULL = 0). */
int text_width(const char *s);

/* Write s into out (out_len bytes, always NUL-terminated) fitted to exactly
 * width columns: padded with spaces (on the left when is_right), or cut with
 * a trailing '~' when too wide; a wide character that would straddle the edge
 * is replaced by a space. Control characters become '?'. Returns the number
 * of bytes written. */
size_t text_fit(const char *s, int width, bool is_right, char *out, size_t out_len);

/* Decode one UTF-8 character at s into *cp; returns its byte length (>= 1; an
 * invalid byte decodes as U+FFFD of length 1). s must not be at the NUL. */
size_t text_utf8_next(const char *s, unsigned *cp);

/* Encode code point cp as UTF-8 into buf (at least 5 bytes), NUL-terminated.
 * Returns the byte length (0 for an invalid code point). */
size_t text_utf8_put(unsigned cp, char *buf);

/* Width of one code point: 0, 1 or 2 (control characters 1, shown as '?'). */
int text_cp_width(unsigned cp);

/* Large type for wall screens (the kiosk banner): TEXT_BIG_H rows high, each
 * glyph TEXT_BIG_GLYPH_W columns wide with one blank column between glyphs.
 * The built-in glyph table knows the digits 0-9, '/', '-', '?', 'k' and ' '. */
#define TEXT_BIG_H 3
#define TEXT_BIG_GLYPH_W 3

/* Columns s takes in large type, or -1 when s is NULL, empty or holds a
 * character without a glyph. */
int text_big_width(const char *s);

/* Render s in large type into the TEXT_BIG_H caller-owned buffers rows[]
 * (row_len bytes each, always NUL-terminated): UTF-8 half and full blocks
 * when is_utf8, otherwise ASCII ('#' for a full cell, '"' and '_' for the
 * upper and lower halves). Returns the width in columns (text_big_width), or
 * -1, with empty rows, when s has no large form or a row does not fit. */
int text_big(const char *s, bool is_utf8, char *const rows[TEXT_BIG_H], size_t row_len);

#endif
