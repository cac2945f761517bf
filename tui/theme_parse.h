/*
 * theme_parse: the pure half of themes (STYLE.md §7). Parses theme text —
 * lines `color <element> <fg> <bg> [bold|underline|reverse|dim|blink]...`,
 * `#` comments — into a table of {fg, bg, attrs} per semantic element. Colours
 * are names (black red green yellow blue magenta cyan white, bright-<name>),
 * numbers 0-255, or `default` (the terminal's own, transparent background).
 * Problems are reported as `file:line: reason` through a callback and never
 * fail the parse: the line is skipped and the earlier value kept.
 *
 * No curses, no I/O except theme_parse_file() reading the named file. The
 * element list is the single source of element names and help text.
 */
#ifndef ARMORTOP_TUI_THEME_PARSE_H
#define ARMORTOP_TUI_THEME_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Semantic elements: id, name in theme files, what it colours. */
#define THEME_ELEMENT_LIST(_)                                                                      \
    _(TE_NORMAL, "normal", "ordinary text")                                                        \
    _(TE_HEADER, "header", "the header lines at the top")                                          \
    _(TE_HEADER_KEY, "header.key", "labels in the header")                                         \
    _(TE_HEADER_VALUE, "header.value", "values in the header")                                     \
    _(TE_BADGE, "badge", "[READ-ONLY] and [KIOSK]")                                                \
    _(TE_STALE, "stale", "the age of stale data")                                                  \
    _(TE_TITLE, "title", "the pane title bar")                                                     \
    _(TE_COLUMN, "column", "column headings")                                                      \
    _(TE_COLUMN_SORTED, "column.sorted", "the heading of the sort column")                         \
    _(TE_ROW_SELECTED, "row.selected", "the selected row")                                         \
    _(TE_STATUS_OK, "status.ok", "confinement as declared")                                        \
    _(TE_STATUS_MISMATCH, "status.mismatch", "actual differs from declared")                       \
    _(TE_STATUS_UNCONFINED, "status.unconfined", "runs unconfined")                                \
    _(TE_STATUS_COMPLAIN, "status.complain", "profile in complain mode")                           \
    _(TE_STATUS_BLOCKED, "status.blocked", "profile not loaded: container cannot start")           \
    _(TE_STATUS_UNKNOWN, "status.unknown", "no agent data")                                        \
    _(TE_SEV_CRITICAL, "severity.critical", "critical findings")                                   \
    _(TE_SEV_WARNING, "severity.warning", "warnings")                                              \
    _(TE_SEV_INFO, "severity.info", "informational findings")                                      \
    _(TE_DIM, "dim", "secondary text, placeholders")                                               \
    _(TE_EMPTY, "empty", "empty-state explanations")                                               \
    _(TE_KEY, "key", "key names in the status and help lines")                                     \
    _(TE_FILTER, "filter", "the filter text")                                                      \
    _(TE_PROMPT, "prompt", "the / and : prompt line")                                              \
    _(TE_ERROR, "error", "errors in the status line")                                              \
    _(TE_INFO, "info", "messages in the status line")                                              \
    _(TE_DETAIL_LABEL, "detail.label", "labels in drill-down views")                               \
    _(TE_DETAIL_HINT, "detail.hint", "fix hints in drill-down views")                              \
    _(TE_BORDER, "border", "separator lines")

#define THEME_ELEMENT_ENUM_(id, name, help) id,
enum theme_element { THEME_ELEMENT_LIST(THEME_ELEMENT_ENUM_) TE__COUNT };
#undef THEME_ELEMENT_ENUM_

/* Our own attribute bits (theme.c maps them to curses'). */
enum {
    THEME_ATTR_BOLD = 1 << 0,
    THEME_ATTR_UNDERLINE = 1 << 1,
    THEME_ATTR_REVERSE = 1 << 2,
    THEME_ATTR_DIM = 1 << 3,
    THEME_ATTR_BLINK = 1 << 4,
};

#define THEME_COLOR_DEFAULT (-1) /* the terminal's own colour */

struct theme_style {
    bool is_set;     /* a line set it */
    short fg, bg;    /* -1 (default) or 0..255 */
    unsigned attrs;  /* THEME_ATTR_* */
};

struct theme_spec {
    struct theme_style el[TE__COUNT];
};

/* Receives one warning, "file:line: reason" (no newline). */
typedef void (*theme_warn_fn)(void *ud, const char *msg);

/* Static name / help of an element; NULL when out of range. */
const char *theme_element_name(enum theme_element te);
const char *theme_element_help(enum theme_element te);
/* Element by name; -1 when unknown. */
int theme_element_find(const char *name);

/* Colour by name ("red", "bright-blue", "default", "0".."255"); returns true and
 * sets *out (THEME_COLOR_DEFAULT for "default"). */
bool theme_color_parse(const char *s, short *out);

/* Parse text (NUL-terminated, borrowed) onto spec: each valid line overwrites
 * its element, so parsing a user file over the defaults overlays them. fname
 * is used in warnings only. Returns the number of warnings (0 = clean). */
int theme_parse_text(struct theme_spec *spec, const char *text, const char *fname,
                     theme_warn_fn warn, void *ud);

/* Read and parse a file onto spec. Returns warnings count, or -1 when the file
 * cannot be read (one warning says why). */
int theme_parse_file(struct theme_spec *spec, const char *path, theme_warn_fn warn, void *ud);

/* Fill elements that no line set from their fallback (e.g. row.selected →
 * reverse, status.* → normal) so every element has a style. */
void theme_spec_fill_defaults(struct theme_spec *spec);

/* Reduce colours above 7 to the closest of the 8 basic colours (bright-x →
 * x + bold), for terminals with 8 or 16 colours. colors = COLORS of the
 * terminal. */
void theme_spec_reduce(struct theme_spec *spec, int colors);

/* The built-in theme texts (generated from themes/default.theme and
 * themes/mono.theme; the latter is used when there are no colours). */
extern const char theme_default_text[];
extern const char theme_mono_text[];

/* Find built-in or installed theme text: NAME ("default", or a file
 * themes/NAME.theme under $ARMORTOP_THEME_DIR, the source tree, PREFIX/share)
 * or a path containing '/'. Returns an owned path, or NULL (then NAME
 * "default" means theme_default_text). */
char *theme_find_file(const char *name_or_path);

#endif
