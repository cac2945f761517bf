/*
 * filter: the `/` filter of the panes. Plain text is a case-insensitive
 * substring; `re:` makes the rest a POSIX extended regular expression (case
 * insensitive); a leading `!` inverts either. The empty filter matches all.
 * Matching runs against a row's lower-cased "haystack" (its cells joined by
 * tabs, built once per recalc by table.c), so a keystroke costs one strstr or
 * regexec per row. Pure; no curses.
 */
#ifndef ARMORTOP_TUI_FILTER_H
#define ARMORTOP_TUI_FILTER_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

struct filter {
    char *text;        /* as typed, owned; NULL when inactive */
    bool is_active;    /* non-empty and valid */
    bool is_invert;    /* leading '!' */
    bool is_regex;     /* "re:" prefix */
    bool has_re;       /* re is compiled (free it) */
    regex_t re;
    char *needle;      /* lower-cased substring, owned */
    char err[160];     /* why an invalid filter is not active, "" otherwise */
};

void filter_init(struct filter *f);
void filter_done(struct filter *f);

/* Set the filter from text (borrowed, NULL or "" clears it). Returns 0, or -1
 * when the regular expression is invalid: then the filter is inactive
 * (matches everything) and f->err says why. */
int filter_set(struct filter *f, const char *text);

/* Does a row match? hay is the row's lower-cased haystack. */
bool filter_match(const struct filter *f, const char *hay);

/* Would new_text only remove rows from what old matches (plain substring,
 * not inverted, new extends old)? Then a caller may filter the previous result
 * instead of all rows. */
bool filter_narrows(const struct filter *old, const char *new_text);

/* Lower-case ASCII of s into a new owned string. */
char *filter_lower_dup(const char *s);

#endif
