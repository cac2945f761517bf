/*
 * curses: the only header in armortop that includes the curses library
 * (STYLE.md §1, as htop's ProvideCurses.h). Wide-character ncursesw is
 * required: cells are drawn with the wide API so UTF-8 names keep their width.
 * Nothing in core/ may include this; tui files that draw include it, pure tui
 * modules (layout, table, filter, theme_parse, script) must not.
 */
#ifndef ARMORTOP_TUI_CURSES_H
#define ARMORTOP_TUI_CURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <curses.h>

#endif
