/*
 * theme: applying a parsed theme to the terminal (the curses half of
 * STYLE.md §7). theme_load() builds the spec — built-in default theme, then
 * the named theme or file on top — reduces 256 colours to 16 or 8 when the
 * terminal has fewer, and allocates one colour pair per element; with
 * NO_COLOR set or a terminal without colours only attributes are used.
 * Panes only ever ask theme_attr(TE_...): no raw colours outside this file.
 */
#ifndef ARMORTOP_TUI_THEME_H
#define ARMORTOP_TUI_THEME_H

#include <stddef.h>

#include "curses.h"
#include "theme_parse.h"

/* Load and apply a theme (NULL or "default" = the built-in one, which any
 * other theme overlays) after initscr/newterm. The first warning (file:line: reason) goes to warn
 * (may be NULL). Returns 0, or -1 when the theme cannot be found or read (the
 * previous theme stays). */
int theme_load(const char *name_or_path, char *warn, size_t warn_len);

/* The curses attributes (colour pair included) of an element. */
attr_t theme_attr(int te);

/* Name of the theme in use, and whether colours are off. */
const char *theme_name(void);
bool theme_is_mono(void);

#endif
